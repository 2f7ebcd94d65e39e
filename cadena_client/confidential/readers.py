"""Who may read a certificate's master data, as its visibility says, and the keys to seal it to: the
issuer always; with Partners, every party that signed an MRA with the issuer still in force (or
concluded) covering one of the certificate's AEO types; with Published, every active member. Only
administrations that published an exchange key can be sealed to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cadena_client.domain.model import (
    AdministrationStatus,
    AEOType,
    MRAStatus,
    PartyStatus,
    Visibility,
)

if TYPE_CHECKING:
    from cadena_client.api.client import Cadena

LIVE_MRAS = (MRAStatus.IN_FORCE, MRAStatus.CONCLUDED)


def reader_countries(cadena: Cadena, issuer: str, aeo_types: AEOType, visibility: Visibility) -> set[str]:
    """The countries allowed to read a certificate of `issuer` with `aeo_types` and `visibility`."""
    countries = {issuer}
    if visibility is Visibility.PUBLISHED:
        countries |= {a.country for a in cadena.administrations() if a.status is AdministrationStatus.ACTIVE}
    elif visibility is Visibility.PARTNERS:
        for mra in cadena.mras(issuer):
            signed = {p.country for p in mra.parties if p.status is PartyStatus.SIGNED}
            if mra.status in LIVE_MRAS and issuer in signed and mra.covered_types & aeo_types:
                countries |= signed
    return countries


def readers(cadena: Cadena, issuer: str, aeo_types: AEOType, visibility: Visibility) -> dict[str, bytes]:
    """The readers' exchange keys (country -> X25519 public key), for those that published one."""
    keys = {code: cadena.exchange_key(code) for code in sorted(reader_countries(cadena, issuer, aeo_types, visibility))}
    return {code: key for code, key in keys.items() if key}
