"""The `cadena` command through click's test runner, against a real anvil node."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from documents import check_document
from eth_utils import keccak
from helpers import PILOT as PILOT_FILE
from helpers import Watcher, rpc
from keystores import LIGHT_SCRYPT_N, scrypt_cost

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.errors import RecordError
from cadena_client.network.record import DeploymentRecord

PILOT = str(PILOT_FILE)
pytestmark = pytest.mark.usefixtures("light_keystores")  # keystores made here: real scrypt, light cost
ISSUE = [
    "cert",
    "issue",
    "MXEPA180101AB1",
    "--name",
    "Exportadora del Pacífico S.A. de C.V.",
    "--address",
    "Av. Reforma 505, CDMX",
    "--types",
    "exporter,importer",
    "--valid-from",
    "2018-11-05",
    "--expiry",
    "2030-11-05",
]


@pytest.fixture
def run(reverting, pilot_record, tmp_path):
    """Runs `cadena` against the pilot network on the node, as MX with its exchange key published (its
    issues sealed to itself, its mirror reading them); the chain is reverted after each test."""
    node = reverting
    key = ExchangeKeys("MX", keccak(text="cadena test MX exchange key"))
    env = {"CADENA_EXCHANGE_KEY": str(key.save(tmp_path / "mx-exchange.key"))}
    chain = connect(node.url)
    DeploymentRecord.load(pilot_record).open(chain, Signer(chain, chain.dev_account(1))).set_exchange_key(
        "MX", key.public_key
    )

    def invoke(*args, dev=None, expect=0):
        options = ["--rpc-url", node.url, "--deployment", str(pilot_record)] + (
            ["--dev-account", str(dev)] if dev is not None else []
        )
        result = CliRunner().invoke(cli, [*options, *args], env=env)
        assert result.exit_code == expect, result.output
        if "--json" in args and expect != 1:  # 1: no answer; verify's verdicts exit 0 and 11..19 with a document
            check_document(json.loads(result.output))  # every document is in the schema
        return result.output

    return invoke


def test_deploy_again_changes_nothing(run):
    output = run("network", "deploy", PILOT)
    assert "0 done, 11 already in place, 0 pending" in output


def test_network_show(run):
    data = json.loads(run("network", "show", "--json"))
    assert [a["country"] for a in data["administrations"]] == ["MX", "PE", "CR"]
    assert data["mras"][0]["status"] == "in_force"


def test_certificate_commands(run):
    assert "issued MXEPA180101AB1" in run(*ISSUE, dev=2)
    shown = json.loads(run("cert", "show", "MXEPA180101AB1", "--json"))
    assert (shown["status"], shown["aeo_types"], shown["expiry"]) == ("active", ["importer", "exporter"], "2030-11-05")
    verdict = json.loads(run("verify", "--importer", "PE", "MXEPA180101AB1", "--json"))
    assert verdict["recognised"] is True and "priority-treatment" in verdict["benefits"]
    run("cert", "suspend", "MXEPA180101AB1", "--reason", "security-incident", dev=2)
    verdict = json.loads(run("verify", "--importer", "CR", "MXEPA180101AB1", "--json", expect=13))
    assert (verdict["recognised"], verdict["verdict"]) == (False, "not_active")
    run("cert", "reinstate", "MXEPA180101AB1", dev=2)
    run("cert", "update", "MXEPA180101AB1", "--expiry", "2035-01-01", "--reason", "renewal", dev=2)
    shown = json.loads(run("cert", "show", "MXEPA180101AB1", "--json"))
    assert shown["expiry"] == "2035-01-01" and shown["status"] == "active"
    run("cert", "cancel", "MXEPA180101AB1", dev=2)
    history = json.loads(run("cert", "history", "MXEPA180101AB1", "--json"))["items"]
    assert [e["change"] for e in history] == ["issued", "suspended", "reinstated", "updated", "cancelled"]
    assert history[1]["reason"] == {"code": 10, "name": "security-incident"}
    assert "name" not in history[3]["master"]  # the chain's history carries no name, only the commitment
    assert [e["status_after"] for e in history] == ["active", "suspended", "active", None, "cancelled"]
    listed = json.loads(run("cert", "list", "--country", "MX", "--json"))["items"]
    assert [c["tin"] for c in listed] == ["MXEPA180101AB1"]
    assert "MXEPA180101AB1" in run("cert", "list", "--country", "MX")


def test_company_withdraws_with_its_own_account(run, node):
    holder = rpc(node.url, "eth_accounts")[9]
    run(*ISSUE, "--holder", holder, dev=2)
    run("cert", "withdraw", "MXEPA180101AB1", dev=9)
    assert json.loads(run("cert", "show", "MXEPA180101AB1", "--json"))["status"] == "withdrawn"


def test_mra_commands(run):
    output = run(
        "mra",
        "propose",
        "--proposer",
        "MX",
        "--party",
        "MX",
        "--party",
        "CR",
        "--benefits",
        "business-continuity",
        "--types",
        "aeo-s",
        "--title",
        "MX-CR",
        dev=1,
    )
    assert "proposed MRA 2" in output
    assert "the MRA is Proposed" in run("mra", "sign", "2", "--party", "MX", dev=1)
    assert "the MRA is In force" in run("mra", "sign", "2", "--party", "CR", dev=5)
    shown = json.loads(run("mra", "show", "2", "--json"))
    assert [p["status"] for p in shown["parties"]] == ["signed", "signed"]
    run("mra", "suspend", "2", "--party", "CR", dev=5)
    run("mra", "resume", "2", "--party", "CR", dev=5)
    assert "Terminated" in run("mra", "leave", "2", "--party", "CR", dev=5)
    assert [m["id"] for m in json.loads(run("mra", "list", "--country", "CR", "--json"))["items"]] == [1, 2]
    assert "MX-CR" in run("mra", "list")


def test_keystore_signing(run, node, tmp_path):
    keystore, password = tmp_path / "officer.json", tmp_path / "password"
    password.write_text("a long enough password\n")
    address = run("account", "new", str(keystore), "--password-file", str(password)).split()[0]
    assert scrypt_cost(keystore) == LIGHT_SCRYPT_N
    rpc(node.url, "anvil_setBalance", address, hex(10**18))
    run("officer", "grant", "--country", "MX", address, dev=1)
    output = run("--keystore", str(keystore), "--password-file", str(password), *ISSUE)
    assert "issued MXEPA180101AB1" in output
    history = json.loads(run("cert", "history", "MXEPA180101AB1", "--json"))["items"]
    assert history[0]["actor"] == {"address": address, "administration": "MX", "role": "officer"}


def test_a_country_rotates_its_admin_key_and_no_one_else_can(run):
    new_admin, mx_admin = "0x" + "77" * 20, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil's dev account 1
    refused = run("admin", "grant", "--country", "MX", new_admin, dev=3, expect=1)  # Peru's admin
    assert refused.count("\n") == 1 and "is not an administration admin of MX" in refused
    assert "is now an administration admin of MX" in run("admin", "grant", "--country", "MX", new_admin, dev=1)
    last = run("admin", "revoke", "--country", "MX", new_admin, dev=1)
    assert "is no longer an administration admin of MX" in last
    alone = run("admin", "revoke", "--country", "MX", mx_admin, dev=1, expect=1)
    assert "without an administration admin; appoint another admin of MX first" in alone


@pytest.mark.slow
def test_the_members_admit_colombia_then_suspend_it_by_vote(run, reverting, tmp_path):
    colombia = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # anvil's dev account 7
    proposed = json.loads(
        run(
            "governance",
            "propose-admission",
            "CO",
            "--name",
            "DIAN",
            "--admin",
            colombia,
            "--proposer",
            "MX",
            "--json",
            dev=1,
        )
    )
    assert (proposed["kind"], proposed["id"], proposed["country"], proposed["needed"]) == ("proposal", 1, "CO", 2)
    run("governance", "vote", "1", "--country", "MX", dev=1)
    assert "MX has already voted for proposal 1" in run("governance", "vote", "1", "--country", "MX", dev=1, expect=1)
    assert "is not an admin of MX" in run("governance", "vote", "1", "--country", "MX", dev=3, expect=1)
    assert "proposal 1 has 1 of the 2 votes it needs" in run("governance", "execute", "1", dev=9, expect=1)
    run("governance", "vote", "1", "--country", "PE", dev=3)
    shown = json.loads(run("governance", "show", "1", "--json"))
    assert (shown["voters"], shown["votes"], shown["state"]) == (["MX", "PE"], 2, "open")
    assert "proposal 1 queued" in run("governance", "execute", "1", dev=9)  # anyone
    assert json.loads(run("governance", "show", "1", "--json"))["state"] == "queued"
    wait_days(reverting.url, 2)  # a decision on membership waits two days once it has its votes
    assert "proposal 1 executed" in run("governance", "execute", "1", dev=9)
    network = json.loads(run("network", "show", "--json"))
    assert {a["country"]: a["status"] for a in network["administrations"]}["CO"] == "active"
    json.loads(run("governance", "propose-suspension", "CO", "--proposer", "PE", "--json", dev=3))
    for country, dev in (("MX", 1), ("PE", 3), ("CR", 5)):  # two thirds of four members: three votes
        run("governance", "vote", "2", "--country", country, dev=dev)
    run("governance", "execute", "2", dev=9)
    wait_days(reverting.url, 2)
    run("governance", "execute", "2", dev=9)
    listed = json.loads(run("governance", "list", "--json"))["items"]
    assert [(p["decision"], p["state"]) for p in listed] == [("admission", "executed"), ("suspension", "executed")]
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    run(*mirror, "sync")
    history = json.loads(run(*mirror, "history", "CO", "--json"))["items"]
    assert [e["change"] for e in history] == ["administration-registered", "role-granted", "administration-suspended"]
    assert history[1]["actor"]["administration"] == "CO"


def wait_days(url: str, days: int) -> None:
    """Moves the node's clock on by `days` and mines a block."""
    rpc(url, "evm_increaseTime", days * 86400)
    rpc(url, "evm_mine")


MISTAKES = [
    (["cert", "show", "MX-12"], "is not a TIN"),
    (["verify", "--importer", "XX", "MX1"], "'XX' is not an ISO 3166-1 alpha-2 country code"),
    (["cert", "list", "--country", "Mexico"], "is not an ISO 3166-1"),
    (
        ["cert", "issue", "MX1", "--name", "A", "--address", "B", "--types", "pilot", "--valid-from", "2020-01-01"],
        "unknown AEO type 'pilot'",
    ),
    (
        ["cert", "issue", "MX1", "--name", "A", "--address", "B", "--types", "exporter", "--valid-from", "1/2/2020"],
        "is not a date; use YYYY-MM-DD",
    ),
    (["cert", "suspend", "MXNOBODY"], "give --keystore FILE"),
    (["mra", "show", "9"], "there is no MRA 9"),
    (["cert", "show", "MXNOBODY"], "no certificate was ever issued for TIN MXNOBODY"),
    (["governance", "show", "9"], "there is no proposal 9"),
    (
        [
            "governance",
            "propose-quorum",
            "--quorum",
            "5000",
            "--supermajority",
            "6666",
            "--voting-days",
            "7",
            "--veto-days",
            "3",
            "--proposer",
            "MX",
        ],
        "must satisfy 5000 < quorum <= supermajority <= 10000",
    ),
    (["governance", "propose-suspension", "BR", "--proposer", "MX"], "give --keystore FILE"),
]


@pytest.mark.parametrize("args,message", MISTAKES)
def test_user_mistakes_give_one_clear_line(run, args, message):
    output = run(*args, expect=1)
    assert message in output and "Traceback" not in output
    assert output.strip().count("\n") == 0


def test_contract_refusals_are_one_line(run):
    run(*ISSUE, dev=2)
    run("cert", "suspend", "MXEPA180101AB1", dev=2)
    output = run("cert", "suspend", "MXEPA180101AB1", dev=2, expect=1)
    assert (
        output.strip() == "Error: certificate MXEPA180101AB1 is Suspended; only an Active certificate can be suspended"
    )
    output = run("cert", "cancel", "MXEPA180101AB1", dev=4, expect=1)
    assert "is not a customs officer of MX, which this operation requires" in output


def test_missing_and_corrupt_deployment_record(node, tmp_path):
    missing = CliRunner().invoke(
        cli, ["--rpc-url", node.url, "--deployment", str(tmp_path / "none.json"), "cert", "show", "MX1"]
    )
    assert missing.exit_code == 1 and "does not exist (deploy with `cadena network deploy CONFIG`" in missing.output
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"chain_id": 31337, "address": ')
    result = CliRunner().invoke(cli, ["--rpc-url", node.url, "--deployment", str(corrupt), "cert", "show", "MX1"])
    assert result.exit_code == 1 and "is corrupt" in result.output and "Traceback" not in result.output


def test_record_of_another_chain_or_address(run, pilot_record, tmp_path):
    data = json.loads(pilot_record.read_text())
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**data, "chain_id": 5}))
    assert "is for chain 5, but the node is on chain 31337" in run(
        "--deployment", str(other), "cert", "show", "MX1", expect=1
    )
    other.write_text(json.dumps({**data, "address": "0x" + "11" * 20}))
    assert "was the node reset?" in run("--deployment", str(other), "cert", "show", "MX1", expect=1)


def test_wrong_chain_id_and_unreachable_node(node, pilot_record):
    result = CliRunner().invoke(cli, ["--rpc-url", node.url, "--chain-id", "1", "cert", "show", "MX1"])
    assert result.exit_code == 1 and "is on chain 31337, not 1" in result.output
    result = CliRunner().invoke(
        cli, ["--rpc-url", "http://127.0.0.1:9", "--deployment", str(pilot_record), "cert", "show", "MX1"]
    )
    assert result.exit_code == 1 and "cannot reach a node at http://127.0.0.1:9" in result.output


def test_wrong_password(run, tmp_path):
    keystore, password = tmp_path / "k.json", tmp_path / "p"
    password.write_text("the right password")
    run("account", "new", str(keystore), "--password-file", str(password))
    password.write_text("a wrong password")
    output = run("--keystore", str(keystore), "--password-file", str(password), "cert", "suspend", "MX1", expect=1)
    assert output.strip() == f"Error: wrong password for keystore {keystore}"


@pytest.mark.parametrize(
    "text,message",
    [
        (None, "does not exist"),
        ("[network\nname=", "is not valid TOML"),
        ("[network]\ndeployer = 'dev:0'\n", "no [[administration]] entries"),
        (
            "[network]\ndeployer = 'dev:0'\n[[administration]]\ncountry = 'XX'\nname = 'x'\nadmin = 'dev:1'\n",
            "'XX' is not an ISO",
        ),
        (
            "[network]\ndeployer = 'dev:0'\n[[administration]]\ncountry = 'MX'\nname = 'x'\n",
            "administration[0].admin is missing",
        ),
        (
            "[network]\ndeployer = 'me'\n[[administration]]\ncountry = 'MX'\nname = 'x'\nadmin = 'dev:1'\n",
            "'me' is not an account",
        ),
        (
            "[network]\ndeployer = 'dev:0'\n[[administration]]\ncountry = 'MX'\nname = 'x'\nadmin = 'dev:1'\n"
            "[[mra]]\ntitle = 't'\nparties = ['MX', 'PE']\nbenefits = 'priority-treatment'\ncovered_types = 'importer'\n",
            "mra[0].parties: PE has no [[administration]] entry",
        ),
        (
            "[network]\ndeployer = 'dev:0'\n[governance]\nquorum = 5000\n"
            "[[administration]]\ncountry = 'MX'\nname = 'x'\nadmin = 'dev:1'\n",
            "quorum 5000 and supermajority 6666 must satisfy 5000 < quorum",
        ),
        (
            "[network]\ndeployer = 'dev:0'\n[governance]\nquorom = 6000\n"
            "[[administration]]\ncountry = 'MX'\nname = 'x'\nadmin = 'dev:1'\n",
            "[governance] has unknown keys quorom",
        ),
    ],
)
def test_bad_configs(run, tmp_path, text, message):
    config = tmp_path / "network.toml"
    if text is not None:
        config.write_text(text)
    output = run("network", "deploy", str(config), expect=1)
    assert message in output and "Traceback" not in output


@pytest.mark.slow
def test_demo_tells_the_story_and_exits_0():
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    for chapter in (
        "Mexico certifies an operator",
        "Mexico suspends it",
        "Peru cancels",
        "withdraws its own",
        "comes into force only when its last party signs",
        "Colombia applies to join; the members admit it by vote",
        "The audit trail",
    ):
        assert chapter in out
    assert "MX votes: proposal 1 has 1 of the 2 votes it needs" in out
    assert "CR votes: proposal 1 has 3 votes, 2 needed: enough to execute" in out  # not "3 of the 2 votes"
    assert "certifies CO9001234567: in Mexico it is recognised" in out
    assert "MRA 2 after MX signs: Proposed" in out and "MRA 2 after CR signs: In force" in out
    assert out.count("not active") >= 4  # suspended (PE, CR), cancelled (MX, CR), withdrawn (MX, PE)
    before, after = out.split("Peru's mirror, before consent")[1].split("Peru's mirror, after consent")
    assert "consented" in before and "Exportadora" not in before  # TIN and status, and why not the name
    assert "Exportadora" in after.split("Mexico suspends it")[0]  # the name, once the operator consented


def test_sync_history_offline_verify_and_export(run, tmp_path):
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    run(*ISSUE, dev=2)
    assert "events" in run(*mirror, "sync")
    assert json.loads(run(*mirror, "verify", "--offline", "--importer", "PE", "MXEPA180101AB1", "--json"))["recognised"]
    run("cert", "suspend", "MXEPA180101AB1", "--reason", "security-incident", dev=2)
    assert ": 1 event\n" in run(*mirror, "sync")
    assert "up to date at block" in run(*mirror, "sync")  # not "blocks 17..16: 0 events"
    offline = json.loads(run(*mirror, "verify", "--offline", "--importer", "PE", "MXEPA180101AB1", "--json", expect=13))
    assert (offline["recognised"], offline["verdict"]) == (False, "not_active")
    history = json.loads(run(*mirror, "history", "MXEPA180101AB1", "--json"))["items"]
    assert [(e["change"], e["reason"]["code"]) for e in history] == [("issued", 1), ("suspended", 10)]
    from_chain = json.loads(run("cert", "history", "MXEPA180101AB1", "--json"))["items"]
    assert [
        {**e, "seq": None} for e in history
    ] == from_chain  # one audit trail, one form, from the mirror or the chain
    assert "security-incident" in run(*mirror, "history", "MXEPA180101AB1")
    csv_text = run(*mirror, "export", "--country", "PE", "--format", "csv")
    assert csv_text.splitlines()[0] == (
        "Country,TIN,Operator name,Address,AEO types,Validation date,Expiry date,Status,"
        "Holder account,Visibility,Recognised by the exporting administration,Benefits"
    )
    assert (  # Mexico's export, by its officers with its key: its own operator named
        'MX,MXEPA180101AB1,Exportadora del Pacífico S.A. de C.V.,"Av. Reforma 505, CDMX","importer, exporter",'
        "2018-11-05,2030-11-05,Suspended,,issuer-only,no: not active,"
    ) in csv_text
    exported = json.loads(run(*mirror, "export", "--country", "CR", "--format", "json"))
    assert [row["tin"] for row in exported] == ["MXEPA180101AB1"]
    assert "the mirror (synced to block" in run(*mirror, "history", "MXNOBODY", expect=1)


def test_watch_streams_changes_as_json_lines(run, node, pilot_record, tmp_path):
    run(*ISSUE, dev=2)
    watcher = Watcher(node.url, pilot_record, tmp_path / "watch.sqlite")
    watcher.wait_for(lambda: any("watching" in note for note in watcher.notes), "start")
    assert watcher.lines == []  # it caught up silently
    run("cert", "suspend", "MXEPA180101AB1", "--reason", "security-incident", dev=2)
    watcher.wait_for(lambda: watcher.lines, "print the suspension")
    event = watcher.lines[0]
    check_document(event)
    assert (event["change"], event["tin"], event["reason"]["name"]) == (
        "suspended",
        "MXEPA180101AB1",
        "security-incident",
    )
    watcher.stop()


def test_offline_verify_says_how_old_its_answer_is_and_refuses_what_it_cannot_vouch_for(run, tmp_path):
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    assert "no mirror at" in run(*mirror, "verify", "--offline", "--importer", "PE", "MXEPA180101AB1", expect=1)
    assert not (tmp_path / "mirror.sqlite").exists()  # asking does not create one
    run(*ISSUE, dev=2)
    run(*mirror, "sync")
    fresh = json.loads(run(*mirror, "verify", "--offline", "--importer", "PE", "MXEPA180101AB1", "--json"))
    assert fresh["recognised"] and fresh["as_of"]["lag_blocks"] == 0 and fresh["as_of"]["lag_seconds"] == 0
    assert fresh["as_of"]["block"] > 0 and fresh["as_of"]["block_time"].endswith("Z")
    run("cert", "suspend", "MXEPA180101AB1", "--reason", "security-incident", dev=2)
    stale = json.loads(run(*mirror, "verify", "--offline", "--importer", "PE", "MXEPA180101AB1", "--json"))
    assert stale["recognised"] and stale["as_of"]["lag_blocks"] == 1  # the mirror's word, with its age beside it
    text = run(*mirror, "verify", "--offline", "--importer", "PE", "MXEPA180101AB1")
    assert "1 block behind the node" in text and "cadena sync" in text
    refused = run(*mirror, "verify", "--offline", "--max-lag", "0", "--importer", "PE", "MXEPA180101AB1", expect=1)
    assert "--max-lag" in refused and "behind the chain" in refused
    run(*mirror, "sync")
    assert not json.loads(
        run(*mirror, "verify", "--offline", "--max-lag", "0", "--importer", "PE", "MXEPA180101AB1", "--json", expect=13)
    )["recognised"]


# Runs `cadena` with the arguments given, then says on stderr which modules of the signing stack, the
# codec's eth-abi and eth-utils, and requests it imported.
IMPORT_PROBE = (
    "import atexit, runpy, sys; "
    "atexit.register(lambda: print([m for m in ('web3', 'eth_account', 'eth_keyfile', 'eth_abi', 'eth_utils', "
    "'requests', 'rich', 'cadena_client.lists.files', 'urllib.request', 'concurrent.futures') if m in sys.modules], "
    "file=sys.stderr)); "
    "sys.argv = ['cadena', *sys.argv[1:]]; runpy.run_module('cadena_client', run_name='__main__')"
)
SIGNING_STACK = {"web3", "eth_account", "eth_keyfile"}


@pytest.mark.slow
def test_commands_that_sign_nothing_import_no_signing_stack(run, node, pilot_record, tmp_path):
    """web3 brings eth-account, eth-keyfile and py_ecc's field arithmetic (a second of start-up): a
    command that reads imports none of it; `verify --offline`, which reads a mirror and asks the node
    one thing, imports neither eth-abi, eth-utils (with pydantic) nor requests either, nor what only other
    commands use: rich's tables, the list files' formats, urllib.request, a thread pool."""
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    run(*ISSUE, dev=2)
    run(*mirror, "sync")
    common = ["--rpc-url", node.url, "--deployment", str(pilot_record), *mirror]
    offline = ["verify", "--offline", "--importer", "PE", "MXEPA180101AB1"]
    for command in (
        offline,
        ["verify", "--importer", "PE", "MXEPA180101AB1"],
        ["sync"],
        ["cert", "list", "--country", "MX", "--json"],
    ):
        probe = subprocess.run([sys.executable, "-c", IMPORT_PROBE, *common, *command], capture_output=True, text=True)
        assert probe.returncode == 0, probe.stdout + probe.stderr
        imported = set(ast.literal_eval(probe.stderr.strip().splitlines()[-1]))
        unwanted = imported if command == offline else imported & SIGNING_STACK
        assert not unwanted, f"cadena {' '.join(command)} imported {sorted(unwanted)}"
    # `cadena serve` runs until stopped: what its module and the service import (sign-in recovers a
    # signer only when a company signs in)
    served = "import sys, cadena_client.cli.serve, cadena_client.service; print(sorted(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", served], capture_output=True, text=True, check=True).stdout
    assert not set(ast.literal_eval(loaded)) & SIGNING_STACK


def test_offline_verify_with_the_node_down_gives_an_upper_bound_of_its_age(run, node, pilot_record, tmp_path):
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    run(*mirror, "sync")
    result = CliRunner().invoke(
        cli,
        [
            "--rpc-url",
            "http://127.0.0.1:9",
            "--deployment",
            str(pilot_record),
            *mirror,
            "verify",
            "--offline",
            "--importer",
            "PE",
            "MXNOBODY1",
            "--json",
        ],
    )
    assert result.exit_code == 11, result.output  # 10 + the verdict: unknown TIN
    answer = json.loads(result.output)
    assert answer["as_of"]["node"] == "unreachable" and 0 <= answer["as_of"]["lag_seconds"] < 60
    assert answer["verdict"] == "unknown_tin"


def test_usage_mistakes_are_one_line_and_exit_1(tmp_path):
    import subprocess
    import sys

    for args, expected in [
        (["verify", "--bogus"], "No such option '--bogus'"),
        (["cert", "show"], "Missing argument"),
        (["mra", "sign", "one", "--party", "MX"], "'one' is not a valid integer"),
    ]:
        done = subprocess.run([sys.executable, "-m", "cadena_client", *args], capture_output=True, text=True)
        assert done.returncode == 1 and done.stdout == "", done
        assert len(done.stderr.strip().splitlines()) == 1 and expected in done.stderr and "--help" in done.stderr


def test_export_refuses_a_missing_folder_and_an_unknown_format(run, tmp_path):
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    run(*mirror, "sync")
    missing = run(*mirror, "export", "--country", "MX", "-o", str(tmp_path / "nope" / "list.xlsx"), expect=1)
    assert "does not exist; create it first" in missing
    assert "not .pdf" in run(*mirror, "export", "--country", "MX", "-o", str(tmp_path / "list.pdf"), expect=1)
    assert not (tmp_path / "list.pdf").exists()
    assert "does not match" in run(
        *mirror, "export", "--country", "MX", "--format", "csv", "-o", str(tmp_path / "l.json"), expect=1
    )


def deploy_command(url, record, config, expect=0, *extra):
    result = CliRunner().invoke(
        cli, ["--rpc-url", url, "--deployment", str(record), *extra, "network", "deploy", str(config)]
    )
    assert result.exit_code == expect, result.output
    return result.output


def test_a_record_belongs_to_one_network(node, pilot_record, tmp_path):
    record = tmp_path / "pilot.json"
    record.write_text(pilot_record.read_text())
    height = rpc(node.url, "eth_blockNumber")
    pacific = Path(PILOT).parent / "pacific-alliance.toml"
    refused = deploy_command(node.url, record, pacific, 1)
    assert "holds the network 'CADENA pilot', not" in refused and "--deployment" in refused
    assert rpc(node.url, "eth_blockNumber") == height  # nothing sent
    changed = tmp_path / "pilot-changed.toml"
    changed.write_text(Path(PILOT).read_text().replace('admin = "dev:1"', 'admin = "dev:8"', 1))
    assert "gives another admin" in deploy_command(node.url, record, changed, 1)
    assert rpc(node.url, "eth_blockNumber") == height
    snapshot = rpc(node.url, "evm_snapshot")
    try:
        grown = tmp_path / "pilot-grown.toml"
        grown.write_text(
            Path(PILOT).read_text() + '\n[[administration]]\ncountry = "CO"\nname = "DIAN"\nadmin = "dev:7"\n'
        )
        output = deploy_command(node.url, record, grown)  # only the members can admit a new country
        assert "pending  seat CO" in output and "cadena governance propose-admission CO" in output
        assert "CO" not in json.loads(record.read_text())["administrations"]
    finally:
        rpc(node.url, "evm_revert", snapshot)


def test_accounts_are_checked_before_the_first_transaction(node, tmp_path):
    config = tmp_path / "net.toml"
    config.write_text(
        Path(PILOT)
        .read_text()
        .replace('officers = ["dev:6"]', 'officers = ["keystore:missing.json"]')
        .replace('admin = "dev:3"', 'admin = "dev:99"')
    )
    height = rpc(node.url, "eth_blockNumber")
    output = deploy_command(node.url, tmp_path / "record.json", config, 1)
    assert "nothing was sent" in output and "dev:99" in output and "missing.json does not exist" in output
    assert rpc(node.url, "eth_blockNumber") == height and not (tmp_path / "record.json").exists()


def test_a_record_used_against_another_chain_with_the_same_id_is_refused(pilot_record):
    from cadena_client.chain.node import start_anvil

    with start_anvil() as other:  # same chain id, the same deployer's first contract: the same address
        deploy_command(other.url, pilot_record.parent / "other.json", PILOT)
        assert (
            json.loads((pilot_record.parent / "other.json").read_text())["address"]
            == json.loads(pilot_record.read_text())["address"]
        )
        result = CliRunner().invoke(cli, ["--rpc-url", other.url, "--deployment", str(pilot_record), "network", "show"])
        assert result.exit_code == 1 and "another chain with the same id" in result.output


def test_an_unfunded_account_is_told_how_to_fund_it(run, node, tmp_path):
    password = tmp_path / "password"
    password.write_text("correct horse battery")
    address = run("account", "new", str(tmp_path / "k.json"), "--password-file", str(password)).split()[0]
    keyed = ["--keystore", str(tmp_path / "k.json"), "--password-file", str(password)]
    output = run(*keyed, "account", "fund", "0x" + "22" * 20, expect=1)
    assert f"{address} has no ether to pay for gas" in output and "account fund" in output
    assert len(output.strip().splitlines()) == 1 and "{" not in output
    run("account", "fund", address, "--ether", "2", dev=0)
    assert "sent 0.5 ether" in run(*keyed, "account", "fund", "0x" + "22" * 20, "--ether", "0.5")


def test_cert_show_and_list_give_the_officers_the_names_their_mirror_opened(run, tmp_path):
    run(*ISSUE, dev=2)
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    run(*mirror, "sync")
    listed = json.loads(run(*mirror, "cert", "list", "--country", "MX", "--json"))["items"]
    assert [(c["tin"], c["name"], c["why_hidden"]) for c in listed] == [
        ("MXEPA180101AB1", "Exportadora del Pacífico S.A. de C.V.", None)  # Mexico's own officers, with its key
    ]
    run("cert", "update", "MXEPA180101AB1", "--name", "Exportadora del Pacífico SAPI", dev=2)
    shown = json.loads(run(*mirror, "cert", "show", "MXEPA180101AB1", "--json"))  # the mirror catches up first
    assert (shown["name"], shown["address"]) == ("Exportadora del Pacífico SAPI", "Av. Reforma 505, CDMX")
    assert "Exportadora del" in run(*mirror, "cert", "list", "--country", "MX")
    unsynced = ["--mirror", str(tmp_path / "never-synced.sqlite")]
    alone = json.loads(run(*unsynced, "cert", "show", "MXEPA180101AB1", "--json"))  # the chain holds no name
    assert (alone["name"], alone["status"]) == (None, "active") and "no local mirror holds" in alone["why_hidden"]


def test_expired_is_shown_and_exported_and_partners_rows_say_if_recognised(run, node, tmp_path):
    run(
        "cert",
        "issue",
        "MXOLD0001",
        "--name",
        "Vieja S.A.",
        "--address",
        "Calle 1",
        "--types",
        "exporter",
        "--valid-from",
        "2015-01-01",
        "--expiry",
        "2020-01-01",
        dev=2,
    )
    run(
        "cert",
        "issue",
        "PEGOOD0001",
        "--name",
        "Buena S.A.C.",
        "--address",
        "Av. Lima 1",
        "--types",
        "exporter",
        "--valid-from",
        "2020-01-01",
        dev=4,
    )
    assert json.loads(run("cert", "show", "MXOLD0001", "--json"))["expired"] is True
    assert "Expired" in run("cert", "show", "MXOLD0001")
    mirror = ["--mirror", str(tmp_path / "mirror.sqlite")]
    run(*mirror, "sync")
    rows = {row["tin"]: row for row in json.loads(run(*mirror, "export", "--country", "MX", "--format", "json"))}
    assert rows["MXOLD0001"]["status"] == "Expired" and "recognised" not in rows["MXOLD0001"]  # its own row
    assert rows["PEGOOD0001"]["recognised"] == "yes" and "priority-treatment" in rows["PEGOOD0001"]["benefits"]
    peru = {row["tin"]: row for row in json.loads(run(*mirror, "export", "--country", "PE", "--format", "json"))}
    assert peru["MXOLD0001"]["recognised"] == "no: expired" and peru["MXOLD0001"]["benefits"] == []


def test_an_unreachable_node_is_named_with_its_cause(pilot_record):
    result = CliRunner().invoke(
        cli, ["--rpc-url", "http://127.0.0.1:9", "--deployment", str(pilot_record), "network", "show"]
    )
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "cannot reach a node at http://127.0.0.1:9: Connection refused; is the node running?" in result.output


def test_a_record_names_a_proxy_governed_by_its_consortium_whatever_implementation_it_runs(node, pilot_record):
    """The members upgrade the implementation behind the proxy, so a record holds the proxy and its
    consortium: a contract another consortium governs, or of another interface, is refused."""
    from cadena_client.chain.connection import connect
    from cadena_client.network import deploy

    chain = connect(node.url)
    record = deploy.DeploymentRecord.load(pilot_record)
    record.check(chain)
    governed = record.consortium
    record.consortium = "0x" + "11" * 20
    with pytest.raises(RecordError, match="is not a CADENA network governed by"):
        record.check(chain)
    record.consortium = governed
    record.address = governed  # the consortium is no CADENA contract
    with pytest.raises(RecordError, match="is not a CADENA network"):
        record.check(chain)
    record = deploy.DeploymentRecord.load(pilot_record)
    record.artifact = {**record.artifact, "abi_hash": "0x" + "00" * 32}
    with pytest.raises(RecordError, match="another interface"):
        record.check(chain)


def test_sign_in_signs_the_page_s_challenge_with_the_holder_keystore(tmp_path):
    from cadena_client.chain.keys import create_keystore
    from cadena_client.service.signin import SignIn

    password = tmp_path / "password"
    password.write_text("correct horse battery")
    address = create_keystore(tmp_path / "holder.json", "correct horse battery")
    server = SignIn()
    challenge = server.challenge("http://127.0.0.1:8080")
    keyed = ["--keystore", str(tmp_path / "holder.json"), "--password-file", str(password)]
    result = CliRunner().invoke(cli, [*keyed, "sign-in", challenge])
    assert result.exit_code == 0, result.output
    assert server.holder(challenge, result.output.strip()) == address
    refused = CliRunner().invoke(cli, ["sign-in", challenge])
    assert refused.exit_code == 1 and "give --keystore FILE" in refused.output
    assert len(refused.output.strip().splitlines()) == 1


def test_an_administration_s_cli_shows_only_the_names_its_exchange_key_may_read(reverting, pilot_record, tmp_path):
    def run(*args, dev=None, key=None, mirror=None):
        options = ["--rpc-url", reverting.url, "--deployment", str(pilot_record)]
        options += (["--dev-account", str(dev)] if dev is not None else []) + (["--mirror", mirror] if mirror else [])
        env = {"CADENA_EXCHANGE_KEY": str(key) if key else ""}
        result = CliRunner().invoke(cli, [*options, *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    keys = {code: tmp_path / f"{code}.key" for code in ("MX", "PE")}
    for (code, key), admin in zip(keys.items(), (1, 3), strict=True):
        run("keys", "exchange", "new", "--country", code, "--out", str(key))
        run("keys", "exchange", "set", "--country", code, "--key", str(key), dev=admin)
    run(*ISSUE, dev=2, key=keys["MX"])  # sealed to Mexico alone: the operator consented to nothing more
    for code in keys:
        run("sync", key=keys[code], mirror=str(tmp_path / f"{code}.sqlite"))
    mexico = json.loads(
        run("cert", "list", "--country", "MX", "--json", key=keys["MX"], mirror=str(tmp_path / "MX.sqlite"))
    )
    assert mexico["items"][0]["name"] == "Exportadora del Pacífico S.A. de C.V."  # its own officers
    peru = json.loads(
        run("cert", "show", "MXEPA180101AB1", "--json", key=keys["PE"], mirror=str(tmp_path / "PE.sqlite"))
    )
    assert (peru["name"], peru["status"]) == (None, "active")
    assert peru["why_hidden"] == "the operator has not consented to share its data with Peru"
    export = run("export", "--country", "PE", "--format", "csv", key=keys["PE"], mirror=str(tmp_path / "PE.sqlite"))
    assert "MXEPA180101AB1" in export and "Exportadora" not in export
