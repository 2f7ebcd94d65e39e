"""AEO lists as administrations really keep them: national identifiers, headers and words in Spanish
and Portuguese, title blocks and totals rows, expired rows, broken files."""

from __future__ import annotations

from datetime import date

import pytest
from aeo_list_files import write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadena_client.domain.model import AEOType, CertificateStatus, InputError
from cadena_client.lists import files as aeo_files
from cadena_client.lists import imports, profiles

ALL_ACTIVE = aeo_files.Mapping(profiles.shipped("MX"), all_active=True)

HEADERS = [
    "No.",
    "TIN / RFC",
    "Razón Social",
    "DOMICILIO FISCAL",
    "Modalidad",
    "Fecha de Certificación",
    "Vigencia",
    "Situación",
]


@pytest.mark.parametrize("header", ["TIN / RFC", "R.F.C.", "No. RFC", "rfc", "Número de RFC", "CNPJ", "RUT", "NIT"])
def test_identifier_headers_are_matched_tolerantly(tmp_path, header):
    grid = [
        [header, "Razão social", "Endereço", "Tipo de OEA", "Data de certificação"],
        ["EPA180101AB1", "A", "B", "Importador", "2024-01-01"],
    ]
    table = aeo_files.read(write_csv(tmp_path / "lista.csv", grid), mapping=ALL_ACTIVE)
    assert table.columns["tin"] == header and set(table.columns) == {
        "tin",
        "name",
        "address",
        "aeo_types",
        "valid_from",
    }


def test_a_missing_column_names_the_closest_headers_and_the_map_that_uses_them(tmp_path):
    with pytest.raises(InputError) as info:
        aeo_files.read(
            write_csv(
                tmp_path / "lista.csv",
                [["RFC", "Razón social", "Modalidad", "F. Certificación OEA", "Comentario"], ["X", "Y", "Z", "W", "V"]],
            ),
            mapping=ALL_ACTIVE,
        )
    message = str(info.value)
    assert "no column for Validation date: closest headers 'F. Certificación OEA'" in message
    assert "give --map valid_from='F. Certificación OEA'" in message and "\n" not in message


def test_national_identifiers_become_tins_and_the_plan_shows_them(tmp_path):
    grid = [
        ["Nómina de Operadores Económicos Autorizados", "", "", ""],
        ["Servicio Nacional de Aduanas — Chile"],
        [],
        ["RUT", "Razón social", "Dirección", "Tipo OEA", "Fecha de certificación", "Estado"],
        ["76.123.456-0", "Viña Concha S.A.", "Av. Apoquindo 3000, Santiago", "OEA Seguridad", "45292", "VIGENTE"],
        ["96 543 210-8", "Frutas del Sur Ltda.", "Ruta 5 km 12, Rancagua", "Exportador", "15/03/2024", "Suspendida"],
        ["CL77111222-6", "Ya con prefijo SpA", "Calle 1, Valparaíso", "exportador", "2024-01-01", "activa"],
        ["76-ABC-!!", "", "", "", "", ""],
        ["76.123.456-K", "Dígito mutado SpA", "Calle 2", "Exportador", "2024-01-01", "Vigente"],
        ["TOTAL OEA: 5", "", "", "", "", ""],
    ]
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "oea-chile.csv", grid, ";", "cp1252")), "CL")
    assert {(e.row, e.written, e.master.tin) for e in checked.entries} == {
        (5, "76.123.456-0", "CL761234560"),
        (6, "96 543 210-8", "CL965432108"),
        (7, "CL77111222-6", "CL771112226"),
    }
    assert [e.status for e in checked.entries] == [
        CertificateStatus.ACTIVE,
        CertificateStatus.SUSPENDED,
        CertificateStatus.ACTIVE,
    ]
    assert checked.entries[0].master.aeo_types == AEOType.AEO_S and checked.entries[0].master.valid_from == date(
        2024, 1, 1
    )
    assert {p.row for p in checked.problems} == {8, 9}  # the totals row is not read as data
    (mutated,) = [p for p in checked.problems if p.row == 9]
    assert mutated.column == "RUT" and "is not a valid RUT" in mutated.message


@pytest.mark.parametrize(
    "written,status",
    [
        ("ACTIVO", "ACTIVE"),
        ("Vigente", "ACTIVE"),
        ("Suspendida", "SUSPENDED"),
        ("suspenso", "SUSPENDED"),
        ("Revogado", "CANCELLED"),
        ("Expired", "ACTIVE"),
    ],
)
def test_status_words_in_any_case_and_language(written, status):
    assert aeo_files.parse_status(written) == CertificateStatus[status]


def test_a_value_without_a_sure_meaning_names_the_row_and_the_accepted_words(tmp_path):
    grid = [
        ["RFC", "Razón social", "Domicilio", "Modalidad", "Fecha de validación", "Estado"],
        ["EPA180101AB1", "A", "B", "Importador", "2024-01-01", "En trámite"],
    ]
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "l.csv", grid)), "MX")
    (problem,) = checked.problems
    assert problem.row == 2 and problem.column == "Estado" and "Activo/Vigente" in problem.message


def test_rows_marked_active_whose_expiry_passed_are_warned_with_their_rows(tmp_path):
    grid = [
        ["RFC", "Razón social", "Domicilio", "Modalidad", "Fecha de validación", "Vencimiento", "Estado"],
        ["EPA180101AB1", "A", "B", "Importador", "2018-01-01", "2021-01-01", "Activo"],
        ["EPB180101AB1", "A", "B", "Importador", "2018-01-01", "2031-01-01", "Activo"],
        ["EPC180101AB1", "A", "B", "Importador", "2018-01-01", "2021-01-01", "Suspendido"],
    ]
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "l.csv", grid)), "MX", today=date(2026, 11, 23))
    assert [(w.row, w.column) for w in checked.warnings] == [(2, "Vencimiento")] and not checked.problems
    assert "expired on 2021-01-01" in checked.warnings[0].message


def test_duplicates_say_which_row_is_kept_and_how_they_differ(tmp_path):
    grid = [
        ["RFC", "Razón social", "Domicilio", "Modalidad", "Fecha de validación"],
        ["EPA180101AB1", "Alfa", "B", "Importador", "2024-01-01"],
        ["EPA-180101-AB1", "Alfa SA", "B", "Importador", "2024-02-01"],
    ]
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "l.csv", grid), mapping=ALL_ACTIVE), "MX")
    (problem,) = checked.problems
    assert problem.row == 3 and "also on row 2, and it differs in Operator name;" in problem.message
    assert "keeps row 2" in problem.message and [e.row for e in checked.entries] == [2]


@pytest.mark.parametrize(
    "content,message",
    [
        (b"RFC,Nombre\x00\x01\x02\xff\xfe garbage", "holds binary data"),
        (
            b"RFC;Raz\xf3n social;Domicilio;Modalidad;Fecha de validaci\xf3n\rEPA180101AB1;A;B;Importador;2024-01-01\r",
            None,
        ),
        (
            b'RFC,Nombre,Domicilio,Modalidad,Fecha de validacion\nEPA1,"' + b"x" * 140_000 + b'",B,C,2024-01-01\n',
            "a cell over 128 KiB",
        ),
        (b"RFC,Nombre,Domicilio,Modalidad,Fecha de validacion\n", "no rows under the header"),
    ],
)
def test_broken_csv_files_give_one_clear_line(tmp_path, content, message):
    path = tmp_path / "lista.csv"
    path.write_bytes(content)
    if message is None:  # old Excel for Mac: CR-only line ends, Windows-1252
        table = aeo_files.read(path, mapping=ALL_ACTIVE)
        assert [cells["tin"] for _, cells in table.rows] == ["EPA180101AB1"] and table.columns[
            "valid_from"
        ] == "Fecha de validación"
        return
    with pytest.raises(InputError, match=message):
        aeo_files.read(path, mapping=ALL_ACTIVE)


def test_an_empty_json_list_is_no_rows(tmp_path):
    (tmp_path / "l.json").write_text("[]")
    with pytest.raises(InputError, match="no rows; nothing to import, nothing sent"):
        aeo_files.read(tmp_path / "l.json")


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=2000).map(str.encode),
        st.lists(st.lists(st.text(max_size=20), max_size=9), max_size=12).map(
            lambda rows: "\n".join(
                ",".join(row) for row in [["RFC", "Nombre", "Domicilio", "Modalidad", "Fecha de validación"], *rows]
            ).encode()
        ),
    ),
    suffix=st.sampled_from([".csv", ".json", ".xlsx"]),
)
def test_any_bytes_as_a_list_file_end_in_a_clear_error_or_a_checked_list(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"lista{suffix}"
    path.write_bytes(content)
    try:
        table = aeo_files.read(path, mapping=ALL_ACTIVE)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc) and "Traceback" not in str(exc)
        return
    checked = imports.check(table, "MX")
    read = {number for number, _ in table.rows}
    kept = {row for entry in checked.entries for row in (entry.row, *entry.merged)}
    refused = {problem.row for problem in checked.problems}
    assert kept | refused <= read and not kept & refused  # every row imported or refused with its number, once,
    assert len(read - kept - refused) == checked.other_countries  # or left out as another country's
    for entry in checked.entries:  # what is kept is a Mexican certificate whose identifier and types hold
        assert entry.master.tin.startswith("MX") and entry.master.aeo_types and entry.master.name
        assert entry.status == CertificateStatus.ACTIVE  # --all-active: no status column in these lists
