"""What each service records for the joint committees, in its own store, never which company was asked
about: the moment it first saw each change of the chain, and how many verifications it answered per
day, importing country, issuing country and verdict.

The tables (`usage_*`) are part of the mirror store's schema (`mirror.store`, version 5), beside the
chain's tables, but hold the service's own observations, which cannot be rebuilt from the chain. The service calls two things: `seen(events)` after each sync, and
`answered(importer, tins, verdicts)` for each verification it answers (counted in memory and written by
`flush()`, which the sync loop calls, so a verification never waits for a disk write).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext

from cadena_client.domain.event import Event


class Usage:
    """The recording of one service (`observer`: the administration it serves, e.g. "PE")."""

    def __init__(self, db: sqlite3.Connection, observer: str = "", since: float | None = None):
        self.db, self.observer = db, observer
        moment = time.time() if since is None else since  # changes before are history it caught up on
        db.execute("INSERT OR IGNORE INTO usage_observers VALUES (?, ?)", (observer, moment))
        self._answered: list[tuple[int, str, list[str], list]] = []  # counted by the next flush
        self._lock = threading.Lock()  # answers come from the event loop, the flush from the sync thread

    def seen(self, events: Iterable[Event], at: float | None = None) -> None:
        """Records that this service saw `events` now (or at `at`); the first time counts."""
        moment = time.time() if at is None else at
        rows = [(event.block, event.log_index, self.observer, moment) for event in events if not event.retracted]
        if rows:
            self.db.executemany("INSERT OR IGNORE INTO usage_seen VALUES (?, ?, ?, ?)", rows)

    def answered(self, importer: str, tins: list[str], verdicts: list, at: float | None = None) -> None:
        """Notes verifications answered for an import into `importer` (`verdicts`: names or `Verdict`s),
        to be counted by the next flush per issuing country (the TIN's prefix) and verdict: the TINs are
        never written. Constant time: a verification never waits for the counting."""
        day = int(time.time() if at is None else at) // 86400
        with self._lock:
            self._answered.append((day, importer, tins, verdicts))

    def flush(self, lock: AbstractContextManager | None = None) -> None:
        """Counts the verifications noted since the last flush, then writes the counts in one
        transaction, holding `lock` (the store's) only for the write."""
        with self._lock:
            answered, self._answered = self._answered, []
        counts: Counter = Counter()
        for day, importer, tins, verdicts in answered:
            for (issuer, verdict), count in Counter(
                (tin[:2], v) for tin, v in zip(tins, verdicts, strict=True)
            ).items():
                counts[day, importer, issuer, _name(verdict)] += count
        if counts:
            with lock or nullcontext():
                self._write(counts, answered)

    def _write(self, counts: Counter, answered: list) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT INTO usage_answers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(day, observer, importer, issuer, verdict) DO UPDATE SET count = count + excluded.count",
                [
                    (day, self.observer, importer, issuer, verdict, n)
                    for (day, importer, issuer, verdict), n in counts.items()
                ],
            )
        except BaseException:
            self.db.execute("ROLLBACK")
            with self._lock:  # counted again by the next flush
                self._answered[:0] = answered
            raise
        self.db.execute("COMMIT")


def _name(verdict) -> str:
    return verdict if isinstance(verdict, str) else verdict.name.lower()


def observations(db: sqlite3.Connection, start: float, end: float) -> dict:
    """What a store recorded from `start` to `end` (seconds): {"observers": [[observer, since]...],
    "seen": [[block, log_index, observer, seen_at]...], "answers": [[day, observer, importer, issuer,
    verdict, count]...]}."""
    observers = db.execute("SELECT observer, since FROM usage_observers ORDER BY observer").fetchall()
    seen = db.execute(
        "SELECT block, log_index, observer, seen_at FROM usage_seen WHERE seen_at >= ? ORDER BY block, log_index",
        (start,),
    ).fetchall()
    answers = db.execute(
        "SELECT day, observer, importer, issuer, verdict, count FROM usage_answers WHERE day BETWEEN ? AND ? "
        "ORDER BY day, observer, importer, issuer, verdict",
        (int(start) // 86400, int(end) // 86400),
    ).fetchall()
    return {
        "observers": [list(row) for row in observers],
        "seen": [list(row) for row in seen],
        "answers": [list(row) for row in answers],
    }


def merged(records: Iterable[dict]) -> dict:
    """Several stores' observations as one (each row names its observer)."""
    result: dict = {"observers": [], "seen": [], "answers": []}
    for record in records:
        for key in result:
            result[key] += [list(row) for row in record.get(key, [])]
    return result
