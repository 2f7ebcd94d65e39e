"""LACChain's gas model on anvil, through a stand-in of its relay hub built from the documented
interface: an actor without ether signs for its writer node, the node relays, the recipient reads the
actor from the hub; expired, forged, replayed and misrouted transactions are refused in one line each; CADENA deployed with the hub as its
trusted forwarder asks the hub for its actors."""

import time

import pytest
import rlp
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, keccak
from helpers import PILOT
from lacchain_hub import StandIns, writer_node

from cadena_client.chain.connection import connect
from cadena_client.chain.lacchain import HUB_KIND, HUB_RELAY, LacchainSubmitter, is_hub, relay_call, relayed_submitter
from cadena_client.chain.node import start_anvil
from cadena_client.chain.relay import ForwarderSubmitter
from cadena_client.chain.signer import Job, Result, Signer
from cadena_client.domain.model import CertificateStatus, MasterData, Verdict
from cadena_client.errors import ConfigError
from cadena_client.network.check import check_node
from cadena_client.network.deploy import FORWARDER_KINDS, Accounts, deploy_network, load_config

OWNER = Account.from_key("0x" + "5a" * 32)  # holds no ether
OFFICER = Account.from_key("0x" + "3d" * 32)  # holds no ether
RECORDED = "0x" + keccak(text="Recorded(address,bytes32)").hex()


@pytest.fixture(scope="module")
def lacchain(tmp_path_factory):
    """A Berlin-level anvil with the hub, a recipient owned by OWNER, and OWNER's submitter relayed by
    its writer node (dev account 5)."""
    with start_anvil(extra_args=("--hardfork", "berlin")) as node:
        chain = connect(node.url)
        deployer = Signer(chain, chain.dev_account(0))
        stand_ins = StandIns(tmp_path_factory)
        hub = stand_ins.deploy_hub(deployer)
        recipient = stand_ins.deploy_recipient(deployer, hub, OWNER.address)
        submitter = LacchainSubmitter(chain, OWNER, hub, Signer(chain, chain.dev_account(5)))
        yield chain, hub, recipient, submitter


def record(recipient: str, value: int, key: str = "r") -> Job:
    data = function_signature_to_4byte_selector("record(bytes32)") + value.to_bytes(32)
    return Job([key], data, None, recipient)


def signed(submitter: LacchainSubmitter, job: Job, expiration: int | None = None) -> bytes:
    """The actor's raw transaction for `job` at its next nonce, simulated for its gas."""
    job.gas = submitter.direct._simulate([job], 30_000_000)[0][0]
    now = submitter.chain.w3.eth.get_block("latest")["timestamp"]
    return submitter.sign(job, submitter.nonce(), now + 600 if expiration is None else expiration)


def refusal(submitter: LacchainSubmitter, job: Job, raw: bytes) -> str:
    outcome = submitter.relay([job], [raw])[0]
    assert outcome.result is Result.FAILED
    assert "\n" not in outcome.detail
    return outcome.detail


def test_the_hub_selector_is_the_deployed_one_and_the_hub_is_told_from_a_forwarder(lacchain):
    chain, hub, recipient, submitter = lacchain
    assert relay_call(signed(submitter, record(recipient, 1)))[:4].hex() == "1416862c"  # LACChain's hub
    assert is_hub(chain, hub) and not is_hub(chain, recipient)
    assert isinstance(relayed_submitter(chain, OWNER, hub, submitter.node), LacchainSubmitter)
    assert isinstance(relayed_submitter(chain, OWNER, recipient, submitter.node), ForwarderSubmitter)


def test_an_actor_without_ether_acts_through_its_node_and_the_recipient_names_it(lacchain):
    chain, _, recipient, submitter = lacchain
    outcomes = submitter.send([record(recipient, 7, "a"), record(recipient, 8, "b")])
    assert [outcome.result for outcome in outcomes] == [Result.DONE, Result.DONE], [o.detail for o in outcomes]
    for outcome, value in zip(outcomes, (7, 8), strict=True):
        (log,) = [log for log in outcome.receipt.logs if log["topics"][0] == RECORDED]
        assert log["topics"][1][-40:] == OWNER.address.lower()[2:]
        assert int(log["data"], 16) == value
    assert chain.w3.eth.get_balance(OWNER.address) == 0


def test_an_actor_hands_its_signed_transactions_to_its_writer_node_s_relay_signer(lacchain):
    """Without the node's key, as LACChain's gas-model provider does: raw transactions to the node."""
    chain, hub, recipient, _ = lacchain
    node = chain.dev_account(7)
    with writer_node(chain.url, node, hub) as (url, forwarded):
        actor = LacchainSubmitter(connect(url), OWNER, hub, node.address)
        outcomes = actor.send([record(recipient, 11, "x"), record(recipient, 12, "y")])
        assert [outcome.result for outcome in outcomes] == [Result.DONE, Result.DONE], [o.detail for o in outcomes]
        recorded = [log for o in outcomes for log in o.receipt.logs if log["topics"][0] == RECORDED]
        assert [log["topics"][1][-40:] for log in recorded] == [OWNER.address.lower()[2:]] * 2
        expired = record(recipient, 13)
        detail = refusal(actor, expired, signed(actor, expired, expiration=int(time.time()) - 60))
        assert detail.startswith("LACChain refuses the transaction: it expired at ")
    assert not any(call["method"] == "eth_sendRawTransaction" for call in forwarded)  # the node relayed them


def test_an_expired_transaction_is_refused_in_one_line(lacchain):
    _, _, recipient, submitter = lacchain
    job = record(recipient, 2)
    detail = refusal(submitter, job, signed(submitter, job, expiration=int(time.time()) - 60))
    assert detail.startswith("LACChain refuses the transaction: it expired at ")


def test_a_forged_signature_is_refused_in_one_line(lacchain):
    _, _, recipient, submitter = lacchain
    job = record(recipient, 3)
    fields = rlp.decode(signed(submitter, job))
    forged = rlp.encode([*fields[:7], b"", fields[8]])  # r = 0: no signer
    assert "refused the transaction (InvalidSignature)" in refusal(submitter, job, forged)


def test_a_transaction_altered_after_signing_is_refused_in_one_line(lacchain):
    _, _, recipient, submitter = lacchain
    job = record(recipient, 4)
    fields = rlp.decode(signed(submitter, job))
    altered = rlp.encode([*fields[:5], fields[5][:-65] + b"\x05" + fields[5][-64:], *fields[6:]])
    assert "altered after it was signed" in refusal(submitter, job, altered)


def test_a_replayed_transaction_is_refused_in_one_line(lacchain):
    _, _, recipient, submitter = lacchain
    job = record(recipient, 5)
    raw = signed(submitter, job)
    assert submitter.relay([job], [raw])[0].result is Result.DONE
    assert "(BadNonce)" in refusal(submitter, job, raw)


def test_a_transaction_signed_for_another_node_is_refused_in_one_line(lacchain):
    chain, hub, recipient, submitter = lacchain
    job = record(recipient, 6)
    raw = signed(submitter, job)
    other = LacchainSubmitter(chain, OWNER, hub, Signer(chain, chain.dev_account(6)))
    detail = refusal(other, job, raw)
    assert detail.startswith(f"LACChain refuses the transaction: it was signed for node {submitter.node.address}")


def test_what_the_contract_refuses_is_refused_before_anything_is_signed(lacchain):
    chain, hub, recipient, submitter = lacchain
    stranger = LacchainSubmitter(chain, Account.from_key("0x" + "6b" * 32), hub, submitter.node)
    sent = chain.w3.eth.get_transaction_count(submitter.node.address)
    (outcome,) = stranger.send([record(recipient, 9)])
    assert outcome.result is Result.FAILED and outcome.receipt is None
    assert chain.w3.eth.get_transaction_count(submitter.node.address) == sent


@pytest.fixture(scope="module")
def hub_network(lacchain, tmp_path_factory):
    """The pilot network deployed with the hub as its trusted forwarder (kind lacchain-hub), and an MX
    officer without ether whose transactions the writer node relays."""
    chain, hub, _, submitter = lacchain
    folder = tmp_path_factory.mktemp("hub")
    config = folder / "pilot.toml"
    relaying = f'deployer = "dev:0"\nforwarder = "{hub}"\nforwarder_kind = "{HUB_KIND}"'
    config.write_text(PILOT.read_text().replace('deployer = "dev:0"', relaying, 1))
    report = deploy_network(chain, load_config(config), Accounts(chain, PILOT.parent), folder / "record.json")
    report.cadena.as_signer(Signer(chain, chain.dev_account(1))).grant_officer("MX", OFFICER.address)
    officer = report.cadena.as_signer(LacchainSubmitter(chain, OFFICER, hub, submitter.node))
    return report, officer


def test_an_officer_without_ether_issues_and_suspends_through_the_hub_and_is_named_as_actor(lacchain, hub_network):
    chain, _, _, submitter = lacchain
    report, officer = hub_network
    cadena = report.cadena
    assert cadena.read("relayKind")[0] == HUB_RELAY
    issued = officer.issue(MasterData("MXHUB1", "Operador", "Calle 1", "exporter", "2020-01-01"))
    assert cadena.verify("PE", "MXHUB1").verdict is Verdict.RECOGNISED
    officer.suspend("MXHUB1")
    assert cadena.verify("PE", "MXHUB1").verdict is Verdict.NOT_ACTIVE
    assert [(e.kind, e.actor) for e in cadena.history("MXHUB1")] == [
        ("issued", OFFICER.address),
        ("suspended", OFFICER.address),
    ]
    assert chain.w3.eth.get_transaction(issued.tx_hash)["from"] == submitter.node.address  # the node relayed
    assert chain.w3.eth.get_balance(OFFICER.address) == 0
    (found,) = [check for check in check_node(chain, report.record) if check.name == "deployment"]
    assert found.passed and "asking LACChain's relay hub" in found.detail


def test_expired_and_forged_transactions_to_cadena_are_refused_in_one_line(hub_network):
    report, officer = hub_network
    submitter = officer.signer
    job = report.cadena.job(
        "issue",
        "issueCertificate",
        *report.cadena.master_args(MasterData("MXHUB2", "A", "B", "exporter", "2020-01-01"), 1),
    )
    job.gas = 300_000
    expired = refusal(submitter, job, submitter.sign(job, submitter.nonce(), int(time.time()) - 60))
    assert expired.startswith("LACChain refuses the transaction: it expired at ")
    fields = rlp.decode(signed(submitter, job))
    forged = rlp.encode([*fields[:7], b"", fields[8]])
    assert "refused the transaction (InvalidSignature)" in refusal(submitter, job, forged)
    assert report.cadena.read_certificates(["MXHUB2"])[0].status is CertificateStatus.NONE


def test_an_expiration_naming_an_admin_gains_an_attacker_nothing(lacchain, hub_network):
    """Trusted ERC-2771 style, the hub let anyone act as anyone: CADENA read the actor from the calldata's
    last 20 bytes, where the hub leaves the expiration the signer chooses. CADENA now asks the hub."""
    chain, hub, _, submitter = lacchain
    report, _ = hub_network
    cadena = report.cadena
    attacker = LacchainSubmitter(chain, Account.from_key("0x" + "7c" * 32), hub, submitter.node)
    job = cadena.job("grant", "grantRole", cadena.officer_role("MX"), attacker.address)
    job.gas = 200_000
    mx_admin = chain.dev_account(1).address
    forged = attacker.sign(job, attacker.nonce(), (1 << 200) | int(mx_admin, 16))  # "expires" in 10^52 years
    (outcome,) = attacker.relay([job], [forged])
    assert outcome.result is Result.FAILED  # the contract read the attacker as the actor, as the hub tells it
    assert outcome.detail == f"{attacker.address} is not an administration admin of MX, which this operation requires"
    assert not cadena.is_officer("MX", attacker.address)


def test_a_forwarder_of_the_wrong_kind_or_without_code_is_refused_in_one_line(lacchain, tmp_path):
    chain, hub, recipient, _ = lacchain
    accounts = Accounts(chain, PILOT.parent)
    for forwarder, kind, refusal_text in (
        (hub, "cadena", "is not a cadena forwarder: its code is not CadenaForwarder's"),
        (recipient, HUB_KIND, f"is not a {HUB_KIND} forwarder: its code has no relayMetaTx"),
        (OFFICER.address, HUB_KIND, "has no code: an account there could act as anyone"),
    ):
        config = tmp_path / f"{kind}.toml"
        relaying = f'deployer = "dev:0"\nforwarder = "{forwarder}"\nforwarder_kind = "{kind}"'
        config.write_text(PILOT.read_text().replace('deployer = "dev:0"', relaying, 1))
        with pytest.raises(ConfigError, match=refusal_text) as refused:
            deploy_network(chain, load_config(config), accounts, tmp_path / "record.json")
        assert "\n" not in str(refused.value)
    assert not (tmp_path / "record.json").exists()


def test_the_deploy_kinds_agree_with_the_lacchain_module():
    assert FORWARDER_KINDS[HUB_KIND].relay == HUB_RELAY
