"""Realistic AEO list files for the import tests: Spanish headers above a title, accented names, blank
lines, dates in the forms administrations write them, and bad rows whose problems are known."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from cadena_client.domain.model import CertificateStatus, MasterData

SPANISH = [
    "País",
    "TIN",
    "Razón social",
    "Domicilio",
    "Tipo de OEA",
    "Fecha de validación",
    "Fecha de vencimiento",
    "Estado",
]
KEYS = ["country", "tin", "name", "address", "aeo_types", "valid_from", "expiry", "status"]

_FIRST = [
    "Exportadora",
    "Comercializadora",
    "Logística",
    "Almacenes",
    "Importaciones",
    "Agroindustrias",
    "Café",
    "Frutícola",
    "Transportes",
    "Manufacturas",
    "Cerámica",
    "Vinícola",
]
_SECOND = [
    "del Pacífico",
    "Andina",
    "Peñasco",
    "Mérida",
    "Querétaro",
    "Hermanos Núñez",
    "del Bajío",
    "San José",
    "Güemes",
    "La Montaña",
    "Ñandú",
    "Tláloc",
]
_SUFFIX = ["S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V.", "S.C."]
_STREETS = ["Av. Insurgentes Sur", "Calle 5 de Mayo", "Blvd. Adolfo López Mateos", "Av. Constitución", "Calle Hidalgo"]
_CITIES = ["Ciudad de México", "Mérida, Yuc.", "Querétaro, Qro.", "Monterrey, N.L.", "León, Gto.", "Tijuana, B.C."]
_TYPES = [
    ("Importador, Exportador", "importer,exporter"),
    ("Exportador", "exporter"),
    ("Importador; OEA-S", "importer,aeo-s"),
    ("importer, exporter, manufacturer", "importer,exporter,manufacturer"),
    ("Agente de aduanas", "customs-broker"),
    ("Transportista / Almacén", "carrier,warehouse"),
    ("OEA-C", "aeo-c"),
]
_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
]

# Bad cells, each with the column it is reported in.
BAD = [
    ("tin", "MX-ABC 01*"),  # not a TIN
    ("tin", "PEABC010101AB1"),  # another country's prefix
    ("aeo_types", "Importador, Contrabandista"),  # unknown type
    ("valid_from", "31/02/2021"),  # no such day
    ("valid_from", "ayer"),  # not a date
    ("expiry", "2010-01-01"),  # before the validation date
    ("name", "   "),  # empty
    ("status", "Dudoso"),  # unknown status
]


@dataclass
class AEOList:
    """A generated list: the cells of each row, the rows a file has, and what a correct import gives."""

    grid: list[list] = field(default_factory=list)  # every row of the file, title and blank lines included
    masters: dict[str, MasterData] = field(default_factory=dict)  # valid rows by TIN
    statuses: dict[str, CertificateStatus] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # TIN -> row number in the file
    bad: set[tuple[int, str]] = field(default_factory=set)  # (row number, header) of every bad cell

    def row(self, tin: str) -> list:
        return self.grid[self.rows[tin] - 1]


def generate(count: int, code: str = "MX", seed: int = 7, bad: bool = True, cells: bool = False) -> AEOList:
    """`count` rows of `code`'s AEOs; `cells`: dates as spreadsheet date cells and serial numbers too."""
    rng = random.Random(seed)
    result = AEOList(grid=[[f"Padrón de Operadores Económicos Autorizados — {code}"], [], SPANISH])
    bad_at = {rng.randrange(count): case for case in BAD} if bad else {}
    duplicate_of = None
    for index in range(count):
        if rng.random() < 0.05:
            result.grid.append([])  # a blank line
        if rng.random() < 0.03:
            result.grid.append(["", "", "  ", None] if cells else [""] * 8)  # a row of empty cells
        tin = f"{code}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{index:05d}{rng.randrange(10**6):06d}"
        name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {rng.choice(_SUFFIX)}"
        address = f"{rng.choice(_STREETS)} {rng.randrange(1, 3000)}, {rng.choice(_CITIES)}"
        written_types, types = rng.choice(_TYPES)
        valid_from = date(2016, 1, 1) + timedelta(days=rng.randrange(3000))
        expiry = valid_from + timedelta(days=365 * rng.choice([2, 3, 5])) if rng.random() < 0.8 else None
        status = rng.choices([CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED], [0.9, 0.1])[0]
        written_status = {
            CertificateStatus.ACTIVE: rng.choice(["Vigente", "Activo", "activo", ""]),
            CertificateStatus.SUSPENDED: rng.choice(["Suspendido", "SUSPENDIDO", "Suspended"]),
        }[status]
        row = [
            code,
            tin,
            name,
            address,
            written_types,
            _written(valid_from, rng, cells),
            _written(expiry, rng, cells),
            written_status,
        ]
        number = len(result.grid) + 1
        if index in bad_at:
            key, value = bad_at[index]
            row[KEYS.index(key)] = value
            result.bad.add((number, SPANISH[KEYS.index(key)]))
        elif bad and index == count // 2 and duplicate_of:
            row[1] = duplicate_of
            result.bad.add((number, "TIN"))
        else:
            duplicate_of = duplicate_of or tin
            result.masters[tin] = MasterData(tin, name, address, types, valid_from, expiry)
            result.statuses[tin] = status
            result.rows[tin] = number
        result.grid.append(row)
    return result


def _written(day: date | None, rng: random.Random, cells: bool):
    if day is None:
        return ""
    forms = [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        day.strftime("%d-%m-%Y"),
        day.strftime("%d.%m.%Y"),
        f"{day.day} de {_MONTHS[day.month - 1]} de {day.year}",
        f"{day.day}-{_MONTHS[day.month - 1][:3]}-{day.year}",
    ]
    if cells:
        forms += [datetime(day.year, day.month, day.day), (day - date(1899, 12, 30)).days]
    return rng.choice(forms)


def write_xlsx(path: Path, grid: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "OEA vigentes"
    for row in grid:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, grid: list[list], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as stream:
        csv.writer(stream, delimiter=delimiter).writerows(grid)
    return path
