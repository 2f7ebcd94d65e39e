"""The report's routes on `cadena serve`: the committee's report as JSON, and this service's own
records (when it saw each change, how many verifications it answered) for a report gathered from
several partners' services (`cadena report --service URL`)."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from cadena_client.document import document
from cadena_client.report import committee, usage


def mount_report(app: FastAPI, follower) -> None:
    """Adds GET /v1/report and GET /v1/usage, read from `follower`'s mirror under its lock."""

    @app.get("/v1/report")
    def report(mra: int, start: date, end: date) -> JSONResponse:  # query: ?mra=1&start=YYYY-MM-DD&end=YYYY-MM-DD
        """The joint committee's report on MRA `mra` from `start` to `end` (days, UTC), from this service's view."""
        period = committee.Period(start, end)
        follower.usage.flush(follower.lock)
        with follower.lock:
            events = follower.mirror.feed(0, limit=10**9)
            records = usage.observations(follower.mirror.db, period.opening, period.closing)
            reflects = follower.as_of()
        return JSONResponse({**document("report", committee.build(events, mra, period, records)), "as_of": reflects})

    @app.get("/v1/usage")
    def recorded(start: date, end: date) -> JSONResponse:
        """What this service recorded from `start` to `end`: when it saw each change, and its verifications
        counted by day, importing and issuing country and verdict (no company named)."""
        period = committee.Period(start, end)
        follower.usage.flush(follower.lock)
        with follower.lock:
            records = usage.observations(follower.mirror.db, period.opening, period.closing)
        return JSONResponse({**document("usage", records), "as_of": follower.as_of()})
