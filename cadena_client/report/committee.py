"""The joint committee's report on one MRA over a period, from the chain's history (the events a mirror
holds) and the services' records (`usage`).

- certificates of each party by status at the start of the first day and at the end of the last;
- the changes between (issued, suspended, ...), per country and per month;
- how fast each change reached each partner: the block's time against the moment the partner's
  service first saw it (changes older than a service's first record are history it caught up on);
- the recognitions the services answered, by importing country, issuing country and verdict;
- the MRA's standing at both dates and the history of its parties.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from cadena_client.domain.event import Event
from cadena_client.domain.lifecycle import BY_EVENT, PARTICIPATION_BY_EVENT
from cadena_client.domain.model import (
    EPOCH,
    AEOType,
    Benefit,
    CertificateStatus,
    InputError,
    MRAStatus,
    PartyStatus,
    status_label,
)
from cadena_client.errors import NotFoundError
from cadena_client.mirror.projection import STANDING
from cadena_client.mirror.recognition import MRAState

STATUS_ORDER = ("Active", "Expired", "Suspended", "Cancelled", "Withdrawn")
ADMINISTRATION_STANDING = ("AdministrationRegistered", *STANDING)


@dataclass(frozen=True)
class Period:
    """From the start of day `start` to the end of day `end` (UTC)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(f"--to {self.end} is before --from {self.start}")

    @property
    def opening(self) -> int:
        return _seconds(self.start)

    @property
    def closing(self) -> int:
        return _seconds(self.end + timedelta(days=1))

    def holds(self, moment: int | None) -> bool:
        return moment is not None and self.opening <= moment < self.closing


def build(events: list[Event], mra_id: int, period: Period, records: dict | None = None) -> dict:
    """The report (a plain dict, the `report` document's body) of MRA `mra_id` over `period`."""
    events = sorted((e for e in events if not e.retracted), key=lambda e: (e.block, e.log_index))
    proposal = next((e for e in events if e.name == "MRAProposed" and e.mra_id == mra_id), None)
    if proposal is None:
        known = sorted({e.mra_id for e in events if e.name == "MRAProposed" and e.mra_id is not None})
        raise NotFoundError(f"no MRA {mra_id} on this chain; its MRAs: {', '.join(map(str, known)) or 'none'}")
    parties = list(proposal.args["parties"])
    records = records or {"observers": [], "seen": [], "answers": []}
    changes = [e for e in events if e.tin and e.tin[:2] in parties and e.name in BY_EVENT and period.holds(e.time)]
    return {
        "mra": {
            "id": mra_id,
            "title": proposal.args["title"],
            "parties": parties,
            "benefits": Benefit(proposal.args["benefits"]).labels() if proposal.args["benefits"] else [],
            "covered_types": AEOType(proposal.args["coveredTypes"]).labels(),
            "effective_from": _day(proposal.args["effectiveFrom"]).isoformat(),
        },
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "certificates": {
            "opening": _certificates(events, parties, period.opening, period.start),
            "closing": _certificates(events, parties, period.closing, period.end),
        },
        "changes": _changes(changes, parties, period),
        "propagation": _propagation(changes, parties, records, period),
        "recognitions": _recognitions(records["answers"], parties, period),
        "standing": _standing(events, proposal, parties, period),
    }


def _certificates(events: list[Event], parties: list[str], before: int, day: date) -> dict[str, dict[str, int]]:
    """Each party's certificates by status label at moment `before` (expired as of `day`)."""
    status: dict[str, CertificateStatus] = {}
    expiry: dict[str, date | None] = {}
    for event in events:
        if event.time is None or event.time >= before or not event.tin or event.tin[:2] not in parties:
            continue
        step = BY_EVENT.get(event.name)
        if event.master:
            expiry[event.tin] = event.master["expiry"]
        if step and step.result:
            status[event.tin] = step.result
    counts = {country: dict.fromkeys(STATUS_ORDER, 0) for country in parties}
    for tin, current in status.items():
        counts[tin[:2]][status_label(current, expiry.get(tin), today=day)] += 1
    return counts


def _changes(changes: list[Event], parties: list[str], period: Period) -> dict:
    kinds = sorted({e.kind for e in changes})
    by_country = {country: dict.fromkeys(kinds, 0) for country in parties}
    for event in changes:
        by_country[event.tin[:2]][event.kind] += 1  # type: ignore[index]
    per_month = Counter(_month(e.time) for e in changes)
    return {
        "total": len(changes),
        "by_country": by_country,
        "by_month": [{"month": month, "count": per_month[month]} for month in _months(period)],
        "items": [
            {"block": e.block, "log_index": e.log_index, "tin": e.tin, "change": e.kind, "time": _iso(e.time)}
            for e in changes
        ],
    }


def _propagation(changes: list[Event], parties: list[str], records: dict, period: Period) -> dict:
    """Seconds from each change's block to the moment each partner's service first saw it."""
    since = {observer: start for observer, start in records["observers"]}
    seen: dict[tuple[int, int, str], float] = {}
    for block, log_index, observer, at in records["seen"]:
        key = (block, log_index, observer)
        seen[key] = min(at, seen.get(key, at))
    partners = sorted(since)
    delays: dict[str, list[float]] = defaultdict(list)
    monthly: dict[str, list[float]] = defaultdict(list)
    unseen: Counter = Counter()
    items = []
    for event in changes:
        observed = {}
        for observer in partners:
            if observer == event.tin[:2] or event.time < since[observer]:  # type: ignore[index,operator]
                continue  # its own change, or history from before the service recorded
            at = seen.get((event.block, event.log_index, observer))
            if at is None:
                unseen[observer] += 1
                continue
            delay = round(max(0.0, at - event.time), 1)  # type: ignore[operator]
            observed[observer] = delay
            delays[observer].append(delay)
            monthly[_month(event.time)].append(delay)
        items.append({"block": event.block, "log_index": event.log_index, "change": event.kind, "seen_after": observed})
    return {
        "by_partner": {
            observer: {
                "changes_seen": len(delays[observer]),
                "not_seen": unseen[observer],
                "median_seconds": _median(delays[observer]),
                "p95_seconds": _quantile(delays[observer], 0.95),
                "max_seconds": max(delays[observer], default=None),
                "recording_since": _iso(int(since[observer])),
                "party": observer in parties,
            }
            for observer in partners
        },
        "by_month": [{"month": month, "median_seconds": _median(monthly[month])} for month in _months(period)],
        "items": items,
    }


def _recognitions(answers: list, parties: list[str], period: Period) -> dict:
    """Verifications the services answered between the MRA's parties (never which company)."""
    first, last = period.opening // 86400, period.closing // 86400 - 1
    by: Counter = Counter()
    per_month: Counter = Counter()
    for day, _observer, importer, issuer, verdict, count in answers:
        if first <= day <= last and importer in parties and issuer in parties and importer != issuer:
            by[importer, issuer, verdict] += count
            per_month[_day(day).strftime("%Y-%m")] += count
    total = sum(by.values())
    recognised = sum(n for (_, _, verdict), n in by.items() if verdict == "recognised")
    return {
        "total": total,
        "recognised": recognised,
        "by": [
            {"importer": importer, "issuer": issuer, "verdict": verdict, "count": count}
            for (importer, issuer, verdict), count in sorted(by.items())
        ],
        "by_month": [{"month": month, "count": per_month[month]} for month in _months(period)],
    }


def _standing(events: list[Event], proposal: Event, parties: list[str], period: Period) -> dict:
    """The MRA's status at both dates, and the history of its parties: signatures, suspensions,
    departures, and their administrations' standing in the network."""
    history = [
        {
            "time": _iso(e.time),
            "country": e.country,
            "event": e.kind,
            "block": e.block,
        }
        for e in events
        if (e.mra_id == proposal.mra_id and e.name in ("MRAProposed", *PARTICIPATION_BY_EVENT))
        or (e.name in ADMINISTRATION_STANDING and e.country in parties)
    ]
    return {
        "opening": _standing_label(_mra_status(events, proposal, period.opening)),
        "closing": _standing_label(_mra_status(events, proposal, period.closing - 1)),
        "parties": {
            country: _party_status(events, proposal, country, period.closing).name.lower() for country in parties
        },
        "history": history,
    }


def _mra_status(events: list[Event], proposal: Event, moment: int) -> MRAStatus:
    if proposal.time is not None and proposal.time > moment:
        return MRAStatus.NONE  # not proposed yet
    parties = tuple(proposal.args["parties"])
    statuses = tuple(_party_status(events, proposal, country, moment + 1) for country in parties)
    state = MRAState(
        proposal.args["benefits"], proposal.args["coveredTypes"], proposal.args["effectiveFrom"], parties, statuses
    )
    return state.status(moment // 86400)


def _standing_label(status: MRAStatus) -> str:
    return "Not proposed yet" if status == MRAStatus.NONE else status.label


def _party_status(events: list[Event], proposal: Event, country: str, before: int) -> PartyStatus:
    status = PartyStatus.PENDING
    for event in events:
        if event.mra_id == proposal.mra_id and event.country == country and event.name in PARTICIPATION_BY_EVENT:
            if event.time is not None and event.time < before:
                status = PARTICIPATION_BY_EVENT[event.name].result
    return status


def _day(number: int) -> date:
    return EPOCH + timedelta(days=number)


def _months(period: Period) -> list[str]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _month(moment: int | None) -> str:
    return datetime.fromtimestamp(moment or 0, timezone.utc).strftime("%Y-%m")


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _quantile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _seconds(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def _iso(moment: int | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
