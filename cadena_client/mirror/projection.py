"""The contract's events projected into the mirror's current-state tables, as the contract applied
them to its storage: administrations, who holds which role, certificates, MRAs and their parties."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby

from cadena_client.contract.codec import country_roles
from cadena_client.domain.event import Event
from cadena_client.domain.lifecycle import BY_EVENT, PARTICIPATION_BY_EVENT
from cadena_client.domain.model import AdministrationStatus, CertificateStatus, PartyStatus

# the events of governance decisions on an administration's standing, and the standing each leaves
STANDING = {
    "AdministrationSuspended": AdministrationStatus.SUSPENDED,
    "AdministrationExpelled": AdministrationStatus.EXPELLED,
    "AdministrationReinstated": AdministrationStatus.ACTIVE,
}
STATE_TABLES = ("administrations", "roles", "certificates", "mras", "mra_parties")


def row(event: Event) -> tuple:
    """The columns of an event in the events table (without its feed number)."""
    return (
        event.block,
        event.log_index,
        event.tx_hash,
        event.time,
        event.name,
        event.tin,
        event.country,
        event.mra_id,
        event.actor,
        event.reason,
        json.dumps(event.args),
    )


def row_event(values, retracted: bool = False) -> Event:
    """A row of the events table (the event's columns, then its feed number) as an Event."""
    block, log_index, tx_hash, time_, name, tin_, code, mra_id, actor, reason, data, seq = values
    return Event(
        name, block, log_index, tx_hash, time_, tin_, code, mra_id, actor, reason, json.loads(data), retracted, seq
    )


def apply(db: sqlite3.Connection, events: Iterable[Event]) -> None:
    """Applies events in order to the current-state tables. No change reads the tables, so runs of the
    same statement go to SQLite as one executemany."""
    for sql, rows in groupby((change for event in events for change in changes(event)), key=lambda change: change[0]):
        db.executemany(sql, [params for _, params in rows])


def replay(db: sqlite3.Connection) -> None:
    """Rebuilds the current-state tables from the recorded events."""
    for table in STATE_TABLES:
        db.execute(f"DELETE FROM {table}")
    apply(db, [row_event(r) for r in db.execute("SELECT * FROM events ORDER BY block, log_index").fetchall()])


def changes(event: Event) -> Iterator[tuple[str, tuple]]:
    """The SQL statements (with their parameters) that apply one event."""
    data, name = event.args, event.name
    if name == "AdministrationRegistered":
        yield (
            "INSERT OR REPLACE INTO administrations VALUES (?, ?, ?, ?)",
            (event.country, data["name"], data["admin"], int(AdministrationStatus.ACTIVE)),
        )
    elif name in STANDING:
        yield "UPDATE administrations SET status = ? WHERE country = ?", (int(STANDING[name]), event.country)
    elif name == "AdministrationRecovered":  # the recovered admin alone: earlier grants lapse, with no RoleRevoked
        yield "DELETE FROM roles WHERE country = ? AND role = 'admin' AND account != ?", (event.country, data["admin"])
        yield "INSERT OR IGNORE INTO roles VALUES (?, ?, ?)", (data["admin"], event.country, "admin")
    elif name in ("RoleGranted", "RoleRevoked"):
        held = country_roles().get(bytes.fromhex(data["role"][2:]))
        if held is not None:
            code, admin = held
            sql = (
                "INSERT OR IGNORE INTO roles VALUES (?, ?, ?)"
                if name == "RoleGranted"
                else ("DELETE FROM roles WHERE account = ? AND country = ? AND role = ?")
            )
            yield sql, (data["account"], code, "admin" if admin else "officer")
    elif name in ("CertificateIssued", "CertificateUpdated"):
        master = (
            data["aeoTypes"],
            data["validFrom"],
            data["expiry"],
            None if int(data["holder"], 16) == 0 else data["holder"],
            data["commitment"],
            data["name"],
            data["postalAddress"],
            event.block,
        )
        if name == "CertificateIssued":
            yield (
                "INSERT OR REPLACE INTO certificates (tin, country, status, version, aeo_types, valid_from, expiry, "
                "holder, commitment, name, address, block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.tin, str(event.tin)[:2], int(CertificateStatus.ACTIVE), data["version"], *master),
            )
        else:
            yield (
                "UPDATE certificates SET aeo_types = ?, valid_from = ?, expiry = ?, holder = ?, commitment = ?, "
                "name = ?, address = ?, block = ? WHERE tin = ?",
                (*master, event.tin),
            )
    elif name in BY_EVENT:
        status = BY_EVENT[name].result
        assert status is not None  # every step the contract records ends in a status
        yield "UPDATE certificates SET status = ?, block = ? WHERE tin = ?", (int(status), event.block, event.tin)
    elif name == "MRAProposed":
        yield (
            "INSERT OR REPLACE INTO mras VALUES (?, ?, ?, ?, ?, ?)",
            (
                event.mra_id,
                data["title"],
                data["proposer"],
                data["benefits"],
                data["coveredTypes"],
                data["effectiveFrom"],
            ),
        )
        for position, party in enumerate(data["parties"]):
            yield (
                "INSERT OR REPLACE INTO mra_parties VALUES (?, ?, ?, ?)",
                (event.mra_id, position, party, int(PartyStatus.PENDING)),
            )
    elif name in PARTICIPATION_BY_EVENT:
        yield (
            "UPDATE mra_parties SET status = ? WHERE mra_id = ? AND country = ?",
            (int(PARTICIPATION_BY_EVENT[name].result), event.mra_id, event.country),
        )
