"""AEO lists as files: the layout administrations exchange, read from .xlsx, .csv or .json and written
back to them. Headers may be English, Spanish or Portuguese; cells are kept raw here and checked by `imports`."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from zipfile import BadZipFile

from cadena_client.domain.model import CertificateStatus, InputError, key_of

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
}
EXPORTED = {  # key -> header of the columns an export adds for partners' rows (an import ignores them)
    "recognised": "Recognised by the exporting administration",
    "benefits": "Benefits",
}
REQUIRED = ("tin", "name", "address", "aeo_types", "valid_from")
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
    "status": ["Estado", "Estatus", "Situación", "Situação", "Status OEA", "Estado OEA"],
    "holder": ["Holder", "Cuenta del titular", "Cuenta", "Conta do titular"],
}
_HEADER_PREFIXES = ("no", "nro", "num", "numero", "n")  # "No. RFC", "Nro. RUC", "Número NIT"


def header_key(text: str) -> str:
    """A header compared blind to case, accents, punctuation and spaces: 'R.F.C.' -> 'rfc'."""
    return key_of(text).replace("_", "")


HEADERS = {header_key(name): key for key, names in _HEADER_NAMES.items() for name in [COLUMNS[key], *names]}
NATIONAL_HEADERS = {header_key(name) for name in NATIONAL_ID_NAMES}
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
class Table:
    """The rows of an AEO list: each its number in the file (as a spreadsheet shows it) and its cells."""

    columns: dict[str, str]  # key -> the header as written in the file
    rows: list[tuple[int, dict]]
    ignored: list[str]  # headers that name no column of the layout
    tin_form: str = "wco"  # "wco", "national" (RFC, RUT, NIT... without the country prefix) or "either"


def read(path: Path, sheet: str | None = None) -> Table:
    """The AEO list in `path` (.xlsx, .csv or .json), blank rows left out."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(
            f"{path.name}: read .xlsx, .csv or .json files, not {path.suffix or 'a file without extension'}"
        )
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if suffix == "json":
        return _read_json(path)
    grid = _xlsx_grid(path, sheet) if suffix == "xlsx" else _csv_grid(path)
    return _table(path, grid)


def _table(path: Path, grid: list[tuple]) -> Table:
    index = next(
        (at for at, cells in enumerate(grid[:HEADER_SEARCH_ROWS]) if len(set(_keys(cells)) - {None}) >= 3), None
    )
    if index is None:
        raise InputError(
            f"{path.name}: no header row in the first {HEADER_SEARCH_ROWS} rows; name the columns "
            f"{', '.join(COLUMNS.values())} (see the template: `cadena template FILE.xlsx`)"
        )
    cells = grid[index]
    keys = _keys(cells)
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    for position, (cell, key) in enumerate(zip(cells, keys, strict=True)):
        if key in columns:
            raise InputError(
                f"{path.name}: columns {columns[key]!r} and {cell!r} both give the {COLUMNS[key]}; keep one"
            )
        if key:
            columns[key], positions[key] = str(cell).strip(), position
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        found = ", ".join(repr(str(cell).strip()) for cell in cells if _filled(cell))
        accepted = "; ".join(f"{COLUMNS[key]}: {', '.join([COLUMNS[key], *_HEADER_NAMES[key]])}" for key in missing)
        raise InputError(
            f"{path.name}: the header row {index + 1} has no column for {', '.join(COLUMNS[k] for k in missing)}; "
            f"headers found: {found}. Names accepted: {accepted} (see the template: `cadena template FILE.xlsx`)"
        )
    ignored = [str(cell).strip() for cell, key in zip(cells, keys, strict=True) if key is None and _filled(cell)]
    rows = []
    for number, cells in enumerate(grid[index + 1 :], start=index + 2):
        if any(_filled(cell) for cell in cells) and not _totals(cells, positions.get("tin")):
            rows.append((number, {key: cells[at] if at < len(cells) else None for key, at in positions.items()}))
    if not rows:
        raise InputError(f"{path.name}: no rows under the header (row {index + 1}); nothing to import, nothing sent")
    return Table(columns, rows, ignored, _tin_form(columns["tin"]))


def _keys(cells) -> list[str | None]:
    """The column each header cell names, None where it names none."""
    return [_header(cell) for cell in cells]


def _header(cell) -> str | None:
    """The column a header cell names: any of its "/"-joined names, with a "No." or "Número" before it."""
    for part in str(cell or "").split("/"):
        words = key_of(part).split("_")
        while words:
            if key := HEADERS.get("".join(words)):
                return key
            if words[0] not in (*_HEADER_PREFIXES, "de", "do", "del"):
                break
            words = words[1:]
    return None


def _tin_form(header: str) -> str:
    """How the identifier column is written: "wco" (TINs with the country prefix), "national" (RFC,
    RUT, NIT... without it), or "either" (a header naming both, such as "TIN / RFC")."""
    parts = {header_key(part) for part in header.split("/")} - {""}
    national = {part for part in parts if any(part.endswith(name) for name in NATIONAL_HEADERS)}
    return "wco" if not national else "national" if national == parts else "either"


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


def _csv_grid(path: Path) -> list[tuple]:
    """Rows of a CSV file in UTF-8 (with or without BOM) or Windows-1252, separated by , ; or tab,
    with any line ends (CR-only ones of old Excel for Mac too)."""
    raw = path.read_bytes()
    if b"\0" in raw[:65536]:
        raise InputError(f"{path.name} is not a text CSV file (it holds binary data); save the list as CSV or .xlsx")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on Spanish-language Windows
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]

    def header_columns(delimiter: str) -> int:  # the most columns a row of the head names with this separator
        try:
            return max((len(set(_keys(row)) - {None}) for row in csv.reader(head, delimiter=delimiter)), default=0)
        except csv.Error:
            return 0

    reader = csv.reader(io.StringIO(text), delimiter=max(",;\t", key=header_columns))
    try:
        return [tuple(row) for row in reader]
    except csv.Error as exc:
        what = f"a cell over {MAX_CELL // 1024} KiB" if "field limit" in str(exc) else str(exc)
        raise InputError(
            f"{path.name}, line {reader.line_num}: {what}; this is not an AEO list (see the template: `cadena template FILE.xlsx`)"
        ) from None


def _read_json(path: Path) -> Table:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name} is not JSON: {exc}") from None
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise InputError(f"{path.name}: expected a list of objects with the keys {', '.join(COLUMNS)}")
    if not records:
        raise InputError(f"{path.name}: no rows; nothing to import, nothing sent")
    missing = [key for key in REQUIRED if key not in records[0]]
    if missing:
        raise InputError(f"{path.name}: the records have no {', '.join(missing)}")
    present = [key for key in COLUMNS if any(key in record for record in records)]
    return Table(
        {key: key for key in present}, [(n, {k: r.get(k) for k in present}) for n, r in enumerate(records, 1)], []
    )


# -- cells ----------------------------------------------------------------------------------------


def parse_date(value) -> date | None:
    """A date from a date cell, an Excel serial number or common written forms; blank -> None."""
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
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial number written as text
        return parse_date(float(text))
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
        elif len(parts[2]) == 4:  # 15/03/2024, 15-03-2024, 15.03.2024
            day, month, year = parts
        else:
            raise ValueError
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InputError(f"{str(value).strip()!r} is not a date; {DATE_HELP}") from None


def _month(word: str) -> int:
    if word[:3] not in _MONTHS:
        raise ValueError(word)
    return _MONTHS[word[:3]]


def parse_status(value) -> CertificateStatus:
    """A certificate status from its English or Spanish name; blank -> Active."""
    if value is None or str(value).strip() == "":
        return CertificateStatus.ACTIVE
    status = STATUSES.get(key_of(str(value)))
    if status is None:
        raise InputError(
            f"unknown status {str(value).strip()!r}; use Active, Suspended, Cancelled or Withdrawn "
            "(or Activo/Vigente, Suspendido, Cancelado/Revocado, Retirado; Ativo, Suspenso, Cancelado)"
        )
    return status


# -- writing --------------------------------------------------------------------------------------


def write(rows: list[dict], fmt: str) -> bytes:
    """`rows` (keys of COLUMNS, and of EXPORTED where given; lists for types and benefits, dates ISO or
    "") as a file of format `fmt`."""
    layout = {**COLUMNS, **{key: header for key, header in EXPORTED.items() if any(key in row for row in rows)}}
    if fmt == "json":
        return (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(layout.values())
        writer.writerows([_cell_text(row, key) for key in layout] for row in rows)
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
    for row in rows:
        sheet.append(
            [
                date.fromisoformat(row[key])
                if key in ("valid_from", "expiry") and row.get(key)
                else _cell_text(row, key)
                for key in layout
            ]
        )
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
