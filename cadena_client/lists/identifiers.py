"""National identifiers checked the way each administration defines them, and made WCO TINs.

The checks are python-stdnum's (Mexico's RFC, Peru's RUC, Chile's RUT, Colombia's NIT, Brazil's
CNPJ, Argentina's CUIT, Ecuador's RUC, Uruguay's RUT, Paraguay's RUC, Costa Rica's cédula jurídica,
Guatemala's NIT, the Dominican RNC and cédula); a profile names them. Where no check digit is
published (Bolivia's NIT) the profile gives the shape the number must have.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

from iso3166 import countries_by_alpha2

from cadena_client.domain.model import TIN_PATTERN, InputError, country_name, parse_tin

SEPARATORS = re.compile(r"[\s.\-/]")  # what administrations write inside identifiers: 76.123.456-K, 900 123 456-7


@dataclass(frozen=True)
class NationalId:
    """How one administration writes its identifiers: the name, the python-stdnum checks (any one
    passing is enough: RNC or cédula), or a pattern where no check is published."""

    name: str
    checks: tuple[str, ...] = ()
    pattern: str | None = None

    def problem(self, compact: str) -> str | None:
        """Why `compact` (letters and digits) is not such an identifier, or None if it is one."""
        if self.pattern is not None and not re.fullmatch(self.pattern, compact):
            return f"it is not a {self.name}: {_describe(self.pattern)}"
        reasons = []
        for check in self.checks:
            module = importlib.import_module(f"stdnum.{check}")
            try:
                module.validate(compact)
                return None
            except Exception as exc:  # stdnum's ValidationError subclasses, each with a message
                reasons.append(str(exc) or type(exc).__name__)
        if reasons:
            return f"it is not a valid {self.name} ({'; '.join(dict.fromkeys(reasons)).lower().rstrip('.')})"
        return None


def _describe(pattern: str) -> str:
    match = re.fullmatch(r"\[0-9\]\{(\d+),(\d+)\}", pattern)
    return f"{match[1]} to {match[2]} digits" if match else f"it must match {pattern}"


def to_tin(value, code: str, national: NationalId | None) -> str:
    """The WCO TIN of an identifier as a national list writes it (`code` + its letters and digits),
    after the administration's own check. Refused: characters no identifier holds ('MX-12 34' is
    not an RFC), and an identifier that carries another country's prefix ('PE20100070970' in a
    Mexican list)."""
    written = _text(value)
    if not written:
        raise InputError("the identifier is empty")
    if re.fullmatch(r"\d+([.,]\d+)?[eE][+]?\d+", written):  # what Excel makes of a long number column
        raise InputError(
            f"{written!r} is a number in scientific notation: the spreadsheet lost the identifier's digits; "
            "format the column as text and export the list again"
        )
    compact = SEPARATORS.sub("", written).upper()
    if not re.fullmatch(r"[A-Z0-9]+", compact):
        odd = "".join(dict.fromkeys(c for c in compact if not c.isascii() or not c.isalnum()))
        raise InputError(f"{written!r} holds {odd!r}, which no identifier of {code} holds")
    if national is None:  # no profile: the letters and digits, with the prefix
        tin = compact if compact.startswith(code) and TIN_PATTERN.fullmatch(compact) else code + compact
        return _tin(tin, written, code)
    if compact.startswith(code) and national.problem(compact[2:]) is None:
        return _tin(compact, written, code)  # already a TIN of this country
    problem = national.problem(compact)
    if problem is None:
        return _tin(code + compact, written, code)
    prefix = compact[:2]
    if prefix.isalpha() and prefix != code and prefix in countries_by_alpha2:
        raise InputError(
            f"{written!r} carries the prefix {prefix} of {country_name(prefix)}; a list of {code} holds only "
            f"{code}'s {national.name}s (move the row to {prefix}'s list, or correct it)"
        )
    raise InputError(f"{written!r}: {problem}")


def _tin(tin: str, written: str, code: str) -> str:
    try:
        return parse_tin(tin, code)
    except InputError:
        raise InputError(
            f"{written!r} cannot be made a TIN of {code}: it has {len(tin) - 2} letters or digits, a TIN has "
            "1 to 15 after the country code"
        ) from None


def _text(value) -> str:
    """A cell as text; a whole number read from a spreadsheet's number cell without its '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()
