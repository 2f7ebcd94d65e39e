"""AEO list files: reading them, dates and statuses in common forms, every bad cell named, and what is
written reads back the same."""

from dataclasses import replace
from datetime import date, datetime

import pytest
from aeo_list_files import SPANISH, generate, write_csv, write_xlsx
from helpers import ROOT

from cadena_client.domain.model import CertificateStatus, InputError
from cadena_client.lists import files as aeo_files
from cadena_client.lists import imports, profiles

ALL_ACTIVE = aeo_files.Mapping(profiles.shipped("MX"), all_active=True)


def unsalted(master):
    """`master` without its random salt, to compare what a list says."""
    return replace(master, salt="00" * 32)


TEMPLATES = ROOT / "deploy" / "templates"


@pytest.mark.parametrize(
    "written",
    [
        "2024-03-15",
        "2024/03/15",
        "15/03/2024",
        "15-03-2024",
        "15.03.2024",
        " 15/3/2024 ",
        "15 mar 2024",
        "15-Mar-2024",
        "15 de marzo de 2024",
        "March 15, 2024",
        "2024-03-15 00:00:00",
        "2024-03-15T00:00:00",
        datetime(2024, 3, 15, 0, 0),
        date(2024, 3, 15),
        45366,
        45366.0,
    ],
)
def test_dates_in_common_forms(written):
    assert aeo_files.parse_date(written) == date(2024, 3, 15)


@pytest.mark.parametrize(
    "written", ["31/02/2024", "2024-13-01", "ayer", "15/03/24", "15 brumario 2024", "0", -3, 3_000_000]
)
def test_bad_dates_say_how_to_write_one(written):
    with pytest.raises(InputError, match="is not a date; write YYYY-MM-DD"):
        aeo_files.parse_date(written)


def test_statuses_in_english_and_spanish():
    assert [aeo_files.parse_status(s) for s in ["Vigente", "", None, "SUSPENDIDO", "Revocado", "withdrawn"]] == [
        CertificateStatus.ACTIVE,
        CertificateStatus.ACTIVE,
        CertificateStatus.ACTIVE,
        CertificateStatus.SUSPENDED,
        CertificateStatus.CANCELLED,
        CertificateStatus.WITHDRAWN,
    ]
    with pytest.raises(InputError, match="unknown status 'Dudoso'"):
        aeo_files.parse_status("Dudoso")


@pytest.mark.parametrize("kind", ["xlsx", "csv-semicolon-cp1252", "csv-bom"])
def test_every_bad_row_is_reported_with_row_and_column(tmp_path, kind):
    listed = generate(300, cells=kind == "xlsx")
    path = {
        "xlsx": lambda: write_xlsx(tmp_path / "oea.xlsx", listed.grid),
        "csv-semicolon-cp1252": lambda: write_csv(tmp_path / "oea.csv", listed.grid, ";", "cp1252"),
        "csv-bom": lambda: write_csv(tmp_path / "oea.csv", listed.grid, ",", "utf-8-sig"),
    }[kind]()
    checked = imports.check(aeo_files.read(path), "MX")
    assert {(p.row, p.column) for p in checked.problems} == listed.bad and len(listed.bad) == 9
    messages = " | ".join(p.message for p in checked.problems)
    for expected in [
        "is not a TIN",
        "starts with PE, but the issuing country is MX",
        "unknown AEO type 'Contrabandista'",
        "'31/02/2021' is not a date",
        "'ayer' is not a date",
        "is not after the validation date",
        "the operator name is empty",
        "unknown status 'Dudoso'",
        "may differ only in types and dates",
    ]:
        assert expected in messages
    expected = {tin: unsalted(master) for tin, master in listed.masters.items()}
    assert {e.master.tin: unsalted(e.master) for e in checked.entries} == expected  # accents, types, dates intact
    assert {e.master.tin: e.status for e in checked.entries} == listed.statuses
    assert {e.master.tin: e.row for e in checked.entries} == listed.rows  # the spreadsheet's row numbers


def test_header_problems_name_the_fix(tmp_path):
    def fails(grid, match, name="oea.csv"):
        with pytest.raises(InputError, match=match):
            aeo_files.read(write_csv(tmp_path / name, grid))

    fails(
        [["RFC", "Razón social", "Tipo de OEA", "Fecha de validación", "Teléfono"]],
        r"header row 1: no column for Status, and no header like it among 'Teléfono': give --map "
        r"status=HEADER or --all-active",
    )
    fails([["a", "b"], ["c", "d"]], "no header row in the first 20 rows")
    fails([["TIN", "RFC", "Razón social", "Domicilio"]], "columns 'TIN' and 'RFC' both give the TIN; keep one")
    fails([SPANISH], r"read \.xlsx, \.csv or \.json files, not \.txt", name="oea.txt")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InputError, match="broken.xlsx is not a readable .xlsx workbook"):
        aeo_files.read(tmp_path / "broken.xlsx")
    with pytest.raises(InputError, match="has no sheet 'Hoja2'; its sheets: OEA vigentes"):
        aeo_files.read(write_xlsx(tmp_path / "oea.xlsx", [SPANISH]), "Hoja2")
    with pytest.raises(InputError, match="no such file"):
        aeo_files.read(tmp_path / "missing.csv")


def test_unknown_columns_are_named_and_blank_columns_read_as_blank(tmp_path):
    grid = [
        ["TIN", "Nombre", "Dirección", "Categoría", "Vigente desde", "Observaciones"],
        ["MXABC010101AB1", "Café Tláloc S.A.", "Calle Hidalgo 4, León", "Exportador", "01/02/2020"],
    ]
    table = aeo_files.read(write_csv(tmp_path / "oea.csv", grid), mapping=ALL_ACTIVE)
    assert table.ignored == ["Observaciones"] and table.assumed == {"status": "Active (--all-active)"}
    checked = imports.check(table, "MX")
    assert not checked.problems and checked.entries[0].master.valid_from == date(2020, 2, 1)
    assert checked.entries[0].status == CertificateStatus.ACTIVE and checked.entries[0].master.expiry is None


@pytest.mark.parametrize("name", ["aeo-list.xlsx", "aeo-list.csv"])
def test_templates_import_cleanly(name):
    table = aeo_files.read(TEMPLATES / name)
    checked = imports.check(table, "MX")
    assert list(table.columns.values()) == list(aeo_files.COLUMNS.values()) and not table.ignored
    assert not checked.problems and len(checked.entries) == 2


@pytest.mark.parametrize("fmt", aeo_files.FORMATS)
def test_written_files_read_back_the_same(tmp_path, fmt):
    listed = generate(60, bad=False)
    rows = [
        {
            "country": "MX",
            "tin": m.tin,
            "name": m.name,
            "address": m.address,
            "aeo_types": m.aeo_types.labels(),
            "valid_from": m.valid_from.isoformat(),
            "expiry": m.expiry.isoformat() if m.expiry else "",
            "status": listed.statuses[m.tin].label,
            "holder": None,
            "visibility": "published" if n % 2 else "issuer-only",
        }
        for n, m in enumerate(listed.masters.values())
    ]
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(aeo_files.write(rows, fmt))
    checked = imports.check(aeo_files.read(path), "MX")
    assert not checked.problems
    assert {e.master.tin: (unsalted(e.master), e.status, e.visibility.label) for e in checked.entries} == {
        tin: (unsalted(master), listed.statuses[tin], row["visibility"])
        for (tin, master), row in zip(listed.masters.items(), rows, strict=True)
    }


def test_a_consent_column_sets_each_certificate_s_visibility_and_blank_takes_the_default(tmp_path):
    from cadena_client.domain.model import Visibility

    grid = [
        ["RFC", "Razón social", "Tipo de OEA", "Fecha de validación", "Estado", "Consentimiento"],
        ["AAA010101AA1", "Uno SA", "Importador", "01/02/2020", "Activo", "Sí"],
        ["AAA010101AA2", "Dos SA", "Importador", "01/02/2020", "Activo", "no"],
        ["AAA010101AA3", "Tres SA", "Importador", "01/02/2020", "Activo", "Publicado"],
        ["AAA010101AA4", "Cuatro SA", "Importador", "01/02/2020", "Activo", ""],
        ["AAA010101AA5", "Cinco SA", "Importador", "01/02/2020", "Activo", "socios"],
    ]
    table = aeo_files.read(write_csv(tmp_path / "oea.csv", grid))
    assert table.columns["visibility"] == "Consentimiento"
    checked = imports.check(table, "MX", visibility=Visibility.PUBLISHED)  # the administration's default
    assert not checked.problems
    assert [e.visibility for e in checked.entries] == [
        Visibility.PARTNERS,
        Visibility.ISSUER_ONLY,
        Visibility.PUBLISHED,
        Visibility.PUBLISHED,
        Visibility.PARTNERS,
    ]
    assert imports.check(table, "MX").entries[3].visibility == Visibility.ISSUER_ONLY  # no default: issuer only
    grid[1][5] = "quizás"
    bad = imports.check(aeo_files.read(write_csv(tmp_path / "bad.csv", grid)), "MX")
    assert [str(p) for p in bad.problems] == [
        "row 2, Consentimiento: unknown consent 'quizás'; write yes or no (sí/no, sim/não), "
        "published (publicado), partners (socios) or issuer (emisor)"
    ]


def test_a_profile_names_its_list_s_consent_column(tmp_path):
    profile = tmp_path / "mine.toml"
    profile.write_text('extends = "MX"\n[headers]\nvisibility = ["Autoriza difusión"]\n', encoding="utf-8")
    grid = [
        ["RFC", "Razón social", "Tipo de OEA", "Fecha de validación", "Estado", "Autoriza difusión"],
        ["AAA010101AA1", "Uno SA", "Importador", "01/02/2020", "Activo", "publico"],
    ]
    mapping = aeo_files.Mapping.build("MX", profile)
    table = aeo_files.read(write_csv(tmp_path / "oea.csv", grid), mapping=mapping)
    assert table.columns["visibility"] == "Autoriza difusión" and not table.ignored
    assert imports.check(table, "MX").entries[0].visibility.label == "published"
