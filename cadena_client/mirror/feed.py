"""The mirror's feed: every event and every retraction numbered in the order the mirror learnt of
them, so a consumer (`cadena watch`, the event stream, a webhook) resumes after the last number it
handled and learns of retractions of what it already saw."""

from __future__ import annotations

import sqlite3

from cadena_client.domain.event import Event
from cadena_client.mirror.projection import row_event


def feed(db: sqlite3.Connection, after: int, limit: int = 10_000) -> list[Event]:
    """The feed after number `after`, in order: events, and retractions of events numbered up to `after`
    (a retracted event the consumer never saw is left out, as is its retraction)."""
    rows = db.execute(
        "SELECT * FROM (SELECT *, 0 FROM events WHERE seq > ?1 UNION ALL "
        "SELECT block, log_index, tx_hash, time, name, tin, country, mra_id, actor, reason, data, seq, 1 "
        "FROM retractions WHERE seq > ?1 AND event_seq <= ?1) ORDER BY seq LIMIT ?2",
        (after, limit),
    ).fetchall()
    return [row_event(row[:12], retracted=bool(row[12])) for row in rows]
