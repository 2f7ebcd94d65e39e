""" "Was this operator recognised on that date?": the contract's `verify` as it would have answered at
the end of a past day (UTC), from the mirror's audit trail. The events recorded up to then (those of
the asked TINs, and every administration, role and MRA event) are projected into a scratch
database, exactly as a sync projects them, and verified on that day."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from cadena_client.domain.model import EPOCH, Benefit, Certificate, Verification, parse_country, parse_tin
from cadena_client.errors import InputError
from cadena_client.mirror import Mirror, projection, queries
from cadena_client.mirror.recognition import Recognition
from cadena_client.mirror.store import Store


def parse_day(value: str | date, latest: date) -> date:
    """A day up to `latest` (the day of the last block the mirror holds), YYYY-MM-DD."""
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(f"{value!r} is not a date; use YYYY-MM-DD") from None
    if day > latest:
        raise InputError(f"the mirror holds the chain up to {latest}, not {day}: sync it, or ask for an earlier day")
    return day


def last_day(mirror: Mirror) -> date:
    """The day of the last block the mirror holds."""
    block_time = mirror.position().block_time
    return datetime.fromtimestamp(block_time or 0, timezone.utc).date()


def state_on(mirror: Mirror, day: date, tins: list[str]) -> Store:
    """A scratch store holding the state at the end of `day` (UTC) of `tins` and of the network."""
    end = int(datetime.combine(day, time(23, 59, 59), timezone.utc).timestamp())
    marks = ",".join("?" * len(tins))
    rows = mirror.db.execute(
        f"SELECT * FROM events WHERE time <= ? AND (tin IS NULL OR tin IN ({marks})) ORDER BY block, log_index",
        (end, *tins),
    ).fetchall()
    scratch = Store(":memory:", 0, mirror.address, mirror.deploy_block)
    projection.apply(scratch.db, [projection.row_event(row) for row in rows])
    return scratch


def verify_on(mirror: Mirror, importing_country: str, tins: list[str], day: str | date) -> list[Verification]:
    """`verify` of `tins` for an import into `importing_country` as it stood at the end of `day`."""
    importer, valid, when = (
        parse_country(importing_country),
        [parse_tin(t) for t in tins],
        parse_day(day, last_day(mirror)),
    )
    scratch = state_on(mirror, when, valid)
    answers = Recognition.load(scratch.db).verify_many(importer, valid, (when - EPOCH).days)
    return [
        Verification(importer, t, recognised, Benefit(benefits) if benefits else None, verdict)
        for t, (recognised, benefits, verdict) in zip(valid, answers, strict=True)
    ]


def certificate_on(mirror: Mirror, tin: str, day: str | date) -> Certificate | None:
    """The certificate of `tin` as it stood at the end of `day` (None: not issued yet)."""
    code = parse_tin(tin)
    return queries.certificate(state_on(mirror, parse_day(day, last_day(mirror)), [code]).db, code)
