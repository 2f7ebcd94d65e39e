"""What each member checks before voting for an upgrade: that the code at an address is what a source
tree (the tagged release) compiles to, its runtime code hash (which the upgrade proposal names) and the
forwarder its code trusts, and how (its relay kind)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak, to_checksum_address

from cadena_client.chain.connection import Chain
from cadena_client.contract.artifact import CONTRACT, deployed_code, without_metadata
from cadena_client.contract.codec import codec
from cadena_client.dev.compiler import PROJECT_ROOT, compile_contract
from cadena_client.errors import InputError


@dataclass(frozen=True)
class CodeCheck:
    address: str
    contract: str  # the contract of the source tree it was compared with
    code_hash: str  # keccak256 of the runtime code on chain: what an upgrade proposal must name
    matches: bool  # equal to the compiled runtime code, immutables masked and the compiler's metadata aside
    forwarder: str | None  # the ERC-2771 forwarder the code trusts (an immutable), None if it has none
    relay_kind: int | None  # how it reads relayed actors (RelayKind, an immutable), None if it has none


def check_code(chain: Chain, address: str, contract: str = CONTRACT, root: Path = PROJECT_ROOT) -> CodeCheck:
    """Compiles `contract` from `root`/contracts and compares it with the runtime code at `address`."""
    address = to_checksum_address(address)
    code = chain.code(address)
    if not code:
        raise InputError(f"{address} has no code on chain {chain.chain_id}: check the implementation's address")
    artifact = compile_contract(contract, Path(root))
    matches = deployed_code(code, artifact) == without_metadata(artifact["deployedBytecode"])
    calls = [{"to": address, "data": "0x" + codec().encode(view).hex()} for view in ("trustedForwarder", "relayKind")]
    replies = chain.rpc.many([("eth_call", [call, "latest"]) for call in calls])
    forwarder, relay_kind = (
        codec().decode(view, reply["result"])[0] if reply.get("result") not in (None, "0x") else None
        for view, reply in zip(("trustedForwarder", "relayKind"), replies, strict=True)
    )
    forwarder = to_checksum_address(forwarder) if forwarder else None
    return CodeCheck(address, contract, "0x" + keccak(code).hex(), matches, forwarder, relay_kind)
