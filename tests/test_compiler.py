"""The compiler pipeline and the artifacts shipped inside the package."""

from cadena_client import compiler


def test_shipped_artifact_matches_a_fresh_compile(artifact):
    shipped = compiler.load_artifact()
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
    assert any(name.endswith("AccessControlDefaultAdminRules.sol") for name in names)
    assert len(artifact["deployedBytecode"]) // 2 - 1 <= 24_576  # EIP-170 contract size limit


def test_the_pinned_compiler_is_found():
    found = compiler.find_compiler()
    assert found.kind in ("native", "solcjs")
