"""Selective disclosure (SD-JWT, RFC 9901): claims the holder may show or hide, each a salted
disclosure whose SHA-256 digest the signed payload lists in `_sd`.

Written as `<JWS>~<disclosure>~...~` (no key-binding JWT): the trader drops the disclosures of what
it will not show (`present`), and the signature still holds."""

from __future__ import annotations

import hashlib
import json
import secrets

from cadena_client.credential.signing import Forged, IssuerKey, b64url, open_jws, unb64url

HASH = "sha-256"


def _digest(disclosure: str) -> str:
    return b64url(hashlib.sha256(disclosure.encode("ascii")).digest())


def disclose(claims: dict, name: str, value) -> str:
    """Moves `value` out of `claims` into a new disclosure (returned), leaving its digest in `_sd`."""
    disclosure = b64url(json.dumps([b64url(secrets.token_bytes(16)), name, value], ensure_ascii=False).encode())
    claims.setdefault("_sd", []).append(_digest(disclosure))
    claims["_sd"].sort()  # the order tells nothing of which digest is which claim
    return disclosure


def issue(payload: dict, disclosures: list[str], key: IssuerKey, typ: str) -> str:
    """The SD-JWT of `payload` (which already lists the digests of `disclosures`)."""
    return "~".join([key.sign({**payload, "_sd_alg": HASH}, typ), *disclosures, ""])


def present(sd_jwt: str, hide: set[str]) -> str:
    """The same SD-JWT without the disclosures of the claims named in `hide`."""
    token, *disclosures = sd_jwt.strip().split("~")
    kept = [d for d in disclosures if d and json.loads(unb64url(d))[1] not in hide]
    return "~".join([token, *kept, ""])


def open_sd_jwt(text: str) -> tuple[dict, dict, str]:
    """The header, the claims (with the disclosed ones put back) and the signer's address of an SD-JWT;
    Forged if the signature fails or a disclosure was not signed."""
    token, *disclosures = text.strip().split("~")
    header, payload, address = open_jws(token)
    if disclosures and disclosures[-1]:
        raise Forged("an SD-JWT ends with '~' (key binding is not used here)")
    if payload.pop("_sd_alg", HASH) != HASH:
        raise Forged(f"the disclosures are not hashed with {HASH}")
    by_digest = {}
    for disclosure in filter(None, disclosures):
        try:
            salt, name, value = json.loads(unb64url(disclosure))
        except (ValueError, TypeError):
            raise Forged("a disclosure is not a base64url JSON array [salt, name, value]") from None
        if not isinstance(name, str) or name in ("_sd", "..."):
            raise Forged("a disclosure names no claim")
        by_digest[_digest(disclosure)] = (name, value)
    used = _restore(payload, by_digest)
    if used != set(by_digest):
        raise Forged("a disclosure was not signed by the issuer (its digest is in no _sd)")
    return header, payload, address


def _restore(node, by_digest: dict) -> set[str]:
    """Puts the disclosed claims back into every object of `node` that lists their digests; returns the
    digests used."""
    used: set[str] = set()
    if isinstance(node, list):
        for item in node:
            used |= _restore(item, by_digest)
    elif isinstance(node, dict):
        for value in node.values():
            used |= _restore(value, by_digest)
        for digest in node.pop("_sd", []):
            if digest in by_digest:
                name, value = by_digest[digest]
                if name in node:
                    raise Forged(f"claim {name!r} is disclosed twice")
                node[name] = value
                used.add(digest)
    return used
