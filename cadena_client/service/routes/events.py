"""`/v1/events`: the mirror's changes as Server-Sent Events, numbered by its feed, so a client that
reconnects with `Last-Event-ID` misses nothing; a reorg comes as retractions.

Each stream is an async generator on the event loop: an idle one holds no thread, and wakes when the
syncer reports a change (or each second, to notice the service stopping; a comment every 15 s keeps
proxies from closing it). The service holds at most so many streams in all and per client address,
and refuses one more with 503 `streams-full`."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from cadena_client.document import event_form, plain
from cadena_client.errors import StreamsFull
from cadena_client.schema.models import Error
from cadena_client.service.answers import REFUSALS
from cadena_client.service.deps import FollowerDep
from cadena_client.service.follower import Follower

HEARTBEAT = 15.0  # seconds between SSE comments that keep idle connections open
WAKE = 1.0  # seconds an idle stream sleeps at most before looking whether the service stops
router = APIRouter(prefix="/v1", tags=["events"], responses=REFUSALS)


class Streams:
    """The open event streams, capped in all and per client; woken from the syncer's thread."""

    def __init__(self, most: int = 256, per_client: int = 16):
        self.most, self.per_client = most, per_client
        self.open: Counter[str] = Counter()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.changed = asyncio.Event()

    def attach(self, follower: Follower) -> None:
        """Wakes the streams, on this event loop, whenever `follower`'s sync changed the mirror."""
        self.loop = asyncio.get_running_loop()
        self.changed = asyncio.Event()
        follower.listeners.append(self._notify)

    def _notify(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Until the next change, or `timeout` seconds."""
        try:
            await asyncio.wait_for(self.changed.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def admit(self, client: str) -> None:
        if sum(self.open.values()) >= self.most:
            raise StreamsFull(f"the service already serves {self.most} event streams; retry later")
        if self.open[client] >= self.per_client:
            raise StreamsFull(f"this client already has {self.per_client} event streams open; close one first")
        self.open[client] += 1

    def leave(self, client: str) -> None:
        self.open[client] -= 1
        if not self.open[client]:
            del self.open[client]


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {"description": "Server-Sent Events, one per change", "content": {"text/event-stream": {}}},
        503: {"model": Error, "description": "As many streams are open as the service serves"},
    },
)
async def events(
    request: Request,
    follower: FollowerDep,
    after: Annotated[int | None, Query(ge=0, le=2**62, description="resume after this feed number")] = None,
) -> StreamingResponse:
    """Changes as Server-Sent Events from feed number `after` (or the Last-Event-ID header; default:
    from now on); a retraction carries `"retracted": true`."""
    header = request.headers.get("last-event-id", "")
    start = after if after is not None else int(header) if header.isdigit() else follower.last_seq
    streams: Streams = request.app.state.streams
    client = request.client.host if request.client else "unknown"
    streams.admit(client)
    return StreamingResponse(
        _stream(follower, streams, client, start), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


async def _stream(follower: Follower, streams: Streams, client: str, cursor: int) -> AsyncIterator[str]:
    def read() -> list:
        with follower.lock:
            return follower.mirror.feed(cursor, limit=500)

    try:
        yield "retry: 1000\n\n"
        quiet = 0.0
        while not follower.stopping.is_set():
            batch = await anyio.to_thread.run_sync(read) if follower.last_seq > cursor else []
            for event in batch:
                form = event_form(event)
                yield f"id: {event.seq}\nevent: {form['change']}\ndata: {json.dumps(plain(form))}\n\n"
                cursor, quiet = event.seq, 0.0
            if not batch:
                await streams.wait(WAKE)
                quiet += WAKE
                if quiet >= HEARTBEAT:
                    yield ": keep-alive\n\n"
                    quiet = 0.0
    finally:
        streams.leave(client)
