"""The joint committee's report against a scenario whose figures are known: certificates changed at
set block times on a real node, three partner services recording when they saw each change with set
delays, and verifications answered; then the report as JSON, xlsx (charts) and PDF, and served."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone

import jsonschema
import pytest
import requests
from click.testing import CliRunner
from helpers import rpc, serving
from openpyxl import load_workbook
from pypdf import PdfReader

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.document import json_schema
from cadena_client.domain.lifecycle import Operation
from cadena_client.domain.model import MasterData, Verdict
from cadena_client.mirror import Mirror
from cadena_client.mirror.store import Store
from cadena_client.network.deploy import DeploymentRecord
from cadena_client.report import committee, usage

OFFICERS = {"MX": 2, "PE": 4, "CR": 6}
DELAYS = {"MX": 1.0, "PE": 2.0, "CR": 5.0}  # seconds each partner's service takes to see a change


def at(day: str, second: int = 0) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp()) + second


# (when, country, operation, TIN): before the period, in it (January to March 2027), and after it
SCENARIO = [
    (at("2026-12-20"), "MX", "issue", "MXEPA180101AB1"),
    (at("2026-12-20", 1), "MX", "issue", "MXEPB180101AB1"),
    (at("2026-12-21"), "PE", "issue", "PE20100070970"),
    (at("2027-01-10"), "MX", "issue", "MXEPC180101AB1"),
    (at("2027-01-12"), "PE", "suspend", "PE20100070970"),
    (at("2027-02-05"), "MX", "suspend", "MXEPA180101AB1"),
    (at("2027-02-06"), "CR", "issue", "CR3101123456"),
    (at("2027-03-15"), "MX", "cancel", "MXEPB180101AB1"),
    (at("2027-03-16"), "PE", "reinstate", "PE20100070970"),
    (at("2027-04-10"), "MX", "issue", "MXEPD180101AB1"),
]
PERIOD = committee.Period(date(2027, 1, 1), date(2027, 3, 31))


@pytest.fixture(scope="module")
def scenario(node, pilot_record, tmp_path_factory):
    """The chain of SCENARIO, and each partner's store with what its service recorded."""
    chain = connect(node.url)
    record = DeploymentRecord.load(pilot_record)
    for moment, code, operation, tin in SCENARIO:
        rpc(node.url, "evm_setNextBlockTimestamp", moment)
        officer = record.open(chain, Signer(chain, chain.dev_account(OFFICERS[code])))
        if operation == "issue":
            officer.issue(MasterData(tin, f"Operador {tin}", "", "exporter", "2026-01-01"))
        else:
            officer.change_status(Operation(operation), tin)
    mirror = Mirror(
        tmp_path_factory.mktemp("report") / "mirror.sqlite", record.chain_id, record.address, record.deploy_block
    )
    events = mirror.sync(record.open(chain)).events
    stores = {}
    for code, delay in DELAYS.items():
        stores[code] = Store(":memory:", record.chain_id, record.address, record.deploy_block).db
        recorder = usage.Usage(stores[code], code, since=at("2026-12-01"))
        for event in events:
            if code == "CR" and event.kind == "reinstated":
                continue  # the Costa Rican service was down then: one change it never saw
            recorder.seen([event], at=event.time + delay)
    answers = usage.Usage(stores["PE"], "PE")  # Peru's risk engine asked about three foreign AEOs in February
    answers.answered(
        "PE",
        ["MXEPA180101AB1", "MXEPC180101AB1", "CR3101123456"],
        [Verdict.NOT_ACTIVE, Verdict.RECOGNISED, Verdict.RECOGNISED],
        at("2027-02-10"),
    )
    answers.answered("PE", ["PE20100070970"], [Verdict.SAME_COUNTRY], at("2027-02-10"))  # not between two parties
    answers.answered("PE", ["MXEPC180101AB1"], [Verdict.RECOGNISED], at("2027-04-15"))  # after the period
    answers.flush()
    mexico = usage.Usage(stores["MX"], "MX")
    mexico.answered("MX", ["PE20100070970", "PE20100070970"], [Verdict.RECOGNISED] * 2, at("2027-03-20"))
    mexico.answered("CO", ["MXEPC180101AB1"], [Verdict.NO_MRA], at("2027-03-20"))  # not a party
    mexico.flush()
    records = usage.merged(usage.observations(store, PERIOD.opening, PERIOD.closing) for store in stores.values())
    return mirror, records


def test_the_reports_figures_are_those_of_the_scenario(scenario):
    mirror, records = scenario
    report = committee.build(mirror.feed(0, limit=10**9), 1, PERIOD, records)
    assert report["mra"]["parties"] == ["MX", "PE", "CR"]
    opening, closing = report["certificates"]["opening"], report["certificates"]["closing"]
    assert (opening["MX"]["Active"], opening["PE"]["Active"], sum(opening["CR"].values())) == (2, 1, 0)
    assert {s: n for s, n in closing["MX"].items() if n} == {"Active": 1, "Suspended": 1, "Cancelled": 1}
    assert {s: n for s, n in closing["PE"].items() if n} == {"Active": 1}
    assert {s: n for s, n in closing["CR"].items() if n} == {"Active": 1}
    changes = report["changes"]
    assert changes["total"] == 6
    assert {c: {k: n for k, n in kinds.items() if n} for c, kinds in changes["by_country"].items()} == {
        "MX": {"issued": 1, "suspended": 1, "cancelled": 1},
        "PE": {"suspended": 1, "reinstated": 1},
        "CR": {"issued": 1},
    }
    assert [m["count"] for m in changes["by_month"]] == [2, 2, 2]
    partners = report["propagation"]["by_partner"]
    assert (partners["PE"]["changes_seen"], partners["PE"]["median_seconds"], partners["PE"]["not_seen"]) == (4, 2.0, 0)
    assert (partners["CR"]["changes_seen"], partners["CR"]["max_seconds"], partners["CR"]["not_seen"]) == (4, 5.0, 1)
    assert (partners["MX"]["changes_seen"], partners["MX"]["p95_seconds"]) == (3, 1.0)
    recognitions = report["recognitions"]
    assert (recognitions["total"], recognitions["recognised"]) == (5, 4)
    assert {(r["importer"], r["issuer"], r["verdict"]): r["count"] for r in recognitions["by"]} == {
        ("MX", "PE", "recognised"): 2,
        ("PE", "CR", "recognised"): 1,
        ("PE", "MX", "not_active"): 1,
        ("PE", "MX", "recognised"): 1,
    }
    assert [m["count"] for m in recognitions["by_month"]] == [0, 3, 2]
    assert "tin" not in json.dumps(recognitions)  # which companies were asked about is never recorded
    standing = report["standing"]
    assert (standing["opening"], standing["closing"]) == ("In force", "In force")
    assert standing["parties"] == {"MX": "signed", "PE": "signed", "CR": "signed"}
    assert [h["event"] for h in standing["history"]][:1] == ["administration-registered"]


def test_the_report_as_a_workbook_with_charts_and_as_a_pdf(scenario, tmp_path):
    mirror, records = scenario
    from cadena_client.report import documents

    report = committee.build(mirror.feed(0, limit=10**9), 1, PERIOD, records)
    (tmp_path / "r.xlsx").write_bytes(documents.xlsx(report))
    book = load_workbook(tmp_path / "r.xlsx")
    monthly = book["Monthly"]
    assert [[cell.value for cell in row] for row in monthly.iter_rows(min_row=2)] == [
        ["2027-01", 2, 0, 3.5],  # seen after 2 and 5 s (Mexico's change), 1 and 5 s (Peru's)
        ["2027-02", 2, 3, 2.0],
        ["2027-03", 2, 2, 2.0],
    ]
    assert len(monthly._charts) == 3
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)
    (tmp_path / "r.pdf").write_bytes(documents.pdf(report))
    pages = PdfReader(tmp_path / "r.pdf").pages
    text = "".join(page.extract_text() for page in pages)
    assert "CADENA trilateral MRA" in text and "6 certificate changes" in text and len(pages) >= 4
    assert sum(len(page.images) for page in pages) == 3  # the three charts


def test_cadena_report_on_the_command_line_and_from_the_service(node, pilot_record, scenario, tmp_path):
    mirror, _ = scenario
    base = ["--rpc-url", node.url, "--deployment", str(pilot_record), "--mirror", mirror.path]
    args = [*base, "report", "--mra", "1", "--from", "2027-01-01", "--to", "2027-03-31"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, json_schema())
    assert document["kind"] == "report" and document["changes"]["total"] == 6
    for fmt in ("xlsx", "pdf"):
        result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / f"r.{fmt}")])
        assert result.exit_code == 0 and (tmp_path / f"r.{fmt}").stat().st_size > 1000
    result = CliRunner().invoke(cli, [*args, "--format", "pdf"])
    assert result.exit_code == 1 and "give -o FILE.pdf" in result.output
    result = CliRunner().invoke(cli, [*base, "report", "--mra", "9", "--from", "2027-01-01", "--to", "2027-03-31"])
    assert result.exit_code == 1 and "no MRA 9 on this chain; its MRAs: 1" in result.output


def test_the_service_records_what_it_saw_and_answered_and_serves_the_report(node, pilot_record, scenario, tmp_path):
    mirror, _ = scenario
    with serving(node.url, pilot_record, tmp_path) as (url, officer):
        for _ in range(3):
            assert requests.get(f"{url}/v1/verify", params={"importer": "PE", "tin": "MXEPC180101AB1"}).ok
        batch = {"importer": "CR", "tins": ["PE20100070970", "MXEPA180101AB1"]}
        assert requests.post(f"{url}/v1/verify", json=batch).ok
        today = datetime.now(timezone.utc).date().isoformat()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the answers are written by the next sync
            body = requests.get(f"{url}/v1/usage", params={"start": today, "end": today}).json()
            if sum(row[-1] for row in body["answers"]) == 5:
                break
            time.sleep(0.1)
        assert sorted((row[2], row[3], row[4], row[5]) for row in body["answers"]) == [
            ("CR", "MX", "not_active", 1),
            ("CR", "PE", "recognised", 1),
            ("PE", "MX", "recognised", 3),
        ]
        mirror.sync(officer)  # with the exchange key the service's MX published
        assert len(body["seen"]) == len(mirror.feed(0))  # every event of the chain, seen once by this service
        base = ["--rpc-url", node.url, "--deployment", str(pilot_record), "--mirror", mirror.path]
        gathered = CliRunner().invoke(
            cli, [*base, "report", "--mra", "1", "--from", today, "--to", today, "--service", url, "--format", "json"]
        )
        assert gathered.exit_code == 0, gathered.output
        assert json.loads(gathered.stdout)["recognitions"]["total"] == 5  # the partner service's answers joined
        served = requests.get(f"{url}/v1/report", params={"mra": 1, "start": today, "end": today}).json()
        assert served["kind"] == "report" and served["recognitions"]["total"] == 5
        reversed_period = requests.get(f"{url}/v1/report", params={"mra": 1, "start": today, "end": "2020-01-01"})
        assert reversed_period.status_code == 404 and "before the start" in reversed_period.json()["error"]["message"]
        unknown = requests.get(f"{url}/v1/report", params={"mra": 9, "start": today, "end": today})
        assert unknown.status_code == 404 and "no MRA 9" in unknown.json()["error"]["message"]
