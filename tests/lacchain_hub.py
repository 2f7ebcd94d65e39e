"""The stand-in of LACChain's relay hub and a recipient (tests/contracts/harness/LacchainHub.sol),
compiled with the project's compiler and settings for a Berlin-level chain, and deployed."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from eth_abi import encode as abi_encode
from eth_utils import to_checksum_address

from cadena_client.chain.signer import Job, Signer
from cadena_client.dev import compiler

SOURCE = Path(__file__).parent / "contracts" / "harness" / "LacchainHub.sol"


@cache
def bytecodes() -> dict[str, bytes]:
    """Creation code of the hub and the recipient stand-ins, by contract name."""
    name = SOURCE.relative_to(compiler.PROJECT_ROOT).as_posix()
    settings = {**compiler.SETTINGS, "evmVersion": "berlin"}
    output = compiler.find_compiler().compile(
        {"language": "Solidity", "sources": {name: {"content": SOURCE.read_text()}}, "settings": settings},
        compiler.PROJECT_ROOT,
    )
    problems = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    assert not problems, problems
    return {key: bytes.fromhex(value["evm"]["bytecode"]["object"]) for key, value in output["contracts"][name].items()}


def deploy_hub(deployer: Signer) -> str:
    return to_checksum_address(
        str(deployer.transact(Job(["hub"], bytecodes()["LacchainHubStandIn"], "deploy")).contract_address)
    )


def deploy_recipient(deployer: Signer, hub: str, owner: str) -> str:
    code = bytecodes()["LacchainRecipientStandIn"] + abi_encode(["address", "address"], [hub, owner])
    return to_checksum_address(str(deployer.transact(Job(["recipient"], code, "deploy")).contract_address))
