"""Webhooks: every change of the mirror's feed POSTed to a receiver, signed, in order, at least once.

Each body is the change's JSON form (as on the event stream), signed with HMAC-SHA256 over the exact
bytes sent (`X-Cadena-Signature: sha256=<hex>`), numbered (`X-Cadena-Event-Id`). A change goes only
once the receiver accepted the one before it (a 2xx answer); until then it is tried again with
exponential backoff, so a receiver that is down loses nothing and sees the changes in order. The
last accepted number is kept in the mirror, so a restart resumes there (a change may then come
twice: receivers drop repeats by its number). Every attempt is logged in the mirror's database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

import requests

from cadena_client.document import event_form, plain
from cadena_client.mirror import Mirror

BACKOFF_FIRST, BACKOFF_MOST = 0.5, 30.0  # seconds before the second attempt, and at most between two
TIMEOUT = 10.0

LOG_SCHEMA = """CREATE TABLE IF NOT EXISTS webhook_deliveries (
    url TEXT NOT NULL, seq INTEGER NOT NULL, attempt INTEGER NOT NULL, time REAL NOT NULL,
    status INTEGER, error TEXT
)"""


def signature(secret: bytes, body: bytes) -> str:
    """The value of X-Cadena-Signature for `body`: what a receiver recomputes to trust it."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class Webhook:
    """Delivers the feed of `mirror` to `url`, from its own thread; `lock` guards the mirror."""

    def __init__(self, mirror: Mirror, lock: threading.Lock, url: str, secret: bytes, changed: threading.Condition):
        self.mirror, self.lock, self.url, self.secret, self.changed = mirror, lock, url, secret, changed
        self.key = "webhook:" + hashlib.sha256(url.encode()).hexdigest()[:16]
        self.stopping = threading.Event()
        self.session = requests.Session()
        with lock:
            self.mirror.db.execute(LOG_SCHEMA)
            if self.mirror.marked(self.key) is None:  # a new receiver gets the changes from now on
                self.mirror.mark(self.key, self.mirror.last_seq)
        self.thread = threading.Thread(target=self._run, name="cadena-webhook", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        self.thread.join(timeout=TIMEOUT + 5)

    def deliveries(self) -> list[dict]:
        """The attempts made for this receiver, oldest first."""
        with self.lock:
            rows = self.mirror.db.execute(
                "SELECT seq, attempt, time, status, error FROM webhook_deliveries WHERE url = ? ORDER BY rowid",
                (self.url,),
            ).fetchall()
        return [dict(zip(("seq", "attempt", "time", "status", "error"), row, strict=True)) for row in rows]

    def _run(self) -> None:
        while not self.stopping.is_set():
            with self.lock:
                cursor = self.mirror.marked(self.key) or 0
                pending = self.mirror.feed(cursor, limit=100)
            for event in pending:
                if not self._deliver(event.seq, json.dumps(plain(event_form(event))).encode()):
                    break
            if not pending:
                with self.changed:
                    self.changed.wait(1.0)

    def _deliver(self, seq: int, body: bytes) -> bool:
        """Posts one change until the receiver accepts it (True) or the webhook stops (False)."""
        attempt, wait = 0, BACKOFF_FIRST
        headers = {
            "Content-Type": "application/json",
            "X-Cadena-Event-Id": str(seq),
            "X-Cadena-Signature": signature(self.secret, body),
        }
        while not self.stopping.is_set():
            attempt += 1
            status, error = None, None
            try:
                status = self.session.post(self.url, data=body, headers=headers, timeout=TIMEOUT).status_code
            except requests.RequestException as exc:
                error = type(exc).__name__
            accepted = status is not None and 200 <= status < 300
            with self.lock:
                self.mirror.db.execute(
                    "INSERT INTO webhook_deliveries VALUES (?, ?, ?, ?, ?, ?)",
                    (self.url, seq, attempt, time.time(), status, error),
                )
                if accepted:
                    self.mirror.mark(self.key, seq)
            if accepted:
                return True
            self.stopping.wait(wait)
            wait = min(BACKOFF_MOST, wait * 2)
        return False
