"""The compiler pipeline and the artifacts shipped inside the package."""

from pathlib import Path

from cadena_client import errors
from cadena_client.contract.artifact import FORWARDER, load_artifact
from cadena_client.dev import compiler


def test_shipped_artifact_matches_a_fresh_compile(artifact):
    shipped = load_artifact()
    assert shipped["sourceHashes"] == artifact["sourceHashes"], "sources changed: run `cadena compile`"
    assert shipped["compiler"] == artifact["compiler"], "compiler settings changed: run `cadena compile`"
    assert shipped["abi"] == artifact["abi"], "stale ABI: run `cadena compile`"
    assert shipped["bytecode"] == artifact["bytecode"], "stale bytecode: run `cadena compile`"
    assert shipped["deployedBytecode"] == artifact["deployedBytecode"]


def test_artifact_records_version_settings_and_every_source(artifact):
    assert artifact["compiler"]["version"] == compiler.SOLC_VERSION
    assert artifact["compiler"]["settings"]["optimizer"]["enabled"] is True
    names = set(artifact["sourceHashes"])
    assert "contracts/Cadena.sol" in names
    assert any(name.endswith("access/AccessControl.sol") for name in names)
    assert len(artifact["deployedBytecode"]) // 2 - 1 <= 24_576  # EIP-170 contract size limit


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
    abi = load_artifact()["abi"] + load_artifact(FORWARDER)["abi"]
    assert generated == compiler.error_classes(abi), "stale error classes: run `cadena compile`"
    for entry in (e for e in abi if e["type"] == "error"):
        assert issubclass(getattr(errors, entry["name"]), errors.ContractError)
