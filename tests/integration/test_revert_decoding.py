"""Reverts decode to the contract error's name and arguments on eth-tester and on a real node."""

from functools import partial

import pytest
from helpers import deploy
from web3 import Web3

from cadena_client.chain.node import start_anvil
from cadena_client.contract.artifact import CONSORTIUM, CONTRACT, load_artifact
from cadena_client.contract.codec import codec, tin_to_bytes32
from cadena_client.domain.lifecycle import Operation
from cadena_client.errors import ContractError


@pytest.fixture(scope="module")
def anvil_contract(artifact):
    """A network of Mexico alone on anvil: the implementation, and the consortium that creates its proxy."""
    with start_anvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        deployer, nobody = w3.eth.accounts[0], "0x" + "00" * 20
        implementation = deploy(w3, CONTRACT, nobody, 0, sender=deployer)  # no forwarder
        rules = (5001, 6666, 14 * 86400, 7 * 86400)
        consortium = deploy(
            w3, CONSORTIUM, implementation, [b"MX"], ["SAT"], [w3.eth.accounts[2]], rules, nobody, 0, sender=deployer
        )
        proxy = w3.eth.contract(address=consortium, abi=load_artifact(CONSORTIUM)["abi"]).functions.cadena().call()
        yield w3, w3.eth.contract(address=proxy, abi=artifact["abi"])


def _raised(call) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


@pytest.mark.parametrize("mode", ["call", "transact"])
def test_same_error_on_eth_tester_and_anvil(net, anvil_contract, mode):
    w3, contract = anvil_contract
    raw = tin_to_bytes32("MXAAA010101AAA")
    cases = []
    for contract_, sender in ((net.contract, net.a["stranger"]), (contract, w3.eth.accounts[1])):
        send = getattr(contract_.functions.suspendCertificate(raw, 1), mode)
        cases.append(_raised(partial(send, {"from": sender})))
    decoded = [codec().refusal(exc, Operation.SUSPEND) for exc in cases]
    assert all(isinstance(error, ContractError) for error in decoded)
    assert [type(error).__name__ for error in decoded] == ["AccessControlUnauthorizedAccount"] * 2
    assert decoded[1].error_args["account"] == w3.eth.accounts[1]
    assert "is not a customs officer of MX" in str(decoded[1])


def test_status_message_names_the_rule(net):
    net.issue("MXAAA010101AAA")
    net.lifecycle("suspend", "MXAAA010101AAA", "mx_officer")
    error = codec().refusal(
        _raised(lambda: net.lifecycle("suspend", "MXAAA010101AAA", "mx_officer")), Operation.SUSPEND
    )
    assert str(error) == "certificate MXAAA010101AAA is Suspended; only an Active certificate can be suspended"


def test_non_contract_errors_are_not_decoded():
    assert not isinstance(codec().refusal(ValueError("boom")), ContractError)
    assert not isinstance(codec().refusal(ValueError(b"\x01\x02\x03\x04")), ContractError)
