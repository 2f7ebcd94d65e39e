"""`/v1/verify`: is an operator a recognised AEO for an import into a country, with which benefits.

The hot door of the service. Answers come from the mirror's in-memory recognition tables; a batch
is answered in a worker thread (the event loop keeps serving meanwhile) holding the mirror's lock
only for the look-ups. Every item with the same verdict and benefits ends the same way, so its JSON
is written once per batch and each TIN costs one string join (TINs are checked against their
pattern, so none needs escaping)."""

from __future__ import annotations

import json
import re
import time
from contextlib import nullcontext
from datetime import date
from functools import lru_cache
from typing import Annotated

import anyio
from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cadena_client.document import dumps, plain
from cadena_client.domain.model import Benefit, Verdict
from cadena_client.schema.models import (
    COUNTRY_REGEX,
    SCHEMA,
    TIN_REGEX,
    Country,
    Error,
    Tin,
    VerificationDocument,
    VerificationsDocument,
)
from cadena_client.service.answers import MAX_BATCH, REFUSALS, UNAVAILABLE
from cadena_client.service.deps import CountryQuery, FollowerDep, TinQuery
from cadena_client.service.follower import Follower

COUNTRY, TIN = re.compile(COUNTRY_REGEX), re.compile(TIN_REGEX)
router = APIRouter(prefix="/v1", tags=["verification"], responses={**REFUSALS, **UNAVAILABLE})


class Batch(BaseModel):
    """The body of POST /v1/verify."""

    importer: Country
    tins: list[Tin] = Field(max_length=MAX_BATCH)


@lru_cache(maxsize=1024)
def _tail(benefits: int, verdict: Verdict) -> str:
    """The JSON of a verification after its TIN."""
    labels = Benefit(benefits).labels() if benefits else None
    recognised = verdict is Verdict.RECOGNISED
    return f', "recognised": {json.dumps(recognised)}, "benefits": {json.dumps(labels)}, "verdict": "{verdict.name.lower()}"}}'


def _items(follower: Follower, importer: str, tins: list[str], locked: bool = False) -> tuple[list[str], str]:
    """The JSON of each verification, and of the `as_of` of the state they were read from (`locked`:
    the caller holds the mirror's lock already)."""
    day = int(time.time()) // 86400
    with nullcontext() if locked else follower.lock:
        answers = follower.mirror.recognition.verify_many(importer, tins, day)
        reflects = follower.as_of_json()
    follower.usage.answered(importer, tins, [verdict for _, _, verdict in answers])
    head = f'{{"importing_country": "{importer}", "tin": "'
    return [
        head + tin + '"' + _tail(benefits, verdict) for tin, (_, benefits, verdict) in zip(tins, answers, strict=True)
    ], reflects


def _verification(follower: Follower, importer: str, tin: str, locked: bool = False) -> bytes:
    """The verification document of one TIN."""
    (item,), reflects = _items(follower, importer, [tin], locked)
    return f'{{"schema": "{SCHEMA}", "kind": "verification", {item[1:-1]}, "as_of": {reflects}}}'.encode()


def _verification_on(follower: Follower, importer: str, tin: str, day: date) -> bytes:
    """The verification document of one TIN as it stood at the end of `day`."""
    from cadena_client.mirror.asof import verify_on

    with follower.lock:
        (past,) = verify_on(follower.mirror, importer, [tin], day)
        reflects = follower.as_of()
    return dumps("verification", {**plain(past), "as_of": reflects}, indent=None).encode()


class QuickVerify:
    """ASGI middleware: answers a well-formed GET /v1/verify itself, without FastAPI's machinery, when
    the mirror is ready and free; anything else (a mistake, not ready, a sync running) goes on to the
    route below, which answers the same document or the documented refusal."""

    def __init__(self, app, follower: Follower):
        self.app, self.follower = app, follower

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/v1/verify" and scope["method"] == "GET":
            asked: dict[bytes, list[str]] = {}
            for pair in scope["query_string"].split(b"&"):  # (a %-escaped value fails the patterns: the route's)
                name, _, value = pair.partition(b"=")
                asked.setdefault(name, []).append(value.decode("latin-1"))
            importer, tin = asked.get(b"importer", ()), asked.get(b"tin", ())
            follower = self.follower
            if (
                len(importer) == len(tin) == 1
                and b"at" not in asked
                and COUNTRY.fullmatch(importer[0])
                and TIN.fullmatch(tin[0])
                and follower.ready()
                and follower.lock.acquire(blocking=False)
            ):
                try:
                    body = _verification(follower, importer[0], tin[0], locked=True)
                finally:
                    follower.lock.release()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


@router.get("/verify", response_model=VerificationDocument)
async def verify(
    follower: FollowerDep,
    importer: CountryQuery,
    tin: TinQuery,
    at: Annotated[date | None, Query(description="As it stood at the end of this day (UTC)")] = None,
) -> Response:
    """Is the AEO of `tin` recognised for an import into `importer`, with which benefits, and why; with
    `at` (YYYY-MM-DD), as it stood at the end of that day, from the audit trail."""
    follower.check_ready()  # (a well-formed request the mirror can answer at once is QuickVerify's)
    if at is not None:
        return Response(
            await anyio.to_thread.run_sync(_verification_on, follower, importer, tin, at), media_type="application/json"
        )
    body = await anyio.to_thread.run_sync(_verification, follower, importer, tin)  # never waits on the loop
    return Response(body, media_type="application/json")


@router.post(
    "/verify",
    response_model=VerificationsDocument,
    responses={413: {"model": Error, "description": "A body over 1 MiB"}},
)
def verify_many(follower: FollowerDep, batch: Annotated[Batch, Body()]) -> Response:
    """`verify` for up to 10,000 TINs at once, answered in the order given."""
    follower.check_ready()
    items, reflects = _items(follower, batch.importer, batch.tins)
    body = f'{{"schema": "{SCHEMA}", "kind": "verifications", "items": [{", ".join(items)}], "as_of": {reflects}}}'
    return Response(body, media_type="application/json")
