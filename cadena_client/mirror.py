"""A local SQLite mirror of the chain: administrations, certificates, MRAs and the full audit trail.

The mirror is rebuilt from the contract's events alone. `sync()` reads them in chunks that respect
node limits, behind a confirmation depth, commits each chunk with its cursor in one transaction (so
a restart resumes where it stopped and the mirror is consistent at every commit), and handles
reorgs: when a stored block hash no longer matches the chain, the events after the last matching
block are dropped (and reported as retracted) and scanned again. `Recognition` answers `verify`
from memory exactly as the contract does.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .events import DEFAULT_CHUNK, LIFECYCLE_EVENTS, decode, get_logs
from .model import (
    AEOType,
    Benefit,
    CadenaError,
    CertificateStatus,
    MRAStatus,
    PartyStatus,
    Verdict,
    Verification,
    country,
    country_from_bytes2,
    from_day,
    tin,
    tin_from_bytes32,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL, time INTEGER NOT NULL,
    name TEXT NOT NULL, tin TEXT, country TEXT, mra_id INTEGER, actor TEXT, reason INTEGER, data TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS events_by_tin ON events (tin, block, log_index);
CREATE TABLE IF NOT EXISTS administrations (country TEXT PRIMARY KEY, name TEXT NOT NULL, admin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    tin TEXT PRIMARY KEY, country TEXT NOT NULL, status INTEGER NOT NULL, aeo_types INTEGER NOT NULL,
    valid_from INTEGER NOT NULL, expiry INTEGER NOT NULL, holder TEXT, version INTEGER NOT NULL,
    commitment TEXT NOT NULL, name TEXT NOT NULL, address TEXT NOT NULL, block INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS certificates_by_country ON certificates (country);
CREATE TABLE IF NOT EXISTS mras (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, proposer TEXT NOT NULL, benefits INTEGER NOT NULL,
    covered_types INTEGER NOT NULL, effective_from INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mra_parties (
    mra_id INTEGER NOT NULL, position INTEGER NOT NULL, country TEXT NOT NULL, status INTEGER NOT NULL,
    PRIMARY KEY (mra_id, country)
);
"""

_PARTY_EVENTS = {
    "MRASigned": PartyStatus.SIGNED,
    "MRAParticipationSuspended": PartyStatus.SUSPENDED,
    "MRAParticipationResumed": PartyStatus.SIGNED,
    "MRAPartyLeft": PartyStatus.LEFT,
}
_STATUS_AFTER = {
    "issued": CertificateStatus.ACTIVE,
    "suspended": CertificateStatus.SUSPENDED,
    "reinstated": CertificateStatus.ACTIVE,
    "cancelled": CertificateStatus.CANCELLED,
    "withdrawn": CertificateStatus.WITHDRAWN,
}


class MirrorError(CadenaError):
    """The mirror file cannot be used with this deployment."""


@dataclass(frozen=True)
class MirrorEvent:
    """An event as the mirror records it; `retracted` when a reorg removed it from the chain."""

    name: str
    block: int
    log_index: int
    tx_hash: str
    time: int
    tin: str | None
    country: str | None
    mra_id: int | None
    actor: str | None
    reason: int | None
    data: dict
    retracted: bool = False

    @property
    def kind(self) -> str:
        return LIFECYCLE_EVENTS.get(self.name, self.name)

    def as_dict(self) -> dict:
        return {"event": "retracted" if self.retracted else self.kind, "name": self.name, "block": self.block,
                "log_index": self.log_index, "tx_hash": self.tx_hash, "time": self.time, "tin": self.tin,
                "country": self.country, "mra_id": self.mra_id, "actor": self.actor, "reason": self.reason,
                "data": self.data}  # fmt: skip


@dataclass
class SyncResult:
    from_block: int
    to_block: int
    events: list[MirrorEvent] = field(default_factory=list)
    retracted: list[MirrorEvent] = field(default_factory=list)


class Mirror:
    """The SQLite mirror of one deployment."""

    def __init__(self, path: Path | str, chain_id: int, address: str, deploy_block: int):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise MirrorError(f"{self.path} is not a CADENA mirror database: {exc}") from None
        self.db.execute("PRAGMA journal_mode=WAL")
        identity = {"chain_id": str(chain_id), "address": address, "deploy_block": str(deploy_block)}
        stored = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('chain_id', 'address', 'deploy_block')"))
        if stored and stored != identity:
            raise MirrorError(
                f"{self.path} mirrors contract {stored.get('address')} on chain {stored.get('chain_id')}, "
                f"not {address} on chain {chain_id}; give another --mirror file"
            )
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", identity.items())
        self.deploy_block = deploy_block
        self.recognition = Recognition.load(self.db)

    def close(self) -> None:
        self.db.close()

    @property
    def cursor(self) -> int:
        """The last block synced (deploy block - 1 before the first sync)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return int(row[0]) if row else self.deploy_block - 1

    # -- syncing -----------------------------------------------------------------------------------

    def sync(self, contract, confirmations: int = 0, chunk: int = DEFAULT_CHUNK, to_block: int | None = None) -> SyncResult:
        """Brings the mirror up to the chain head minus `confirmations` (or `to_block`)."""
        w3 = contract.w3
        head = w3.eth.block_number - confirmations if to_block is None else to_block
        result = SyncResult(self.cursor + 1, head)
        result.retracted = self._undo_reorg(w3)
        cursor = self.cursor
        block_time = lru_cache(maxsize=256)(lambda number: w3.eth.get_block(number)["timestamp"])
        while cursor < head:
            end = min(cursor + chunk, head)
            logs = get_logs(w3, contract.address, cursor + 1, end, [], chunk)
            end_hash = "0x" + bytes(w3.eth.get_block(end)["hash"]).hex()
            with self.db:
                for log in sorted(logs, key=lambda entry: (entry["blockNumber"], entry["logIndex"])):
                    decoded = decode(contract, log)
                    if decoded is None:
                        continue
                    event = _mirror_event(*decoded, log, block_time)
                    self._record(event, "0x" + bytes(log["blockHash"]).hex())
                    result.events.append(event)
                self.db.execute("INSERT OR REPLACE INTO blocks VALUES (?, ?)", (end, end_hash))
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(end),))
                self.db.execute(
                    "DELETE FROM blocks WHERE number < ? AND number NOT IN (SELECT block FROM events)", (end - 1024,)
                )
            cursor = end
            self.recognition.refresh(self.db, result.events)
        return result

    def follow(self, contract, on_sync: Callable[[SyncResult], None], poll: float = 1.0, confirmations: int = 0,
               chunk: int = DEFAULT_CHUNK, stop: Callable[[], bool] = lambda: False) -> None:  # fmt: skip
        """Syncs every `poll` seconds until `stop()`; `on_sync` sees each result with changes."""
        while not stop():
            result = self.sync(contract, confirmations, chunk)
            if result.events or result.retracted:
                on_sync(result)
            time.sleep(poll)

    def _record(self, event: MirrorEvent, block_hash: str) -> None:
        self.db.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.block, event.log_index, event.tx_hash, event.time, event.name, event.tin, event.country,
             event.mra_id, event.actor, event.reason, json.dumps(event.data)),
        )  # fmt: skip
        self.db.execute("INSERT OR REPLACE INTO blocks VALUES (?, ?)", (event.block, block_hash))
        _apply(self.db, event)

    def _undo_reorg(self, w3) -> list[MirrorEvent]:
        """Rolls back to the newest stored block still on the chain; returns the events removed."""
        stored = self.db.execute("SELECT number, hash FROM blocks ORDER BY number DESC").fetchall()
        ancestor = self.deploy_block - 1
        for number, block_hash in stored:
            block = w3.eth.get_block(number) if number <= w3.eth.block_number else None
            if block is not None and "0x" + bytes(block["hash"]).hex() == block_hash:
                ancestor = number
                break
        if not stored or ancestor == stored[0][0]:
            return []
        retracted = [
            _row_event(row, retracted=True)
            for row in self.db.execute("SELECT * FROM events WHERE block > ? ORDER BY block, log_index", (ancestor,))
        ]
        with self.db:
            self.db.execute("DELETE FROM events WHERE block > ?", (ancestor,))
            self.db.execute("DELETE FROM blocks WHERE number > ?", (ancestor,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(ancestor),))
            self._replay()
        self.recognition = Recognition.load(self.db)
        return retracted

    def _replay(self) -> None:
        """Rebuilds the current-state tables from the recorded events."""
        for table in ("administrations", "certificates", "mras", "mra_parties"):
            self.db.execute(f"DELETE FROM {table}")
        for row in self.db.execute("SELECT * FROM events ORDER BY block, log_index").fetchall():
            _apply(self.db, _row_event(row))

    # -- reading -----------------------------------------------------------------------------------

    def verify(self, importing_country: str, tin_: str, at: float | None = None) -> Verification:
        """The contract's `verify`, answered from memory, on the day of timestamp `at` (default now)."""
        importer, tin_ = country(importing_country), tin(tin_)
        recognised, benefits, verdict = self.recognition.verify(importer, tin_, int(time.time() if at is None else at) // 86400)
        return Verification(importer, tin_, recognised, Benefit(benefits) if benefits else None, verdict)

    def history(self, tin_: str) -> list[MirrorEvent]:
        rows = self.db.execute("SELECT * FROM events WHERE tin = ? ORDER BY block, log_index", (tin(tin_),))
        return [_row_event(row) for row in rows]

    def certificates(self, countries: Iterable[str] | None = None) -> list[dict]:
        query = "SELECT * FROM certificates"
        codes = list(countries) if countries is not None else None
        if codes is not None:
            query += f" WHERE country IN ({','.join('?' * len(codes))})"
        cursor = self.db.execute(query + " ORDER BY country, tin", codes or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def aeo_list(self, code: str, at: float | None = None) -> list[dict]:
        """The AEO list `code` sees: its certificates and its partners' under MRAs in force, as export rows."""
        return [certificate_row(row) for row in self.certificates([code, *self.partners(code, at)])]

    def partners(self, code: str, at: float | None = None) -> list[str]:
        """Countries sharing with `code` an MRA in force on the day of `at` (default now)."""
        return self.recognition.partners(country(code), int(time.time() if at is None else at) // 86400)


def _mirror_event(name: str, args, log, block_time: Callable[[int], int]) -> MirrorEvent:
    data = {key: _plain(value) for key, value in args.items()}
    return MirrorEvent(
        name=name,
        block=log["blockNumber"],
        log_index=log["logIndex"],
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        time=args["time"] if "time" in args else block_time(log["blockNumber"]),
        tin=tin_from_bytes32(args["tin"]) if "tin" in args else None,
        country=country_from_bytes2(code) if (code := args.get("country", args.get("party", args.get("proposer")))) else None,
        mra_id=args.get("id"),
        actor=args.get("actor") or args.get("admin") or args.get("account"),
        reason=args.get("reason"),
        data=data,
    )


def _plain(value):
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        return raw.decode() if len(raw) == 2 else "0x" + raw.hex()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _row_event(row, retracted: bool = False) -> MirrorEvent:
    block, log_index, tx_hash, time_, name, tin_, code, mra_id, actor, reason, data = row
    return MirrorEvent(name, block, log_index, tx_hash, time_, tin_, code, mra_id, actor, reason, json.loads(data), retracted)


def _apply(db: sqlite3.Connection, event: MirrorEvent) -> None:
    """Applies one event to the current-state tables, as the contract applied it to its storage."""
    data, name = event.data, event.name
    if name == "AdministrationRegistered":
        db.execute("INSERT OR REPLACE INTO administrations VALUES (?, ?, ?)", (event.country, data["name"], data["admin"]))
    elif name in ("CertificateIssued", "CertificateUpdated"):
        current = db.execute("SELECT status, version FROM certificates WHERE tin = ?", (event.tin,)).fetchone()
        status, version = (CertificateStatus.ACTIVE, data["version"]) if name == "CertificateIssued" else current
        db.execute(
            "INSERT OR REPLACE INTO certificates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.tin, event.tin[:2], int(status), data["aeoTypes"], data["validFrom"], data["expiry"],
             None if int(data["holder"], 16) == 0 else data["holder"], version, data["commitment"], data["name"],
             data["postalAddress"], event.block),
        )  # fmt: skip
    elif name in LIFECYCLE_EVENTS:
        status = _STATUS_AFTER[LIFECYCLE_EVENTS[name]]
        db.execute("UPDATE certificates SET status = ?, block = ? WHERE tin = ?", (int(status), event.block, event.tin))
    elif name == "MRAProposed":
        db.execute("INSERT OR REPLACE INTO mras VALUES (?, ?, ?, ?, ?, ?)",
                   (event.mra_id, data["title"], data["proposer"], data["benefits"], data["coveredTypes"],
                    data["effectiveFrom"]))  # fmt: skip
        db.executemany("INSERT OR REPLACE INTO mra_parties VALUES (?, ?, ?, ?)",
                       [(event.mra_id, i, party, int(PartyStatus.PENDING)) for i, party in enumerate(data["parties"])])  # fmt: skip
    elif name in _PARTY_EVENTS:
        db.execute("UPDATE mra_parties SET status = ? WHERE mra_id = ? AND country = ?",
                   (int(_PARTY_EVENTS[name]), event.mra_id, event.country))  # fmt: skip


@dataclass(frozen=True)
class MRAState:
    benefits: int
    covered: int
    effective: int
    parties: tuple[str, ...]
    statuses: tuple[PartyStatus, ...]

    @property
    def pending(self) -> bool:
        return PartyStatus.PENDING in self.statuses

    @property
    def members(self) -> int:
        return sum(status != PartyStatus.LEFT for status in self.statuses)

    def active(self, code: str) -> bool:
        return code in self.parties and self.statuses[self.parties.index(code)] == PartyStatus.SIGNED

    def status(self, day: int) -> MRAStatus:
        if self.members < 2:
            return MRAStatus.TERMINATED
        if self.pending:
            return MRAStatus.PROPOSED
        return MRAStatus.CONCLUDED if day < self.effective else MRAStatus.IN_FORCE


class Recognition:
    """In-memory tables for `verify`: certificates by TIN, MRAs by id, MRA ids by pair of countries."""

    def __init__(self):
        self.certificates: dict[str, tuple[int, int, int, int]] = {}
        self.mras: dict[int, MRAState] = {}
        self.pairs: dict[tuple[str, str], list[int]] = {}

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Recognition:
        index = cls()
        for tin_, *fields in db.execute("SELECT tin, status, aeo_types, valid_from, expiry FROM certificates"):
            index.certificates[tin_] = tuple(fields)
        for (mra_id,) in db.execute("SELECT id FROM mras ORDER BY id"):
            index._load_mra(db, mra_id)
        return index

    def refresh(self, db: sqlite3.Connection, events: list[MirrorEvent]) -> None:
        """Reloads what `events` changed."""
        for tin_ in {event.tin for event in events if event.tin}:
            row = db.execute("SELECT status, aeo_types, valid_from, expiry FROM certificates WHERE tin = ?", (tin_,)).fetchone()
            self.certificates[tin_] = tuple(row)
        for mra_id in sorted({event.mra_id for event in events if event.mra_id}):
            self._load_mra(db, mra_id)

    def _load_mra(self, db: sqlite3.Connection, mra_id: int) -> None:
        benefits, covered, effective = db.execute(
            "SELECT benefits, covered_types, effective_from FROM mras WHERE id = ?", (mra_id,)
        ).fetchone()
        rows = db.execute("SELECT country, status FROM mra_parties WHERE mra_id = ? ORDER BY position", (mra_id,)).fetchall()
        state = MRAState(benefits, covered, effective, tuple(r[0] for r in rows), tuple(PartyStatus(r[1]) for r in rows))
        if mra_id not in self.mras:
            for i, first in enumerate(state.parties):
                for second in state.parties[i + 1 :]:
                    self.pairs.setdefault(tuple(sorted((first, second))), []).append(mra_id)
        self.mras[mra_id] = state

    def verify(self, importer: str, tin_: str, day: int) -> tuple[bool, int, Verdict]:
        """Exactly the contract's `verify` on day `day`."""
        cert = self.certificates.get(tin_)
        if cert is None:
            return False, 0, Verdict.UNKNOWN_TIN
        status, types, valid_from, expiry = cert
        exporter = tin_[:2]
        if exporter == importer:
            return False, 0, Verdict.SAME_COUNTRY
        if status != CertificateStatus.ACTIVE:
            return False, 0, Verdict.NOT_ACTIVE
        if day < valid_from:
            return False, 0, Verdict.NOT_YET_VALID
        if expiry and day > expiry:
            return False, 0, Verdict.EXPIRED
        benefits, verdict = 0, Verdict.NO_MRA
        for mra_id in self.pairs.get((importer, exporter) if importer < exporter else (exporter, importer), ()):
            mra = self.mras[mra_id]
            if mra.pending or day < mra.effective or not (mra.active(importer) and mra.active(exporter)):
                if verdict == Verdict.NO_MRA:
                    verdict = Verdict.MRA_NOT_IN_FORCE
            elif not mra.covered & types:
                if verdict != Verdict.RECOGNISED:
                    verdict = Verdict.TYPE_NOT_COVERED
            else:
                benefits |= mra.benefits
                verdict = Verdict.RECOGNISED
        return verdict == Verdict.RECOGNISED, benefits, verdict

    def partners(self, code: str, day: int) -> list[str]:
        found = set()
        for (first, second), ids in self.pairs.items():
            if code in (first, second):
                other = second if first == code else first
                mras = (self.mras[i] for i in ids)
                if any(not m.pending and day >= m.effective and m.active(code) and m.active(other) for m in mras):
                    found.add(other)
        return sorted(found)


def certificate_row(row: dict) -> dict:
    """A mirror certificate row with readable values, for exports."""
    return {
        "country": row["country"],
        "tin": row["tin"],
        "name": row["name"],
        "address": row["address"],
        "aeo_types": AEOType(row["aeo_types"]).labels(),
        "valid_from": str(from_day(row["valid_from"]) or ""),
        "expiry": str(from_day(row["expiry"]) or ""),
        "status": CertificateStatus(row["status"]).label,
        "version": row["version"],
        "holder": row["holder"],
        "commitment": row["commitment"],
    }
