"""`POST /v1/subscriptions`: a company subscribes an endpoint to the changes of its own TINs and of the
MRAs covering them, proving with its holder key's signature that the TINs are its own
(`cadena_client.subscriptions`). Answered with the endpoint's Standard Webhooks secret. Subscriptions
are kept in the mirror, and a restarted service delivers on from where each endpoint stopped."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from pydantic import BaseModel

from cadena_client.errors import NotFoundError
from cadena_client.service.answers import NOT_FOUND, REFUSALS, UNAVAILABLE
from cadena_client.service.deps import FollowerDep
from cadena_client.service.follower import Follower
from cadena_client.subscriptions import NotHolder, Wanted, read_request
from cadena_client.webhooks import Endpoint, endpoint_secret

router = APIRouter(prefix="/v1", tags=["subscriptions"], responses={**REFUSALS, **UNAVAILABLE, **NOT_FOUND})


class SignedRequest(BaseModel):
    message: str
    signature: str


class Subscribed(BaseModel):
    id: str
    holder: str
    tins: list[str]
    secret: str


@router.post("/subscriptions", status_code=201, responses={403: {"description": "A TIN is not the signer's"}})
def subscribe(request: Request, follower: FollowerDep, signed: SignedRequest) -> Subscribed:
    """Deliver the changes of the signer's TINs, and of the MRAs covering them, to its URL."""
    follower.check_ready()
    key = getattr(request.app.state, "webhook_key", None)
    if key is None:
        raise NotFoundError("this service takes no subscriptions: it was started without a webhook key")
    url, tins, signer = read_request(signed.message, signed.signature)
    with follower.lock:
        for tin in tins:
            holder = follower.mirror.certificate(tin).holder
            if holder is None or holder.lower() != signer.lower():
                raise NotHolder(f"{signer} is not the holder of {tin}; sign with the key its certificate names")
        endpoint = _endpoint(follower, key, url, signer, tins)
        with follower.mirror.transaction():  # kept, so that a restarted service delivers on (see `restore`)
            follower.mirror.db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (f"subscription:{endpoint.key}", json.dumps({"url": url, "holder": signer, "tins": tins})),
            )
    follower.add_webhook(endpoint).start()
    return Subscribed(id=endpoint.key, holder=signer, tins=tins, secret=endpoint.secret)


def _endpoint(follower: Follower, key: bytes, url: str, holder: str, tins: list[str]) -> Endpoint:
    """The endpoint of a subscription, wanting its TINs' changes and those of the MRAs of their countries
    (read from the mirror, under the follower's lock)."""
    countries = {t[:2] for t in tins}
    mras = {m.id for m in follower.mirror.mras() if countries & {p.country for p in m.parties}}
    return Endpoint(url, endpoint_secret(key, f"{url}#{holder}"), Wanted(tins, mras))


def restore(follower: Follower, key: bytes) -> int:
    """Adds the webhooks of the subscriptions the mirror kept (before the follower starts); returns how many."""
    with follower.lock:
        kept = follower.mirror.db.execute("SELECT value FROM meta WHERE key LIKE 'subscription:%'").fetchall()
        subscribed = [json.loads(value) for (value,) in kept]
        endpoints = [_endpoint(follower, key, one["url"], one["holder"], one["tins"]) for one in subscribed]
    for endpoint in endpoints:
        follower.add_webhook(endpoint)
    return len(endpoints)
