"""`cadena serve`: the HTTP service risk engines call, answered from a mirror it keeps synced.

Read-only and keyless: the chain stays the source of truth; a background thread follows it into the
mirror, and every answer says which block it reflects. Documents are those of the CLI's `--json`
(schema `cadena/1`); every error is `{"error": {"code", "message"}}` with a fitting HTTP status, never
a stack trace. Changes stream as Server-Sent Events numbered by the mirror's feed, so a client that
reconnects with `Last-Event-ID` misses nothing, and a reorg comes as retractions.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib.metadata import version
from typing import TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Route

from cadena_client.document import SCHEMA, document, event_form, plain
from cadena_client.domain.model import Benefit, Verdict, parse_country, parse_tin
from cadena_client.errors import CadenaError, InputError, NotFoundError
from cadena_client.lists import files as aeo_files
from cadena_client.mirror import Mirror, as_of, certificate_row
from cadena_client.page import mount_page
from cadena_client.report.routes import mount_report
from cadena_client.report.usage import Usage
from cadena_client.webhooks import Webhook

LOG = logging.getLogger("cadena.serve")
T = TypeVar("T")
MAX_BATCH = 10_000  # TINs one POST /v1/verify answers
MAX_BODY = 1 << 20  # bytes of a request body: a full batch of the longest TINs takes a fifth
MAX_PAGE = 1_000
HEARTBEAT = 15.0  # seconds between SSE comments that keep idle connections open
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Batch(BaseModel):
    """The body of POST /v1/verify."""

    importer: str
    tins: list[str]


class NotReady(CadenaError):
    """The mirror has not reached the chain yet."""


class BodyLimit:
    """ASGI middleware: reads a request body (other than GET's and HEAD's) up to `limit` bytes, declared
    or streamed, and answers 413 `body-too-large` as soon as it is longer, never holding more."""

    def __init__(self, app, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        too_long = declared.isdigit() and int(declared) > self.limit
        streamed, chunks, more = 0, [], True
        while more and not too_long:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            streamed, more = streamed + len(chunks[-1]), message.get("more_body", False)
            too_long = streamed > self.limit
        if too_long:
            refusal = BodyTooLarge(f"the request body is over {self.limit:,} bytes; send at most {MAX_BATCH:,} TINs")
            return await error_response(refusal)(scope, receive, send)
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay():
            nonlocal whole
            if whole is None:
                return await receive()
            message, whole = whole, None
            return message

        await self.app(scope, replay, send)


class Follower:
    """The mirror and the thread that keeps it synced; readers and the syncer share one lock."""

    def __init__(self, mirror: Mirror, cadena, poll: float = 1.0, observer: str = ""):
        self.mirror, self.cadena, self.poll = mirror, cadena, poll
        self.usage = Usage(mirror.db, observer)  # what the committees' reports read: changes seen, answers counted
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.error: str | None = None
        self.head: int | None = None  # the chain's head at the last sync, None while the node does not answer
        self.position = mirror.position()  # what the mirror reflects, renewed by each sync under the lock
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="cadena-sync", daemon=True)
        self.webhooks: list[Webhook] = []

    def add_webhook(self, url: str, secret: bytes) -> Webhook:
        """Delivers every change from now on to `url` as well (see `cadena_client.webhooks`)."""
        hook = Webhook(self.mirror, self.lock, url, secret, self.changed)
        self.webhooks.append(hook)
        return hook

    def start(self) -> None:
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
                with self.lock:
                    try:
                        result = self.mirror.sync(self.cadena)
                    finally:  # a sync that fails half-way keeps what it committed
                        self.position = self.mirror.position()
                    self.usage.seen(result.events)
                self.usage.flush(self.lock)  # counted outside the lock, written under it
                self.error, self.head = None, result.to_block
                if result.events or result.retracted:
                    with self.changed:
                        self.changed.notify_all()
            except Exception as exc:  # the node is down or refuses: keep answering from the mirror, and retry
                self.error, self.head = str(exc) or type(exc).__name__, None
                if not isinstance(exc, CadenaError):
                    LOG.exception("sync failed")
            self.stopping.wait(self.poll)

    def ready(self) -> bool:
        return self.position.synced_at is not None

    def as_of(self) -> dict:
        return as_of(self.position, self.head)


def create_app(follower: Follower, cors_origins: tuple[str, ...] = ()) -> FastAPI:
    """The service's routes over `follower`'s mirror; browsers of other origins may call it only from
    `cors_origins` (none by default)."""
    app = FastAPI(title="CADENA", version=version("cadena-client"), docs_url="/docs", redoc_url=None)
    app.add_middleware(BodyLimit)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"])
    mirror = follower.mirror

    def ready() -> None:
        if not follower.ready():
            raise NotReady("the mirror has not reached the chain yet; retry in a moment")

    def read(fetch: Callable[[], T]) -> tuple[T, dict]:
        """What `fetch` reads from the mirror once it is ready, and the `as_of` of what it read."""
        ready()
        with follower.lock:
            return fetch(), follower.as_of()

    def respond(kind: str, data, reflects: dict, **extra) -> JSONResponse:
        return JSONResponse({**document(kind, data), **extra, "as_of": reflects})

    @app.exception_handler(CadenaError)
    async def cadena_error(request: Request, exc: CadenaError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(HTTPException)
    async def unrouted(request: Request, exc: HTTPException) -> JSONResponse:
        code, message = {
            404: ("not-found", f"no such path: {request.url.path} (the API is described at /docs)"),
            405: ("method-not-allowed", f"{request.method} is not allowed on {request.url.path}"),
        }.get(exc.status_code, ("bad-request", str(exc.detail)))
        error = {"error": {"code": code, "message": message}}
        return JSONResponse(error, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if part not in ("query", "body"))
        message = f"{where}: {first['msg']}" if where else first["msg"]
        return JSONResponse({"error": {"code": "bad-request", "message": message}}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        LOG.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        message = f"the service failed on this request ({type(exc).__name__}); the error is in its log"
        return JSONResponse({"error": {"code": "internal", "message": message}}, status_code=500)

    @app.get("/healthz")
    def healthz() -> dict:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready once the mirror has reached the chain; says how old its view is and the last sync error."""
        body = {"ready": follower.ready(), "sync_error": follower.error, "as_of": follower.as_of()}
        return JSONResponse(body, status_code=200 if body["ready"] else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus text exposition: what the mirror reflects, how far behind, and the webhooks' progress."""
        state = follower.as_of()
        lines = [
            "# TYPE cadena_mirror_block gauge",
            f"cadena_mirror_block {state['block']}",
            "# TYPE cadena_mirror_lag_blocks gauge",
            f"cadena_mirror_lag_blocks {state['lag_blocks'] if state['lag_blocks'] is not None else 'NaN'}",
            "# TYPE cadena_node_reachable gauge",
            f"cadena_node_reachable {int(state['node'] == 'reachable')}",
            "# TYPE cadena_feed_last_seq counter",
            f"cadena_feed_last_seq {mirror.last_seq}",
            "# TYPE cadena_webhook_accepted_seq gauge",
            *(
                f'cadena_webhook_accepted_seq{{url="{hook.url}"}} {mirror.marked(hook.key) or 0}'
                for hook in follower.webhooks
            ),
        ]
        return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    @app.get("/v1/webhooks")
    def webhooks() -> dict:
        """Each webhook receiver, the last change it accepted, and its latest delivery attempts."""
        return {
            "webhooks": [
                {"url": hook.url, "accepted_up_to": mirror.marked(hook.key), "attempts": hook.deliveries()[-20:]}
                for hook in follower.webhooks
            ]
        }

    # verify answers from memory: on the event loop, without a worker thread per request, and its
    # documents are made directly (the generic `document` walks dataclasses: a third of the time)
    def verifications(importer: str, tins: list[str]) -> tuple[list[dict], dict]:
        """The verification documents and the `as_of` of the mirror state they were read from."""
        code, valid = _country(importer), [_tin(t) for t in tins]
        day = int(time.time()) // 86400
        with follower.lock:
            answers = [mirror.recognition.verify(code, t, day) for t in valid]
            reflects = follower.as_of()
        follower.usage.answered(code, valid, [verdict for _, _, verdict in answers])
        items = [
            {
                "importing_country": code,
                "tin": t,
                "recognised": recognised,
                "benefits": _benefit_labels(benefits),
                "verdict": _VERDICTS[verdict],
            }
            for t, (recognised, benefits, verdict) in zip(valid, answers, strict=True)
        ]
        return items, reflects

    async def verify(request: Request) -> JSONResponse:
        """Is the AEO of `tin` recognised for an import into `importer`, with which benefits, and why."""
        ready()
        query = request.query_params
        if "importer" not in query or "tin" not in query:
            raise InputError("give both importer (the importing country) and tin")
        (answer,), reflects = verifications(query["importer"], [query["tin"]])
        return JSONResponse({"schema": SCHEMA, "kind": "verification", **answer, "as_of": reflects})

    app.router.routes.insert(0, Route("/v1/verify", verify, methods=["GET"]))
    _document_in_openapi(app, "/v1/verify", verify.__doc__ or "", ("importer", "tin"))

    @app.post("/v1/verify")
    async def verify_many(batch: Batch) -> JSONResponse:
        """`verify` for up to 10,000 TINs at once, answered in the order given."""
        if len(batch.tins) > MAX_BATCH:
            raise BatchTooLarge(f"{len(batch.tins)} TINs in one request; send at most {MAX_BATCH:,}")
        ready()
        items, reflects = verifications(batch.importer, batch.tins)
        return JSONResponse({"schema": SCHEMA, "kind": "verifications", "items": items, "as_of": reflects})

    @app.get("/v1/certificates/{tin}")
    def certificate(tin: str) -> JSONResponse:
        code = _tin(tin)
        rows, reflects = read(lambda: [r for r in mirror.certificates([code[:2]]) if r["tin"] == code])
        if not rows:
            raise NotFoundError(f"no certificate was ever issued for TIN {code}")
        return respond("aeo", certificate_row(rows[0]), reflects)

    @app.get("/v1/certificates/{tin}/history")
    def history(tin: str) -> JSONResponse:
        code = _tin(tin)
        events, reflects = read(lambda: mirror.history(code))
        if not events:
            raise NotFoundError(f"no event for TIN {code}")
        return respond("events", events, reflects)

    @app.get("/v1/certificates")
    def certificates(
        country: str, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=MAX_PAGE)
    ) -> JSONResponse:
        """An administration's certificates, in TIN order, a page at a time."""
        code = _country(country)
        rows, reflects = read(lambda: mirror.certificates([code]))
        page = [certificate_row(row) for row in rows[offset : offset + limit]]
        return respond("aeos", page, reflects, total=len(rows), offset=offset, limit=limit)

    @app.get("/v1/administrations")
    def administrations() -> JSONResponse:
        return respond("administrations", *read(mirror.administrations))

    @app.get("/v1/mras")
    def mras() -> JSONResponse:
        return respond("mras", *read(mirror.mras))

    @app.get("/v1/aeo-list")
    def aeo_list(country: str, format: str = Query("json", pattern="^(json|csv|xlsx)$")) -> Response:
        """The AEO list `country` sees (its own and its MRA partners'), in the layout of `cadena export`."""
        code = _country(country)
        rows, _ = read(lambda: mirror.aeo_list(code))
        return Response(aeo_files.write(rows, format), media_type=MEDIA[format])

    @app.get("/v1/events")
    def events(request: Request, after: int | None = Query(None, ge=0)) -> StreamingResponse:
        """Changes as Server-Sent Events from feed number `after` (or the Last-Event-ID header); a
        retraction carries `"retracted": true`."""
        header = request.headers.get("last-event-id")
        start = after if after is not None else int(header) if header and header.isdigit() else mirror.last_seq

        def stream() -> Iterator[str]:
            cursor, quiet = start, 0.0
            yield "retry: 1000\n\n"
            while not follower.stopping.is_set():
                with follower.lock:
                    batch = mirror.feed(cursor, limit=500)
                for event in batch:
                    form = event_form(event)
                    yield f"id: {event.seq}\nevent: {form['change']}\ndata: {json.dumps(plain(form))}\n\n"
                    cursor, quiet = event.seq, 0.0
                if not batch:
                    with follower.changed:
                        follower.changed.wait(1.0)
                    quiet += 1.0
                    if quiet >= HEARTBEAT:
                        yield ": keep-alive\n\n"
                        quiet = 0.0

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    mount_page(app, follower)
    mount_report(app, follower)
    return app


def _document_in_openapi(app: FastAPI, path: str, summary: str, parameters: tuple[str, ...]) -> None:
    """Lists a plain (Starlette) GET route with its required query parameters on the OpenAPI page."""
    generate = app.openapi

    def openapi() -> dict:
        schema = generate()
        schema["paths"].setdefault(path, {})["get"] = {
            "summary": summary,
            "parameters": [
                {"name": p, "in": "query", "required": True, "schema": {"type": "string"}} for p in parameters
            ],
            "responses": {"200": {"description": "a cadena/1 verification document"}},
        }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_VERDICTS = {verdict: verdict.name.lower() for verdict in Verdict}


@lru_cache(maxsize=64)
def _benefit_labels(benefits: int) -> list[str] | None:
    return Benefit(benefits).labels() if benefits else None


class BatchTooLarge(InputError):
    """A request carries more than the service answers at once."""


class BodyTooLarge(InputError):
    """A request body longer than the service reads."""


class BadTin(InputError):
    """A TIN that is not one."""


class UnknownCountry(InputError):
    """A country code that is not an ISO 3166-1 alpha-2 code."""


def _tin(text: str) -> str:
    try:
        return parse_tin(text)
    except InputError as exc:
        raise BadTin(str(exc)) from None


def _country(text: str) -> str:
    try:
        return parse_country(text)
    except InputError as exc:
        raise UnknownCountry(str(exc)) from None


def error_response(exc: CadenaError) -> JSONResponse:
    """`{"error": {"code", "message"}}` with the HTTP status of a library error."""
    status, code = _status(exc)
    return JSONResponse({"error": {"code": code, "message": str(exc)}}, status_code=status)


def _status(exc: CadenaError) -> tuple[int, str]:
    """The HTTP status and error code of a library error."""
    if isinstance(exc, NotReady):
        return 503, "not-ready"
    if isinstance(exc, NotFoundError):
        return 404, "not-found"
    if isinstance(exc, BatchTooLarge):
        return 413, "batch-too-large"
    if isinstance(exc, BodyTooLarge):
        return 413, "body-too-large"
    if isinstance(exc, BadTin):
        return 400, "bad-tin"
    if isinstance(exc, UnknownCountry):
        return 400, "unknown-country"
    if isinstance(exc, InputError):
        return 400, "bad-request"
    return 502, "chain-error"
