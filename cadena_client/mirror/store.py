"""The mirror's SQLite file: its schema, the migrations between its versions, one transaction at a
time, the key-value `meta` table (cursor, feed number, consumers' marks) and the webhook delivery log.

Migrations run in order inside one transaction when a file is opened; a migration that changes
what events project into (roles, say) replays the stored events, so no file is re-synced from the
chain and no consumer's mark (a webhook's last accepted change) is lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cadena_client.errors import MirrorError

EVENT_COLUMNS = """block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL, time INTEGER NOT NULL,
    name TEXT NOT NULL, tin TEXT, country TEXT, mra_id INTEGER, actor TEXT, reason INTEGER, data TEXT NOT NULL"""
# version 3: the layout of the first mirrors that kept a feed
SCHEMA_3 = f"""
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    {EVENT_COLUMNS}, seq INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (block, log_index)
);
CREATE INDEX IF NOT EXISTS events_by_tin ON events (tin, block, log_index);
CREATE TABLE IF NOT EXISTS retractions (seq INTEGER PRIMARY KEY, event_seq INTEGER NOT NULL, {EVENT_COLUMNS});
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
)
"""
# version 4: who holds which role of which administration; the webhooks' endpoints and delivery log
SCHEMA_4 = """
CREATE TABLE IF NOT EXISTS roles (
    account TEXT NOT NULL, country TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (account, country, role)
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    url TEXT NOT NULL, seq INTEGER NOT NULL, attempt INTEGER NOT NULL, time REAL NOT NULL,
    status INTEGER, error TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_url ON webhook_deliveries (url)
"""
# version 5: what a service observes and the chain cannot tell (report.usage): when it first saw each
# change, and its verifications counted by day, importing and issuing country and verdict
SCHEMA_5 = """
CREATE TABLE IF NOT EXISTS usage_seen (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, observer TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (block, log_index, observer)
);
CREATE TABLE IF NOT EXISTS usage_observers (observer TEXT PRIMARY KEY, since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS usage_answers (
    day INTEGER NOT NULL, observer TEXT NOT NULL, importer TEXT NOT NULL, issuer TEXT NOT NULL,
    verdict TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (day, observer, importer, issuer, verdict)
)
"""
# version 6: no master data from the chain in clear (issue 22): the certificates' name and address go;
# each certificate's visibility; the exchange keys the administrations published; and the private
# master data this mirror could open (sealed to its own country), with the erasures it honours
SCHEMA_6 = """
ALTER TABLE certificates DROP COLUMN name;
ALTER TABLE certificates DROP COLUMN address;
ALTER TABLE certificates ADD COLUMN visibility INTEGER NOT NULL DEFAULT 0;
ALTER TABLE administrations ADD COLUMN exchange_key TEXT;
ALTER TABLE mras ADD COLUMN consent_required INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS master_data (
    tin TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL, visibility INTEGER NOT NULL,
    commitment TEXT NOT NULL, block INTEGER NOT NULL, PRIMARY KEY (tin, version)
);
CREATE TABLE IF NOT EXISTS master_data_erased (tin TEXT PRIMARY KEY, version INTEGER NOT NULL, block INTEGER NOT NULL)
"""
VERSION = 6


@dataclass(frozen=True)
class Position:
    """What a mirror reflects: the last block synced, its time, and when the sync last reached the head."""

    block: int
    block_time: int | None
    synced_at: float | None


class Store:
    """One mirror file of one deployment, migrated to the current schema."""

    def __init__(
        self,
        path: Path | str,
        chain_id: int,
        address: str,
        deploy_block: int,
        create: bool = True,
        replay: Callable[[], None] | None = None,
    ):
        self.path = str(path)
        if self.path != ":memory:":
            if not create and not Path(self.path).is_file():
                raise MirrorError(f"no mirror at {self.path}: sync one first")
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            # commits reach the OS at once, the disk at checkpoints: a killed process loses nothing
            # committed (only a crash of the machine can lose the last commits, never consistency)
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(replay)
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
        with self.transaction():
            self.db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", identity.items())
        self.address, self.deploy_block = address, deploy_block

    def _migrate(self, replay: Callable[[], None] | None) -> None:
        """Brings the file to VERSION, each step in order, all in one transaction. A file older than
        version 3 is emptied and rebuilt from the chain by the next sync."""
        with self.transaction():
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            version = int(row[0]) if row else 0
            if version == VERSION:
                return
            if version < 3:
                tables = [name for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                for table in tables:
                    if table != "meta":
                        self.db.execute(f"DROP TABLE {table}")
                self.db.execute("DELETE FROM meta WHERE key NOT IN ('chain_id', 'address', 'deploy_block')")
                self._run(SCHEMA_3)
            if version < 4:  # (version 3 files may hold an unindexed webhook_deliveries table: kept as it is)
                self._run(SCHEMA_4)
            if version < 5:
                self._run(SCHEMA_5)
            if version < 6:
                self._run(SCHEMA_6)
            if version >= 3 and replay is not None:
                replay()  # what the new tables project (roles; visibility, keys), from the events already stored
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(VERSION),))

    def _run(self, script: str) -> None:
        for statement in script.split(";"):
            self.db.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[None]:
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

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def cursor(self) -> int:
        """The last block synced (deploy block - 1 before the first sync)."""
        value = self.meta("cursor")
        return int(value) if value is not None else self.deploy_block - 1

    @property
    def synced(self) -> bool:
        """Whether a sync has ever run."""
        return self.meta("cursor") is not None

    def position(self) -> Position:
        time_, synced_at = self.meta("cursor_time"), self.meta("synced_at")
        return Position(self.cursor, int(time_) if time_ else None, float(synced_at) if synced_at else None)

    @property
    def last_seq(self) -> int:
        """The number of the latest change in the feed."""
        return int(self.meta("seq") or 0)

    def mark(self, key: str, value: int) -> None:
        """Stores a consumer's position in the feed (e.g. the last number `cadena watch` printed)."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"mark:{key}", str(value)))

    def marked(self, key: str) -> int | None:
        value = self.meta(f"mark:{key}")
        return int(value) if value is not None else None

    # -- webhook deliveries ----------------------------------------------------------------------

    def log_delivery(self, url: str, seq: int, attempt: int, when: float, status: int | None, error: str | None):
        """Records one attempt to deliver change `seq` to `url`."""
        self.db.execute(
            "INSERT INTO webhook_deliveries VALUES (?, ?, ?, ?, ?, ?)", (url, seq, attempt, when, status, error)
        )

    def deliveries(self, url: str, last: int | None = None) -> list[dict]:
        """The attempts made for `url`, oldest first (only the `last` ones if given)."""
        rows = self.db.execute(
            "SELECT seq, attempt, time, status, error FROM webhook_deliveries WHERE url = ? "
            "ORDER BY rowid DESC LIMIT ?",
            (url, -1 if last is None else last),
        ).fetchall()
        return [dict(zip(("seq", "attempt", "time", "status", "error"), row, strict=True)) for row in reversed(rows)]
