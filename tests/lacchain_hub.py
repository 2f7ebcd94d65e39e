"""The stand-ins of LACChain's gas model: its relay hub and a recipient (tests/contracts/harness/
LacchainHub.sol, compiled with the project's compiler and settings for a Berlin-level chain), and a
writer node's relay signer (an HTTP front)."""

from __future__ import annotations

from pathlib import Path

import rlp
from compile_once import once
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from helpers import front, rpc

from cadena_client.chain.signer import Job, Signer
from cadena_client.dev import compiler

SOURCE = Path(__file__).parent / "contracts" / "harness" / "LacchainHub.sol"


def compile_stand_ins() -> dict[str, str]:
    """Creation code of the hub and the recipient stand-ins in hex, by contract name."""
    name = SOURCE.relative_to(compiler.PROJECT_ROOT).as_posix()
    settings = {**compiler.SETTINGS, "evmVersion": "berlin"}
    output = compiler.find_compiler().compile(
        {"language": "Solidity", "sources": {name: {"content": SOURCE.read_text()}}, "settings": settings},
        compiler.PROJECT_ROOT,
    )
    problems = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    assert not problems, problems
    return {key: value["evm"]["bytecode"]["object"] for key, value in output["contracts"][name].items()}


class StandIns:
    """The stand-ins' creation code, compiled once a test run (whichever pytest-xdist worker asks first)."""

    def __init__(self, tmp_path_factory):
        code = once(tmp_path_factory, "lacchain-stand-ins", compile_stand_ins)
        self.hub, self.recipient = (
            bytes.fromhex(code[key]) for key in ("LacchainHubStandIn", "LacchainRecipientStandIn")
        )

    def deploy_hub(self, deployer: Signer) -> str:
        return to_checksum_address(str(deployer.transact(Job(["hub"], self.hub, "deploy")).contract_address))

    def deploy_recipient(self, deployer: Signer, hub: str, owner: str) -> str:
        code = self.recipient + abi_encode(["address", "address"], [hub, owner])
        return to_checksum_address(str(deployer.transact(Job(["recipient"], code, "deploy")).contract_address))


def writer_node(target: str, node: LocalAccount, hub: str):
    """A stand-in of a LACChain writer node's relay signer in front of `target`: it takes an actor's
    signed transaction by `eth_sendRawTransaction`, relays it as `node` in a `relayMetaTx(gasLimit,
    signingData, v, r, s)` to `hub` (the RLP of the six signed fields, the signature) and answers
    with the hash of its own transaction; it passes every other call to the node."""

    def answer(call: dict) -> dict | None:
        if call["method"] != "eth_sendRawTransaction":
            return None
        fields = rlp.decode(bytes.fromhex(call["params"][0][2:]))
        v, r, s = (int.from_bytes(value, "big") for value in fields[6:])
        gas = len(fields[5]) * 105 + 300_000 + int.from_bytes(fields[2], "big")  # the relay signer's reckoning
        body = abi_encode(
            ["uint256", "bytes", "uint8", "bytes32", "bytes32"],
            [gas, rlp.encode(fields[:6]), v, r.to_bytes(32, "big"), s.to_bytes(32, "big")],
        )
        nonce = int(rpc(target, "eth_getTransactionCount", node.address, "pending"), 16)
        relay = {"nonce": nonce, "gasPrice": 10**10, "gas": gas, "to": hub, "value": 0, "chainId": 31337}
        relay["data"] = function_signature_to_4byte_selector("relayMetaTx(uint256,bytes,uint8,bytes32,bytes32)") + body
        raw = node.sign_transaction(relay).raw_transaction
        return {"result": rpc(target, "eth_sendRawTransaction", "0x" + bytes(raw).hex())}

    return front(target, answer=answer)
