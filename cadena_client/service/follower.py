"""The mirror behind `cadena serve` and the thread that keeps it synced with the chain."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from cadena_client.document import as_of
from cadena_client.errors import CadenaError, NotReady
from cadena_client.mirror import Mirror
from cadena_client.report.usage import Usage
from cadena_client.webhooks import Endpoint, Webhook

LOG = logging.getLogger("cadena.serve")


class Follower:
    """The mirror and the thread that keeps it synced; readers and the syncer share one lock, and
    whoever waits for changes (the event streams, the webhooks) is told after each sync that made some."""

    def __init__(self, mirror: Mirror, cadena, poll: float = 1.0, observer: str = ""):
        self.mirror, self.cadena, self.poll = mirror, cadena, poll
        self.usage = Usage(mirror.db, observer)  # what the committees' reports read: changes seen, answers counted
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.listeners: list[Callable[[], None]] = []  # called from the sync thread after each change
        self.failing = False  # the last sync failed (its cause is in the log, never in an answer)
        self.head: int | None = None  # the chain's head at the last sync, None while the node does not answer
        self.position = mirror.position()  # what the mirror reflects, renewed by each sync under the lock
        self.last_seq = mirror.last_seq
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="cadena-sync", daemon=True)
        self.webhooks: list[Webhook] = []
        self._as_of_json: tuple[tuple, str] | None = None

    def add_webhook(self, endpoint: Endpoint) -> Webhook:
        """Delivers every change from now on to `endpoint` as well (see `cadena_client.webhooks`)."""
        hook = Webhook(self.mirror, self.lock, endpoint, self.changed)
        self.webhooks.append(hook)
        return hook

    def start(self) -> None:
        """Starts syncing (once; a later call does nothing)."""
        if self.thread.ident is not None:
            return
        self.thread.start()
        for hook in self.webhooks:
            hook.start()

    def stop(self) -> None:
        self.stopping.set()
        for hook in self.webhooks:
            hook.stop()
        self.thread.join(timeout=10)
        self.usage.flush(self.lock)  # the answers noted since the last sync

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                try:  # the lock is held only while the mirror is written, never while the node is asked
                    result = self.mirror.sync(self.cadena, guard=lambda: self.lock)
                finally:  # a sync that fails half-way keeps what it committed
                    with self.lock:
                        self.position, self.last_seq = self.mirror.position(), self.mirror.last_seq
                with self.lock:
                    self.usage.seen(result.events)
                self.usage.flush(self.lock)  # counted outside the lock, written under it
                self.failing, self.head = False, result.to_block
                if result.events or result.retracted:
                    self._tell()
            except Exception as exc:  # the node is down or refuses: keep answering from the mirror, and retry
                self.failing, self.head = True, None
                if isinstance(exc, CadenaError):
                    LOG.warning("sync failed: %s", exc)
                else:
                    LOG.exception("sync failed")
            self.stopping.wait(self.poll)

    def _tell(self) -> None:
        with self.changed:
            self.changed.notify_all()
        for listener in list(self.listeners):
            listener()

    def ready(self) -> bool:
        return self.position.synced_at is not None

    def check_ready(self) -> None:
        if not self.ready():
            raise NotReady("the mirror has not reached the chain yet; retry in a moment")

    def as_of(self) -> dict:
        return as_of(self.position, self.head)

    def as_of_json(self) -> str:
        """`as_of()` as JSON, made once per position while the mirror is level with the node (its lag
        is then 0 blocks and 0 seconds); else anew, as its lag in seconds grows."""
        key = (self.position, self.head)
        if self._as_of_json is None or self._as_of_json[0] != key:
            reflects = self.as_of()
            if reflects["lag_blocks"] != 0:
                return json.dumps(reflects)
            self._as_of_json = (key, json.dumps(reflects))
        return self._as_of_json[1]
