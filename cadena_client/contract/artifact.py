"""The compiled contract shipped in the package, as the runtime reads it (compiling is `compiler`'s)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

CONTRACT = "Cadena"  # the implementation of the network's contract, behind an ERC-1967 proxy
CONSORTIUM = "Consortium"  # the members' governance: the contract's only authority, which creates its proxy
FORWARDER = "CadenaForwarder"  # OpenZeppelin's ERC2771Forwarder, for networks where a relayer sends
LENS = "CadenaLens"  # paged and batch views of the contract, read from its storage
DEPLOYED = (CONTRACT, CONSORTIUM, LENS, FORWARDER)  # the contracts a network deploys, whose artifacts the package ships


@cache
def load_artifact(name: str = CONTRACT) -> dict:
    """The shipped artifact of contract `name`: ABI, bytecode, compiler version and settings, source hashes."""
    return json.loads(
        (resources.files("cadena_client.contract") / "artifacts" / f"{name}.json").read_text(encoding="utf-8")
    )


def deployed_code(code: str | bytes, artifact: dict) -> bytes:
    """Runtime bytecode as the artifact has it: immutables zeroed, the compiler's metadata left out."""
    raw = bytearray(bytes.fromhex(code[2:] if code.startswith("0x") else code) if isinstance(code, str) else code)
    for start, length in artifact.get("immutables", ()):
        raw[start : start + length] = bytes(length)
    return without_metadata(bytes(raw))


def without_metadata(code: str | bytes) -> bytes:
    """Runtime bytecode without the CBOR metadata solc appends (its length in the last two bytes): a
    comment or NatSpec edit changes only that part, not what the contract does."""
    raw = bytes.fromhex(code[2:] if code.startswith("0x") else code) if isinstance(code, str) else bytes(code)
    if len(raw) < 2:
        return raw
    length = int.from_bytes(raw[-2:], "big")
    start = len(raw) - length - 2
    return raw[:start] if 0 < start and 0xA1 <= raw[start] <= 0xA5 else raw
