"""Who may read an operator's name and address: the one rule every surface applies (the mirror's
reads, `cadena serve` and its page, the CLI and the exports).

The name and address show when the mirror holds a readable copy (opened with its administration's
exchange key, checked against the commitment on chain) AND the reader is that administration's own
officers, or the certificate is Published, or the reader is the signed-in holder of the certificate.
Otherwise the reader sees the TIN and the status, and why not the rest, in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from cadena_client.domain.model import Certificate, Visibility, country_name


@dataclass(frozen=True)
class Audience:
    """Who reads. `officers_of`: the administration whose officers read its own mirror (the CLI with its
    exchange key); `holder`: the account signed in as a certificate's holder; neither: the public."""

    officers_of: str | None = None
    holder: str | None = None

    def holds(self, certificate: Certificate) -> bool:
        return bool(self.holder and certificate.holder and self.holder.lower() == certificate.holder.lower())


PUBLIC = Audience()


@dataclass(frozen=True)
class Copy:
    """What a mirror knows of a certificate's master data beyond the chain."""

    readable: bool  # it holds the current master data, opened and checked against the commitment
    erased: bool = False  # the issuing administration erased it
    partner: bool = False  # the officers' administration shares with the issuer an MRA covering it


REASONS = {
    "erased": {
        "en": "erased by the issuing administration",
        "es": "borrados por la administración emisora",
    },
    "no-consent": {
        "en": "the operator has not consented to share its data with {reader}",
        "es": "el operador no ha consentido compartir sus datos con {reader}",
    },
    "not-partner": {
        "en": "{reader} is not a partner of {issuer} under an MRA covering this certificate",
        "es": "{reader} no es socio de {issuer} en un ARM que cubra este certificado",
    },
    "not-published": {
        "en": "the operator has not consented to publish its name and address",
        "es": "el operador no ha consentido publicar su nombre y dirección",
    },
    "no-copy": {
        "en": "this mirror holds no readable copy of the operator's data",
        "es": "este espejo no tiene una copia legible de los datos del operador",
    },
}


def why_hidden(
    certificate: Certificate,
    audience: Audience,
    copy: Copy,
    lang: str = "en",
    name: Callable[[str], str] = country_name,
) -> str | None:
    """None when `audience` may read the certificate's name and address, else the reason in words
    (`lang` "en" or "es"; `name` says a country in that language)."""
    if copy.readable and (
        audience.officers_of is not None
        or certificate.visibility == Visibility.PUBLISHED
        or audience.holds(certificate)
    ):
        return None
    reader, issuer = audience.officers_of, certificate.country
    if copy.erased and not copy.readable:
        key = "erased"
    elif reader is None or reader == issuer:
        key = (
            "no-copy"
            if certificate.visibility == Visibility.PUBLISHED or audience.holds(certificate)
            else "not-published"
        )
    elif certificate.visibility == Visibility.ISSUER_ONLY:
        key = "no-consent"
    elif not copy.partner and certificate.visibility == Visibility.PARTNERS:
        key = "not-partner"
    else:
        key = "no-copy"
    return REASONS[key][lang].format(reader=name(reader) if reader else "", issuer=name(issuer))


def disclose(
    certificate: Certificate,
    audience: Audience,
    copy: Copy,
    lang: str = "en",
    name: Callable[[str], str] = country_name,
) -> Certificate:
    """`certificate` as `audience` may see it: without name and address, and saying why, where not."""
    reason = why_hidden(certificate, audience, copy, lang, name)
    if reason is None:
        return replace(certificate, why_hidden=None)
    return replace(certificate, name=None, address=None, why_hidden=reason)
