"""Issuing a credential and taking a verifier's cache: the chain says who may sign and what the
certificate is now; a mirror synced from it gives the index, the MRAs and the readable master data."""

from __future__ import annotations

from datetime import datetime

from cadena_client.credential.document import Anchor, issue_credential
from cadena_client.credential.signing import IssuerKey
from cadena_client.credential.status import country_status
from cadena_client.credential.verify import SnapshotEvidence, snapshot_of
from cadena_client.domain.model import Certificate, Visibility, parse_tin
from cadena_client.errors import InputError, NotFoundError, SignerRequired

PARTNERS_SEE = (Visibility.PARTNERS, Visibility.PUBLISHED)  # where a credential names the operator


def shown(certificate: Certificate) -> dict[str, str]:
    """The operator's name and address as far as its certificate's visibility lets partners see them."""
    if certificate.visibility not in PARTNERS_SEE:
        return {}
    return {"name": certificate.name or "", "address": certificate.address or ""}


def issue_for(cadena, mirror, account, tin: str, status_base: str, now: datetime | None = None) -> str:
    """The credential of `tin`'s certificate, signed by `account` (a credential signer of its country)."""
    tin = parse_tin(tin)
    code = tin[:2]
    if not cadena.is_credential_signer(code, account.address):
        raise SignerRequired(
            f"account {account.address} does not sign credentials for {code}: an admin of {code} grants it "
            f"with `cadena credential-signer grant --country {code} {account.address}`"
        )
    mirror.sync(cadena)
    certificate = mirror.certificate(
        tin, mirror.officers()
    )  # the issuer reads its own; `shown` keeps what consent allows
    on_chain = cadena.certificate(tin)
    if (on_chain.version, on_chain.commitment) != (certificate.version, certificate.commitment):
        raise InputError(f"the mirror is behind the chain for {tin}; run `cadena sync` and try again")
    status = country_status(mirror.db, code)
    try:
        index = status.tins.index(tin)
    except ValueError:
        raise NotFoundError(f"{tin} is not in {code}'s certificate list of the mirror; run `cadena sync`") from None
    administration = next(a.name for a in mirror.administrations() if a.country == code)
    anchor = Anchor(cadena.chain.chain_id, cadena.address, administration, status_base)
    key = IssuerKey(bytes(account.key), cadena.chain.chain_id)
    return issue_credential(key, anchor, on_chain, index, mirror.mras(code), shown(certificate), now)


def take_snapshot(cadena, mirror, countries: list[str] | None = None) -> SnapshotEvidence:
    """The evidence an offline verifier keeps: every (or `countries`') administration's status lists,
    certificate versions and credential signers, from the mirror brought up to the chain."""
    mirror.sync(cadena)
    codes = countries or [a.country for a in mirror.administrations()]
    return snapshot_of(mirror, codes, cadena.chain.chain_id)


def credential_keys(cadena, accounts) -> dict[str, IssuerKey]:
    """The credential keys of `accounts` by the country each signs for on chain (one each)."""
    codes = [a.country for a in cadena.administrations()]
    keys = {}
    for account in accounts:
        signs_for = [code for code in codes if cadena.is_credential_signer(code, account.address)]
        if not signs_for:
            raise SignerRequired(f"account {account.address} signs credentials for no administration on chain")
        keys[signs_for[0]] = IssuerKey(bytes(account.key), cadena.chain.chain_id)
    return keys
