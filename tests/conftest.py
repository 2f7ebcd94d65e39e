"""Contract test fixtures: one compile and one eth-tester chain per session, a snapshot per test."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from eth_utils import keccak
from web3 import EthereumTesterProvider, Web3
from web3.logs import DISCARD

from cadena_client.chain.node import start_anvil
from cadena_client.cli.main import cli
from cadena_client.contract.codec import codec
from cadena_client.dev import compiler
from cadena_client.domain.model import MasterData, country_to_bytes2, tin_to_bytes32
from cadena_client.errors import ContractError

ROLES = [
    "governance",
    "mx_admin",
    "mx_officer",
    "pe_admin",
    "pe_officer",
    "cr_admin",
    "cr_officer",
    "co_admin",
    "cl_admin",
    "holder",
    "other_holder",
    "stranger",
    "revoked_officer",
]
ADMINISTRATIONS = {"MX": "Servicio de Administración Tributaria", "PE": "SUNAT", "CR": "Dirección General de Aduanas"}


@pytest.fixture(scope="session")
def artifact():
    """The contracts compiled once for the whole session with the pinned compiler."""
    return compiler.compile_contracts()


@pytest.fixture(scope="session")
def w3():
    return Web3(EthereumTesterProvider())


@pytest.fixture(scope="session")
def accounts(w3):
    """Named accounts, funded and unlocked on the embedded chain."""
    tester = w3.provider.ethereum_tester
    funder = w3.eth.accounts[0]
    named = {}
    for role in ROLES:
        key = keccak(text=f"cadena test {role}")
        address = tester.add_account("0x" + key.hex())
        w3.eth.send_transaction({"from": funder, "to": address, "value": 10**21})
        named[role] = address
    return named


class Network:
    """The deployed contract with MX, PE and CR registered, and shortcuts for the tests."""

    def __init__(self, w3: Web3, contract, accounts: dict):
        self.w3, self.contract, self.a = w3, contract, accounts

    def tx(self, call, sender: str):
        """Sends `call` from `sender` and returns its receipt."""
        return self.w3.eth.wait_for_transaction_receipt(call.transact({"from": self.a.get(sender, sender)}))

    def fn(self, name: str, *args):
        return getattr(self.contract.functions, name)(*args)

    def events(self, receipt, name: str):
        return getattr(self.contract.events, name)().process_receipt(receipt, errors=DISCARD)

    def issue(self, tin: str = "MXAAA010101AAA", sender: str = "mx_officer", reason: int = 1, **fields):
        return self.tx(self.fn("issueCertificate", tin_to_bytes32(tin), master_data(tin, **fields), reason), sender)

    def lifecycle(self, action: str, tin: str, sender: str, reason: int = 0):
        return self.tx(self.fn(f"{action}Certificate", tin_to_bytes32(tin), reason), sender)

    def certificate(self, tin: str):
        return self.fn("certificate", tin_to_bytes32(tin)).call()

    def propose(self, parties, proposer=None, benefits=0b111, covered=0b11, effective=0, title="MRA", sender=None):
        proposer = proposer or parties[0]
        receipt = self.tx(
            self.fn(
                "proposeMRA",
                country_to_bytes2(proposer),
                [country_to_bytes2(p) for p in parties],
                int(benefits),
                int(covered),
                effective,
                title,
            ),
            sender or f"{proposer.lower()}_admin",
        )
        return self.events(receipt, "MRAProposed")[0].args.id

    def mra_action(self, action: str, mra_id: int, party: str, sender: str | None = None):
        name = {
            "sign": "signMRA",
            "suspend": "suspendMRAParticipation",
            "resume": "resumeMRAParticipation",
            "leave": "leaveMRA",
        }[action]
        return self.tx(self.fn(name, mra_id, country_to_bytes2(party)), sender or f"{party.lower()}_admin")

    def mra_in_force(self, parties, **kwargs) -> int:
        mra_id = self.propose(parties, **kwargs)
        for party in parties:
            self.mra_action("sign", mra_id, party)
        return mra_id

    def verify(self, importer: str, tin: str):
        return tuple(self.fn("verify", country_to_bytes2(importer), tin_to_bytes32(tin)).call())

    def register(self, country: str, admin: str):
        name = ADMINISTRATIONS.get(country, country)
        return self.tx(self.fn("registerAdministration", country_to_bytes2(country), name, self.a[admin]), "governance")

    def officer_role(self, country: str) -> bytes:
        return self.fn("officerRole", country_to_bytes2(country)).call()

    def admin_role(self, country: str) -> bytes:
        return self.fn("adminRole", country_to_bytes2(country)).call()

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def travel_days(self, days: int):
        tester = self.w3.provider.ethereum_tester
        tester.time_travel(self.now() + days * 86400)
        tester.mine_blocks(1)


def master_data(tin: str, **fields) -> tuple:
    """The contract struct of realistic master data for `tin`, with `fields` overriding."""
    values = dict(
        tin=tin,
        name="Exportadora del Pacífico S.A. de C.V.",
        address="Av. Paseo de la Reforma 505, Cuauhtémoc, 06500 Ciudad de México",
        aeo_types="importer,exporter",
        valid_from=date(2024, 1, 15),
        expiry=date(2034, 1, 15),
        holder=None,
    )
    values.update(fields)
    return MasterData(**values).contract_tuple()


@pytest.fixture(scope="session")
def deployed(w3, accounts, artifact):
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(3600, accounts["governance"]).transact({"from": accounts["governance"]})
    )
    net = Network(w3, w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"]), accounts)
    for code in ADMINISTRATIONS:
        net.register(code, f"{code.lower()}_admin")
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


@contextmanager
def reverts(name: str, **expected):
    """Asserts that the block raises the contract error `name` with the `expected` arguments."""
    with pytest.raises(Exception) as info:
        yield
    error = info.value if isinstance(info.value, ContractError) else codec().refusal(info.value)
    assert isinstance(error, ContractError), f"expected {name}, got no contract error: {info.value!r}"
    assert error.name == name, f"expected {name}, got {error.name}: {error}"
    for key, value in expected.items():
        assert error.error_args[key] == value, f"{name}.{key}: {error.error_args[key]!r} != {value!r}"


# -- a real node ------------------------------------------------------------------------------------

PILOT = Path(__file__).resolve().parent.parent / "deploy" / "cadena-pilot.toml"


def rpc(url: str, method: str, *params):
    """One raw JSON-RPC call to a node, for what the library does not do (snapshots, test controls)."""
    return requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()[
        "result"
    ]


@pytest.fixture(scope="module")
def node():
    """An anvil node for the module."""
    with start_anvil() as local:
        yield local


@pytest.fixture(scope="module")
def pilot_record(node, tmp_path_factory):
    """The pilot network deployed on `node` by `cadena network deploy`: its deployment record."""
    record = tmp_path_factory.mktemp("pilot") / "deployment.json"
    result = CliRunner().invoke(
        cli, ["--rpc-url", node.url, "--deployment", str(record), "network", "deploy", str(PILOT)]
    )
    assert result.exit_code == 0, result.output
    return record
