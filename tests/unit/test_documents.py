"""The `cadena/1` documents: one description (the pydantic models) behind the shipped JSON Schema and
the service's OpenAPI; actors named by administration and role."""

from __future__ import annotations

import json
import time

import jsonschema

from cadena_client.document import actor_label, json_schema
from cadena_client.domain.event import Event
from cadena_client.schema import models


def test_the_shipped_json_schema_is_the_one_the_models_make():
    """Fails when the models change and `python -m cadena_client.schema` was not run (or the file was edited)."""
    shipped = json.loads(models.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped == models.json_schema(), "run `python -m cadena_client.schema` and commit cadena-1.json"
    assert json_schema() == shipped
    jsonschema.Draft202012Validator.check_schema(shipped)


def test_the_schema_knows_every_verdict_and_refuses_what_is_not_a_tin():
    validator = jsonschema.Draft202012Validator(json_schema())
    answer = {
        "schema": "cadena/1",
        "kind": "verification",
        "importing_country": "PE",
        "tin": "MXAAA010101AAA",
        "recognised": False,
        "benefits": None,
        "verdict": "issuer_suspended",  # missing from the hand-kept schema
    }
    assert validator.is_valid(answer)
    assert not validator.is_valid({**answer, "tin": "XXAAA010101AAA"})  # no such country
    assert not validator.is_valid({**answer, "verdict": "maybe"})


def event(name: str, actor: str, **args) -> Event:
    return Event(
        name, 1, 0, "0x" + "00" * 32, 0, args.pop("tin", None), args.pop("country", None), None, actor, None, args
    )


def test_actors_are_named_by_administration_and_role():
    officer, admin, executor = "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20
    assert actor_label(event("CertificateSuspended", officer, tin="MXAAA010101AAA")) == "Mexico, officer"
    assert actor_label(event("CertificateWithdrawn", officer, tin="MXAAA010101AAA")) == "holder MXAAA010101AAA"
    assert actor_label(event("RoleGranted", admin, country="PE")) == "Peru, admin"
    executed = event("ProposalExecuted", executor)
    assert actor_label(executed) == executor  # the event alone does not say who it was
    assert actor_label(executed, {executor: [("CR", "admin")]}) == "Costa Rica, admin"  # the mirror's roles do


def test_a_mirror_that_misses_blocks_is_never_0_seconds_behind():
    """`verify --offline --max-lag 0` refuses a mirror a block behind even when it synced a moment ago
    (its lag was rounded to 0.0 within 50 ms of the sync, and the answer was given)."""
    from cadena_client.document import as_of
    from cadena_client.mirror.store import Position

    now = time.time()
    assert as_of(Position(10, int(now), now), head=11)["lag_seconds"] > 0
    assert as_of(Position(10, int(now), now - 2.04), head=11)["lag_seconds"] == 2.1  # rounded up to a tenth
    assert as_of(Position(10, int(now), now - 60), head=10)["lag_seconds"] == 0  # up to date
    assert as_of(Position(10, int(now), None), head=11)["lag_seconds"] is None  # never reached the head
