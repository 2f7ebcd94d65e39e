"""LACChain's gas model on anvil, through a stand-in of its relay hub built from the documented
interface: an actor without ether signs for its writer node, the node relays, the recipient reads the
actor from the hub; expired, forged, replayed and misrouted transactions are refused in one line each."""

import time

import pytest
import rlp
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, keccak
from helpers import PILOT
from lacchain_hub import deploy_hub, deploy_recipient, writer_node

from cadena_client.chain.connection import connect
from cadena_client.chain.lacchain import LacchainSubmitter, is_hub, relay_call
from cadena_client.chain.node import start_anvil
from cadena_client.chain.relay import ForwarderSubmitter, relayed_submitter
from cadena_client.chain.signer import Job, Result, Signer
from cadena_client.network.check import check_node
from cadena_client.network.deploy import Accounts, deploy_network, load_config

OWNER = Account.from_key("0x" + "5a" * 32)  # holds no ether
RECORDED = "0x" + keccak(text="Recorded(address,bytes32)").hex()


@pytest.fixture(scope="module")
def lacchain():
    """A Berlin-level anvil with the hub, a recipient owned by OWNER, and OWNER's submitter relayed by
    its writer node (dev account 5)."""
    with start_anvil(extra_args=("--hardfork", "berlin")) as node:
        chain = connect(node.url)
        deployer = Signer(chain, chain.dev_account(0))
        hub = deploy_hub(deployer)
        recipient = deploy_recipient(deployer, hub, OWNER.address)
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


def test_cadena_must_not_trust_the_hub_as_an_erc2771_forwarder(lacchain, tmp_path):
    """Why deploy's check must know the hub's kind: CADENA's contract reads the actor from the last 20
    bytes of its calldata (ERC-2771), where LACChain's hub leaves the expiration, which the signer
    chooses. Trusting the hub so, anyone signs a transaction that expires "never" and whose low 160 bits
    name an admin, and acts as that admin. (The contract would have to ask the hub's getMsgSender().)"""
    chain, hub, _, submitter = lacchain
    config = tmp_path / "pilot.toml"
    config.write_text(PILOT.read_text().replace('deployer = "dev:0"', f'deployer = "dev:0"\nforwarder = "{hub}"', 1))
    report = deploy_network(chain, load_config(config), Accounts(chain, PILOT.parent), tmp_path / "record.json")
    cadena = report.cadena
    attacker = LacchainSubmitter(chain, Account.from_key("0x" + "7c" * 32), hub, submitter.node)
    job = cadena.job("grant", "grantRole", cadena.officer_role("MX"), attacker.address)
    job.gas = 200_000
    mx_admin = chain.dev_account(1).address
    forged = attacker.sign(job, attacker.nonce(), (1 << 200) | int(mx_admin, 16))  # "expires" in 10^52 years
    assert attacker.relay([job], [forged])[0].result is Result.DONE
    assert cadena.is_officer("MX", attacker.address)  # the attacker acted as MX's admin
    assert is_hub(chain, hub)  # what deploy's check tells such a forwarder by
    (found,) = [check for check in check_node(chain, report.record) if check.name == "deployment"]
    assert not found.passed and "anyone can act as anyone" in found.detail  # and `cadena network check` says so
