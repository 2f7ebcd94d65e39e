"""The contract's events projected into the mirror's current-state tables, as the contract applied
them to its storage: administrations, who holds which role, certificates, MRAs and their parties;
and, with the mirror's exchange keys, the private `master_data` it can open from the envelopes sealed
to its own country, each checked against the commitment on chain, deleted again on an erasure."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import TYPE_CHECKING

from cadena_client.contract.codec import country_roles
from cadena_client.domain.event import Event
from cadena_client.domain.lifecycle import BY_EVENT, PARTICIPATION_BY_EVENT
from cadena_client.domain.model import AdministrationStatus, CertificateStatus, PartyStatus

if TYPE_CHECKING:
    from cadena_client.confidential.keys import ExchangeKeys

LOG = logging.getLogger(__name__)

# the events of governance decisions on an administration's standing, and the standing each leaves
STANDING = {
    "AdministrationSuspended": AdministrationStatus.SUSPENDED,
    "AdministrationExpelled": AdministrationStatus.EXPELLED,
    "AdministrationReinstated": AdministrationStatus.ACTIVE,
}
STATE_TABLES = ("administrations", "roles", "certificates", "mras", "mra_parties", "master_data", "master_data_erased")
SEALING_EVENTS = ("CertificateIssued", "CertificateUpdated", "MasterDataShared", "MasterDataErased")


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


def replay(db: sqlite3.Connection, exchange: ExchangeKeys | None = None) -> None:
    """Rebuilds the current-state tables from the recorded events (the private master data too, with
    the exchange keys that open it)."""
    for table in STATE_TABLES:
        db.execute(f"DELETE FROM {table}")
    events = [row_event(r) for r in db.execute("SELECT * FROM events ORDER BY block, log_index").fetchall()]
    apply(db, events)
    open_sealed(db, events, exchange)


def open_sealed(db: sqlite3.Connection, events: Iterable[Event], exchange: ExchangeKeys | None) -> int:
    """Keeps the master data sealed to `exchange`'s country in `events` (applied already), each checked
    against the commitment of its version on chain; deletes it on an erasure, after which envelopes of
    the erased versions are not opened again. Returns how many records it kept."""
    from cadena_client.confidential.envelope import open_for

    kept = 0
    state: dict[str, list] = {}  # TIN -> [version, commitment, visibility] as of the event (the tables: as of the last)
    for event in events:
        if event.name == "ConsentChanged" and event.tin in state:
            state[event.tin][2] = event.args["visibility"]
        if event.name not in SEALING_EVENTS or event.tin is None:
            continue
        tin, args = event.tin, event.args
        if tin not in state:
            row = db.execute(
                "SELECT version, commitment, visibility FROM certificates WHERE tin = ?", (tin,)
            ).fetchone()
            state[tin] = list(row) if row else [0, None, 0]
        if event.name in ("CertificateIssued", "CertificateUpdated"):
            state[tin] = [args.get("version", state[tin][0]), args["commitment"], args.get("visibility", 0)]
        version, commitment, visibility = state[tin]
        if event.name == "MasterDataErased":
            db.execute("DELETE FROM master_data WHERE tin = ?", (tin,))
            db.execute("INSERT OR REPLACE INTO master_data_erased VALUES (?, ?, ?)", (tin, version, event.block))
            continue
        envelope = bytes.fromhex(str(args.get("envelope") or "0x")[2:])
        if exchange is None or not envelope:
            continue
        if event.name == "MasterDataShared" and args["version"] != version:
            continue  # an envelope of an older version: its commitment is gone from the chain
        erased = db.execute("SELECT version FROM master_data_erased WHERE tin = ?", (tin,)).fetchone()
        if erased and version <= erased[0]:
            continue
        master = open_for(envelope, exchange.country, exchange.private_key)
        if master is None:
            continue
        if master.tin != tin or "0x" + master.commitment.hex() != commitment:
            LOG.warning(
                "refused the master data sealed for %s in block %s: it does not match its commitment", tin, event.block
            )
            continue
        db.execute(
            "INSERT OR REPLACE INTO master_data VALUES (?, ?, ?, ?, ?, ?)",
            (tin, version, master.canonical().decode(), visibility, commitment, event.block),
        )
        kept += 1
    return kept


def changes(event: Event) -> Iterator[tuple[str, tuple]]:
    """The SQL statements (with their parameters) that apply one event."""
    data, name = event.args, event.name
    if name == "AdministrationRegistered":
        yield (
            "INSERT OR REPLACE INTO administrations (country, name, admin, status) VALUES (?, ?, ?, ?)",
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
            code, kind = held
            sql = (
                "INSERT OR IGNORE INTO roles VALUES (?, ?, ?)"
                if name == "RoleGranted"
                else ("DELETE FROM roles WHERE account = ? AND country = ? AND role = ?")
            )
            yield sql, (data["account"], code, kind)
    elif name == "ExchangeKeySet":
        key = None if int(data["publicKey"], 16) == 0 else data["publicKey"]
        yield "UPDATE administrations SET exchange_key = ? WHERE country = ?", (key, event.country)
    elif name == "ConsentChanged":
        yield "UPDATE certificates SET visibility = ? WHERE tin = ?", (data["visibility"], event.tin)
    elif name in ("CertificateIssued", "CertificateUpdated"):
        master = (
            data["aeoTypes"],
            data["validFrom"],
            data["expiry"],
            None if int(data["holder"], 16) == 0 else data["holder"],
            data["commitment"],
            data.get("visibility", 0),
            event.block,
        )
        if name == "CertificateIssued":
            yield (
                "INSERT OR REPLACE INTO certificates (tin, country, status, version, aeo_types, valid_from, expiry, "
                "holder, commitment, visibility, block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.tin, str(event.tin)[:2], int(CertificateStatus.ACTIVE), data["version"], *master),
            )
        else:
            yield (
                "UPDATE certificates SET aeo_types = ?, valid_from = ?, expiry = ?, holder = ?, commitment = ?, "
                "visibility = ?, block = ? WHERE tin = ?",
                (*master, event.tin),
            )
    elif name in BY_EVENT:
        status = BY_EVENT[name].result
        assert status is not None  # every step the contract records ends in a status
        yield "UPDATE certificates SET status = ?, block = ? WHERE tin = ?", (int(status), event.block, event.tin)
    elif name == "MRAProposed":
        yield (
            "INSERT OR REPLACE INTO mras (id, title, proposer, benefits, covered_types, effective_from, "
            "consent_required) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.mra_id,
                data["title"],
                data["proposer"],
                data["benefits"],
                data["coveredTypes"],
                data["effectiveFrom"],
                int(data.get("consentRequired", False)),
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
