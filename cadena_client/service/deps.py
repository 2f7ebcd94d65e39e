"""What the routes depend on (FastAPI `Depends`): the follower of the app, and a consistent read of
its mirror (a `Reader`) with the `as_of` of what was read, once the mirror is ready."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from cadena_client.mirror import Mirror
from cadena_client.schema.models import COUNTRY_REGEX, TIN_REGEX
from cadena_client.service.follower import Follower


def follower(request: Request) -> Follower:
    return request.app.state.follower


@dataclass(frozen=True)
class Reading:
    """The mirror, read under its lock (the syncer waits meanwhile), and what it reflects."""

    reader: Mirror
    as_of: dict


def reading(chosen: Annotated[Follower, Depends(follower)]) -> Iterator[Reading]:
    chosen.check_ready()
    with chosen.lock:
        yield Reading(chosen.mirror, chosen.as_of())


FollowerDep = Annotated[Follower, Depends(follower)]
ReadingDep = Annotated[Reading, Depends(reading)]
TinPath = Annotated[
    str, Path(pattern=TIN_REGEX, description="WCO Trader Identification Number", examples=["MXAAA010101AAA"])
]
TinQuery = Annotated[
    str, Query(pattern=TIN_REGEX, description="WCO Trader Identification Number", examples=["MXAAA010101AAA"])
]
CountryQuery = Annotated[str, Query(pattern=COUNTRY_REGEX, description="ISO 3166-1 alpha-2 code", examples=["PE"])]
