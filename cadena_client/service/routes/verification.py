"""`/v1/verify`: is an operator a recognised AEO for an import into a country, with which benefits.

The hot door of the service. Answers come from the mirror's in-memory recognition tables; a batch
is answered in a worker thread (the event loop keeps serving meanwhile) holding the mirror's lock
only for the look-ups. Every item with the same verdict and benefits ends the same way, so its JSON
is written once per batch and each TIN costs one string join (TINs are checked against their
pattern, so none needs escaping)."""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from typing import Annotated

import anyio
from fastapi import APIRouter, Body
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cadena_client.domain.model import Benefit, Verdict
from cadena_client.schema.models import SCHEMA, Country, Error, Tin, VerificationDocument, VerificationsDocument
from cadena_client.service.answers import MAX_BATCH, REFUSALS, UNAVAILABLE
from cadena_client.service.deps import CountryQuery, FollowerDep, TinQuery
from cadena_client.service.follower import Follower

router = APIRouter(prefix="/v1", tags=["verification"], responses={**REFUSALS, **UNAVAILABLE})


class Batch(BaseModel):
    """The body of POST /v1/verify."""

    importer: Country
    tins: list[Tin] = Field(max_length=MAX_BATCH)


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
        reflects = follower.as_of()
    head = f'{{"importing_country": "{importer}", "tin": "'
    tails: dict[tuple[int, Verdict], str] = {}
    items = []
    for tin, (_, benefits, verdict) in zip(tins, answers, strict=True):
        tail = tails.get((benefits, verdict))
        if tail is None:
            tail = tails[(benefits, verdict)] = _tail(benefits, verdict)
        items.append(head + tin + '"' + tail)
    return items, json.dumps(reflects)


@router.get("/verify", response_model=VerificationDocument)
async def verify(follower: FollowerDep, importer: CountryQuery, tin: TinQuery) -> Response:
    """Is the AEO of `tin` recognised for an import into `importer`, with which benefits, and why."""
    follower.check_ready()
    if follower.lock.acquire(blocking=False):  # the usual case: answered on the event loop at once
        try:
            (item,), reflects = _items(follower, importer, [tin], locked=True)
        finally:
            follower.lock.release()
    else:  # a sync holds the mirror: wait for it in a worker thread, never on the event loop
        items, reflects = await anyio.to_thread.run_sync(_items, follower, importer, [tin], False)
        (item,) = items
    body = f'{{"schema": "{SCHEMA}", "kind": "verification", {item[1:-1]}, "as_of": {reflects}}}'
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
