"""Relayed operation (ERC-2771) on a real node: officers, admins and a company sign requests, a relayer
sends them through CadenaForwarder; the contract names the real actors; forged, replayed and expired
requests are refused with clear errors."""

import json

import pytest
from click.testing import CliRunner
from eth_account import Account
from helpers import PILOT, reverts
from keystores import LIGHT_SCRYPT_N

from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.relay import ForwarderSubmitter
from cadena_client.chain.signer import Job, Signer
from cadena_client.cli.main import cli
from cadena_client.domain.model import CertificateStatus, MasterData, Verdict
from cadena_client.errors import ERC2771ForwarderInvalidSigner
from cadena_client.network.check import check_node
from cadena_client.network.deploy import Accounts, DeploymentRecord, deploy_network, load_config

KEYS = {
    name: Account.from_key("0x" + f"{i + 1:064x}".replace("0", "c", 1))
    for i, name in enumerate(["mx_admin", "pe_admin", "cr_admin", "mx_officer", "holder", "forger"])
}


@pytest.fixture(scope="module")
def relayed(tmp_path_factory):
    """The pilot network on anvil, its admins fresh keys without ether, and a relayer (dev account 5)."""
    folder = tmp_path_factory.mktemp("relay")
    text = PILOT.read_text().replace('deployer = "dev:0"', 'deployer = "dev:0"\nforwarder = "deploy"', 1)
    for code in ("MX", "PE", "CR"):
        start = text.index(f'country = "{code}"')
        admin_at = text.index("admin = ", start)
        line_end = text.index("\n", admin_at)
        text = text[:admin_at] + f'admin = "{KEYS[code.lower() + "_admin"].address}"' + text[line_end:]
        officers_at = text.index("officers = ", start)
        text = text[:officers_at] + "officers = []" + text[text.index("\n", officers_at) :]
    text = text[: text.index("[[mra]]")]
    config = folder / "relayed.toml"
    config.write_text(text)
    with start_anvil() as node:
        chain = connect(node.url)
        report = deploy_network(chain, load_config(config), Accounts(chain, folder), folder / "record.json")
        record = DeploymentRecord.load(folder / "record.json")
        relayer = Signer(chain, chain.dev_account(5))

        def as_(name: str, account=None):
            submitter = ForwarderSubmitter(chain, account or KEYS[name], record.forwarder, relayer)
            return report.cadena.as_signer(submitter)

        yield chain, report.cadena, as_, record


def test_actors_without_ether_act_through_the_relayer_and_are_named_in_every_event(relayed):
    chain, cadena, as_, _ = relayed
    as_("mx_admin").grant_officer("MX", KEYS["mx_officer"].address)
    mra = as_("mx_admin").propose_mra("MX", ["MX", "PE"], "priority-treatment", "exporter")
    as_("mx_admin").sign_mra(mra, "MX")
    as_("pe_admin").sign_mra(mra, "PE")
    master = MasterData("MXRELAY1", "Operador", "Calle 1", "exporter", "2020-01-01", None, KEYS["holder"].address)
    issued = as_("mx_officer").issue(master)
    assert cadena.verify("PE", "MXRELAY1").verdict is Verdict.RECOGNISED
    as_("mx_officer").suspend("MXRELAY1")
    as_("mx_officer").reinstate("MXRELAY1")
    as_("holder").withdraw("MXRELAY1")
    assert cadena.certificate("MXRELAY1").status is CertificateStatus.WITHDRAWN
    proposal = as_("mx_admin").propose("MX", "suspension", "CR")
    as_("mx_admin").vote(proposal, "MX")
    as_("pe_admin").vote(proposal, "PE")
    history = cadena.history("MXRELAY1")
    assert [(e.kind, e.actor) for e in history] == [
        ("issued", KEYS["mx_officer"].address),
        ("suspended", KEYS["mx_officer"].address),
        ("reinstated", KEYS["mx_officer"].address),
        ("withdrawn", KEYS["holder"].address),
    ]
    relayer_tx = chain.w3.eth.get_transaction(issued.tx_hash)
    assert relayer_tx["from"] == chain.dev_account(5).address
    for name in ("mx_admin", "pe_admin", "mx_officer", "holder"):  # they hold nothing and never sent anything
        address = KEYS[name].address
        assert chain.w3.eth.get_balance(address) == 0 and chain.w3.eth.get_transaction_count(address) == 0


def _request_job(submitter: ForwarderSubmitter, request: tuple) -> Job:
    return Job(["forged"], submitter.execute_batch([request]), None, submitter.forwarder)


def test_forged_replayed_and_expired_requests_are_refused_with_clear_errors(relayed):
    chain, cadena, as_, record = relayed
    as_("mx_admin").grant_officer("MX", KEYS["forger"].address)  # an officer, so the call itself is allowed
    officer = as_("forger").signer
    job = cadena.job(
        "issue", "issueCertificate", *cadena.master_args(MasterData("MXRELAY2", "A", "B", "exporter", "2020-01-01"), 1)
    )
    job.gas = 200_000
    deadline = chain.w3.eth.get_block("latest")["timestamp"] + 600
    forged = ForwarderSubmitter(chain, KEYS["holder"], record.forwarder, officer.relayer)  # signs as someone else
    request = forged.request(job, officer.nonce(), deadline)
    impostor = (KEYS["forger"].address, *request[1:])  # claims to come from the officer
    with reverts("ERC2771ForwarderInvalidSigner", **{"from": KEYS["forger"].address}):  # signed by someone else
        officer.relayer.transact(_request_job(officer, impostor))
    genuine = officer.request(job, officer.nonce(), deadline)
    officer.relayer.transact(_request_job(officer, genuine))
    assert cadena.certificate("MXRELAY2").status is CertificateStatus.ACTIVE
    with pytest.raises(ERC2771ForwarderInvalidSigner, match=r"forged, replayed \(its nonce is spent\)"):
        officer.relayer.transact(_request_job(officer, genuine))  # replayed: its nonce is spent
    expired = officer.request(job, officer.nonce(), chain.w3.eth.get_block("latest")["timestamp"] - 1)
    with reverts("ERC2771ForwarderExpiredRequest"):
        officer.relayer.transact(_request_job(officer, expired))


def test_a_refused_request_is_refused_before_anything_is_signed_or_sent(relayed):
    chain, cadena, as_, _ = relayed
    height = chain.w3.eth.block_number
    with reverts("AccessControlUnauthorizedAccount", account=KEYS["holder"].address):
        as_("holder").issue(MasterData("MXRELAY3", "A", "B", "exporter", "2020-01-01"))
    assert chain.w3.eth.block_number == height


def test_bulk_issuance_goes_in_execute_batch_transactions(relayed):
    chain, cadena, as_, _ = relayed
    as_("mx_admin").grant_officer("MX", KEYS["mx_officer"].address)
    officer = as_("mx_officer")
    masters = [MasterData(f"MXBULK{i}", "Operador", "Calle 1", "exporter", "2020-01-01") for i in range(120)]
    jobs = [officer.job("issue", "issueCertificate", *officer.master_args(m, 1), keys=[m.tin]) for m in masters]
    outcomes = officer.send(jobs)
    assert {o.result.value for o in outcomes} == {"done"}, [o.detail for o in outcomes if o.detail][:3]
    assert len({o.tx_hash for o in outcomes}) == 3  # 120 requests, 50 to a relayer transaction
    assert all(c.status is CertificateStatus.ACTIVE for c in cadena.read_certificates([m.tin for m in masters]))


@pytest.mark.slow
def test_the_cli_relays_when_given_a_relayer(relayed, tmp_path):
    chain, cadena, as_, record = relayed
    record_path = tmp_path / "record.json"
    record.save(record_path)
    keystore = tmp_path / "officer.json"
    keystore.write_text(json.dumps(Account.encrypt(KEYS["mx_officer"].key, "pw", iterations=LIGHT_SCRYPT_N)))
    as_("mx_admin").grant_officer("MX", KEYS["mx_officer"].address)
    options = ["--rpc-url", chain.url, "--deployment", str(record_path), "--keystore", str(keystore)]
    issue = [
        "cert",
        "issue",
        "MXCLI1",
        "--name",
        "A",
        "--address",
        "B",
        "--types",
        "exporter",
        "--valid-from",
        "2020-01-01",
    ]
    result = CliRunner(env={"CADENA_PASSWORD": "pw"}).invoke(cli, [*options, "--relayer-dev-account", "5", *issue])
    assert result.exit_code == 0, result.output
    assert cadena.history("MXCLI1")[0].actor == KEYS["mx_officer"].address
    assert chain.w3.eth.get_transaction_count(KEYS["mx_officer"].address) == 0


def test_the_node_check_knows_cadena_s_forwarder(relayed):
    chain, _, _, record = relayed
    (found,) = [check for check in check_node(chain, record) if check.name == "deployment"]
    assert found.passed and found.detail.endswith(f"relaying through CadenaForwarder at {record.forwarder}")
