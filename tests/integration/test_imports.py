"""AEO lists into the chain: the sync plan, and imports on a real node (killed, refused, resumed)."""

from collections import Counter

import pytest
import requests
from aeo_list_files import SPANISH, generate, write_csv, write_xlsx
from click.testing import CliRunner
from eth_utils import keccak
from helpers import ROOT

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.chain.transport import Rpc
from cadena_client.cli.main import cli
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.domain.model import CertificateStatus, Reason
from cadena_client.lists import files as aeo_files
from cadena_client.lists import imports
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord

TEMPLATES = ROOT / "deploy" / "templates"
ISSUE_WITH_HOLDER = (
    "cert",
    "issue",
    "MXHOLD0000001",
    "--name",
    "Ñandú Logística S.A.",
    "--address",
    "Calle 1, León",
    "--types",
    "carrier",
    "--valid-from",
    "2024-01-01",
    "--holder",
)  # then the holder's address


@pytest.fixture
def chain(reverting, pilot_record):
    """The deployed node, reverted after each test."""
    return connect(reverting.url)


@pytest.fixture
def run(node, pilot_record, chain, tmp_path):
    key_file = MX_KEY.save(tmp_path / "mx-exchange.key")  # MX's officer salts (and seals) with it
    DeploymentRecord.load(pilot_record).open(chain, Signer(chain, chain.dev_account(1))).set_exchange_key(
        "MX", MX_KEY.public_key
    )

    def invoke(*args, dev=2, expect=0):
        options = [
            "--rpc-url",
            node.url,
            "--deployment",
            str(pilot_record),
            "--mirror",
            str(tmp_path / "mirror.sqlite"),
        ]
        signing = ["--dev-account", str(dev)] if dev is not None else []
        result = CliRunner().invoke(cli, [*options, *signing, *args], env={"CADENA_EXCHANGE_KEY": str(key_file)})
        assert result.exit_code == expect, result.output
        return result.output

    return invoke


def counts(output: str) -> dict[str, int]:
    """The figures of the count tables the import prints."""
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines()]
    return {row[0]: int(row[1]) for row in cells if len(row) == 2 and row[1].isdigit()}


def officer(chain, pilot_record, dev=2):
    return DeploymentRecord.load(pilot_record).open(chain, Signer(chain, chain.dev_account(dev))).with_exchange(MX_KEY)


MX_KEY = ExchangeKeys("MX", keccak(text="cadena test MX exchange key"))  # the salt of a record is the issuer's


def stored(cadena, tins):
    return {c.tin: c for c in cadena.read_certificates(list(tins))}


def matches(cadena, listed) -> bool:
    """Whether the chain holds every certificate of `listed` with its master data and status."""
    found = stored(cadena, listed.masters)
    return all(
        found[t].commitment == cadena.salted(m).commitment and found[t].status == listed.statuses[t]
        for t, m in listed.masters.items()
    )


def test_import_checks_everything_first_then_syncs(run, chain, pilot_record, tmp_path):
    listed = generate(300, cells=True)
    path = write_xlsx(tmp_path / "padron.xlsx", listed.grid)
    block = chain.w3.eth.block_number
    output = run("cert", "import", str(path), "--country", "MX", dev=None, expect=1)  # no key needed to see them
    assert "9 problems in padron.xlsx; nothing was sent" in output and "Contrabandista" in output
    assert chain.w3.eth.block_number == block
    planned = run("cert", "import", str(path), "--country", "MX", "--plan", "--skip-invalid")
    suspended = sum(s == CertificateStatus.SUSPENDED for s in listed.statuses.values())
    expected = dict.fromkeys(("re-issued", "updated", "reinstated", "cancelled", "unchanged"), 0)
    expected.update(issued=291, suspended=suspended)
    assert counts(planned) == expected
    assert chain.w3.eth.block_number == block
    output = run("cert", "import", str(path), "--country", "MX", "--skip-invalid")
    assert "9 rows of padron.xlsx left out (--skip-invalid)" in output
    assert counts(output) == {**expected, "failed": 0}
    cadena = officer(chain, pilot_record)
    assert matches(cadena, listed) and cadena.administration("MX").certificate_count == 291
    block = chain.w3.eth.block_number
    output = run("cert", "import", str(path), "--country", "MX", "--skip-invalid")
    assert counts(output)["unchanged"] == 291 and chain.w3.eth.block_number == block  # the second time: nothing sent


def test_import_is_a_sync(run, chain, pilot_record, tmp_path):
    listed = generate(40, bad=False)
    tins = [t for t in listed.masters if listed.statuses[t] == CertificateStatus.ACTIVE]
    renamed, renewed, to_suspend, to_cancel, fix_and_suspend, suspended = tins[:6]
    listed.row(suspended)[7] = "Suspendido"
    run("cert", "import", str(write_csv(tmp_path / "v1.csv", listed.grid)), "--country", "MX")
    listed.row(renamed)[2] = "Café Tláloc y Asociados S.A. de C.V."
    listed.row(renewed)[6] = "2040-12-31"
    listed.row(to_suspend)[7] = "Suspendido"
    listed.row(to_cancel)[7] = "Cancelado"
    listed.row(fix_and_suspend)[3] = "Calle Nueva 1, Mérida, Yuc."
    listed.row(fix_and_suspend)[7] = "Suspendido"
    listed.row(suspended)[7] = "Vigente"
    listed.grid += [
        ["MX", "MXNEW000000001", "Nueva Exportadora S.A.", "Av. Juárez 1, Puebla", "Exportador", "01/06/2025", "", ""],
        [
            "MX",
            "MXNEW000000002",
            "Nueva Importadora S.A.",
            "Av. Juárez 2, Puebla",
            "Importador",
            "2025-06-01",
            "",
            "Suspendido",
        ],
    ]
    path = write_csv(tmp_path / "v2.csv", listed.grid)
    planned = run("cert", "import", str(path), "--country", "MX", "--plan")
    assert "update + suspend" in planned and "issue + suspend" in planned and "expiry date" in planned
    output = run("cert", "import", str(path), "--country", "MX")
    assert counts(output) == {
        "issued": 2,
        "re-issued": 0,
        "updated": 3,
        "suspended": 3,
        "reinstated": 1,
        "cancelled": 1,
        "unchanged": 34,
        "failed": 0,
    }
    cadena = officer(chain, pilot_record)
    status = {
        t: cadena.certificate(t).status
        for t in [renamed, to_suspend, to_cancel, fix_and_suspend, suspended, "MXNEW000000002"]
    }
    assert status == {
        renamed: CertificateStatus.ACTIVE,
        to_suspend: CertificateStatus.SUSPENDED,
        to_cancel: CertificateStatus.CANCELLED,
        fix_and_suspend: CertificateStatus.SUSPENDED,
        suspended: CertificateStatus.ACTIVE,
        "MXNEW000000002": CertificateStatus.SUSPENDED,
    }
    assert [e.reason for e in cadena.history(renewed)] == [Reason.NEW_CERTIFICATION, Reason.RENEWAL]
    mx = Mirror(tmp_path / "mx.sqlite", chain.chain_id, cadena.address, cadena.deploy_block, exchange=MX_KEY)
    mx.sync(cadena)  # the new name reached MX's own mirror sealed, never the chain in clear
    assert mx.master_data(renamed).name == "Café Tláloc y Asociados S.A. de C.V."
    assert "name" not in cadena.history(renamed)[-1].master
    assert counts(run("cert", "import", str(path), "--country", "MX"))["unchanged"] == 42
    listed.row(renamed)[7] = "Retirado"
    output = run("cert", "import", str(write_csv(tmp_path / "v3.csv", listed.grid)), "--country", "MX", expect=1)
    assert "only its holder can withdraw it; write Cancelled" in output and "nothing was sent" in output


def test_export_then_import_is_a_no_op(run, chain, pilot_record, tmp_path):
    mx, pe = generate(80, bad=False), generate(30, code="PE", seed=3, bad=False)
    run("cert", "import", str(write_xlsx(tmp_path / "mx.xlsx", mx.grid)), "--country", "MX")
    run("cert", "import", str(write_csv(tmp_path / "pe.csv", pe.grid)), "--country", "PE", dev=4)
    run("cert", "cancel", next(iter(mx.masters)))
    run(*ISSUE_WITH_HOLDER, chain.dev_account(9).address)
    run("sync")
    block = chain.w3.eth.block_number
    for fmt in aeo_files.FORMATS:
        path = tmp_path / f"export.{fmt}"
        run("export", "--country", "MX", "-o", str(path))
        partner = imports.check(aeo_files.read(path), "PE")  # the partner's AEOs are in the view, by TIN and status,
        assert sum("operator name is empty" in p.message for p in partner.problems) == 30  # without consent no name
        output = run("cert", "import", str(path), "--country", "MX")
        assert "30 rows of other countries" in output
        assert counts(output) == {
            "issued": 0,
            "re-issued": 0,
            "updated": 0,
            "suspended": 0,
            "reinstated": 0,
            "cancelled": 0,
            "unchanged": 81,
            "failed": 0,
        }
        assert chain.w3.eth.block_number == block


def test_a_file_without_holders_keeps_the_holder_on_the_chain(run, chain, pilot_record, tmp_path):
    holder = chain.dev_account(9).address
    run(*ISSUE_WITH_HOLDER, holder)
    grid = [
        SPANISH,
        ["MX", "MXHOLD0000001", "Ñandú Logística S.A.", "Calle 1, León", "Transportista", "01/01/2024", "", "Vigente"],
    ]
    assert (
        counts(run("cert", "import", str(write_csv(tmp_path / "oea.csv", grid)), "--country", "MX"))["unchanged"] == 1
    )
    grid[1][2] = "Ñandú Logística y Transporte S.A."
    run("cert", "import", str(write_csv(tmp_path / "oea.csv", grid)), "--country", "MX")
    assert officer(chain, pilot_record).certificate("MXHOLD0000001").holder == holder


def test_a_list_that_cancels_a_withdrawn_certificate_records_the_cancellation(run, chain, pilot_record, tmp_path):
    run(*ISSUE_WITH_HOLDER, chain.dev_account(9).address)
    run("cert", "withdraw", "MXHOLD0000001", dev=9)  # the company withdraws first
    row = [
        "MX",
        "MXHOLD0000001",
        "Ñandú Logística S.A.",
        "Calle 1, León",
        "Transportista",
        "01/01/2024",
        "",
        "Cancelado",
    ]
    path = write_csv(tmp_path / "oea.csv", [SPANISH, row])
    assert counts(run("cert", "import", str(path), "--country", "MX"))["cancelled"] == 1
    assert officer(chain, pilot_record).certificate("MXHOLD0000001").status == CertificateStatus.CANCELLED
    assert counts(run("cert", "import", str(path), "--country", "MX"))["unchanged"] == 1


def test_an_interrupted_import_is_completed_by_the_next(chain, pilot_record, tmp_path, monkeypatch):
    listed = generate(200, bad=False)
    cadena = officer(chain, pilot_record)
    first = imports.check(aeo_files.read(write_csv(tmp_path / "oea.csv", listed.grid)), "MX")
    imports.apply(cadena.as_signer(Signer(cadena.chain, cadena.signer.account)), imports.plan(cadena, "MX", first))
    active = [t for t, status in listed.statuses.items() if status == CertificateStatus.ACTIVE]
    suspended = [t for t, status in listed.statuses.items() if status == CertificateStatus.SUSPENDED]
    for tin in active[:20]:
        listed.row(tin)[7], listed.statuses[tin] = "Suspendido", CertificateStatus.SUSPENDED
    for tin in suspended[:5]:
        listed.row(tin)[7], listed.statuses[tin] = "Vigente", CertificateStatus.ACTIVE
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "oea2.csv", listed.grid)), "MX")
    many, reinstate = Rpc.many, cadena.codec.encode("reinstateCertificate", b"\0" * 32, 0)[:4].hex()

    def node_goes_down(self, calls, workers=1):
        """The node stops answering when the first reinstatement is sent."""
        if any(method == "eth_sendRawTransaction" and reinstate in params[0] for method, params in calls):
            raise requests.exceptions.ConnectionError("connection refused")
        return many(self, calls, workers)

    monkeypatch.setattr(Rpc, "many", node_goes_down)
    with pytest.raises(requests.exceptions.ConnectionError):
        imports.apply(
            cadena.as_signer(Signer(cadena.chain, cadena.signer.account)), imports.plan(cadena, "MX", checked)
        )
    monkeypatch.setattr(Rpc, "many", many)
    assert not matches(cadena, listed)
    assert not any(cadena.verify("PE", tin).recognised for tin in active[:20])  # the restrictive steps went first
    rest = imports.plan(cadena, "MX", checked)
    assert (rest.count("reinstate"), rest.count("suspend"), rest.unchanged) == (5, 0, 195)
    summary = imports.apply(cadena.as_signer(Signer(cadena.chain, cadena.signer.account)), rest)
    assert not summary.failures and matches(cadena, listed)
    events = [
        cadena.codec.event(log) for log in cadena.chain.w3.eth.get_logs({"address": cadena.address, "fromBlock": 0})
    ]
    issued = Counter(e.tin for e in events if e.name == "CertificateIssued")
    suspensions = Counter(e.tin for e in events if e.name == "CertificateSuspended")
    assert len(issued) == 200 and set(issued.values()) == {1}  # nothing doubled
    assert sum(suspensions.values()) == len(suspended) + 20 and set(suspensions.values()) == {1}
    assert imports.plan(cadena, "MX", checked).changes == []


def test_a_revert_fails_its_record_and_the_rest_goes_on(chain, pilot_record, tmp_path):
    listed = generate(20, bad=False)
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "oea.csv", listed.grid)), "MX")
    cadena = officer(chain, pilot_record)
    imports.apply(cadena.as_signer(Signer(cadena.chain, cadena.signer.account)), imports.plan(cadena, "MX", checked))
    active = [t for t in listed.masters if listed.statuses[t] == CertificateStatus.ACTIVE][:3]
    for tin in active:
        listed.row(tin)[7] = "Suspendido"
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "oea2.csv", listed.grid)), "MX")
    import_plan = imports.plan(cadena, "MX", checked)
    officer(chain, pilot_record, dev=2).cancel(active[1])  # between the plan and the import
    progress = []
    summary = imports.apply(cadena.as_signer(Signer(cadena.chain, cadena.signer.account)), import_plan, progress.append)
    assert summary.done["suspend"] == 2 and sum(progress) == 3
    [failure] = summary.failures
    assert (failure.tin, failure.action, failure.row) == (active[1], "suspend", listed.rows[active[1]])
    assert "is Cancelled" in failure.reason


def test_user_mistakes_get_one_line(run, tmp_path):
    assert "give --output FILE.xlsx" in run("export", "--country", "MX", "--format", "xlsx", expect=1)
    assert "no such file" in run("cert", "import", str(tmp_path / "nada.xlsx"), "--country", "MX", expect=1)
    assert "is not a customs officer of MX; nothing was sent" in run(
        "cert", "import", str(TEMPLATES / "aeo-list.xlsx"), "--country", "MX", dev=4, expect=1
    )
    assert "not an ISO 3166-1 alpha-2" in run(
        "cert", "import", str(TEMPLATES / "aeo-list.csv"), "--country", "XX", expect=1
    )
    output = run("cert", "import", str(TEMPLATES / "aeo-list.csv"), "--country", "PE", dev=4, expect=0)
    assert "2 rows of other countries" in output and "Traceback" not in output


def test_a_planned_update_does_not_claim_the_holder_changed(run, chain, pilot_record, tmp_path):
    holder = chain.dev_account(9).address
    run(*ISSUE_WITH_HOLDER, holder)
    grid = [
        SPANISH + ["Cuenta del titular"],
        [
            "MX",
            "MXHOLD0000001",
            "Ñandú Logística S.A. de C.V.",
            "Calle 1, León",
            "Transportista",
            "01/01/2024",
            "",
            "Vigente",
            holder.lower(),
        ],
    ]
    checked = imports.check(aeo_files.read(write_csv(tmp_path / "oea.csv", grid)), "MX")
    (change,) = imports.plan(officer(chain, pilot_record), "MX", checked).changes
    assert change.actions == ("update",) and change.detail == "name or address"


def test_an_ended_certificate_is_reissued_only_when_asked(run, tmp_path):
    grid = [
        ["RFC", "Razón social", "Domicilio", "Modalidad", "Fecha de validación", "Estado"],
        ["EPA180101AB1", "Alfa", "Calle 1", "Importador", "2024-01-01", "Vigente"],
        ["EPB180101AB1", "Beta", "Calle 2", "Importador", "2024-01-01", "Suspendido"],
    ]
    path = write_xlsx(tmp_path / "padron.xlsx", grid)
    run("cert", "import", str(path), "--country", "MX")
    run("cert", "cancel", "MXEPA180101AB1")
    refused = run("cert", "import", str(path), "--country", "MX", expect=1)
    assert "was cancelled by customs" in refused and "--reissue-ended" in refused
    planned = run("cert", "import", str(path), "--country", "MX", "--plan", "--reissue-ended")
    assert "reissue" in planned and "was cancelled by customs" in planned and "EPA180101AB1" in planned
    done = run("cert", "import", str(path), "--country", "MX", "--reissue-ended")
    assert counts(done)["re-issued"] == 1 and counts(done)["unchanged"] == 1
    assert "unchanged" in run("cert", "import", str(path), "--country", "MX")


def test_a_consent_column_sets_the_visibility_at_issue_and_records_a_change(run, chain, pilot_record, tmp_path):
    header = ["TIN", "Razón social", "Tipo de OEA", "Fecha de validación", "Estado", "Consentimiento"]
    grid = [
        header,
        ["MXCONS000001", "Uno SA", "Importador", "01/02/2020", "Activo", "publicado"],
        ["MXCONS000002", "Dos SA", "Importador", "01/02/2020", "Activo", "sí"],
        ["MXCONS000003", "Tres SA", "Importador", "01/02/2020", "Activo", ""],
    ]
    path = str(write_csv(tmp_path / "oea.csv", grid))
    run("cert", "import", path, "--country", "MX", "--default-visibility", "partners")
    cadena = officer(chain, pilot_record)
    visibility = {
        t: c.visibility.label for t, c in stored(cadena, ["MXCONS000001", "MXCONS000002", "MXCONS000003"]).items()
    }
    assert visibility == {"MXCONS000001": "published", "MXCONS000002": "partners", "MXCONS000003": "partners"}
    grid[2][5] = "no"  # the operator withdrew its consent; the list records it
    grid[3][5] = ""  # the list does not say: the consent on chain stays
    planned = run("cert", "import", path := str(write_csv(tmp_path / "oea.csv", grid)), "--country", "MX", "--plan")
    assert counts(planned)["consent recorded"] == 1
    run("cert", "import", path, "--country", "MX")
    after = stored(cadena, ["MXCONS000002", "MXCONS000003"])
    assert (after["MXCONS000002"].visibility.label, after["MXCONS000003"].visibility.label) == (
        "issuer-only",
        "partners",
    )
    assert "consent recorded" not in counts(run("cert", "import", path, "--country", "MX", "--plan"))  # done


def test_rows_without_a_consent_take_the_administration_s_default_from_the_config(run, chain, pilot_record, tmp_path):
    from helpers import PILOT

    config = tmp_path / "network.toml"
    config.write_text(PILOT.read_text().replace('country = "MX"', 'country = "MX"\nvisibility = "published"', 1))
    grid = [
        ["TIN", "Razón social", "Tipo de OEA", "Fecha de validación", "Estado"],
        ["MXDEFAULT0001", "Pública por defecto SA", "Importador", "01/02/2020", "Activo"],
    ]
    run("cert", "import", str(write_csv(tmp_path / "oea.csv", grid)), "--country", "MX", "--config", str(config))
    assert officer(chain, pilot_record).certificate("MXDEFAULT0001").visibility.label == "published"
    refused = run("cert", "import", str(tmp_path / "oea.csv"), "--country", "CO", "--config", str(config), expect=1)
    assert "has no [[administration]] for CO" in refused and len(refused.strip().splitlines()) == 1


def test_without_the_exchange_key_a_re_import_says_why_it_updates_every_row(node, pilot_record, chain, tmp_path):
    listed = write_csv(tmp_path / "mx.csv", generate(6, bad=False).grid)
    common = ["--rpc-url", node.url, "--deployment", str(pilot_record), "--dev-account", "2"]
    command = [*common, "cert", "import", str(listed), "--country", "MX"]
    first = CliRunner().invoke(cli, command, env={"CADENA_EXCHANGE_KEY": ""})
    assert first.exit_code == 0 and "exchange key" not in first.output, first.output  # all issued: nothing compared
    again = CliRunner().invoke(cli, command, env={"CADENA_EXCHANGE_KEY": ""})
    assert again.exit_code == 0, again.output
    assert "without the administration's exchange key (CADENA_EXCHANGE_KEY)" in again.output
    assert "6 certificates go as updates" in " ".join(again.output.split())
