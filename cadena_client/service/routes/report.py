"""The joint committee's report on an MRA as JSON, and this service's own records (when it saw each
change, how many verifications it answered) for a report gathered from several partners' services
(`cadena report --service URL`)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from cadena_client.document import document
from cadena_client.errors import NotFoundError
from cadena_client.report import committee, usage
from cadena_client.schema.models import ReportDocument, UsageDocument
from cadena_client.service.answers import NOT_FOUND, REFUSALS, UNAVAILABLE
from cadena_client.service.deps import FollowerDep

router = APIRouter(prefix="/v1", tags=["report"], responses={**REFUSALS, **UNAVAILABLE, **NOT_FOUND})


def _period(start: date, end: date) -> committee.Period:
    """The days from `start` to `end`; none (404) when the end comes first."""
    if end < start:
        raise NotFoundError(f"no days from {start} to {end}: the end comes before the start")
    return committee.Period(start, end)


@router.get("/report", response_model=ReportDocument)
def report(follower: FollowerDep, mra: int, start: date, end: date) -> dict:
    """The joint committee's report on MRA `mra` from `start` to `end` (days, UTC), from this service's view;
    404 when there is no such MRA."""
    follower.check_ready()
    period = _period(start, end)
    follower.usage.flush(follower.lock)
    with follower.lock:
        events = follower.mirror.feed(0, limit=10**9)
        records = usage.observations(follower.mirror.db, period.opening, period.closing)
        reflects = follower.as_of()
    return {**document("report", committee.build(events, mra, period, records)), "as_of": reflects}


@router.get("/usage", response_model=UsageDocument)
def recorded(follower: FollowerDep, start: date, end: date) -> dict:
    """What this service recorded from `start` to `end`: when it saw each change, and its verifications
    counted by day, importing and issuing country and verdict (no company named)."""
    period = _period(start, end)
    follower.usage.flush(follower.lock)
    with follower.lock:
        records = usage.observations(follower.mirror.db, period.opening, period.closing)
    return {**document("usage", records), "as_of": follower.as_of()}
