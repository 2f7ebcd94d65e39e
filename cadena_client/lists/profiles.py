"""Profiles: how each administration writes its AEO list, so that a list imports as it is published.

A profile is a TOML file: the header names of each column, the national words for AEO types and
statuses, the national identifier and its check, the date and number conventions, the encoding of
its CSV files, the types a list without a types column certifies, and example rows for
`cadena template --country CC`. One per administration ships in `profiles/`; a user's profile says
`extends = "CC"` and adds to or overrides the shipped one (`--profile FILE`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

from cadena_client.domain.model import AEOType, CertificateStatus, InputError, key_of, parse_country
from cadena_client.lists.identifiers import NationalId

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SHIPPED = resources.files("cadena_client.lists") / "profiles"
FIELDS = ("country", "tin", "name", "address", "aeo_types", "valid_from", "expiry", "status", "holder", "visibility")
DATE_ORDERS = ("dmy", "mdy", "ymd")


@dataclass(frozen=True)
class Profile:
    """How one administration writes its list (see the module's docstring)."""

    country: str
    administration: str = ""
    programme: str = ""
    national_id: NationalId | None = None
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> header names
    types: dict[str, AEOType] = field(default_factory=dict)  # key_of(word) -> types
    statuses: dict[str, CertificateStatus] = field(default_factory=dict)  # key_of(word) -> status
    default_types: AEOType | None = None
    encoding: str = "cp1252"  # of CSV files that are not UTF-8
    date_order: str = "dmy"
    decimal: str = "."
    examples: tuple[dict, ...] = ()
    source: str = ""  # where it was read from

    def with_values(self, key: str, word: str, value: str) -> Profile:
        """This profile with one more national word (`--map-value aeo_types:WORD=TYPES`, `status:WORD=STATUS`)."""
        if key == "aeo_types":
            return replace(self, types={**self.types, key_of(word): AEOType.parse(value)})
        if key == "status":
            return replace(self, statuses={**self.statuses, key_of(word): _status(value, self.source)})
        raise InputError(f"--map-value takes aeo_types:WORD=TYPES or status:WORD=STATUS, not {key}:{word}")


def shipped_countries() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml").upper() for entry in SHIPPED.iterdir() if entry.name.endswith(".toml")
    )


@cache
def shipped(code: str) -> Profile:
    """The profile shipped for `code`'s administration (a bare one for a country without a profile)."""
    code = parse_country(code)
    entry = SHIPPED / f"{code.lower()}.toml"
    if not entry.is_file():
        return Profile(code, source=f"no shipped profile for {code}")
    return _parse(tomllib.loads(entry.read_text(encoding="utf-8")), None, f"the shipped profile of {code}")


def load(path: Path, code: str | None = None) -> Profile:
    """A user's profile file; it extends the shipped profile it names (or `code`'s)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such profile file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name} is not a TOML profile: {exc}") from None
    base_code = data.get("extends") or data.get("country") or code
    if not base_code:
        raise InputError(f'{path.name}: say which shipped profile it extends: extends = "MX"')
    base = shipped(str(base_code))
    if code is not None and base.country != parse_country(code):
        raise InputError(f"{path.name} extends the profile of {base.country}, but the list is {parse_country(code)}'s")
    return _parse(data, base, path.name)


def status_words() -> dict[str, CertificateStatus]:
    """Every status word the shipped profiles know, in any of their languages."""
    words: dict[str, CertificateStatus] = {}
    for code in shipped_countries():
        words.update(shipped(code).statuses)
    return words


def _parse(data: dict, base: Profile | None, source: str) -> Profile:
    """A profile from TOML `data`, over `base` (its header names come after the file's own)."""
    known = {"extends", "country", "administration", "programme", "identifier", "headers", "types", "statuses"}
    known |= {"default_types", "encoding", "date_order", "decimal", "examples"}
    if unknown := sorted(set(data) - known):
        raise InputError(f"{source}: unknown keys {', '.join(unknown)}; a profile has {', '.join(sorted(known))}")
    profile = base or Profile(parse_country(data.get("country", "")), source=source)
    headers = {key: tuple(names) for key, names in profile.headers.items()}
    for key, names in data.get("headers", {}).items():
        if key not in FIELDS:
            raise InputError(f"{source}: [headers] {key} is no column; the columns: {', '.join(FIELDS)}")
        headers[key] = (*_strings(names, source), *headers.get(key, ()))
    types = dict(profile.types)
    for word, value in data.get("types", {}).items():
        types[key_of(word)] = _types(value, source)
    statuses = dict(profile.statuses)
    for name, words in data.get("statuses", {}).items():
        status = _status(name, source)
        statuses.update({key_of(word): status for word in _strings(words, source)})
    national = profile.national_id
    if "identifier" in data:
        spec = data["identifier"]
        national = NationalId(str(spec["name"]), tuple(spec.get("checks", ())), spec.get("pattern"))
    date_order = data.get("date_order", profile.date_order)
    if date_order not in DATE_ORDERS:
        raise InputError(f"{source}: date_order is one of {', '.join(DATE_ORDERS)}, not {date_order!r}")
    default = data.get("default_types")
    return replace(
        profile,
        administration=data.get("administration", profile.administration),
        programme=data.get("programme", profile.programme),
        national_id=national,
        headers=headers,
        types=types,
        statuses=statuses,
        default_types=_types(default, source) if default else profile.default_types,
        encoding=data.get("encoding", profile.encoding),
        date_order=date_order,
        decimal=data.get("decimal", profile.decimal),
        examples=tuple(data.get("examples", profile.examples)),
        source=source,
    )


def _strings(value, source: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
        raise InputError(f"{source}: expected a word or a list of words, not {value!r}")
    return values


def _types(value, source: str) -> AEOType:
    try:
        return AEOType.parse(value)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


def _status(name: str, source: str) -> CertificateStatus:
    try:
        status = CertificateStatus[key_of(name).upper()]
    except KeyError:
        status = CertificateStatus.NONE
    if status == CertificateStatus.NONE:
        raise InputError(f"{source}: {name!r} is no status; use active, suspended, cancelled or withdrawn")
    return status
