"""Whether the service lives and is ready, its metrics, and its webhooks' progress: nothing in them
names the node, an exception, or a webhook's URL beyond its host."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from cadena_client.service.answers import FAILURES
from cadena_client.service.deps import FollowerDep
from cadena_client.webhooks import redacted

router = APIRouter(tags=["health"], responses=FAILURES)


@router.get("/healthz")
def healthz() -> dict:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready: the mirror has not reached the chain yet"}})
def readyz(follower: FollowerDep) -> JSONResponse:
    """Ready once the mirror has reached the chain; says how old its view is and whether syncing fails
    (the cause is in the service's log)."""
    body = {"ready": follower.ready(), "sync": "failing" if follower.failing else "ok", "as_of": follower.as_of()}
    return JSONResponse(body, status_code=200 if body["ready"] else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(follower: FollowerDep) -> Response:
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
        f"cadena_feed_last_seq {follower.last_seq}",
        "# TYPE cadena_webhook_accepted_seq gauge",
        *(f'cadena_webhook_accepted_seq{{webhook="{hook.key}"}} {hook.accepted()}' for hook in follower.webhooks),
    ]
    return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


@router.get("/v1/webhooks")
def webhooks(follower: FollowerDep) -> dict:
    """Each webhook receiver (by its host only), the last change it accepted, and its latest attempts."""
    return {
        "webhooks": [
            {
                "webhook": hook.key,
                "host": redacted(hook.url),
                "accepted_up_to": hook.accepted(),
                "attempts": hook.deliveries(20),
            }
            for hook in follower.webhooks
        ]
    }
