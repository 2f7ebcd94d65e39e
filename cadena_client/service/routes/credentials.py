"""`/v1/credentials`: each administration's W3C Bitstring Status List credentials at stable URLs
(`/v1/credentials/status/{country}/{revocation|suspension}`), signed with that administration's
credential key (given to `cadena serve`), built from the mirror and renewed as soon as a sync
brings a change (the lists are keyed by the block the mirror reflects); and the verdict on a
credential (`POST /v1/credentials/verify`), against the same mirror."""

from __future__ import annotations

import threading
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from cadena_client.credential.signing import IssuerKey
from cadena_client.credential.status import PURPOSES, CountryStatus, country_status, list_credential
from cadena_client.credential.verify import Checked, SnapshotEvidence, check
from cadena_client.document import document
from cadena_client.errors import InputError, NotFoundError
from cadena_client.schema.models import COUNTRY_REGEX, CredentialVerificationDocument
from cadena_client.service.answers import NOT_FOUND, REFUSALS, UNAVAILABLE
from cadena_client.service.deps import FollowerDep
from cadena_client.service.follower import Follower

router = APIRouter(prefix="/v1/credentials", tags=["credentials"], responses={**REFUSALS, **UNAVAILABLE})
MEDIA_TYPE = "application/vc+jwt"


class Published:
    """The statuses of the administrations as the follower's mirror holds them, built once per block
    the mirror reflects, and the signed lists of those whose credential key the service holds."""

    def __init__(self, follower: Follower, keys: dict[str, IssuerKey]):
        self.follower, self.keys = follower, keys
        self._lock = threading.Lock()
        self._block = -1
        self._statuses: dict[str, CountryStatus] = {}
        self._lists: dict[tuple[str, str], str] = {}

    def _fresh(self) -> int:
        """The block the mirror reflects; forgets what was built for an older one."""
        block = self.follower.as_of()["block"]
        if block != self._block:
            self._block, self._statuses, self._lists = block, {}, {}
        return block

    def status(self, country: str) -> CountryStatus:
        with self._lock:
            self._fresh()
            if country not in self._statuses:
                with self.follower.lock:
                    self._statuses[country] = country_status(self.follower.mirror.db, country)
            return self._statuses[country]

    def list_credential(self, base: str, country: str, purpose: str) -> str:
        key = self.keys.get(country)
        if key is None:
            raise NotFoundError(f"this service publishes no status lists of {country}")
        status = self.status(country)
        with self._lock:
            if (country, purpose) not in self._lists:
                url = f"{base.rstrip('/')}/v1/credentials/status/{country}/{purpose}"
                self._lists[(country, purpose)] = list_credential(key, url, purpose, status.list_of(purpose))
            return self._lists[(country, purpose)]

    def check(self, text: str) -> Checked:
        """The verdict on a credential against the mirror (its country's statuses and signers)."""
        evidence = SnapshotEvidence(self.follower.cadena.chain.chain_id, self.follower.mirror.address, {})
        first = check(text, evidence)  # (a forgery needs no status; else it names its country)
        if first.tin is None or first.claims is None:
            return first
        evidence.countries[first.tin[:2]] = self.status(first.tin[:2])
        return check(text, evidence)


def published(request: Request) -> Published:
    state = request.app.state
    if getattr(state, "credentials", None) is None:
        state.credentials = Published(state.follower, getattr(state, "credential_keys", {}))
    return state.credentials


@router.get(
    "/status/{country}/{purpose}",
    response_class=Response,
    responses={
        **NOT_FOUND,
        200: {"content": {MEDIA_TYPE: {}}, "description": "A BitstringStatusListCredential as a JWT"},
    },
)
def status_list(
    request: Request,
    follower: FollowerDep,
    country: Annotated[str, Path(pattern=COUNTRY_REGEX)],
    purpose: Annotated[str, Path(pattern="^(" + "|".join(PURPOSES) + ")$")],
) -> Response:
    """The administration's status list of `purpose` (revocation: cancelled or withdrawn; suspension)."""
    follower.check_ready()
    base = str(request.base_url)
    token = published(request).list_credential(base, country, purpose)
    return Response(token, media_type=MEDIA_TYPE, headers={"cache-control": f"max-age={max(1, int(follower.poll))}"})


@router.post(
    "/verify",
    response_model=CredentialVerificationDocument,
    openapi_extra={
        "requestBody": {"content": {"text/plain": {"schema": {"type": "string", "pattern": r"\S"}}}, "required": True}
    },
)
async def verify_credential(request: Request, follower: FollowerDep) -> dict:
    """The verdict on a credential (the SD-JWT, or a verify link, as a text/plain body): valid, suspended,
    revoked, expired, superseded, forged or unknown issuer."""
    follower.check_ready()
    text = (await request.body()).decode("utf-8", "replace")
    if not text.strip():
        raise InputError("the body is empty: send the credential (its SD-JWT) or a verify link as text")
    checked = await anyio.to_thread.run_sync(published(request).check, text)
    return document("credential-verification", checked.as_dict())
