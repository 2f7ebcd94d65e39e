"""Bringing a mirror up to the chain: the contract's events read in chunks that respect node limits,
behind a confirmation depth, each chunk committed with its cursor in one SQLite transaction (a
process killed at any point leaves the mirror as it was at the last commit, and a restart resumes
there). Reorgs: when a stored block hash no longer matches the chain, the events after the last
matching block are dropped in one transaction, kept as numbered retractions, and scanned again."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from cadena_client.chain.logs import DEFAULT_CHUNK, LogSource
from cadena_client.contract.codec import codec, hex_text
from cadena_client.domain.event import Event
from cadena_client.mirror import projection
from cadena_client.mirror.recognition import Recognition

if TYPE_CHECKING:
    from cadena_client.mirror import Mirror


@dataclass
class SyncResult:
    from_block: int
    to_block: int
    events: list[Event] = field(default_factory=list)
    retracted: list[Event] = field(default_factory=list)


def sync(
    mirror: Mirror,
    cadena,
    confirmations: int = 0,
    chunk: int = DEFAULT_CHUNK,
    to_block: int | None = None,
    guard: Callable[[], AbstractContextManager] = nullcontext,
):
    """Brings `mirror` up to the chain head minus `confirmations` (or `to_block`). The mirror is touched
    only inside `guard()` (a lock readers share), never while the node is asked something."""
    source = LogSource(cadena.chain, cadena.address)
    node_head = source.head()
    head = node_head - confirmations if to_block is None else to_block
    with guard():
        result = SyncResult(mirror.cursor + 1, head)
    result.retracted = undo_reorg(mirror, source, node_head, guard)
    with guard():
        cursor = mirror.cursor
    db = mirror.db
    while cursor < head:
        end = min(cursor + chunk, head)
        logs = source.logs(cursor + 1, end)
        end_block = source.block(end)
        with guard(), mirror.transaction():
            if mirror.cursor != cursor:  # another process synced this mirror meanwhile
                mirror.recognition = Recognition.load(db)
                cursor = mirror.cursor
                continue
            seq = mirror.last_seq
            numbered, blocks = [], {end: end_block["hash"]}
            for log in logs:
                event = codec().event(log, source.block_time, seq + 1)
                if event is not None:
                    seq += 1
                    numbered.append(event)
                    blocks[event.block] = hex_text(log["blockHash"])
            db.executemany(
                f"INSERT INTO events VALUES ({', '.join('?' * 12)})", [projection.row(e) + (e.seq,) for e in numbered]
            )
            db.executemany("INSERT OR REPLACE INTO blocks VALUES (?, ?)", sorted(blocks.items()))
            projection.apply(db, numbered)
            projection.open_sealed(db, numbered, mirror.exchange)
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [
                    ("cursor", str(end)),
                    ("cursor_time", str(end_block["timestamp"])),
                    ("synced_at", repr(time.time())),
                    ("seq", str(seq)),
                ],
            )
            db.execute(
                "DELETE FROM blocks WHERE number < ? AND number NOT IN (SELECT block FROM events)", (end - 1024,)
            )
        with guard():
            mirror.recognition.refresh(db, numbered)
        result.events += numbered
        cursor = end
    if cursor >= head:
        with guard(), mirror.transaction():
            db.execute("INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)", (repr(time.time()),))
    return result


def undo_reorg(
    mirror: Mirror, source: LogSource, head: int, guard: Callable[[], AbstractContextManager] = nullcontext
) -> list[Event]:
    """Rolls back, in one transaction, to the newest stored block still on the chain (whose head is
    `head`); returns the retractions of the events removed, each with its feed number."""
    db = mirror.db
    with guard():
        stored = db.execute("SELECT number, hash FROM blocks ORDER BY number DESC").fetchall()
    ancestor = mirror.deploy_block - 1
    for number, block_hash in stored:
        if number <= head and source.block(number)["hash"] == block_hash:
            ancestor = number
            break
    if not stored or ancestor == stored[0][0]:
        return []
    with guard(), mirror.transaction():
        removed = [
            projection.row_event(row)
            for row in db.execute("SELECT * FROM events WHERE block > ? ORDER BY block, log_index", (ancestor,))
        ]
        first = mirror.last_seq + 1
        retracted = [replace(event, retracted=True, seq=first + i) for i, event in enumerate(removed)]
        db.executemany(
            f"INSERT INTO retractions VALUES ({', '.join('?' * 13)})",
            [(r.seq, e.seq) + projection.row(e) for r, e in zip(retracted, removed, strict=True)],
        )
        db.execute("INSERT OR REPLACE INTO meta VALUES ('seq', ?)", (str(first + len(removed) - 1),))
        db.execute("DELETE FROM events WHERE block > ?", (ancestor,))
        db.execute("DELETE FROM blocks WHERE number > ?", (ancestor,))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(ancestor),))
        projection.replay(db, mirror.exchange)
        mirror.recognition = Recognition.load(db)
    return retracted
