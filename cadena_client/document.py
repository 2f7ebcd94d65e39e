"""The JSON documents CADENA writes: one versioned envelope and one form per record.

Every `--json` output of the CLI (reads and writes) is one document, `{"schema": "cadena/1",
"kind": ..., ...}`, described by the JSON Schema shipped beside this module (schema/cadena-1.json).
A list comes as `items`. Statuses, verdicts and reasons carry their names, dates are ISO 8601 and
times UTC, TINs are text, and the actor of an event comes with the administration it acted for.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import date, datetime, timezone
from enum import Enum, IntFlag
from importlib import resources

from cadena_client.domain.event import Event
from cadena_client.domain.lifecycle import BY_EVENT
from cadena_client.domain.model import Certificate, Reason, Verification, country_name, status_label

SCHEMA = "cadena/1"
_SHARED = {"tin", "actor", "reason", "time", "version", "id", "country", "party", "proposer", "admin", "account"}


def document(kind: str, data) -> dict:
    """The envelope of one output: an object's fields, or a list as `items`."""
    body = plain(data)
    return {"schema": SCHEMA, "kind": kind, **(body if isinstance(body, dict) else {"items": body})}


def dumps(kind: str, data, indent: int | None = 2) -> str:
    return json.dumps(document(kind, data), indent=indent, ensure_ascii=False)


def json_schema() -> dict:
    """The JSON Schema of every document (draft 2020-12)."""
    return json.loads((resources.files("cadena_client") / "schema" / "cadena-1.json").read_text(encoding="utf-8"))


def plain(value):
    """A JSON-ready form of records, enums, flags, dates and bytes."""
    if isinstance(value, Event):
        return event_form(value)
    if isinstance(value, Certificate):
        label = status_label(value.status, value.expiry)
        return {
            **_fields(value),
            "status": value.status.name.lower(),
            "status_label": label,
            "expired": label == "Expired",
        }
    if is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, IntFlag):
        return value.labels()
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def _fields(value) -> dict:
    return {field.name: plain(getattr(value, field.name)) for field in fields(value)}


def iso_time(value: datetime | int | None) -> str | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(value, timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_of(position, head: int | None) -> dict:
    """The block and time a mirror's answers reflect (its `Position`), and how far behind the chain they
    may be: in blocks against the node's `head` (None: the node is unreachable), and in seconds 0 when
    no block is missing, else the time since the mirror last reached the head (changes may be missing)."""
    lag_blocks = None if head is None else max(0, head - position.block)
    if lag_blocks == 0:
        lag_seconds: float | None = 0
    else:
        # a tenth of a second at least, rounded up: a mirror that misses blocks is never 0 s behind
        lag_seconds = (
            None if position.synced_at is None else max(0.1, math.ceil((time.time() - position.synced_at) * 10) / 10)
        )
    return {
        "block": position.block,
        "block_time": iso_time(position.block_time),
        "node": "unreachable" if head is None else "reachable",
        "lag_blocks": lag_blocks,
        "lag_seconds": lag_seconds,
    }


def aeo_row(cert: Certificate, answer: Verification | None = None) -> dict:
    """A certificate as an AEO list shows it (the layout `cadena export` writes and `cert import` reads);
    a partner's certificate also says whether the list's country recognises it, and with which benefits."""
    row = {
        "country": cert.country,
        "tin": cert.tin,
        "name": cert.name or "",
        "address": cert.address or "",
        "aeo_types": cert.aeo_types.labels(),
        "valid_from": str(cert.valid_from or ""),
        "expiry": str(cert.expiry or ""),
        "status": status_label(cert.status, cert.expiry),
        "version": cert.version,
        "holder": cert.holder,
        "visibility": cert.visibility.label,
        "commitment": "0x" + cert.commitment.hex(),
    }
    if answer is not None:
        row["recognised"] = "yes" if answer.recognised else f"no: {answer.verdict.label}"
        row["benefits"] = answer.benefits.labels() if answer.benefits else []
    return row


def actor_label(
    event: Event,
    roles: dict[str, list[tuple[str, str]]] | None = None,
    name: Callable[[str], str] = country_name,
    word: Callable[[str], str] = str,
) -> str:
    """Who acted, as a person reads it: "Mexico, officer", "holder of MXAAA010101AAA", "Peru, admin"
    (`name` and `word` say countries and roles in the reader's language). `roles` (account -> the
    (country, role) it holds, from a mirror) names an actor the event alone does not place; the
    address itself only when nothing else is known."""
    actor = event_form(event)["actor"]
    if actor is None:
        return ""
    if actor["role"] == "holder":
        return f"{word('holder')} {event.tin}"
    if actor["administration"]:
        return f"{name(actor['administration'])}, {word(actor['role'])}"
    held = (roles or {}).get(actor["address"])
    if held:
        return "; ".join(f"{name(code)}, {word(role)}" for code, role in held)
    return actor["address"]


def reason_form(code: int | None) -> dict | None:
    return (
        None
        if code is None
        else {"code": code, "name": Reason.label_of(code) if code in Reason._value2member_map_ else None}
    )


def event_form(event: Event) -> dict:
    """One event of the audit trail or the feed."""
    step = BY_EVENT.get(event.name)
    if step is not None:  # an officer of the TIN's country, or for a withdrawal the holder
        actor = {
            "address": event.actor,
            "administration": None if step.by_holder or not event.tin else event.tin[:2],
            "role": "holder" if step.by_holder else "officer",
        }
    elif event.name == "ProposalExecuted":  # anyone may execute a decision the members took
        actor = {"address": event.actor, "administration": None, "role": "anyone"}
    elif event.actor is not None:  # MRA steps, votes and role changes act for the country they name
        acting_for = event.args.get("proposer") or event.country
        actor = {"address": event.actor, "administration": acting_for, "role": "admin"}
    else:
        actor = None
    master = event.master
    return {
        "seq": event.seq or None,
        "change": event.kind,  # ("kind" is the envelope's)
        "event": event.name,
        "retracted": event.retracted,
        "block": event.block,
        "log_index": event.log_index,
        "tx_hash": event.tx_hash,
        "time": iso_time(event.time),
        "tin": event.tin,
        "country": event.country or (event.tin[:2] if event.tin else None),
        "mra_id": event.mra_id,
        "actor": actor,
        "reason": reason_form(event.reason),
        "version": event.version,
        "master": plain(master) if master else None,
        "status_after": (step.result.name.lower() if step.result else None) if step else None,
        "details": {key: plain(value) for key, value in event.args.items() if key not in _SHARED and not master},
    }
