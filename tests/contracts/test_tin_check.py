"""The contract's word-at-once TIN check against the Python rule, exhaustively: every byte value at
every position of the bytes32, around TINs of each length."""

from pathlib import Path

import pytest
from compile_once import once

from cadena_client.dev import compiler
from cadena_client.domain.model import TIN_PATTERN

HARNESS = Path(__file__).parent / "harness" / "TINHarness.sol"


def python_says(word: bytes) -> bool:
    """The client's rule: ASCII, zero-padded, a country code's shape then 1 to 15 of A-Z 0-9."""
    text = word.rstrip(b"\0")
    return b"\0" not in text and text.isascii() and TIN_PATTERN.fullmatch(text.decode("ascii")) is not None


@pytest.fixture(scope="module")
def harness(w3, tmp_path_factory):
    built = once(tmp_path_factory, "tin-harness", lambda: compiler.compile_harness(HARNESS, "TINHarness"))
    deployer = w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(deployer.constructor().transact({"from": w3.eth.accounts[0]}))
    return w3.eth.contract(address=receipt.contractAddress, abi=built["abi"])


@pytest.mark.slow  # compiles a harness contract and tries every byte at every position
@pytest.mark.parametrize("base", ["MX1", "MXEPA180101AB1", "MX" + "Z9" * 7 + "A"])
def test_every_byte_at_every_position_agrees_with_the_python_rule(harness, base):
    word = base.encode().ljust(32, b"\0")
    disagreements = []
    for position in range(32):
        valid = harness.functions.verdicts(word, position).call()
        for value in range(256):
            candidate = word[:position] + bytes([value]) + word[position + 1 :]
            if bool(valid >> value & 1) != python_says(candidate):
                disagreements.append((position, value, bool(valid >> value & 1)))
    assert disagreements == [], f"(position, byte, contract says valid): {disagreements[:10]}"
    assert python_says(word)  # the base itself is a TIN, so each position moves from a valid one
