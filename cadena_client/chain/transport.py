"""JSON-RPC to the node, the one way every part of the library reaches the chain.

Over HTTP, calls go in batches on keep-alive sessions with the connection's URL, headers and
timeout (so a node behind an API-key header works for every command alike), each reply on its own:
one call failing fails only its item. The embedded eth-tester chain has no wire: its calls go
through web3's request manager one at a time, with the same shape of replies. A process that asks
the node one thing (`call_once`) goes through the standard library's http.client: requests, imported
where a session is opened, costs a tenth of a second of start-up (urllib.request a few hundredths).
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cadena_client.errors import NodeUnauthorized, RpcError

if TYPE_CHECKING:
    import requests

MAX_BATCH_BYTES = 1_000_000  # JSON-RPC request bodies stay under this size (anvil refuses much larger ones)
READ_WORKERS = 4  # batches of reads in flight at once


def call_once(url: str, method: str, params: list, headers: dict | None = None, timeout: float = 5):
    """The result of one call over a connection not kept; RpcError for a JSON-RPC error, OSError when
    the node cannot be reached or answers no JSON-RPC (ValueError when its answer is no JSON)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OSError(f"{url} is not an http(s) URL")
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    opened = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = opened(parts.hostname, parts.port, timeout=timeout)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        if response.status != 200:
            raise OSError(f"the node answered HTTP {response.status} {response.reason}")
        reply = json.loads(response.read())
    except http.client.HTTPException as exc:
        raise OSError(f"the node answered no HTTP: {exc!r}") from None
    finally:
        connection.close()
    if "error" in reply:
        raise RpcError(f"{method} failed: {reply['error']}")
    return reply["result"]


class Rpc:
    """Raw JSON-RPC: batches over keep-alive HTTP sessions, or one call at a time through web3."""

    def __init__(
        self, w3, url: str | None = None, headers: dict | None = None, timeout: float = 30, batch_size: int = 100
    ):
        self.w3, self.url, self.batch_size = w3, url, batch_size
        self.headers, self.timeout = dict(headers or {}), timeout
        self._local = threading.local()
        self._ids = itertools.count(1)

    @property
    def batching(self) -> bool:
        return self.url is not None

    def call(self, method: str, params: list):
        """The result of one call; a JSON-RPC error raises RpcError with the node's words."""
        reply = self.many([(method, params)])[0]
        if "error" in reply:
            error = reply["error"]
            raise RpcError(f"{method} failed: {error.get('message', error) if isinstance(error, dict) else error}")
        return reply["result"]

    def many(self, calls: Sequence[tuple[str, list]], workers: int = 1) -> list[dict]:
        """Replies in call order, each {"result": ...} or {"error": {...}}; `workers` batches in flight at once."""
        if not self.batching:
            return [self._one(method, params) for method, params in calls]
        chunks = list(self._chunks(calls))
        if workers > 1 and len(chunks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:
                return [reply for replies in pool.map(self._batch, chunks) for reply in replies]
        return [reply for chunk in chunks for reply in self._batch(chunk)]

    def _batch(self, chunk: list[tuple[str, list]]) -> list[dict]:
        import requests

        payload = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in chunk]
        try:
            answer = self._post(payload)
        except requests.ConnectionError:  # a kept-alive connection the node closed: once more on a new one
            self._local.session = None  # (safe: reads, and raw transactions known by their hash)
            answer = self._post(payload)
        if isinstance(answer, dict):  # the node refused the batch as a whole
            raise RpcError(f"the node refused a batch: {answer.get('error', answer)}")
        by_id = {reply["id"]: reply for reply in answer}
        return [by_id[request["id"]] for request in payload]

    def _post(self, payload: list[dict]):
        assert self.url is not None  # only batching connections post
        response = self._session().post(self.url, json=payload, headers=self.headers, timeout=self.timeout)
        if response.status_code in (401, 403):
            bearer = str(self.headers.get("Authorization", "")).startswith("Bearer ")
            raise NodeUnauthorized(
                f"the node at {self.url} refused the "
                + (
                    f"JSON Web Token: HTTP {response.status_code} {response.reason}; "
                    "it has expired, or another administration's key signed it"
                    if bearer
                    else f"request: HTTP {response.status_code} {response.reason}; it wants credentials"
                )
            )
        if response.status_code >= 400 and not response.content.lstrip().startswith((b"[", b"{")):
            raise RpcError(f"the node answered HTTP {response.status_code} {response.reason}: {response.text[:200]}")
        return response.json()

    def _chunks(self, calls: Sequence[tuple[str, list]]):
        """Batches of at most `batch_size` calls and about MAX_BATCH_BYTES (nodes cap request bodies)."""
        chunk: list[tuple[str, list]] = []
        size = 0
        for call in calls:
            call_size = len(str(call[1]))
            if chunk and (len(chunk) == self.batch_size or size + call_size > MAX_BATCH_BYTES):
                yield chunk
                chunk, size = [], 0
            chunk.append(call)
            size += call_size
        if chunk:
            yield chunk

    def _one(self, method: str, params: list) -> dict:
        try:
            if method == "eth_getLogs":  # eth-tester takes a filter only through web3's request formatters
                query = {key: _block(value) if key.endswith("Block") else value for key, value in params[0].items()}
                return {"result": self.w3.eth.get_logs(query)}
            return {"result": self.w3.manager.request_blocking(method, params)}
        except Exception as exc:  # web3 raises errors (eth-tester: reverts too) instead of returning them
            return {"error": {"message": str(exc), "exception": exc}}

    def _session(self) -> requests.Session:
        if getattr(self._local, "session", None) is None:
            import requests

            self._local.session = requests.Session()
        return self._local.session


def _block(value):
    """A block number as web3's formatters take it: an int, or a tag such as "latest"."""
    return int(value, 16) if isinstance(value, str) and value.startswith("0x") else value
