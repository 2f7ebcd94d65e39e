"""AEO lists as files: the layout administrations exchange, read from .xlsx, .csv or .json and written
back to them. Headers may be English, Spanish or Portuguese, or those of the administration's profile;
cells are kept raw here and checked by `imports`. What is written never runs as a formula in a
spreadsheet, and reads back exactly as it was."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from zipfile import BadZipFile

from cadena_client.domain.model import AEOType, CertificateStatus, InputError, Visibility, key_of
from cadena_client.lists import profiles
from cadena_client.lists.profiles import Profile

COLUMNS = {  # key -> header in exports and in the template, in this order
    "country": "Country",
    "tin": "TIN",
    "name": "Operator name",
    "address": "Address",
    "aeo_types": "AEO types",
    "valid_from": "Validation date",
    "expiry": "Expiry date",
    "status": "Status",
    "holder": "Holder account",
    "visibility": "Visibility",
}
EXPORTED = {  # key -> header of the columns an export adds for partners' rows (an import ignores them)
    "recognised": "Recognised by the exporting administration",
    "benefits": "Benefits",
}
REQUIRED = ("tin", "name", "aeo_types", "valid_from", "status")  # the others the chain can do without
FORMATS = ("xlsx", "csv", "json")
TEMPLATES = resources.files("cadena_client.lists") / "templates"  # aeo-list.xlsx, aeo-list.csv and their README.md

# National names of the identifier column: a value under one of them is a national identifier
# (RFC, RUT, NIT...) written the national way, without the country prefix.
NATIONAL_ID_NAMES = [
    "RFC",
    "RUC",
    "NIT",
    "CUIT",
    "CUIL",
    "RUT",
    "RUN",
    "CNPJ",
    "CPF",
    "NIF",
    "RTN",
    "RNC",
    "NRC",
    "Cédula jurídica",
    "Número de identificación",
    "Número de identificación tributaria",
    "Identificación tributaria",
    "Identificador",
    "Identificação",
]
# Other names for the columns, as found in the administrations' lists (Spanish and Portuguese too),
# compared blind to case, accents, punctuation and spaces; a header may join names with "/".
_HEADER_NAMES = {
    "country": ["País", "Country code", "Código de país", "Código país"],
    "tin": ["Trader Identification Number", "TIN (WCO)", "WCO TIN", *NATIONAL_ID_NAMES],
    "name": [
        "Name",
        "Company name",
        "Razón social",
        "Nombre",
        "Nombre o razón social",
        "Denominación",
        "Empresa",
        "Operador",
        "Razão social",
        "Nome",
        "Nome empresarial",
        "Operador económico",
        "Operador econômico",
    ],
    "address": ["Dirección", "Domicilio", "Domicilio fiscal", "Endereço", "Direccion fiscal"],
    "aeo_types": [
        "AEO type",
        "Types",
        "Tipo OEA",
        "Tipos OEA",
        "Tipo de OEA",
        "Tipos de OEA",
        "Categoría",
        "Modalidad",
        "Modalidade",
        "Tipo",
        "Certificación",
        "Certificação",
        "Tipo de certificación",
    ],
    "valid_from": [
        "Valid from",
        "Validation",
        "Fecha de validación",
        "Fecha validación",
        "Fecha de certificación",
        "Fecha de otorgamiento",
        "Fecha de emisión",
        "Vigente desde",
        "Fecha de autorización",
        "Data de certificação",
        "Data de validação",
        "Data de emissão",
        "Data de concessão",
    ],
    "expiry": [
        "Expiry",
        "Expiration date",
        "Fecha de vencimiento",
        "Fecha de expiración",
        "Vencimiento",
        "Vigente hasta",
        "Fecha de caducidad",
        "Data de validade",
        "Validade",
        "Data de vencimento",
    ],
    "status": ["Estado", "Estatus", "Situación", "Situação", "Status OEA", "Estado OEA", "Condición", "Condição"],
    "holder": ["Holder", "Cuenta del titular", "Cuenta", "Conta do titular"],
    "visibility": [
        "Consent",
        "Consent to share",
        "Consentimiento",
        "Consentimento",
        "Visibilidad",
        "Visibilidade",
        "Publicación",
        "Publicado",
    ],
}
_HEADER_PREFIXES = ("no", "nro", "num", "numero", "n")  # "No. RFC", "Nro. RUC", "Número NIT"


def field_key(name: str) -> str:
    """A column of the layout named by its key or its header ('aeo_types', 'AEO types', 'status')."""
    for key, header in COLUMNS.items():
        if key_of(name) in (key, key_of(header)):
            return key
    raise InputError(f"{name.strip()!r} is no column; the columns: {', '.join(COLUMNS)}")


def header_key(text: str) -> str:
    """A header compared blind to case, accents, punctuation and spaces: 'R.F.C.' -> 'rfc'."""
    return key_of(text).replace("_", "")


HEADER_SEARCH_ROWS = 20  # a title or a note may stand above the header row
MAX_CELL = 128 * 1024  # characters; a larger cell is not an AEO list's

_STATUS_NAMES = {  # "expired" is Active on the chain: the certificate's expiry says the rest
    CertificateStatus.ACTIVE: [
        "active",
        "activo",
        "activa",
        "vigente",
        "valid",
        "valido",
        "valida",
        "ativo",
        "ativa",
        "autorizado",
        "autorizada",
        "certificado",
        "certificada",
        "expired",
        "vencido",
        "vencida",
        "expirado",
        "expirada",
    ],
    CertificateStatus.SUSPENDED: ["suspended", "suspendido", "suspendida", "suspenso", "suspensa", "en_suspension"],
    CertificateStatus.CANCELLED: [
        "cancelled",
        "canceled",
        "cancelado",
        "cancelada",
        "revoked",
        "revocado",
        "revocada",
        "anulado",
        "anulada",
        "revogado",
        "revogada",
        "cancelamento",
    ],
    CertificateStatus.WITHDRAWN: [
        "withdrawn",
        "retirado",
        "retirada",
        "renuncia",
        "desistido",
        "desistida",
        "renunciado",
        "renunciada",
        "desistencia",
    ],
}
STATUSES = {name: status for status, names in _STATUS_NAMES.items() for name in names}
EXPIRED = {"expired", "vencido", "vencida", "expirado", "expirada"}  # Active words that already say the expiry passed

_MONTHS = {
    "jan": 1,
    "ene": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "abr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "ago": 8,
    "sep": 9,
    "set": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "dic": 12,
}
_EXCEL_EPOCH = date(1899, 12, 30)
DATE_HELP = "write YYYY-MM-DD (also read: DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY, 15 mar 2024, a date cell)"


@dataclass(frozen=True)
class Mapping:
    """How a list is read: its administration's profile (national header names and words), the
    user's `--map FIELD=HEADER`, and `--all-active` for a list without a status column."""

    profile: Profile
    columns: dict[str, str] = field(default_factory=dict)  # field -> header, from --map
    all_active: bool = False

    @classmethod
    def build(
        cls,
        code: str,
        profile_file: Path | None = None,
        maps: tuple[str, ...] = (),
        map_values: tuple[str, ...] = (),
        default_types: str | None = None,
        all_active: bool = False,
    ) -> Mapping:
        """The mapping the user asked for: `code`'s shipped profile (or `profile_file`, which extends
        it), `--map FIELD=HEADER`, `--map-value FIELD:WORD=VALUE`, `--default-types` and `--all-active`."""
        profile = profiles.load(profile_file, code) if profile_file else profiles.shipped(code)
        columns = {}
        for given in maps:
            name, equals, header = given.partition("=")
            if not equals or not header.strip():
                raise InputError(f"--map {given!r}: write FIELD=HEADER, e.g. --map status='Situación'")
            columns[field_key(name)] = header.strip()
        for given in map_values:
            name, colon, rest = given.partition(":")
            word, equals, value = rest.partition("=")
            if not colon or not equals or not word.strip():
                raise InputError(
                    f"--map-value {given!r}: write FIELD:WORD=VALUE, e.g. --map-value status:Baja=cancelled"
                )
            profile = profile.with_values(field_key(name), word, value)
        if default_types:
            profile = replace(profile, default_types=AEOType.parse(default_types))
        return cls(profile, columns, all_active)

    def names(self, key: str) -> list[str]:
        """Every header name accepted for column `key`: the layout's, the profile's, the common ones."""
        return list(dict.fromkeys([COLUMNS[key], *self.profile.headers.get(key, ()), *_HEADER_NAMES[key]]))

    @cached_property
    def headers(self) -> dict[str, str]:
        """header_key(name) -> column, the profile's names first."""
        found: dict[str, str] = {}
        for key in COLUMNS:
            for name in self.names(key):
                found.setdefault(header_key(name), key)
        return found

    @cached_property
    def national_headers(self) -> set[str]:
        return {header_key(name) for name in [*NATIONAL_ID_NAMES, *self.profile.headers.get("tin", ())]}


@dataclass(frozen=True)
class Table:
    """The rows of an AEO list: each its number in the file (as a spreadsheet shows it) and its cells."""

    columns: dict[str, str]  # key -> the header as written in the file (AEO types: its headers joined by " + ")
    rows: list[tuple[int, dict]]
    ignored: list[str]  # headers that name no column of the layout
    tin_form: str = "wco"  # "wco", "national" (RFC, RUT, NIT... without the country prefix) or "either"
    mapping: Mapping | None = None
    assumed: dict[str, str] = field(default_factory=dict)  # key -> what every row takes for a column the list lacks
    how: dict[str, str] = field(default_factory=dict)  # key -> how its column was found ("--map", "profile MX"...)


def read(path: Path, sheet: str | None = None, mapping: Mapping | None = None) -> Table:
    """The AEO list in `path` (.xlsx, .csv or .json), blank rows left out, read as `mapping` says
    (default: the common header names, and a status column required)."""
    mapping = mapping or Mapping(Profile(""))  # the common header names only
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(
            f"{path.name}: read .xlsx, .csv or .json files, not {path.suffix or 'a file without extension'}"
        )
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if suffix == "json":
        return _read_json(path, mapping)
    grid = _xlsx_grid(path, sheet) if suffix == "xlsx" else _csv_grid(path, mapping)
    return _table(path, grid, mapping)


def _table(path: Path, grid: list[tuple], mapping: Mapping) -> Table:
    forced = {header_key(header): key for key, header in mapping.columns.items()}

    def names(cells) -> set:
        return set(_keys(cells, mapping, forced)) - {None}

    head = grid[:HEADER_SEARCH_ROWS]
    index = next(
        (
            at
            for at, cells in enumerate(head)
            if len(names(cells)) >= 3 or (forced and set(forced) <= {header_key(str(c or "")) for c in cells})
        ),
        None,
    )
    if index is None:  # the row naming the most columns, for a message on those it lacks
        best = max(range(len(head)), key=lambda at: len(names(head[at])), default=0)
        filled = bool(head) and sum(_filled(cell) for cell in head[best]) >= 3
        index = best if filled and len(names(head[best])) >= 1 else None
    if index is None:
        raise InputError(
            f"{path.name}: no header row in the first {HEADER_SEARCH_ROWS} rows; name the columns "
            f"{', '.join(COLUMNS.values())} (see the template: `cadena template FILE.xlsx`), or map them with --map"
        )
    cells = grid[index]
    found = [str(cell).strip() for cell in cells if _filled(cell)]
    for column, header in mapping.columns.items():
        if header_key(header) not in {header_key(name) for name in found}:
            raise InputError(
                f"{path.name}: --map {column}={header!r}, but the header row {index + 1} has no such header; "
                f"headers found: {', '.join(repr(name) for name in found)}"
            )
    keys = _keys(cells, mapping, forced)
    columns: dict[str, str] = {}
    positions: dict[str, list[int]] = {}
    for position, (cell, key) in enumerate(zip(cells, keys, strict=True)):
        if key in columns and key != "aeo_types":  # types may come from several columns (modality and function)
            raise InputError(
                f"{path.name}: columns {columns[key]!r} and {cell!r} both give the {COLUMNS[key]}; keep one "
                f"(or choose with --map {key}=HEADER)"
            )
        if key:
            columns[key] = f"{columns[key]} + {str(cell).strip()}" if key in columns else str(cell).strip()
            positions.setdefault(key, []).append(position)
    ignored = [str(cell).strip() for cell, key in zip(cells, keys, strict=True) if key is None and _filled(cell)]
    _refuse_status_left_out(path, cells, keys, grid[index + 1 :], "status" in columns)
    assumed = _assumed(mapping, columns)
    missing = [key for key in REQUIRED if key not in columns and key not in assumed]
    if missing:
        raise InputError(_missing(path, index, missing, ignored, mapping))
    rows = []
    tin_at = positions.get("tin", [None])[0]
    for number, row in enumerate(grid[index + 1 :], start=index + 2):
        if any(_filled(cell) for cell in row) and not _totals(row, tin_at):
            rows.append((number, {key: _cell(row, at) for key, at in positions.items()}))
    if not rows:
        raise InputError(f"{path.name}: no rows under the header (row {index + 1}); nothing to import, nothing sent")
    how = {key: _found_by(key, header, mapping) for key, header in columns.items()}
    return Table(columns, rows, ignored, _tin_form(columns["tin"], mapping), mapping, assumed, how)


def _found_by(key: str, header: str, mapping: Mapping) -> str:
    """How the column `key` was found: by --map, by a name of the profile, or by a common name."""
    if key in mapping.columns:
        return "--map"
    national = {header_key(name) for name in mapping.profile.headers.get(key, ())}
    if any(header_key(part) in national for part in header.split(" + ")):
        return f"profile {mapping.profile.country}"
    return "common name"


def _cell(row, at: list[int]):
    """The cell of a column; for types read from several columns, their cells joined by ';'."""
    values = [row[position] if position < len(row) else None for position in at]
    if len(values) == 1:
        return values[0]
    return "; ".join(str(value).strip() for value in values if _filled(value)) or None


def _assumed(mapping: Mapping, columns: dict[str, str]) -> dict[str, str]:
    """What every row takes for a column the list lacks: the default types, Active with --all-active."""
    assumed = {}
    if "aeo_types" not in columns and mapping.profile.default_types:
        assumed["aeo_types"] = ", ".join(mapping.profile.default_types.labels())
    if "status" not in columns and mapping.all_active:
        assumed["status"] = "Active (--all-active)"
    return assumed


def _missing(path: Path, index: int, missing: list[str], unused: list[str], mapping: Mapping) -> str:
    """The one line for missing columns: the closest headers found, and the --map that would use them."""
    likeness = {(header, key): _likeness(header, mapping.names(key)) for header in unused for key in missing}
    parts = []
    for key in missing:
        closest = sorted(
            (
                header
                for header in unused
                if likeness[header, key] >= 0.5 and likeness[header, key] == max(likeness[header, k] for k in missing)
            ),
            key=lambda header: -likeness[header, key],
        )[:2]
        way_out = {
            "aeo_types": "or --default-types TYPES if the list certifies every row for the same types",
            "status": "or --all-active if every row of the list is an active AEO",
        }.get(key)
        if closest:
            use = f"--map {key}={closest[0]!r}"
            text = f"no column for {COLUMNS[key]}: closest headers {', '.join(repr(c) for c in closest)}; give {use}"
        elif unused:
            listed = ", ".join(repr(header) for header in unused)
            text = f"no column for {COLUMNS[key]}, and no header like it among {listed}: give --map {key}=HEADER"
        else:
            text = f"no column for {COLUMNS[key]} and no unused header: give --map {key}=HEADER"
        parts.append(f"{text}{' ' + way_out if way_out else ''}")
    known = f" (the profile of {mapping.profile.country} knows its headers)" if mapping.profile.headers else ""
    return f"{path.name}, header row {index + 1}: {'; '.join(parts)}{known}"


_LINKS = {"de", "del", "la", "el", "los", "las", "do", "da", "dos", "das", "y", "e", "o", "no", "nro", "n"}


def _likeness(header: str, names: list[str]) -> float:
    """How much `header` looks like one of `names` (0 to 1): its spelling, or its words holding all of a name's."""
    words = set(key_of(header).split("_")) - _LINKS
    best = 0.0
    for name in names:
        name_words = set(key_of(name).split("_")) - _LINKS
        held = len(words & name_words) / len(name_words) if name_words else 0.0
        spelling = difflib.SequenceMatcher(None, header_key(header), header_key(name)).ratio()
        best = max(best, held, spelling)
    return best


def _refuse_status_left_out(path: Path, cells, keys, rows, has_status: bool) -> None:
    """A column left out whose values are status words (in any language the profiles know) would let
    suspended operators be imported as active: it is an error, never a note."""
    words = {**STATUSES, **profiles.status_words()}
    for position, (cell, key) in enumerate(zip(cells, keys, strict=True)):
        if key is not None or not _filled(cell):
            continue
        values = [str(row[position]).strip() for row in rows if position < len(row) and _filled(row[position])]
        statuses = [value for value in values if key_of(value) in words]
        if statuses and len(statuses) * 2 >= len(values):
            seen = ", ".join(dict.fromkeys(statuses[:50]))
            choose = "choose the status column with" if has_status else "read it as the status with"
            raise InputError(
                f"{path.name}: the column {str(cell).strip()!r} holds statuses ({seen}) but is not read as the "
                f"status; {choose} --map status={str(cell).strip()!r} (nothing was sent)"
            )


def _keys(cells, mapping: Mapping, forced: dict[str, str]) -> list[str | None]:
    """The column each header cell names, None where it names none."""
    return [forced.get(header_key(str(cell or ""))) or _header(cell, mapping) for cell in cells]


def _header(cell, mapping: Mapping) -> str | None:
    """The column a header cell names: any of its "/"-joined names, with a "No." or "Número" before it."""
    for text in [str(cell or ""), *str(cell or "").split("/")]:
        words = key_of(text).split("_")
        while words:
            if key := mapping.headers.get("".join(words)):
                return key
            if words[0] not in (*_HEADER_PREFIXES, "de", "do", "del"):
                break
            words = words[1:]
    return None


def _tin_form(header: str, mapping: Mapping) -> str:
    """How the identifier column is written: "wco" (TINs with the country prefix), "national" (RFC,
    RUT, NIT... without it), or "either" (a header naming both, such as "TIN / RFC", or one of the user's)."""
    parts = {header_key(part) for part in header.split("/")} - {""}
    national = {part for part in parts if any(part.endswith(name) for name in mapping.national_headers)}
    wco = {part for part in parts if mapping.headers.get(part) == "tin"} - national
    if not national:
        return "wco" if wco == parts else "either"
    return "national" if national == parts else "either"


def _totals(cells, tin_at: int | None) -> bool:
    """Whether a row is a totals line under the data ("Total: 246", "TOTAL OEA 246")."""
    words = [key_of(str(cell)) for cell in cells if _filled(cell)]
    tin_cell = cells[tin_at] if tin_at is not None and tin_at < len(cells) else None
    return (
        bool(words)
        and words[0].startswith("total")
        and (not _filled(tin_cell) or key_of(str(tin_cell)).startswith("total"))
    )


def _filled(cell) -> bool:
    return cell is not None and str(cell).strip() != ""


def _xlsx_grid(path: Path, sheet: str | None) -> list[tuple]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            f"{path.name} is not a readable .xlsx workbook ({exc}); save it again from the spreadsheet"
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(f"{path.name} has no sheet {sheet!r}; its sheets: {', '.join(book.sheetnames)}")
        return [tuple(row) for row in book[sheet or book.sheetnames[0]].iter_rows(values_only=True)]
    finally:
        book.close()


def _csv_grid(path: Path, mapping: Mapping) -> list[tuple]:
    """Rows of a CSV file in UTF-8 (with or without BOM) or the profile's encoding (Windows-1252 by
    default), separated by , ; or tab, with any line ends (CR-only ones of old Excel for Mac too); a
    cell an export kept from running as a formula reads back as it was."""
    raw = path.read_bytes()
    if b"\0" in raw[:65536]:
        raise InputError(f"{path.name} is not a text CSV file (it holds binary data); save the list as CSV or .xlsx")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode(mapping.profile.encoding, errors="replace")  # Excel's "CSV" on Spanish-language Windows
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]

    def header_columns(delimiter: str) -> int:  # the most columns a row of the head names with this separator
        try:
            return max(
                (len(set(_keys(row, mapping, {})) - {None}) for row in csv.reader(head, delimiter=delimiter)), default=0
            )
        except csv.Error:
            return 0

    reader = csv.reader(io.StringIO(text), delimiter=max(",;\t", key=header_columns))
    try:
        return [tuple(_unescape(cell) for cell in row) for row in reader]
    except csv.Error as exc:
        what = f"a cell over {MAX_CELL // 1024} KiB" if "field limit" in str(exc) else str(exc)
        raise InputError(
            f"{path.name}, line {reader.line_num}: {what}; this is not an AEO list (see the template: `cadena template FILE.xlsx`)"
        ) from None


def _read_json(path: Path, mapping: Mapping) -> Table:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name} is not JSON: {exc}") from None
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise InputError(f"{path.name}: expected a list of objects with the keys {', '.join(COLUMNS)}")
    if not records:
        raise InputError(f"{path.name}: no rows; nothing to import, nothing sent")
    present = [key for key in COLUMNS if any(key in record for record in records)]
    assumed = _assumed(mapping, {key: key for key in present})
    missing = [key for key in REQUIRED if key not in records[0] and key not in assumed]
    if missing:
        raise InputError(f"{path.name}: the records have no {', '.join(missing)}")
    rows = [(n, {k: r.get(k) for k in present}) for n, r in enumerate(records, 1)]
    return Table({key: key for key in present}, rows, [], "wco", mapping, assumed, {key: "JSON key" for key in present})


# -- cells ----------------------------------------------------------------------------------------


def parse_date(value, order: str = "dmy", decimal: str = ".") -> date | None:
    """A date from a date cell, an Excel serial number (as text with the profile's `decimal` mark too:
    45292,0) or common written forms (numbers day first, or month first where `order` is "mdy");
    blank -> None."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466:
            raise InputError(f"{value} is not a date; {DATE_HELP}")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = re.sub(r"[ T]00:00(:00)?$", "", str(value).strip())  # a date written with a midnight time
    if re.fullmatch(rf"\d{{5}}({re.escape(decimal)}0+)?", text):  # an Excel serial number written as text
        return parse_date(float(text.replace(decimal, ".")), order)
    parts = [part for part in key_of(text).split("_") if part != "de"]
    try:
        if len(parts) != 3:
            raise ValueError
        if parts[1].isalpha():  # 15 mar 2024, 15-marzo-2024, 15 de setiembre de 2024
            day, month, year = parts[0], str(_month(parts[1])), parts[2]
        elif parts[0].isalpha():  # March 15, 2024
            month, day, year = str(_month(parts[0])), parts[1], parts[2]
        elif len(parts[0]) == 4:  # 2024-03-15, 2024/03/15
            year, month, day = parts
        elif len(parts[2]) == 4:  # 15/03/2024, 15-03-2024, 15.03.2024 (03/15/2024 month first)
            day, month, year = (parts[1], parts[0], parts[2]) if order == "mdy" else parts
        else:
            raise ValueError
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InputError(f"{str(value).strip()!r} is not a date; {DATE_HELP}") from None


def _month(word: str) -> int:
    if word[:3] not in _MONTHS:
        raise ValueError(word)
    return _MONTHS[word[:3]]


def parse_status(value, words: dict[str, CertificateStatus] | None = None) -> CertificateStatus:
    """A certificate status from its English, Spanish or Portuguese name, or a profile's `words`; blank -> Active."""
    if value is None or str(value).strip() == "":
        return CertificateStatus.ACTIVE
    status = (words or {}).get(key_of(str(value))) or STATUSES.get(key_of(str(value)))
    if status is None:
        national = f"; the profile's: {', '.join(sorted(words)[:12])}" if words else ""
        raise InputError(
            f"unknown status {str(value).strip()!r}; use Active, Suspended, Cancelled or Withdrawn "
            f"(or Activo/Vigente, Suspendido, Cancelado/Revocado, Retirado; Ativo, Suspenso, Cancelado{national}), "
            "or give its meaning with --map-value status:WORD=STATUS"
        )
    return status


# What the trader consented to, as lists write it: yes (to share with partners), no (the issuer only),
# published, partners or issuer, in English, Spanish or Portuguese (and as exports write it)
VISIBILITIES = {
    **dict.fromkeys(("yes", "y", "si", "s", "sim", "partners", "socios", "parceiros"), Visibility.PARTNERS),
    **dict.fromkeys(("no", "n", "nao", "issuer", "issueronly", "emisor", "emissor"), Visibility.ISSUER_ONLY),
    **dict.fromkeys(("published", "public", "publicado", "publico", "publica"), Visibility.PUBLISHED),
}


def parse_visibility(value) -> Visibility | None:
    """The visibility a consent column says; blank -> None (the administration's default)."""
    if value is None or str(value).strip() == "":
        return None
    found = VISIBILITIES.get(key_of(str(value)).replace("_", ""))
    if found is None:
        raise InputError(
            f"unknown consent {str(value).strip()!r}; write yes or no (sí/no, sim/não), "
            "published (publicado), partners (socios) or issuer (emisor)"
        )
    return found


# -- writing --------------------------------------------------------------------------------------


# A cell starting with one of these is run as a formula by spreadsheets (CSV injection): an export
# writes it as text, never as a formula; a csv cell gets a leading apostrophe, which reading removes.
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


def _escape(text: str) -> str:
    return "'" + text if FORMULA_START.match(text) else text


def _unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and FORMULA_START.match(text) else text


def write(rows: list[dict], fmt: str) -> bytes:
    """`rows` (keys of COLUMNS, and of EXPORTED where given; lists for types and benefits, dates ISO or
    "") as a file of format `fmt`. No cell is written as a formula (see FORMULA_START)."""
    layout = {**COLUMNS, **{key: header for key, header in EXPORTED.items() if any(key in row for row in rows)}}
    if fmt == "json":
        return (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(layout.values())
        writer.writerows([_escape(_cell_text(row, key)) for key in layout] for row in rows)
        return buffer.getvalue().encode()
    if fmt == "xlsx":
        return _xlsx(rows, layout)
    raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")


def _cell_text(row: dict, key: str) -> str:
    value = row.get(key)
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)


def _xlsx(rows: list[dict], layout: dict[str, str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "AEO list"
    sheet.append(list(layout.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for position, key in enumerate(layout, start=1):
            if key in ("valid_from", "expiry") and row.get(key):
                sheet.cell(number, position, date.fromisoformat(row[key]))
                continue
            cell = sheet.cell(number, position)
            cell.value = _cell_text(row, key)
            cell.data_type = "s"  # text even where it starts with '=': openpyxl would store a formula
            cell.quotePrefix = bool(FORMULA_START.match(cell.value))  # and the spreadsheet keeps it text when edited
    for position, key in enumerate(layout, start=1):
        letter = get_column_letter(position)
        if key in ("valid_from", "expiry"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = "yyyy-mm-dd"
        width = max([len(layout[key]), *(len(_cell_text(row, key)) for row in rows)])
        sheet.column_dimensions[letter].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def country_template(profile: Profile, fmt: str) -> bytes:
    """A list in the shape `profile`'s administration publishes (its headers, words, identifiers and
    dates), filled with its example rows: what `cert import --country CC` reads as it is."""
    keys = [key for key in COLUMNS if any(key in example for example in profile.examples)]
    if not keys:
        shipped = ", ".join(profiles.shipped_countries())
        raise InputError(f"no list shape for {profile.country}: profiles ship for {shipped}")
    grid = [
        [profile.headers.get(key, (COLUMNS[key],))[0] for key in keys],
        *([str(example.get(key, "")) for key in keys] for example in profile.examples),
    ]
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([[_escape(cell) for cell in row] for row in grid])
        return text.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise InputError(f"a template is a .xlsx or .csv file, not .{fmt}")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"OEA {profile.country}"
    for number, row in enumerate(grid, start=1):
        for position, value in enumerate(row, start=1):
            cell = sheet.cell(number, position)
            cell.value, cell.data_type = value, "s"
            cell.font = Font(bold=number == 1)
    for position in range(1, len(keys) + 1):
        width = max(len(str(row[position - 1])) for row in grid)
        sheet.column_dimensions[sheet.cell(1, position).column_letter].width = min(width + 2, 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
