"""The storage-layout compatibility check of upgrades, by OpenZeppelin's upgrades-core (npm) on solc's
build output: the second implementation (CadenaV2) is accepted as an upgrade of the shipped one, and a
release that moves a field of a module's ERC-7201 namespace is refused.

upgrades-core reads layouts and ASTs; of the bytecode it takes only the hash (the contract's identity
in the build: a contract without bytecode counts as abstract and is not checked) and the link
references. So each build compiles only the contracts checked, from their sources and imports, with
the contracts' settings."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from compile_once import once
from helpers import ROOT

from cadena_client.dev import compiler

VALIDATE = ROOT / "node_modules" / ".bin" / "openzeppelin-upgrades-core"
HARNESS = ROOT / "tests" / "contracts" / "harness" / "CadenaV2.sol"
OUTPUTS = ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "storageLayout"]


def build_info(tree: Path, source: str, name: str) -> dict:
    """Compiles `source` of `tree` (and what it imports) as upgrades-core reads it: a Hardhat-style
    build-info (input and output) with `name` as its id."""
    settings = {**compiler.SETTINGS, "outputSelection": {"*": {"*": OUTPUTS, "": ["ast"]}}}
    standard = {**compiler.standard_input(tree, (Path(source),)), "settings": settings}
    output = compiler.find_compiler(ROOT).compile(standard, tree)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"], output["errors"]
    # the input as compiled, with the imported sources the compiler read through its callback
    standard["sources"] = {name: {"content": compiler.source_text(tree, name)} for name in output["sources"]}
    return {
        "_format": "hh-sol-build-info-1",
        "id": name,
        "solcVersion": compiler.SOLC_VERSION,
        "solcLongVersion": compiler.SOLC_VERSION,
        "input": standard,
        "output": output,
    }


def build_info_dir(info: dict, out: Path) -> Path:
    """A build-info directory named as `info`'s id, holding it."""
    out.mkdir(parents=True)
    (out / f"{info['id']}.json").write_text(json.dumps(info))
    return out


def source_tree(base: Path, edit=None) -> Path:
    """This release's contracts with CadenaV2 beside them, `edit` applied to the copy."""
    shutil.copytree(ROOT / "contracts", base / "contracts")
    shutil.copy(HARNESS, base / "contracts" / "CadenaV2.sol")
    (base / "node_modules").symlink_to(ROOT / "node_modules")
    if edit:
        edit(base / "contracts")
    return base


def validate(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VALIDATE), "validate", str(directory), *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The build of this release's Cadena and CadenaV2, made once a session."""
    base = tmp_path_factory.mktemp("layout")

    def build() -> dict:
        return build_info(source_tree(base / "tree"), "contracts/CadenaV2.sol", "release")  # imports Cadena

    return build_info_dir(once(tmp_path_factory, "storage-layout-release", build), base / "release")


@pytest.mark.slow  # compiles the release and runs OpenZeppelin's upgrade check
def test_the_second_implementation_is_a_safe_upgrade_of_the_shipped_one(release, capsys):
    # CadenaV2 adds no state, so it needs no initializer of its own (Cadena's `initialize` ran once)
    checked = validate(
        release,
        "--contract",
        "CadenaV2",
        "--reference",
        "Cadena",
        "--requireReference",
        "--unsafeAllow",
        "missing-initializer",
    )
    with capsys.disabled():
        print("\n" + checked.stdout.strip())
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow  # compiles a changed release
def test_a_release_that_moves_a_namespaced_field_is_refused(release, tmp_path, capsys):
    def swap_fields(contracts: Path) -> None:  # records and issuers change places in the AEO namespace
        module = contracts / "AEORegistry.sol"
        text = module.read_text()
        records = "        mapping(bytes32 tin => Record) records;\n"
        issuers = "        mapping(bytes2 country => Issuer) issuers;\n"
        assert records + issuers in text
        module.write_text(text.replace(records + issuers, issuers + records))

    moved = build_info_dir(
        build_info(source_tree(tmp_path / "tree", swap_fields), "contracts/Cadena.sol", "moved"), tmp_path / "moved"
    )
    checked = validate(
        moved, "--contract", "Cadena", "--reference", "release:Cadena", "--referenceBuildInfoDirs", str(release)
    )
    with capsys.disabled():
        print("\n" + checked.stdout.strip()[-600:])
    assert checked.returncode != 0
    assert "AEORegistry: Deleted `records`" in checked.stdout and "Inserted `records`" in checked.stdout
