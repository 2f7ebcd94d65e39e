"""The verdict on a credential: valid, suspended, revoked, expired, superseded, forged or unknown
issuer; against the chain (online) or a cache of status lists and issuer keys (offline).

The checks, in order: the signature and disclosures hold (else forged); the key is the issuer DID's
and holds the country's credential-signer role now, on the chain the credential names (else unknown
issuer); the revocation and suspension statuses; the certificate's version has not moved on (else
superseded); the validity period."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import IntEnum
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from cadena_client.credential.document import CREDENTIAL_TYPE
from cadena_client.credential.sdjwt import open_sd_jwt
from cadena_client.credential.signing import Forged, address_of_did
from cadena_client.credential.status import REVOCATION, SUSPENSION, CountryStatus, bit
from cadena_client.domain.model import CertificateStatus
from cadena_client.errors import InputError, NotFoundError

EXIT_BASE = 30  # `cadena credential verify` exits with 0 for valid, else 30 + the verdict (`cadena verify` uses 10-20)


class CredentialVerdict(IntEnum):
    VALID = 0
    SUSPENDED = 1
    REVOKED = 2
    EXPIRED = 3
    SUPERSEDED = 4
    FORGED = 5
    UNKNOWN_ISSUER = 6

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()

    @property
    def spanish(self) -> str:
        return SPANISH[self]


SPANISH = {
    CredentialVerdict.VALID: "válida",
    CredentialVerdict.SUSPENDED: "suspendida",
    CredentialVerdict.REVOKED: "revocada",
    CredentialVerdict.EXPIRED: "vencida",
    CredentialVerdict.SUPERSEDED: "sustituida por una versión posterior",
    CredentialVerdict.FORGED: "falsificada (la firma no es válida)",
    CredentialVerdict.UNKNOWN_ISSUER: "emisor desconocido",
}


@dataclass(frozen=True)
class Standing:
    """A certificate's status where a verifier looks: the chain or a cached list."""

    revoked: bool
    suspended: bool
    version: int
    commitment: str  # 0x hex of the master data's commitment now


class Evidence(Protocol):
    """What a verdict is checked against."""

    chain_id: int
    contract: str

    def is_signer(self, country: str, address: str) -> bool: ...

    def standing(self, tin: str, index: int, purpose_lists: dict[str, int]) -> Standing | None: ...


class ChainEvidence:
    """The chain itself, through the contract (online)."""

    def __init__(self, cadena):
        self.cadena, self.chain_id, self.contract = cadena, cadena.chain.chain_id, cadena.address

    def is_signer(self, country: str, address: str) -> bool:
        return self.cadena.is_credential_signer(country, address)

    def standing(self, tin: str, index: int, purpose_lists: dict[str, int]) -> Standing | None:
        try:
            certificate = self.cadena.certificate(tin)
        except NotFoundError:
            return None
        status = certificate.status
        return Standing(
            status in (CertificateStatus.CANCELLED, CertificateStatus.WITHDRAWN),
            status == CertificateStatus.SUSPENDED,
            certificate.version,
            "0x" + certificate.commitment.hex(),
        )


class SnapshotEvidence:
    """Status lists, versions and signers of some administrations as a mirror holds them, or as a cache
    file kept them (offline)."""

    def __init__(self, chain_id: int, contract: str, countries: dict[str, CountryStatus], taken: str = ""):
        self.chain_id, self.contract, self.countries, self.taken = chain_id, contract, countries, taken

    def is_signer(self, country: str, address: str) -> bool:
        found = self.countries.get(country)
        return found is not None and address in found.signers

    def standing(self, tin: str, index: int, purpose_lists: dict[str, int]) -> Standing | None:
        found = self.countries.get(tin[:2])
        if found is None or index >= len(found.tins) or found.tins[index] != tin:
            return None
        return Standing(
            bit(found.revocation, purpose_lists.get(REVOCATION, index)),
            bit(found.suspension, purpose_lists.get(SUSPENSION, index)),
            found.versions[index],
            found.commitments[index],
        )

    def as_dict(self) -> dict:
        return {
            "chain_id": self.chain_id,
            "contract": self.contract,
            "taken": self.taken,
            "countries": {code: status.as_dict() for code, status in self.countries.items()},
        }

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.as_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> SnapshotEvidence:
        try:
            data = json.loads(Path(path).read_text())
            return cls(
                data["chain_id"],
                data["contract"],
                {code: CountryStatus.from_dict(code, item) for code, item in data["countries"].items()},
                data.get("taken", ""),
            )
        except FileNotFoundError:
            raise InputError(f"no credential cache at {path}: write one with `cadena credential cache`") from None
        except (ValueError, KeyError, TypeError, Forged) as exc:
            raise InputError(
                f"{path} is not a credential cache ({exc}): write it again with `cadena credential cache`"
            ) from None


# Why a verdict was given, by reason and language; the facts of a check fill the blanks.
DETAILS = {
    "en": {
        "forged": "{why}",
        "not_cadena": "it is signed, but is not a CADENA AEO credential",
        "signer_not_issuer": "the signing key is not the issuer DID's",
        "other_network": "it is anchored to contract {contract} on chain {chain}, not this network's",
        "signer_unbound": "key {signer} does not sign credentials for {country} on chain",
        "no_certificate": "{country} has no certificate {tin} at index {index}",
        "revoked": "the certificate was cancelled or withdrawn",
        "suspended": "the certificate is suspended",
        "new_version": "the certificate is at version {version} now; ask for a new credential",
        "updated": "the certificate's master data was updated since; ask for a new credential",
        "expired": "it was valid until {until}",
        "valid": "AEO {types}",
    },
    "es": {
        "forged": "la credencial no es auténtica ({why})",
        "not_cadena": "está firmada, pero no es una credencial OEA de CADENA",
        "signer_not_issuer": "la clave que firma no es la del DID del emisor",
        "other_network": "está anclada al contrato {contract} en la cadena {chain}, no a los de esta red",
        "signer_unbound": "la clave {signer} no firma credenciales de {country} en la cadena",
        "no_certificate": "{country} no tiene el certificado {tin} en la posición {index}",
        "revoked": "el certificado fue cancelado o retirado",
        "suspended": "el certificado está suspendido",
        "new_version": "el certificado está ahora en la versión {version}; pida una credencial nueva",
        "updated": "los datos del operador cambiaron desde entonces; pida una credencial nueva",
        "expired": "era válida hasta {until}",
        "valid": "OEA {types}",
    },
}


@dataclass(frozen=True)
class Checked:
    """A verdict, why (a reason of `DETAILS` and its facts), and what it is about."""

    verdict: CredentialVerdict
    reason: str
    facts: dict = field(default_factory=dict)
    tin: str | None = None
    issuer: str | None = None
    version: int | None = None
    claims: dict | None = None

    def detail(self, language: str = "en") -> str:
        """Why, in `language` (en or es)."""
        return DETAILS[language][self.reason].format(**self.facts)

    def line(self) -> str:
        about = f"{self.tin} (version {self.version}) from {self.issuer}: " if self.tin else ""
        return f"{self.verdict.label}: {about}{self.detail()}"

    def as_dict(self) -> dict:
        """The verdict as a `credential-verification` document has it (the claims left out)."""
        data = asdict(self)
        del data["claims"]
        return {**data, "verdict": self.verdict.label, "detail": self.detail()}


def payload_of(text: str) -> str:
    """The SD-JWT in what was pasted or scanned: the credential itself, or a verify link carrying it."""
    text = text.strip()
    if text.startswith(("http://", "https://")):
        found = parse_qs(urlsplit(text).query).get("credential")
        if not found:
            raise InputError("the link carries no credential (its ?credential= parameter)")
        return found[0].strip()
    return text


def check(text: str, evidence: Evidence, now: datetime | None = None) -> Checked:
    """The verdict on the credential in `text` (an SD-JWT, with any subset of its disclosures)."""
    now = now or datetime.now(timezone.utc)
    try:
        header, claims, signer = open_sd_jwt(payload_of(text))
        subject, anchor = claims["credentialSubject"], claims["credentialSubject"]["certificate"]
        if CREDENTIAL_TYPE not in claims["type"]:
            raise Forged(f"it is not a {CREDENTIAL_TYPE}")
        tin, version = subject["tin"], int(anchor["version"])
        chain_id, issuer_address = address_of_did(claims["issuer"]["id"])
        if claims["iss"] != claims["issuer"]["id"]:
            raise Forged("its iss and issuer differ")
        lists = {entry["statusPurpose"]: int(entry["statusListIndex"]) for entry in claims["credentialStatus"]}
        index = lists[REVOCATION]
    except Forged as exc:
        return Checked(CredentialVerdict.FORGED, "forged", {"why": str(exc)})
    except (KeyError, TypeError, ValueError, AttributeError):
        return Checked(CredentialVerdict.FORGED, "not_cadena")
    country = tin[:2]
    who = {"tin": tin, "issuer": claims["issuer"].get("name") or country, "version": version, "claims": claims}
    if issuer_address != signer:
        return Checked(CredentialVerdict.FORGED, "signer_not_issuer", **who)
    if (chain_id, str(anchor["contract"]).lower()) != (evidence.chain_id, evidence.contract.lower()) or (
        int(anchor["chainId"]) != chain_id
    ):
        facts = {"contract": anchor["contract"], "chain": anchor["chainId"]}
        return Checked(CredentialVerdict.UNKNOWN_ISSUER, "other_network", facts, **who)
    if not evidence.is_signer(country, signer):
        return Checked(
            CredentialVerdict.UNKNOWN_ISSUER, "signer_unbound", {"signer": signer, "country": country}, **who
        )
    standing = evidence.standing(tin, index, lists)
    if standing is None:
        facts = {"country": country, "tin": tin, "index": index}
        return Checked(CredentialVerdict.UNKNOWN_ISSUER, "no_certificate", facts, **who)
    if standing.revoked:
        return Checked(CredentialVerdict.REVOKED, "revoked", **who)
    if standing.suspended:
        return Checked(CredentialVerdict.SUSPENDED, "suspended", **who)
    if standing.version != version:
        return Checked(CredentialVerdict.SUPERSEDED, "new_version", {"version": standing.version}, **who)
    if standing.commitment.lower() != str(anchor["commitment"]).lower():
        return Checked(CredentialVerdict.SUPERSEDED, "updated", **who)
    until = claims.get("validUntil")
    if until and datetime.fromisoformat(until.replace("Z", "+00:00")) < now:
        return Checked(CredentialVerdict.EXPIRED, "expired", {"until": until}, **who)
    return Checked(CredentialVerdict.VALID, "valid", {"types": ", ".join(subject["aeoTypes"])}, **who)


def snapshot_of(mirror, countries: list[str], chain_id: int) -> SnapshotEvidence:
    """The evidence of a synced mirror for `countries`."""
    from cadena_client.credential.status import country_status

    position = mirror.position()
    taken = datetime.fromtimestamp(position.block_time, timezone.utc).isoformat() if position.block_time else ""
    return SnapshotEvidence(
        chain_id,
        mirror.address,
        {code: country_status(mirror.db, code) for code in countries},
        f"block {position.block} ({taken})",
    )
