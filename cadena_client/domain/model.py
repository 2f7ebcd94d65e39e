"""The vocabulary of CADENA: identifiers, AEO types, benefits, statuses and the typed records
the library returns, with their validation (their encoding for the contract is the codec's)."""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum, IntFlag
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from iso3166 import countries_by_alpha2

from cadena_client.errors import BadTin, InputError, UnknownCountry

EPOCH = date(1970, 1, 1)
MAX_PAGE = 500  # the contract caps every paged read at this many entries
MAX_PARTIES = 32
TIN_NATIONAL = "[A-Z0-9]{1,15}"  # what follows the country code in a TIN
TIN_PATTERN = re.compile("[A-Z]{2}" + TIN_NATIONAL)
ZERO_ADDRESS = "0x" + "00" * 20


F = TypeVar("F", bound="_Flags")


class _Flags(IntFlag):
    """Bit flags with names for people and a parser that accepts those names."""

    @classmethod
    def parse(cls: type[F], value: int | str | list | tuple | set) -> F:
        """Flags from an int, a flag, or names separated by commas, '|', '+', ';', '/' or line breaks (case-insensitive)."""
        if isinstance(value, int):
            flags = cls(value) if 0 < value and value & ~cls.all() == 0 else None
            if flags is None:
                raise InputError(f"{value} is not a combination of {cls.__name__} flags ({cls.all():#x} at most)")
            return flags
        names = re.split(r"[,|+;/\n]", value) if isinstance(value, str) else list(value)
        flags = cls(0)
        for name in names:
            if isinstance(name, cls):
                flags |= name
                continue
            key = _ALIASES.get(key_of(str(name)), key_of(str(name)).upper())
            if not key:
                continue
            if key not in cls.__members__:
                known = ", ".join(member.label for member in cls)
                aliases = sorted(
                    alias.replace("_", " ") for alias, member in _ALIASES.items() if member in cls.__members__
                )
                also = f" (or: {', '.join(aliases)})" if aliases else ""
                raise InputError(f"unknown {cls.noun()} {str(name).strip()!r}; use one of: {known}{also}")
            flags |= cls[key]
        if not flags:
            raise InputError(f"no {cls.noun()} given")
        return flags

    @classmethod
    def noun(cls) -> str:
        """What one flag is called in messages: 'AEO type', 'benefit'."""
        return {"AEOType": "AEO type"}.get(cls.__name__, cls.__name__.lower())

    @classmethod
    def all(cls) -> int:
        return sum(member.value for member in cls)

    @property
    def label(self) -> str:
        return self.name.replace("_", "-").lower() if self.name else str(self.value)

    def labels(self) -> list[str]:
        return [member.label for member in type(self) if member in self]


class AEOType(_Flags):
    """Roles in the supply chain an AEO certificate covers, and the AEO-S / AEO-C kinds."""

    IMPORTER = 1
    EXPORTER = 2
    MANUFACTURER = 4
    WAREHOUSE = 8
    CUSTOMS_BROKER = 16
    CARRIER = 32
    LOGISTICS_OPERATOR = 64
    AEO_S = 128
    AEO_C = 256


class Benefit(_Flags):
    """Benefits an MRA grants to the partners' AEOs."""

    REDUCED_PHYSICAL_INSPECTION = 1
    REDUCED_DOCUMENTARY_CHECKS = 2
    PRIORITY_TREATMENT = 4
    SIMPLIFIED_PROCEDURES = 8
    BUSINESS_CONTINUITY = 16
    LOWER_RISK_SCORE = 32


def key_of(text: str) -> str:
    """Lower-case ASCII words joined by '_': 'Almacén ' -> 'almacen', 'AEO-S' -> 'aeo_s'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


# Spanish and common alternative names, as found in the administrations' AEO lists.
_ALIASES = {
    "importador": "IMPORTER",
    "exportador": "EXPORTER",
    "fabricante": "MANUFACTURER",
    "productor": "MANUFACTURER",
    "almacen": "WAREHOUSE",
    "deposito": "WAREHOUSE",
    "warehouse_keeper": "WAREHOUSE",
    "agente_de_aduanas": "CUSTOMS_BROKER",
    "agente_aduanal": "CUSTOMS_BROKER",
    "broker": "CUSTOMS_BROKER",
    "transportista": "CARRIER",
    "operador_logistico": "LOGISTICS_OPERATOR",
    "aeos": "AEO_S",
    "oea_s": "AEO_S",
    "security": "AEO_S",
    "aeoc": "AEO_C",
    "oea_c": "AEO_C",
    "customs_simplifications": "AEO_C",
    "oea_seguridad": "AEO_S",
    "seguridad": "AEO_S",
    "oea_seguridad_y_proteccion": "AEO_S",
    "oea_seguranca": "AEO_S",
    "seguranca": "AEO_S",
    "oea_cumplimiento": "AEO_C",
    "cumplimiento": "AEO_C",
    "oea_conformidade": "AEO_C",
    "conformidade": "AEO_C",
    "oea_facilitacion": "AEO_C",
    "armazem": "WAREHOUSE",
    "almacenador": "WAREHOUSE",
    "transportador": "CARRIER",
    "despachante": "CUSTOMS_BROKER",
    "despachante_aduaneiro": "CUSTOMS_BROKER",
    "agente_de_carga": "LOGISTICS_OPERATOR",
    "oea_importador": "IMPORTER",
    "oea_exportador": "EXPORTER",
}


class CertificateStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    CANCELLED = 3
    WITHDRAWN = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


def status_label(status: CertificateStatus, expiry: date | None, today: date | None = None) -> str:
    """The status as a person reads it: "Expired" for an Active certificate past its expiry day (the
    chain keeps it Active; its verify already says expired)."""
    today = today or datetime.now(timezone.utc).date()
    return "Expired" if status == CertificateStatus.ACTIVE and expiry is not None and today > expiry else status.label


class Visibility(IntEnum):
    """Who may read a certificate's master data, as its holder consented (kept on chain with the status)."""

    ISSUER_ONLY = 0  # the issuing administration only
    PARTNERS = 1  # also the partners of the MRAs in force with the issuer that cover the certificate
    PUBLISHED = 2  # every member, and through their services anyone

    @property
    def label(self) -> str:
        return self.name.replace("_", "-").lower()

    @classmethod
    def parse(cls, value: Visibility | int | str) -> Visibility:
        """A visibility from its number or its name (issuer, issuer-only, partners, published; any case)."""
        if isinstance(value, int):
            if value not in cls._value2member_map_:
                raise InputError(f"visibility {value} is unknown; use 0 (issuer), 1 (partners) or 2 (published)")
            return cls(value)
        key = key_of(str(value)).upper()
        key = {"ISSUER": "ISSUER_ONLY", "PARTNER": "PARTNERS", "PUBLIC": "PUBLISHED"}.get(key, key)
        if key not in cls.__members__:
            raise InputError(f"unknown visibility {str(value).strip()!r}; use one of: issuer, partners, published")
        return cls[key]


class MRAStatus(IntEnum):
    NONE = 0
    PROPOSED = 1
    CONCLUDED = 2  # signed by all, effective date not reached
    IN_FORCE = 3
    TERMINATED = 4
    SUSPENDED = 5  # in force on paper, but fewer than two parties take part

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


class AdministrationStatus(IntEnum):
    """Where an administration stands in the network; its history stays whatever the status."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2  # by a vote of the members, until a vote reinstates it
    EXPELLED = 3  # by a vote of the members, for good

    @property
    def label(self) -> str:
        return self.name.capitalize()


class PartyStatus(IntEnum):
    NONE = 0
    PENDING = 1
    SIGNED = 2
    SUSPENDED = 3
    LEFT = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


class Verdict(IntEnum):
    """Why the contract recognises an operator for an import, or why not."""

    RECOGNISED = 0
    UNKNOWN_TIN = 1
    SAME_COUNTRY = 2
    NOT_ACTIVE = 3
    NOT_YET_VALID = 4
    EXPIRED = 5
    NO_MRA = 6
    MRA_NOT_IN_FORCE = 7
    TYPE_NOT_COVERED = 8
    ISSUER_SUSPENDED = 9  # the members suspended or expelled the administration that issued it
    NO_CONSENT = 10  # an MRA would recognise it, but requires the trader's consent, which it has not given

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower().replace("mra", "MRA").replace("tin", "TIN")


class Reason(IntEnum):
    """Reason codes the library names; the contract stores any uint16."""

    UNSPECIFIED = 0
    NEW_CERTIFICATION = 1
    RENEWAL = 2
    DATA_CORRECTION = 3
    REVALIDATION = 4
    SECURITY_INCIDENT = 10
    NON_COMPLIANCE = 11
    ONGOING_INVESTIGATION = 12
    FAILED_REVALIDATION = 13
    REQUIREMENTS_NO_LONGER_MET = 20
    SERIOUS_INFRINGEMENT = 21
    CEASED_ACTIVITY = 30
    COMPANY_REQUEST = 31

    @classmethod
    def parse(cls, value: int | str) -> int:
        """A reason code from its number or its name (any case, '-' or '_')."""
        if isinstance(value, int) or str(value).isdigit():
            code = int(value)
            if not 0 <= code < 2**16:
                raise InputError(f"reason code {code} is out of range 0..65535")
            return code
        key = key_of(str(value)).upper()
        if key not in cls.__members__:
            known = ", ".join(member.name.lower().replace("_", "-") for member in cls)
            raise InputError(f"unknown reason {value!r}; use a number or one of: {known}")
        return cls[key].value

    @classmethod
    def label_of(cls, code: int) -> str:
        return cls(code).name.lower().replace("_", "-") if code in cls._value2member_map_ else str(code)


# -- identifiers ---------------------------------------------------------------------------------


def parse_country(code: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased; raises InputError otherwise."""
    text = str(code).strip().upper()
    if text not in countries_by_alpha2:
        raise UnknownCountry(f"{str(code).strip()!r} is not an ISO 3166-1 alpha-2 country code (e.g. MX, PE, CR)")
    return text


def country_name(code: str) -> str:
    entry = countries_by_alpha2.get(code)
    return entry.apolitical_name if entry else code


def parse_tin(value: str, issuing_country: str | None = None) -> str:
    """A WCO Trader Identification Number: country code + 1..15 characters A-Z 0-9.

    Upper-cases and strips spaces; with `issuing_country`, the prefix must be that country.
    """
    text = "".join(str(value).split()).upper()
    if not TIN_PATTERN.fullmatch(text):
        raise BadTin(
            f"{str(value).strip()!r} is not a TIN: it must be a 2-letter country code followed by "
            "1 to 15 letters A-Z or digits (e.g. MXAAA010101AAA)"
        )
    if text[:2] not in countries_by_alpha2:
        raise BadTin(f"TIN {text}: {text[:2]!r} is not an ISO 3166-1 alpha-2 country code (e.g. MX, PE, CR)")
    if issuing_country is not None and text[:2] != parse_country(issuing_country):
        raise InputError(
            f"TIN {text} starts with {text[:2]}, but the issuing country is {parse_country(issuing_country)}"
        )
    return text


# -- dates ---------------------------------------------------------------------------------------


def to_day(value: date | str | None) -> int:
    """Days since 1970-01-01 as the contract stores dates; None -> 0 (no date)."""
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"{value!r} is not a date; use YYYY-MM-DD") from None
    day = (value - EPOCH).days
    if not 0 <= day < 2**24:
        raise InputError(f"{value} is outside the dates the contract stores (1970-01-01 onwards)")
    return day


def from_day(day: int) -> date | None:
    return EPOCH + timedelta(days=day) if day else None


# -- records -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MasterData:
    """What an administration certifies about an operator, in one canonical form.

    `commitment` is the keccak-256 of the canonical JSON of every field, `salt` included: a random
    32 bytes (hex) per version unless given, so that no one can test guessed names against it;
    partners holding the full record check it against the chain.
    """

    tin: str
    name: str
    address: str
    aeo_types: AEOType
    valid_from: date
    expiry: date | None = None
    holder: str | None = None
    details: dict = field(default_factory=dict)  # other agreed details, e.g. certificate number
    salt: str = field(default="", compare=False)  # 64 hex digits, a fresh random one when empty; not content

    if TYPE_CHECKING:  # what the constructor accepts: the fields in the forms __post_init__ parses

        def __init__(
            self,
            tin: str,
            name: str,
            address: str,
            aeo_types: AEOType | int | str | list | tuple | set,
            valid_from: date | str,
            expiry: date | str | None = None,
            holder: str | None = None,
            details: dict | None = None,
            salt: str = "",
        ) -> None: ...

    def __post_init__(self) -> None:
        object.__setattr__(self, "tin", parse_tin(self.tin))
        object.__setattr__(self, "name", clean_text(self.name, "operator name"))
        address = clean_text(self.address, "address") if str(self.address or "").strip() else ""  # lists may have none
        object.__setattr__(self, "address", address)
        object.__setattr__(self, "aeo_types", AEOType.parse(self.aeo_types))
        valid_from = self.valid_from
        if isinstance(valid_from, str):
            valid_from = from_day(to_day(valid_from))
        expiry = from_day(to_day(self.expiry)) if isinstance(self.expiry, str) else self.expiry
        object.__setattr__(self, "valid_from", valid_from)
        object.__setattr__(self, "expiry", expiry or None)
        to_day(valid_from)
        if expiry is not None and to_day(expiry) <= to_day(valid_from):
            raise InputError(f"expiry {expiry} must be after the validation date {valid_from}")
        if self.holder:
            from eth_utils import to_checksum_address  # imported where it is used: reading needs no eth-utils

            try:
                object.__setattr__(self, "holder", to_checksum_address(self.holder))
            except ValueError:
                raise InputError(f"holder {self.holder!r} is not an Ethereum address (0x + 40 hex digits)") from None
        else:
            object.__setattr__(self, "holder", None)
        salt = str(self.salt or "").lower().removeprefix("0x") or secrets.token_hex(32)
        if not re.fullmatch("[0-9a-f]{64}", salt):
            raise InputError(f"salt {self.salt!r} is not 32 bytes as 64 hex digits")
        object.__setattr__(self, "salt", salt)

    def canonical(self) -> bytes:
        """UTF-8 JSON, NFC text, sorted keys, no spaces: the bytes the commitment hashes."""
        record = asdict(self)
        record.update(
            aeo_types=self.aeo_types.labels(),
            valid_from=self.valid_from.isoformat(),
            expiry=self.expiry.isoformat() if self.expiry else None,
        )
        return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_canonical(cls, data: bytes) -> MasterData:
        """The record whose canonical JSON is `data` (as an envelope carries it)."""
        record = json.loads(data)
        return cls(**{**record, "aeo_types": record["aeo_types"] or 0, "details": record.get("details") or {}})

    @cached_property
    def commitment(self) -> bytes:
        """Computed once: an import compares and sends it for every row (the record is frozen)."""
        from eth_utils import keccak  # imported where it hashes: reading needs no eth-utils

        return keccak(self.canonical())


def clean_text(value: str, what: str) -> str:
    """Text with its white space collapsed, in NFC; refused if empty or over 256 bytes."""
    text = unicodedata.normalize("NFC", " ".join(str(value or "").split()))
    if not text:
        raise InputError(f"the {what} is empty")
    if len(text.encode()) > 256:
        raise InputError(f"the {what} is longer than 256 bytes")
    return text


@dataclass(frozen=True)
class Certificate:
    """A certificate as the chain holds it, with the visibility its holder consented to; a mirror that
    could open the master data sealed to it also knows the name and address (the chain keeps only
    their salted commitment)."""

    tin: str
    status: CertificateStatus
    aeo_types: AEOType
    valid_from: date | None
    expiry: date | None
    holder: str | None
    version: int
    commitment: bytes
    name: str | None = None
    address: str | None = None
    visibility: Visibility = Visibility.ISSUER_ONLY

    @property
    def country(self) -> str:
        return self.tin[:2]


@dataclass(frozen=True)
class Verification:
    """The answer to 'is this operator a recognised AEO for an import into this country?'."""

    importing_country: str
    tin: str
    recognised: bool
    benefits: Benefit | None
    verdict: Verdict


@dataclass(frozen=True)
class Party:
    country: str
    status: PartyStatus


@dataclass(frozen=True)
class MRA:
    id: int
    title: str
    proposer: str
    status: MRAStatus
    benefits: Benefit
    covered_types: AEOType
    effective_from: date | None
    parties: tuple[Party, ...]
    consent_required: bool = False  # its benefits need the trader's consent to the exchange


@dataclass(frozen=True)
class Administration:
    country: str
    name: str
    certificate_count: int
    mra_count: int
    status: AdministrationStatus = AdministrationStatus.ACTIVE
    admin_count: int = 1
