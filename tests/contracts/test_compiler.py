"""The compiler pipeline and the artifacts shipped inside the package: current, with room to grow, and
free of opcodes the production chains (Berlin-level) lack."""

import re
from pathlib import Path

import pytest
from compile_once import once

from cadena_client import errors
from cadena_client.contract.artifact import DEPLOYED, load_artifact, without_metadata
from cadena_client.dev import compiler

ROOM = 20_480  # EIP-170's 24,576 bytes less 4 KiB kept for the growth of the next years
# opcodes of forks after Berlin: PUSH0 (Shanghai), MCOPY, TLOAD and TSTORE (Cancun); BASEFEE (London)
LATER_OPCODES = {0x5F: "PUSH0", 0x5E: "MCOPY", 0x5C: "TLOAD", 0x5D: "TSTORE", 0x48: "BASEFEE"}
METADATA = re.compile(rb"\xa2\x64ipfs\x58\x22.{34}\x64solc\x43.{3}\x00\x33", re.DOTALL)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Every deployed contract compiled anew with the pinned compiler (about half a minute), once a session."""
    return once(tmp_path_factory, "fresh-artifacts", compiler.compile_contracts)


@pytest.mark.slow  # a fresh viaIR compile of every contract
@pytest.mark.parametrize("name", DEPLOYED)
def test_shipped_artifact_matches_a_fresh_compile(fresh, name):
    shipped, artifact = load_artifact(name), fresh[name]
    assert shipped["sourceHashes"] == artifact["sourceHashes"], "sources changed: run `cadena compile`"
    assert shipped["compiler"] == artifact["compiler"], "compiler settings changed: run `cadena compile`"
    assert shipped["abi"] == artifact["abi"], "stale ABI: run `cadena compile`"
    assert shipped["bytecode"] == artifact["bytecode"], "stale bytecode: run `cadena compile`"
    assert shipped["deployedBytecode"] == artifact["deployedBytecode"]


def test_artifact_records_version_settings_and_every_source(artifact):
    assert artifact["compiler"]["version"] == compiler.SOLC_VERSION
    assert artifact["compiler"]["settings"]["optimizer"]["enabled"] is True
    assert artifact["compiler"]["settings"]["evmVersion"] == "berlin"
    names = set(artifact["sourceHashes"])
    assert "contracts/Cadena.sol" in names
    assert any(name.endswith("access/AccessControlUpgradeable.sol") for name in names)


def test_every_deployed_contract_keeps_4_kib_under_eip_170(capsys):
    sizes = {name: len(bytes.fromhex(load_artifact(name)["deployedBytecode"][2:])) for name in DEPLOYED}
    with capsys.disabled():
        print(f"\n\nruntime code sizes (EIP-170: 24,576 bytes; kept at most {ROOM:,})")
        for name, size in sizes.items():
            print(f"{name:<18}{size:>8,} bytes{24_576 - size:>10,} left")
    assert all(size <= ROOM for size in sizes.values()), sizes


TERMINATORS = {0x00, 0x56, 0xF3, 0xFD, 0xFE, 0xFF}  # STOP, JUMP, RETURN, REVERT, INVALID, SELFDESTRUCT


def opcodes(code: bytes):
    """The reachable opcodes of `code`: PUSH data skipped, and after an instruction that ends a block
    everything up to the next JUMPDEST (the data solc appends after the code, or dead bytes)."""
    i = 0
    while i < len(code):
        op = code[i]
        yield op
        i += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
        if op in TERMINATORS:
            while i < len(code) and code[i] != 0x5B:
                i += 1


def later_opcodes(code: bytes) -> set[str]:
    """Opcodes after Berlin in `code`, each piece between the compiler's metadata blobs walked from its start."""
    return {LATER_OPCODES[op] for piece in METADATA.split(code) for op in opcodes(piece) if op in LATER_OPCODES}


@pytest.mark.parametrize("name", DEPLOYED)
def test_no_artifact_holds_an_opcode_berlin_lacks(name):
    artifact = load_artifact(name)
    runtime = bytes.fromhex(artifact["deployedBytecode"][2:])
    creation = bytes.fromhex(artifact["bytecode"][2:])
    assert METADATA.search(runtime) and len(without_metadata(runtime)) < len(runtime)  # the walk skips it
    assert later_opcodes(runtime) == set() and later_opcodes(creation) == set()


def test_the_opcode_walk_finds_what_it_looks_for():
    assert later_opcodes(bytes([0x60, 0x5F, 0x5F])) == {"PUSH0"}  # PUSH1 0x5f, then a real PUSH0
    assert later_opcodes(bytes([0x61, 0x5E, 0x5D, 0x00])) == set()  # both inside PUSH2's data
    assert later_opcodes(bytes([0x00, 0x5E, 0x5B, 0x5D])) == {"TSTORE"}  # data after STOP; code at a JUMPDEST


def test_the_pinned_compiler_is_found():
    found = compiler.find_compiler()
    assert found.kind in ("native", "solcjs")


def test_compile_without_a_compiler_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cadena_client.cli.main import cli

    monkeypatch.setattr(compiler.find_compiler, "__defaults__", (tmp_path,))  # no node_modules there
    monkeypatch.setattr(compiler, "_native_version", lambda binary: None)  # and no native solc of the version
    result = CliRunner().invoke(cli, ["compile"])
    assert result.exit_code == 1
    assert (
        result.output.startswith(f"Error: no solc {compiler.SOLC_VERSION}")
        and len(result.output.strip().splitlines()) == 1
    )


def test_the_contract_error_classes_are_those_of_the_shipped_abi():
    text = Path(errors.__file__).read_text()
    generated = text[text.index(compiler.GENERATED_MARK) :].split("\n", 1)[1]
    abi = [entry for name in DEPLOYED for entry in load_artifact(name)["abi"]]
    assert generated == compiler.error_classes(abi), "stale error classes: run `cadena compile`"
    for entry in (e for e in abi if e["type"] == "error"):
        assert issubclass(getattr(errors, entry["name"]), errors.ContractError)
