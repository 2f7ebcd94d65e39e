"""Fixtures: one compile and one eth-tester chain per session with a snapshot per test, and anvil nodes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from eth.exceptions import BlockNotFound, HeaderNotFound, TransactionNotFound
from eth_tester.backends.pyevm import main as pyevm
from eth_utils import keccak
from helpers import ADMINISTRATIONS, PILOT, ROLES, STARTED, ZERO_ADDRESS, deploy, found, rpc, serving
from keystores import light_scrypt
from web3 import EthereumTesterProvider, Web3

from cadena_client.chain.node import start_anvil
from cadena_client.cli.main import cli
from cadena_client.contract.artifact import CONTRACT, load_artifact


@pytest.fixture(scope="session", autouse=True)
def transactions_found_by_hash():
    """eth-tester finds a transaction (for each receipt and each log) by reading every block back from the
    head, which made the embedded chain's log queries cost as much as everything else in a long test.
    py-evm keeps an index from hash to block: it is read first, its answer checked, else the scan runs."""
    scan = pyevm._get_transaction_by_hash

    def lookup(chain, transaction_hash):
        try:
            number, index = chain.chaindb.get_transaction_index(transaction_hash)
            block = chain.get_canonical_block_by_number(number)
            if index < len(block.transactions) and block.transactions[index].hash == transaction_hash:
                return block, block.transactions[index], index
        except (TransactionNotFound, HeaderNotFound, BlockNotFound):
            pass
        return scan(chain, transaction_hash)  # in the pending block, or unknown

    pyevm._get_transaction_by_hash = lookup
    yield
    pyevm._get_transaction_by_hash = scan


@pytest.fixture(scope="session")
def artifact():
    """The shipped implementation's artifact (test_compiler proves it equals a fresh compile)."""
    return load_artifact(CONTRACT)


@pytest.fixture(scope="session")
def w3():
    chain = Web3(EthereumTesterProvider())
    chain.eth.default_account = chain.eth.accounts[0]  # else each call without a sender asks for the accounts 3 times
    return chain


@pytest.fixture(scope="session")
def accounts(w3):
    """Named accounts, funded and unlocked on the embedded chain."""
    tester = w3.provider.ethereum_tester
    funder = w3.eth.accounts[0]
    named = {}
    for role in ROLES:
        key = keccak(text=f"cadena test {role}")
        address = tester.add_account("0x" + key.hex())
        w3.eth.send_transaction({"from": funder, "to": address, "value": 10**21, "gas": 21000})
        named[role] = address
    return named


@pytest.fixture(scope="session")
def deployed(w3, accounts):
    """MX, PE and CR seated as founders by the deployer (who keeps no power), with their officers: the
    implementation, and the consortium, which creates the CADENA proxy and its lens."""
    implementation = deploy(w3, CONTRACT, ZERO_ADDRESS, 0, sender=accounts["governance"])  # no forwarder
    net = found(w3, accounts, implementation, {code: f"{code.lower()}_admin" for code in ADMINISTRATIONS})
    for code in ("MX", "PE", "CR"):
        net.tx(
            net.fn("grantRole", net.officer_role(code), accounts[f"{code.lower()}_officer"]), f"{code.lower()}_admin"
        )
    net.tx(net.fn("grantRole", net.officer_role("MX"), accounts["revoked_officer"]), "mx_admin")
    net.tx(net.fn("revokeRole", net.officer_role("MX"), accounts["revoked_officer"]), "mx_admin")
    return net


@pytest.fixture
def net(deployed, w3):
    """The deployed network, reverted to its initial state after each test."""
    snapshot = w3.provider.ethereum_tester.take_snapshot()
    yield deployed
    w3.provider.ethereum_tester.revert_to_snapshot(snapshot)


# -- a real node ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def node():
    """An anvil node for the module."""
    with start_anvil() as local:
        yield local


@pytest.fixture
def reverting(node):
    """`node`, whose chain is put back as it was before the test."""
    snapshot = rpc(node.url, "evm_snapshot")
    yield node
    rpc(node.url, "evm_revert", snapshot)


@pytest.fixture
def service(reverting, pilot_record, tmp_path):
    """`cadena serve` on the pilot network: (its URL, an officer's Cadena); the chain is reverted after."""
    with serving(reverting.url, pilot_record, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def pilot_record(node, tmp_path_factory):
    """The pilot network deployed on `node` by `cadena network deploy`: its deployment record."""
    record = tmp_path_factory.mktemp("pilot") / "deployment.json"
    result = CliRunner().invoke(
        cli, ["--rpc-url", node.url, "--deployment", str(record), "network", "deploy", str(PILOT)]
    )
    assert result.exit_code == 0, result.output
    return record


@pytest.fixture(autouse=True)
def no_process_outlives_its_test():
    """Kills the `cadena` processes a test started and left running (a failed assertion skips its own clean-up)."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def light_keystores():
    """Keystores written during the test at a light scrypt cost (`keystores.light_scrypt`)."""
    with light_scrypt():
        yield
