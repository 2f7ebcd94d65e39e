"""Webhooks: every change of the mirror's feed POSTed to a receiver, in order, at least once, signed
as the Standard Webhooks specification says (https://www.standardwebhooks.com).

Each endpoint has its own secret (`whsec_` + base64), derived from the service's key and the
endpoint's URL, so no receiver can sign for another; `cadena serve --webhook-secret-of URL` prints it
for its receiver. Each delivery carries `webhook-id` (the change's number in the feed, the same on
every attempt: receivers drop repeats by it), `webhook-timestamp` (seconds, per attempt) and
`webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`); `verify` is what a
receiver does, stale timestamps refused. A change goes only once the receiver accepted the one
before it (a 2xx answer); until then it is tried again with exponential backoff. The last accepted
number and every attempt are kept in the mirror's store, so a restart resumes there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from cadena_client.document import event_form, plain
from cadena_client.domain.event import Event
from cadena_client.errors import InputError
from cadena_client.mirror import Mirror

BACKOFF_FIRST, BACKOFF_MOST = 0.5, 30.0  # seconds before the second attempt, and at most between two
TIMEOUT = 10.0
TOLERANCE = 300  # seconds a receiver accepts between a delivery's timestamp and its own clock


def endpoint_secret(key: bytes, url: str) -> str:
    """The secret of the endpoint at `url` under the service's `key`, as Standard Webhooks writes it."""
    return (
        "whsec_" + base64.b64encode(hmac.new(key, b"cadena webhook " + url.encode(), hashlib.sha256).digest()).decode()
    )


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header of one delivery."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> dict:
    """What a receiver does with a delivery: the change, if the signature is the endpoint's and the
    timestamp within TOLERANCE of `now`; else InputError (answer 4xx and drop it)."""
    lower = {name.lower(): value for name, value in headers.items()}
    try:
        message_id, timestamp = lower["webhook-id"], int(lower["webhook-timestamp"])
        signatures = lower["webhook-signature"].split()
    except (KeyError, ValueError):
        raise InputError("not a Standard Webhooks delivery: webhook-id, -timestamp or -signature missing") from None
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE:
        raise InputError(f"the delivery's timestamp is more than {TOLERANCE} s away from now: refused as a replay")
    expected = sign(secret, message_id, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InputError("the delivery's signature is not this endpoint's")
    return json.loads(body)


def redacted(url: str) -> str:
    """A URL as the service shows it to anyone: scheme and host, no credentials, path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/…"


def _every(event: Event) -> bool:
    return True


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str
    wants: Callable[[Event], bool] = field(default=_every, compare=False)  # the changes it subscribed to

    @property
    def key(self) -> str:
        """Its name in the mirror's store, and in what the service shows (never the URL)."""
        return "webhook:" + hashlib.sha256(self.url.encode()).hexdigest()[:16]


class Webhook:
    """Delivers the feed of `mirror` to an endpoint, from its own thread; `lock` guards the mirror."""

    def __init__(self, mirror: Mirror, lock: threading.Lock, endpoint: Endpoint, changed: threading.Condition):
        self.mirror, self.lock, self.endpoint, self.changed = mirror, lock, endpoint, changed
        self.key, self.url = endpoint.key, endpoint.url
        self.stopping = threading.Event()
        self.session = requests.Session()
        with lock:
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

    def deliveries(self, last: int | None = None) -> list[dict]:
        """The attempts made for this receiver, oldest first (the `last` ones if given)."""
        with self.lock:
            return self.mirror.deliveries(self.url, last)

    def accepted(self) -> int:
        """The number of the last change the receiver accepted."""
        with self.lock:
            return self.mirror.marked(self.key) or 0

    def _run(self) -> None:
        while not self.stopping.is_set():
            with self.lock:
                cursor = self.mirror.marked(self.key) or 0
                pending = self.mirror.feed(cursor, limit=100)
            skipped = None  # the last change passed over since the last one delivered
            for event in pending:
                if not self.endpoint.wants(event):
                    skipped = event.seq
                    continue
                skipped = None
                if not self._deliver(event.seq, json.dumps(plain(event_form(event))).encode()):
                    break
            if skipped is not None:
                with self.lock:
                    self.mirror.mark(self.key, skipped)
            if not pending:
                with self.changed:
                    self.changed.wait(1.0)

    def _deliver(self, seq: int, body: bytes) -> bool:
        """Posts one change until the receiver accepts it (True) or the webhook stops (False)."""
        attempt, wait, message_id = 0, BACKOFF_FIRST, str(seq)
        while not self.stopping.is_set():
            attempt += 1
            status, error, now = None, None, int(time.time())
            headers = {
                "Content-Type": "application/json",
                "webhook-id": message_id,
                "webhook-timestamp": str(now),
                "webhook-signature": sign(self.endpoint.secret, message_id, now, body),
            }
            try:
                status = self.session.post(self.url, data=body, headers=headers, timeout=TIMEOUT).status_code
            except requests.RequestException as exc:
                error = type(exc).__name__
            accepted = status is not None and 200 <= status < 300
            with self.lock:
                with self.mirror.transaction():
                    self.mirror.log_delivery(self.url, seq, attempt, time.time(), status, error)
                if accepted:
                    self.mirror.mark(self.key, seq)
            if accepted:
                return True
            self.stopping.wait(wait)
            wait = min(BACKOFF_MOST, wait * 2)
        return False
