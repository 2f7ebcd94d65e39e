"""Reads of the mirror's current-state tables and audit trail, as the library's records: the same
`Certificate`, `Administration`, `MRA` and `Event` the chain client returns."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from cadena_client.domain.event import Event
from cadena_client.domain.model import (
    MRA,
    Administration,
    AdministrationStatus,
    AEOType,
    Benefit,
    Certificate,
    CertificateStatus,
    Party,
    PartyStatus,
    Visibility,
    from_day,
)
from cadena_client.mirror.projection import STANDING, row_event
from cadena_client.mirror.recognition import Recognition

# the name and address only where this mirror holds the master data (opened from an envelope sealed to it)
_PRIVATE = (
    "(SELECT json_extract(m.json, '$.{0}') FROM master_data m WHERE m.tin = certificates.tin "
    "AND m.version = certificates.version AND m.commitment = certificates.commitment)"
)
_CERTIFICATE = (
    "SELECT tin, status, aeo_types, valid_from, expiry, holder, version, commitment, "
    f"{_PRIVATE.format('name')}, {_PRIVATE.format('address')}, visibility FROM certificates"
)
# what the history of an administration shows: its admission, standing, key recoveries and role changes
ADMINISTRATION_EVENTS = ("AdministrationRegistered", *STANDING, "AdministrationRecovered", "RoleGranted", "RoleRevoked")


def _certificate(row) -> Certificate:
    tin_, status, types, valid_from, expiry, holder, version, commitment, name, address, visibility = row
    return Certificate(
        tin_,
        CertificateStatus(status),
        AEOType(types),
        from_day(valid_from),
        from_day(expiry),
        holder,
        version,
        bytes.fromhex(commitment[2:]),
        name,
        address,
        Visibility(visibility),
    )


def certificate(db: sqlite3.Connection, tin_: str) -> Certificate | None:
    row = db.execute(_CERTIFICATE + " WHERE tin = ?", (tin_,)).fetchone()
    return _certificate(row) if row else None


def certificates(db: sqlite3.Connection, countries: Iterable[str] | None = None) -> list[Certificate]:
    """The certificates of `countries` (default all), by country and TIN."""
    codes = list(countries) if countries is not None else None
    where = f" WHERE country IN ({','.join('?' * len(codes))})" if codes is not None else ""
    return [_certificate(row) for row in db.execute(_CERTIFICATE + where + " ORDER BY country, tin", codes or [])]


def administrations(db: sqlite3.Connection) -> list[Administration]:
    """Every administration with how many certificates it issued, MRAs it is party to and admins it has."""
    rows = db.execute(
        "SELECT a.country, a.name, a.status, "
        "(SELECT COUNT(*) FROM certificates c WHERE c.country = a.country), "
        "(SELECT COUNT(*) FROM mra_parties p WHERE p.country = a.country), "
        "(SELECT COUNT(*) FROM roles r WHERE r.country = a.country AND r.role = 'admin') "
        "FROM administrations a ORDER BY a.country"
    )
    return [
        Administration(code, name, certificates_, mras_, AdministrationStatus(status), admins)
        for code, name, status, certificates_, mras_, admins in rows
    ]


def mras(db: sqlite3.Connection, recognition: Recognition, day: int, code: str | None = None) -> list[MRA]:
    """Every MRA (or those `code` is party to) with its parties and its status on day `day`."""
    found = []
    for mra_id, title, proposer in db.execute("SELECT id, title, proposer FROM mras ORDER BY id"):
        state = recognition.mras[mra_id]
        if code is not None and code not in state.parties:
            continue
        found.append(
            MRA(
                id=mra_id,
                title=title,
                proposer=proposer,
                status=state.status(day),
                benefits=Benefit(state.benefits),
                covered_types=AEOType(state.covered),
                effective_from=from_day(state.effective),
                parties=tuple(Party(c, PartyStatus(s)) for c, s in zip(state.parties, state.statuses, strict=True)),
            )
        )
    return found


def history(db: sqlite3.Connection, tin_: str) -> list[Event]:
    rows = db.execute("SELECT * FROM events WHERE tin = ? ORDER BY block, log_index", (tin_,))
    return [row_event(row) for row in rows]


def administration_history(db: sqlite3.Connection, code: str) -> list[Event]:
    names = ",".join("?" * len(ADMINISTRATION_EVENTS))
    rows = db.execute(
        f"SELECT * FROM events WHERE country = ? AND name IN ({names}) ORDER BY block, log_index",
        (code, *ADMINISTRATION_EVENTS),
    )
    return [row_event(row) for row in rows]


def roles(db: sqlite3.Connection) -> dict[str, list[tuple[str, str]]]:
    """Account -> the (country, "admin" | "officer") roles it holds now."""
    held: dict[str, list[tuple[str, str]]] = {}
    for account, code, role in db.execute("SELECT account, country, role FROM roles ORDER BY country, role"):
        held.setdefault(account, []).append((code, role))
    return held
