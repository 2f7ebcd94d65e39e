"""A local SQLite mirror of the chain: administrations, certificates, MRAs and the full audit trail.

The mirror is rebuilt from the contract's events alone. `sync()` reads them in chunks that respect
node limits, behind a confirmation depth, and commits each chunk with its cursor in one SQLite
transaction: a process killed at any point leaves the mirror as it was at the last commit, and a
restart resumes there. Reorgs: when a stored block hash no longer matches the chain, the events
after the last matching block are dropped in one transaction, kept as retractions, and scanned
again. Every event and every retraction takes the next number of the mirror's feed, so a consumer
(`cadena watch`) resumes after the last number it handled and learns of retractions of what it
already saw. `Recognition` answers `verify` from memory exactly as the contract does.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path

from cadena_client.chain.logs import DEFAULT_CHUNK, LogSource
from cadena_client.contract.codec import codec, hex_text
from cadena_client.document import iso_time
from cadena_client.domain.event import Event
from cadena_client.domain.lifecycle import BY_EVENT, PARTICIPATION_BY_EVENT
from cadena_client.domain.model import (
    AdministrationStatus,
    AEOType,
    Benefit,
    CertificateStatus,
    MRAStatus,
    PartyStatus,
    Verdict,
    Verification,
    from_day,
    parse_country,
    parse_tin,
    status_label,
)
from cadena_client.errors import MirrorError

SCHEMA_VERSION = "3"
_EVENT_COLUMNS = """block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL, time INTEGER NOT NULL,
    name TEXT NOT NULL, tin TEXT, country TEXT, mra_id INTEGER, actor TEXT, reason INTEGER, data TEXT NOT NULL"""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    {_EVENT_COLUMNS}, seq INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS events_by_tin ON events (tin, block, log_index);
CREATE TABLE IF NOT EXISTS retractions (seq INTEGER PRIMARY KEY, event_seq INTEGER NOT NULL, {_EVENT_COLUMNS});
CREATE TABLE IF NOT EXISTS administrations (
    country TEXT PRIMARY KEY, name TEXT NOT NULL, admin TEXT NOT NULL, status INTEGER NOT NULL
);
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


@dataclass
class SyncResult:
    from_block: int
    to_block: int
    events: list[Event] = field(default_factory=list)
    retracted: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class Position:
    """What a mirror reflects: the last block synced, its time, and when the sync last reached the head."""

    block: int
    block_time: int | None
    synced_at: float | None


class Mirror:
    """The SQLite mirror of one deployment."""

    def __init__(self, path: Path | str, chain_id: int, address: str, deploy_block: int, create: bool = True):
        self.path = str(path)
        if self.path != ":memory:":
            if not create and not Path(self.path).is_file():
                raise MirrorError(f"no mirror at {self.path}: sync one first")
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self._upgrade()
        except sqlite3.DatabaseError as exc:
            raise MirrorError(f"{self.path} is not a CADENA mirror database: {exc}") from None
        identity = {"chain_id": str(chain_id), "address": address, "deploy_block": str(deploy_block)}
        stored = dict(
            self.db.execute("SELECT key, value FROM meta WHERE key IN ('chain_id', 'address', 'deploy_block')")
        )
        if stored and stored != identity:
            raise MirrorError(
                f"{self.path} mirrors contract {stored.get('address')} on chain {stored.get('chain_id')}, "
                f"not {address} on chain {chain_id}; use another mirror file"
            )
        with self._transaction():
            self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", identity.items())
        self.deploy_block = deploy_block
        self.recognition = Recognition.load(self.db)

    def _upgrade(self) -> None:
        """Creates the tables; a mirror of an older layout is emptied and rebuilt from the chain by the next sync."""
        with self._transaction():
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            version = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if version and version[0] == SCHEMA_VERSION:
                return
            tables = [row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                if table != "meta" and not table.startswith("usage_"):  # the service's records stay (report.usage)
                    self.db.execute(f"DROP TABLE {table}")
            self.db.execute("DELETE FROM meta WHERE key NOT IN ('chain_id', 'address', 'deploy_block')")
            for statement in SCHEMA.split(";"):
                self.db.execute(statement)
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One SQLite transaction: all of it is written, or none of it (also when the process is killed)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def cursor(self) -> int:
        """The last block synced (deploy block - 1 before the first sync)."""
        value = self._meta("cursor")
        return int(value) if value is not None else self.deploy_block - 1

    @property
    def synced(self) -> bool:
        """Whether a sync has ever run."""
        return self._meta("cursor") is not None

    def position(self) -> Position:
        time_, synced_at = self._meta("cursor_time"), self._meta("synced_at")
        return Position(self.cursor, int(time_) if time_ else None, float(synced_at) if synced_at else None)

    # -- syncing -----------------------------------------------------------------------------------

    def sync(
        self, cadena, confirmations: int = 0, chunk: int = DEFAULT_CHUNK, to_block: int | None = None
    ) -> SyncResult:
        """Brings the mirror up to the chain head minus `confirmations` (or `to_block`)."""
        source = LogSource(cadena.chain, cadena.address)
        head = source.head() - confirmations if to_block is None else to_block
        result = SyncResult(self.cursor + 1, head)
        result.retracted = self._undo_reorg(source)
        cursor = self.cursor
        while cursor < head:
            end = min(cursor + chunk, head)
            logs = source.logs(cursor + 1, end)
            end_block = source.block(end)
            with self._transaction():
                if self.cursor != cursor:  # another process synced this mirror meanwhile
                    self.recognition = Recognition.load(self.db)
                    cursor = self.cursor
                    continue
                seq = int(self._meta("seq") or 0)
                numbered, blocks = [], {end: end_block["hash"]}
                for log in logs:
                    event = codec().event(log, source.block_time, seq + 1)
                    if event is not None:
                        seq += 1
                        numbered.append(event)
                        blocks[event.block] = hex_text(log["blockHash"])
                self.db.executemany(
                    f"INSERT INTO events VALUES ({', '.join('?' * 12)})", [_row(e) + (e.seq,) for e in numbered]
                )
                self.db.executemany("INSERT OR REPLACE INTO blocks VALUES (?, ?)", sorted(blocks.items()))
                _apply(self.db, numbered)
                self.db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [
                        ("cursor", str(end)),
                        ("cursor_time", str(end_block["timestamp"])),
                        ("synced_at", repr(time.time())),
                        ("seq", str(seq)),
                    ],
                )
                self.db.execute(
                    "DELETE FROM blocks WHERE number < ? AND number NOT IN (SELECT block FROM events)", (end - 1024,)
                )
            result.events += numbered
            self.recognition.refresh(self.db, numbered)
            cursor = end
        if cursor >= head:
            with self._transaction():
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)", (repr(time.time()),))
        return result

    def follow(
        self,
        cadena,
        on_sync: Callable[[SyncResult], None],
        poll: float = 1.0,
        confirmations: int = 0,
        chunk: int = DEFAULT_CHUNK,
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        """Syncs every `poll` seconds until `stop()`; `on_sync` sees each result with changes."""
        while not stop():
            result = self.sync(cadena, confirmations, chunk)
            if result.events or result.retracted:
                on_sync(result)
            time.sleep(poll)

    def _next_seq(self, count: int) -> int:
        """Reserves `count` feed numbers (inside a transaction); returns the first."""
        first = int(self._meta("seq") or 0) + 1
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('seq', ?)", (str(first + count - 1),))
        return first

    def _undo_reorg(self, source: LogSource) -> list[Event]:
        """Rolls back, in one transaction, to the newest stored block still on the chain; returns the
        retractions of the events removed, each with its feed number."""
        stored = self.db.execute("SELECT number, hash FROM blocks ORDER BY number DESC").fetchall()
        ancestor, head = self.deploy_block - 1, source.head()
        for number, block_hash in stored:
            if number <= head and source.block(number)["hash"] == block_hash:
                ancestor = number
                break
        if not stored or ancestor == stored[0][0]:
            return []
        with self._transaction():
            removed = [
                _row_event(row)
                for row in self.db.execute(
                    "SELECT * FROM events WHERE block > ? ORDER BY block, log_index", (ancestor,)
                ).fetchall()
            ]
            seq = self._next_seq(len(removed))
            retracted = [replace(event, retracted=True, seq=seq + i) for i, event in enumerate(removed)]
            self.db.executemany(
                f"INSERT INTO retractions VALUES ({', '.join('?' * 13)})",
                [(r.seq, e.seq) + _row(e) for r, e in zip(retracted, removed, strict=True)],
            )
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
        _apply(
            self.db,
            [_row_event(row) for row in self.db.execute("SELECT * FROM events ORDER BY block, log_index").fetchall()],
        )

    def feed(self, after: int, limit: int = 10_000) -> list[Event]:
        """The feed after number `after`, in order: events, and retractions of events numbered up to `after`
        (a retracted event the consumer never saw is left out, as is its retraction)."""
        rows = self.db.execute(
            "SELECT * FROM (SELECT *, 0 FROM events WHERE seq > ?1 UNION ALL "
            "SELECT block, log_index, tx_hash, time, name, tin, country, mra_id, actor, reason, data, seq, 1 "
            "FROM retractions WHERE seq > ?1 AND event_seq <= ?1) ORDER BY seq LIMIT ?2",
            (after, limit),
        ).fetchall()
        return [_row_event(row[:12], retracted=bool(row[12])) for row in rows]

    @property
    def last_seq(self) -> int:
        return int(self._meta("seq") or 0)

    def mark(self, key: str, value: int) -> None:
        """Stores a consumer's position in the feed (e.g. the last number `cadena watch` printed)."""
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"mark:{key}", str(value)))

    def marked(self, key: str) -> int | None:
        value = self._meta(f"mark:{key}")
        return int(value) if value is not None else None

    # -- reading -----------------------------------------------------------------------------------

    def verify(self, importing_country: str, tin_: str, at: float | None = None) -> Verification:
        """The contract's `verify`, answered from memory, on the day of timestamp `at` (default now)."""
        importer, tin_ = parse_country(importing_country), parse_tin(tin_)
        recognised, benefits, verdict = self.recognition.verify(
            importer, tin_, int(time.time() if at is None else at) // 86400
        )
        return Verification(importer, tin_, recognised, Benefit(benefits) if benefits else None, verdict)

    def history(self, tin_: str) -> list[Event]:
        rows = self.db.execute("SELECT * FROM events WHERE tin = ? ORDER BY block, log_index", (parse_tin(tin_),))
        return [_row_event(row) for row in rows]

    def administration_history(self, code: str) -> list[Event]:
        """The admission of `code`'s administration, its suspensions and reinstatements, key recoveries and
        the grants and revocations of its admins and officers, oldest first."""
        names = ",".join("?" * len(ADMINISTRATION_EVENTS))
        rows = self.db.execute(
            f"SELECT * FROM events WHERE country = ? AND name IN ({names}) ORDER BY block, log_index",
            (parse_country(code), *ADMINISTRATION_EVENTS),
        )
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
        """The AEO list `code` sees, as export rows: its certificates, and its partners' under MRAs in force
        with whether `code` recognises each today and with which benefits."""
        code = parse_country(code)
        rows = []
        for row in self.certificates([code, *self.partners(code, at)]):
            exported = certificate_row(row)
            if row["country"] != code:
                answer = self.verify(code, row["tin"], at)
                exported["recognised"] = "yes" if answer.recognised else f"no: {answer.verdict.label}"
                exported["benefits"] = answer.benefits.labels() if answer.benefits else []
            rows.append(exported)
        return rows

    def administrations(self) -> list[dict]:
        """Every administration: country, name, first admin, standing, and how many certificates it issued."""
        rows = self.db.execute(
            "SELECT a.country, a.name, a.admin, a.status, COUNT(c.tin) FROM administrations a "
            "LEFT JOIN certificates c ON c.country = a.country GROUP BY a.country ORDER BY a.country"
        )
        return [
            {"country": c, "name": n, "first_admin": a, "status": AdministrationStatus(s), "certificate_count": k}
            for c, n, a, s, k in rows
        ]

    def mras(self, at: float | None = None) -> list[dict]:
        """Every MRA with its parties and their participation, and its status on the day of `at` (default now)."""
        day = int(time.time() if at is None else at) // 86400
        found = []
        for mra_id, title, proposer in self.db.execute("SELECT id, title, proposer FROM mras ORDER BY id"):
            state = self.recognition.mras[mra_id]
            found.append(
                {
                    "id": mra_id,
                    "title": title,
                    "proposer": proposer,
                    "status": state.status(day),
                    "benefits": Benefit(state.benefits),
                    "covered_types": AEOType(state.covered),
                    "effective_from": from_day(state.effective),
                    "parties": [
                        {"country": c, "status": s} for c, s in zip(state.parties, state.statuses, strict=True)
                    ],
                }
            )
        return found

    def partners(self, code: str, at: float | None = None) -> list[str]:
        """Countries sharing with `code` an MRA in force on the day of `at` (default now)."""
        return self.recognition.partners(parse_country(code), int(time.time() if at is None else at) // 86400)


def as_of(position: Position, head: int | None) -> dict:
    """The block and time a mirror's answers reflect, and how far behind the chain they may be: in
    blocks against the node's `head` (None: the node is unreachable), and in seconds 0 when no block is
    missing, else the time since the mirror last reached the head (changes since may be missing)."""
    lag_blocks = None if head is None else max(0, head - position.block)
    if lag_blocks == 0:
        lag_seconds: float | None = 0
    else:
        lag_seconds = None if position.synced_at is None else round(max(0.0, time.time() - position.synced_at), 1)
    return {
        "block": position.block,
        "block_time": iso_time(position.block_time),
        "node": "unreachable" if head is None else "reachable",
        "lag_blocks": lag_blocks,
        "lag_seconds": lag_seconds,
    }


def _row(event: Event) -> tuple:
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


def _row_event(row, retracted: bool = False) -> Event:
    """A row of the events table (the event's columns, then its feed number) as a Event."""
    block, log_index, tx_hash, time_, name, tin_, code, mra_id, actor, reason, data, seq = row
    return Event(
        name, block, log_index, tx_hash, time_, tin_, code, mra_id, actor, reason, json.loads(data), retracted, seq
    )


def _apply(db: sqlite3.Connection, events: Iterable[Event]) -> None:
    """Applies events in order to the current-state tables, as the contract applied them to its storage.
    No change reads the tables, so runs of the same statement go to SQLite as one executemany."""
    for sql, rows in groupby((change for event in events for change in _changes(event)), key=lambda change: change[0]):
        db.executemany(sql, [params for _, params in rows])


def _changes(event: Event) -> Iterator[tuple[str, tuple]]:
    """The SQL statements (with their parameters) that apply one event."""
    data, name = event.args, event.name
    if name == "AdministrationRegistered":
        yield (
            "INSERT OR REPLACE INTO administrations VALUES (?, ?, ?, ?)",
            (event.country, data["name"], data["admin"], int(AdministrationStatus.ACTIVE)),
        )
    elif name in STANDING:
        yield "UPDATE administrations SET status = ? WHERE country = ?", (int(STANDING[name]), event.country)
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


AGREED = frozenset({PartyStatus.SIGNED, PartyStatus.SUSPENDED})
# the events of governance decisions on an administration's standing, and the standing each leaves
STANDING = {
    "AdministrationSuspended": AdministrationStatus.SUSPENDED,
    "AdministrationExpelled": AdministrationStatus.EXPELLED,
    "AdministrationReinstated": AdministrationStatus.ACTIVE,
}
# what the history of an administration shows: its admission, standing, key recoveries and role changes
ADMINISTRATION_EVENTS = (
    "AdministrationRegistered",
    *STANDING,
    "AdministrationRecovered",
    "RoleGranted",
    "RoleRevoked",
)


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

    def agreed(self, code: str) -> bool:
        """Whether `code` signed (and has not left): only MRAs both countries signed weigh on verify."""
        return code in self.parties and self.statuses[self.parties.index(code)] in AGREED

    def status(self, day: int) -> MRAStatus:
        if self.members < 2:
            return MRAStatus.TERMINATED
        if self.pending:
            return MRAStatus.PROPOSED
        if day < self.effective:
            return MRAStatus.CONCLUDED
        return MRAStatus.IN_FORCE if self.statuses.count(PartyStatus.SIGNED) >= 2 else MRAStatus.SUSPENDED


class Recognition:
    """In-memory tables for `verify`: certificates by TIN, MRAs by id, MRA ids by pair of countries."""

    def __init__(self):
        self.certificates: dict[str, tuple[int, int, int, int]] = {}
        self.mras: dict[int, MRAState] = {}
        self.pairs: dict[tuple[str, str], list[int]] = {}
        self.suspended: set[str] = set()  # administrations suspended or expelled by the members

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Recognition:
        index = cls()
        for tin_, *fields in db.execute("SELECT tin, status, aeo_types, valid_from, expiry FROM certificates"):
            index.certificates[tin_] = tuple(fields)
        for (mra_id,) in db.execute("SELECT id FROM mras ORDER BY id"):
            index._load_mra(db, mra_id)
        index._load_standing(db)
        return index

    def _load_standing(self, db: sqlite3.Connection) -> None:
        self.suspended = {
            code
            for (code,) in db.execute(
                "SELECT country FROM administrations WHERE status != ?", (AdministrationStatus.ACTIVE,)
            )
        }

    def refresh(self, db: sqlite3.Connection, events: list[Event]) -> None:
        """Reloads what `events` changed."""
        changed = json.dumps(sorted({event.tin for event in events if event.tin}))
        for tin_, *fields in db.execute(
            "SELECT tin, status, aeo_types, valid_from, expiry FROM certificates "
            "WHERE tin IN (SELECT value FROM json_each(?))",
            (changed,),
        ):
            self.certificates[tin_] = tuple(fields)
        for mra_id in sorted({event.mra_id for event in events if event.mra_id}):
            self._load_mra(db, mra_id)
        if any(event.name in STANDING for event in events):
            self._load_standing(db)

    def _load_mra(self, db: sqlite3.Connection, mra_id: int) -> None:
        benefits, covered, effective = db.execute(
            "SELECT benefits, covered_types, effective_from FROM mras WHERE id = ?", (mra_id,)
        ).fetchone()
        rows = db.execute(
            "SELECT country, status FROM mra_parties WHERE mra_id = ? ORDER BY position", (mra_id,)
        ).fetchall()
        state = MRAState(
            benefits, covered, effective, tuple(r[0] for r in rows), tuple(PartyStatus(r[1]) for r in rows)
        )
        if mra_id not in self.mras:
            for i, first in enumerate(state.parties):
                for second in state.parties[i + 1 :]:
                    self.pairs.setdefault(_pair(first, second), []).append(mra_id)
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
        for mra_id in self.pairs.get(_pair(importer, exporter), ()):
            mra = self.mras[mra_id]
            if not (mra.agreed(importer) and mra.agreed(exporter)):
                continue
            if mra.pending or day < mra.effective or not (mra.active(importer) and mra.active(exporter)):
                if verdict == Verdict.NO_MRA:
                    verdict = Verdict.MRA_NOT_IN_FORCE
            elif not mra.covered & types:
                if verdict != Verdict.RECOGNISED:
                    verdict = Verdict.TYPE_NOT_COVERED
            else:
                benefits |= mra.benefits
                verdict = Verdict.RECOGNISED
        if verdict == Verdict.RECOGNISED and exporter in self.suspended:
            return False, 0, Verdict.ISSUER_SUSPENDED
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


def _pair(a: str, b: str) -> tuple[str, str]:
    """The key of a pair of countries, whichever comes first."""
    return (a, b) if a < b else (b, a)


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
        "status": status_label(CertificateStatus(row["status"]), from_day(row["expiry"])),
        "version": row["version"],
        "holder": row["holder"],
        "commitment": row["commitment"],
    }
