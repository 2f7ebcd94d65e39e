"""W3C Bitstring Status Lists (v1.0) of an administration's certificates, built from the mirror.

Each certificate has one index, its position in its country's certificate list on chain (the order
of first issue, which never changes); two lists per administration: `revocation` (cancelled or
withdrawn, for good) and `suspension` (suspended; cleared on reinstatement). A list is at least
131,072 bits, GZIP-compressed and base64url-encoded as a multibase string ("u" prefix)."""

from __future__ import annotations

import base64
import gzip
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

from cadena_client.contract.codec import country_roles
from cadena_client.credential.signing import Forged, IssuerKey
from cadena_client.domain.model import CertificateStatus

CONTEXT = "https://www.w3.org/ns/credentials/v2"
MIN_BITS = 131_072  # the specification's minimum: a list this long hides whose status a verifier asks
REVOCATION, SUSPENSION = "revocation", "suspension"
PURPOSES = (REVOCATION, SUSPENSION)
REVOKED = (CertificateStatus.CANCELLED, CertificateStatus.WITHDRAWN)


def encode_list(bits: bytes) -> str:
    """GZIP then base64url (no padding) with the multibase prefix "u"."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), compresslevel=9, mtime=0)).rstrip(b"=").decode()


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise Forged("an encoded status list starts with the multibase prefix 'u'")
    try:
        return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    except (ValueError, OSError, EOFError):
        raise Forged("the status list is not GZIP-compressed base64url") from None


def bit(bits: bytes, index: int) -> bool:
    """The bit at `index`, counted from the left-most bit of the first byte."""
    if not 0 <= index < len(bits) * 8:
        raise Forged(f"status list index {index} is outside the list ({len(bits) * 8} bits)")
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def bitstring(indexes, size: int) -> bytes:
    """`size` bits (at least MIN_BITS, whole bytes) with the bits at `indexes` set."""
    bits = bytearray(max(MIN_BITS, size + 7) // 8)
    for index in indexes:
        bits[index >> 3] |= 0x80 >> (index & 7)
    return bytes(bits)


@dataclass
class CountryStatus:
    """What a verifier needs of one administration: its certificates in index order with their versions,
    its two bitstrings and the accounts that sign its credentials."""

    country: str
    tins: list[str]
    versions: list[int]
    commitments: list[str]  # 0x hex: an update keeps the version and changes the commitment
    revocation: bytes
    suspension: bytes
    signers: frozenset[str]

    def list_of(self, purpose: str) -> bytes:
        return self.revocation if purpose == REVOCATION else self.suspension

    def as_dict(self) -> dict:
        return {
            "tins": self.tins,
            "versions": self.versions,
            "commitments": self.commitments,
            REVOCATION: encode_list(self.revocation),
            SUSPENSION: encode_list(self.suspension),
            "signers": sorted(self.signers),
        }

    @classmethod
    def from_dict(cls, country: str, data: dict) -> CountryStatus:
        return cls(
            country,
            list(data["tins"]),
            list(data["versions"]),
            list(data["commitments"]),
            decode_list(data[REVOCATION]),
            decode_list(data[SUSPENSION]),
            frozenset(data["signers"]),
        )


def signer_role(country: str) -> str:
    """The id (0x hex) of `country`'s credential-signer role."""
    return "0x" + next(role.hex() for role, held in country_roles().items() if held == (country, "credential signer"))


def country_status(db: sqlite3.Connection, country: str) -> CountryStatus:
    """The status of `country`'s certificates in a mirror's database, and its credential signers (folded
    from the role events)."""
    rows = db.execute(
        "SELECT c.tin, c.status, c.version, c.commitment FROM certificates c JOIN ("
        "  SELECT tin, MIN(seq) AS first FROM events WHERE name = 'CertificateIssued' AND substr(tin, 1, 2) = ?"
        "  GROUP BY tin) f ON f.tin = c.tin ORDER BY f.first",
        (country,),
    ).fetchall()
    revoked = [i for i, row in enumerate(rows) if row[1] in REVOKED]
    suspended = [i for i, row in enumerate(rows) if row[1] == CertificateStatus.SUSPENDED]
    signers: set[str] = set()
    role = signer_role(country)
    for name, data in db.execute(
        "SELECT name, data FROM events WHERE name IN ('RoleGranted', 'RoleRevoked') AND data LIKE ? "
        "ORDER BY block, log_index",
        (f"%{role[2:]}%",),
    ):
        args = json.loads(data)
        if str(args.get("role", "")).lower() == role:
            (signers.add if name == "RoleGranted" else signers.discard)(args["account"])
    return CountryStatus(
        country,
        [row[0] for row in rows],
        [row[2] for row in rows],
        [row[3] for row in rows],
        bitstring(revoked, len(rows)),
        bitstring(suspended, len(rows)),
        frozenset(signers),
    )


def list_url(base: str, country: str, purpose: str) -> str:
    """The stable URL where `cadena serve` publishes a list."""
    return f"{base.rstrip('/')}/v1/credentials/status/{country}/{purpose}"


def list_credential(key: IssuerKey, url: str, purpose: str, bits: bytes, now: datetime | None = None) -> str:
    """The BitstringStatusListCredential of `bits`, signed by the administration's key (a vc+jwt)."""
    now = now or datetime.now(timezone.utc)
    payload = {
        "@context": [CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.did,
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(bits),
        },
        "iss": key.did,
        "iat": int(now.timestamp()),
    }
    return key.sign(payload, "vc+jwt")
