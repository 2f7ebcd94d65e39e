"""`cadena serve`: the HTTP service risk engines call, answered from a mirror it keeps synced.

Read-only and keyless: the chain stays the source of truth; a background thread follows it into the
mirror (`follower`), and every answer says which block it reflects. Shaped as FastAPI's own
documentation shows: one router per resource (`routes`), the mirror reached through `Depends`
(`deps`), the syncer started and stopped by the app's lifespan, and the `cadena/1` pydantic models
(`cadena_client.schema.models`) as response models, so the OpenAPI document and the JSON Schema of
the CLI's documents are one. Every refusal is `{"error": {"code", "message"}}` with the status its
error class carries (`answers`). A well-formed one-TIN `GET /v1/verify` is answered by a small
ASGI layer in front of its route (`routes.verification.QuickVerify`), the service's hottest door.
The web page (`cadena_client.page`) reads the same mirror.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from cadena_client.credential.page import mount_verify
from cadena_client.page import mount_page
from cadena_client.service import answers
from cadena_client.service.follower import Follower
from cadena_client.service.middleware import BodyLimit
from cadena_client.service.routes import credentials, events, health, records, report, subscriptions, verification

__all__ = ["Follower", "create_app"]


def create_app(
    follower: Follower, cors_origins: tuple[str, ...] = (), streams: int = 256, streams_per_client: int = 16
) -> FastAPI:
    """The service over `follower`'s mirror; browsers of other origins may call it only from
    `cors_origins` (none by default); at most `streams` event streams, `streams_per_client` per address."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.streams.attach(follower)
        follower.start()
        try:
            yield
        finally:
            follower.stop()

    app = FastAPI(
        title="CADENA",
        version=version("cadena-client"),
        description=__doc__,
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},  # (its own /metrics; a check a request)
    )
    app.state.follower = follower
    app.state.streams = events.Streams(streams, streams_per_client)
    app.add_middleware(verification.QuickVerify, follower=follower)
    app.add_middleware(BodyLimit)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"])
    answers.install(app)
    for module in (verification, records, events, health, report, credentials, subscriptions):
        app.include_router(module.router)
    mount_page(app)
    mount_verify(app)
    return app
