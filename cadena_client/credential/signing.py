"""The administration's credential key: an Ethereum account (secp256k1) that holds the country's
credential-signer role on chain, as a JOSE key (ES256K), named by a `did:pkh` DID of its address.

Every JWS we sign carries its public key in the protected header (`jwk`): a verifier derives the
address from it, checks it is the one the issuer's DID names, and asks the chain (or a cache of it)
whether that address signs credentials for the country."""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from coincurve import PrivateKey
from eth_keys import keys
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from cadena_client.errors import CadenaError

ALGORITHM = "ES256K"


class Forged(CadenaError):
    """A credential or status list whose signature, key or disclosures do not hold."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def did_of(chain_id: int, address: str) -> str:
    """The DID of an account on chain `chain_id` (did:pkh, CAIP-10)."""
    return f"did:pkh:eip155:{chain_id}:{address}"


def address_of_did(did: str) -> tuple[int, str]:
    """(chain id, address) of a did:pkh:eip155 DID; Forged for anything else."""
    parts = did.split(":")
    if len(parts) != 5 or parts[:3] != ["did", "pkh", "eip155"] or not parts[3].isdigit():
        raise Forged(f"the issuer {did!r} is not a did:pkh:eip155 DID")
    return int(parts[3]), parts[4]


class IssuerKey:
    """An administration's signing key (the private key of its credential-signer account)."""

    def __init__(self, private_key: bytes, chain_id: int):
        secret = PrivateKey(private_key)
        point = secret.public_key.format(compressed=False)[1:]
        self.jwk = {"kty": "EC", "crv": "secp256k1", "x": b64url(point[:32]), "y": b64url(point[32:])}
        self._key = ECKey.import_key({**self.jwk, "d": b64url(private_key)})
        self.address = keys.PublicKey(point).to_checksum_address()
        self.did = did_of(chain_id, self.address)

    def sign(self, payload: dict, typ: str) -> str:
        """A compact JWS of `payload` (JSON) with our key in its header."""
        header = {"alg": ALGORITHM, "typ": typ, "jwk": self.jwk}
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return jws.serialize_compact(header, body, self._key, algorithms=[ALGORITHM])


@lru_cache(maxsize=256)
def _public(x: str, y: str) -> tuple[ECKey, str]:
    """The JOSE key and the Ethereum address of a secp256k1 public key (cached: few issuers sign many)."""
    key = ECKey.import_key({"kty": "EC", "crv": "secp256k1", "x": x, "y": y})
    return key, keys.PublicKey(unb64url(x) + unb64url(y)).to_checksum_address()


def open_jws(token: str) -> tuple[dict, dict, str]:
    """The header, the payload and the signer's address of a compact JWS signed by the key in its header;
    Forged when it is malformed or its signature does not hold."""
    try:
        header = json.loads(unb64url(token.split(".", 1)[0]))
        jwk = header["jwk"]
        if header.get("alg") != ALGORITHM or jwk.get("crv") != "secp256k1" or "d" in jwk:
            raise Forged(f"the signature is not {ALGORITHM} by a secp256k1 public key")
        key, address = _public(jwk["x"], jwk["y"])
        payload = json.loads(jws.deserialize_compact(token, key, algorithms=[ALGORITHM]).payload)
    except Forged:
        raise
    except (JoseError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise Forged(f"the signature does not hold ({type(exc).__name__})") from None
    if not isinstance(payload, dict):
        raise Forged("the signed payload is not a JSON object")
    return header, payload, address
