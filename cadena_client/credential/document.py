"""The AEO credential of one certificate: a W3C Verifiable Credential (Data Model 2.0) secured as an
SD-JWT, anchored to the chain (chain id, contract, TIN, certificate version and commitment), with
the MRAs that recognise it and their benefits at issue time, and two BitstringStatusListEntry
statuses. The operator's name and address go in only where its certificate's visibility lets
partners see them; they and the MRAs are disclosures the trader may leave out (a QR code holds about
2,900 bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from cadena_client.credential import sdjwt
from cadena_client.credential.signing import IssuerKey, did_of
from cadena_client.credential.status import CONTEXT, PURPOSES, list_url
from cadena_client.domain.model import MRA, Certificate, MRAStatus, PartyStatus

CREDENTIAL_TYPE = "AEOCertificateCredential"
VCT = "urn:cadena:credential:aeo-certificate:1"  # the SD-JWT VC type
TYP = "vc+sd-jwt"  # VC-JOSE-COSE's media type for a VC secured with SD-JWT
VOCABULARY = "urn:cadena:vocab#"
HIDEABLE = ("name", "address", "recognition")  # what the trader may leave out of what it shows


@dataclass(frozen=True)
class Anchor:
    """Where the certificate lives: the chain, the contract and the issuing administration."""

    chain_id: int
    contract: str
    administration: str  # its name
    status_base: str  # the URL of the administration's `cadena serve`, under which its lists are published


def recognition(certificate: Certificate, mras: list[MRA]) -> list[dict]:
    """The MRAs in force that recognise `certificate` abroad: who recognises it, for which types, with
    which benefits."""
    found = []
    for mra in mras:
        covered = mra.covered_types & certificate.aeo_types
        signed = [p.country for p in mra.parties if p.status == PartyStatus.SIGNED]
        if mra.status != MRAStatus.IN_FORCE or not covered or certificate.country not in signed:
            continue
        found.append(
            {
                "mra": mra.id,
                "title": mra.title,
                "recognisedBy": [code for code in signed if code != certificate.country],
                "aeoTypes": covered.labels(),
                "benefits": mra.benefits.labels(),
                "inForceFrom": mra.effective_from.isoformat() if mra.effective_from else None,
            }
        )
    return found


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def issue_credential(
    key: IssuerKey,
    anchor: Anchor,
    certificate: Certificate,
    index: int,
    mras: list[MRA],
    shown: dict[str, str],
    now: datetime | None = None,
) -> str:
    """The SD-JWT credential of `certificate` (its position `index` in its country's list), with the
    `shown` name and address (empty when its visibility keeps them to the issuer) and the MRAs that
    recognise it as disclosures."""
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    subject: dict = {"id": did_of(anchor.chain_id, certificate.holder)} if certificate.holder else {}
    subject.update(
        type="AuthorizedEconomicOperator",
        tin=certificate.tin,
        country=certificate.country,
        aeoTypes=certificate.aeo_types.labels(),
        certificate={
            "chainId": anchor.chain_id,
            "contract": anchor.contract,
            "version": certificate.version,
            "commitment": "0x" + certificate.commitment.hex(),
            "validFrom": certificate.valid_from.isoformat() if certificate.valid_from else None,
            "expiry": certificate.expiry.isoformat() if certificate.expiry else None,
        },
    )
    disclosed = {
        **{name: value for name, value in shown.items() if value},
        "recognition": recognition(certificate, mras),
    }
    disclosures = [sdjwt.disclose(subject, name, value) for name, value in disclosed.items()]
    credential = {
        "@context": [CONTEXT, {"@vocab": VOCABULARY}],
        "id": f"urn:cadena:{anchor.chain_id}:{anchor.contract}:{certificate.tin}:{certificate.version}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": key.did, "name": anchor.administration},
        "validFrom": _stamp(now),
        "credentialSubject": subject,
        "credentialStatus": [
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": list_url(anchor.status_base, certificate.country, purpose),
            }
            for purpose in PURPOSES
        ],
        "iss": key.did,
        "iat": int(now.timestamp()),
        "vct": VCT,
    }
    if certificate.expiry:
        credential["validUntil"] = _stamp(_end_of(certificate.expiry))
        credential["exp"] = int(_end_of(certificate.expiry).timestamp())
    return sdjwt.issue(credential, disclosures, key, TYP)
