"""Compiles the Solidity contracts into the artifacts shipped inside this package.

One pinned compiler version and one set of settings, through Solidity Standard JSON: a native
solc of that version when one is installed (on PATH or through py-solc-x), otherwise solc-js from
the project's node_modules. Artifacts hold ABI, bytecode, compiler version, settings and the hash of
every source, so a fresh compile can prove the shipped ones current.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import keccak

from cadena_client import errors
from cadena_client.contract.artifact import CONTRACT, DEPLOYED, load_artifact
from cadena_client.errors import CompilerError

SOLC_VERSION = "0.8.30"
SETTINGS: dict[str, Any] = {
    # 100 runs: the CADENA implementation stays 4 KiB under EIP-170's limit (200 runs add 250 bytes to it,
    # 1,000 runs 3.6 KB) while verify, issue and suspend keep within the gas the tests hold them to.
    "optimizer": {"enabled": True, "runs": 100},
    # The IR pipeline: the legacy one runs out of stack slots ("stack too deep") on the certificate
    # events, which carry the whole master data (12 arguments) so that names and addresses need no
    # storage; it also inlines the CertificateWord library into single-slot reads and writes.
    "viaIR": True,
    # Berlin: the production chains (LACChain, Besu networks that predate London) run Berlin; no
    # PUSH0, MCOPY or TSTORE (the tests walk every artifact's opcodes).
    "evmVersion": "berlin",
    "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.deployedBytecode.immutableReferences",
            ]
        }
    },
}

PACKAGE_DIR = Path(__file__).resolve().parents[1]
ERRORS_MODULE = Path(errors.__file__)
GENERATED_MARK = "# -- generated from the artifact's ABI by `cadena compile`; do not edit"
ARTIFACTS_DIR = PACKAGE_DIR / "contract" / "artifacts"
PROJECT_ROOT = PACKAGE_DIR.parent


@dataclass(frozen=True)
class Compiler:
    """A solc of the pinned version: a native binary or the solc-js bridge."""

    kind: str  # "native" or "solcjs"
    path: str

    def compile(self, standard_input: dict, root: Path) -> dict:
        if self.kind == "native":
            command = [self.path, "--standard-json", "--base-path", str(root), "--allow-paths", str(root)]
        else:
            command = [self.path, str(Path(__file__).with_name("solcjs_compile.js")), str(root)]
        run = subprocess.run(command, input=json.dumps(standard_input), capture_output=True, text=True, cwd=root)
        if run.returncode != 0:
            raise CompilerError(f"{self.kind} solc failed: {run.stderr.strip() or run.stdout.strip()}")
        return json.loads(run.stdout)


def _native_version(binary: str) -> str | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    match = re.search(r"Version: (\d+\.\d+\.\d+)", out)
    return match.group(1) if match else None


def find_compiler(root: Path = PROJECT_ROOT) -> Compiler:
    """The pinned solc: native if installed, else solc-js from `root`/node_modules."""
    candidates = [shutil.which("solc")]
    try:
        import solcx

        installed = solcx.get_installed_solc_versions()
        candidates += [str(solcx.get_executable(version)) for version in installed]  # type: ignore[attr-defined]
    except Exception:  # py-solc-x absent or without installed versions
        pass
    for binary in filter(None, candidates):
        if _native_version(binary) == SOLC_VERSION:
            return Compiler("native", binary)
    node = shutil.which("node")
    solc_package = root / "node_modules" / "solc" / "package.json"
    if node and solc_package.exists():
        version = json.loads(solc_package.read_text())["version"]
        if version == SOLC_VERSION:
            return Compiler("solcjs", node)
        raise CompilerError(f"node_modules has solc {version}, not {SOLC_VERSION}: run `npm ci`")
    raise CompilerError(f"no solc {SOLC_VERSION}: install Node.js and run `npm ci` in the project root")


def standard_input(root: Path = PROJECT_ROOT, only: tuple[Path, ...] = ()) -> dict:
    """Standard JSON input with every contract source of `root`/contracts, or `only` the files given
    (relative to `root`; the compiler reads what they import)."""
    paths = [root / path for path in only] or sorted((root / "contracts").rglob("*.sol"))
    sources = {path.relative_to(root).as_posix(): {"content": path.read_text()} for path in paths}
    return {"language": "Solidity", "sources": sources, "settings": SETTINGS}


_OUTPUTS: dict[bytes, dict] = {}  # compiler outputs by their input's hash: one compile per sources a process


def _compile(root: Path, compiler: Compiler | None, only: tuple[Path, ...] = ()) -> dict:
    """The compiler's output for the contracts (or `only` those sources); compile errors raise."""
    standard = standard_input(root, only)
    key = keccak(text=json.dumps(standard, sort_keys=True))
    if key not in _OUTPUTS:
        output = (compiler or find_compiler(root)).compile(standard, root)
        errors = [e for e in output.get("errors", []) if e["severity"] == "error"]
        if errors:
            raise CompilerError("\n".join(e.get("formattedMessage", e["message"]) for e in errors))
        _OUTPUTS[key] = output
    return _OUTPUTS[key]


def compile_contracts(root: Path = PROJECT_ROOT, compiler: Compiler | None = None) -> dict[str, dict]:
    """Compiles the contracts of `root`; returns the artifact of each deployable one (CADENA's
    implementation, the consortium, the lens and the forwarder) by name."""
    output = _compile(root, compiler)
    return {name: _artifact(root, output, f"contracts/{name}.sol", name) for name in DEPLOYED}


def compile_contract(name: str, root: Path = PROJECT_ROOT) -> dict:
    """The artifact of contract `name` in `root`/contracts/`name`.sol (a source tree such as a release's)."""
    return _artifact(root, _compile(root, None), f"contracts/{name}.sol", name)


def _artifact(root: Path, output: dict, source: str, name: str) -> dict:
    """What the package ships of contract `name`: ABI, both bytecodes, where immutables sit, compiler
    version and settings, and the hash of every source."""
    try:
        contract = output["contracts"][source][name]
    except KeyError:
        raise CompilerError(f"{root / source} declares no contract {name}") from None
    return {
        "contractName": name,
        "compiler": {
            "version": SOLC_VERSION,
            "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"},
        },
        "sourceHashes": {n: "0x" + keccak(source_text(root, n).encode()).hex() for n in sorted(output["sources"])},
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
        # where the constructor writes immutables (the forwarder's address) into the deployed code
        "immutables": sorted(
            [ref["start"], ref["length"]]
            for refs in contract["evm"]["deployedBytecode"].get("immutableReferences", {}).values()
            for ref in refs
        ),
    }


def compile_harness(source: Path, name: str, root: Path = PROJECT_ROOT) -> dict:
    """ABI and bytecode of contract `name` in `source` (a test harness beside the contracts it imports),
    compiled with the contracts' settings from that source and its imports alone."""
    contract = _compile(root, None, (source.relative_to(root),))["contracts"][source.relative_to(root).as_posix()][name]
    return {"abi": contract["abi"], "bytecode": "0x" + contract["evm"]["bytecode"]["object"]}


def source_text(root: Path, name: str) -> str:
    """The text of source unit `name` of the tree at `root` (remappings applied)."""
    for remap in SETTINGS["remappings"]:
        prefix, target = remap.split("=")
        if name.startswith(prefix):
            name = target + name[len(prefix) :]
    return (root / name).read_text()


def artifact_path(name: str = CONTRACT) -> Path:
    return ARTIFACTS_DIR / f"{name}.json"


def write_artifact(artifact: dict) -> Path:
    """Writes `artifact` into the package, formatted for readable diffs."""
    path = artifact_path(artifact["contractName"])
    path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
    load_artifact.cache_clear()
    return path


def error_classes(abi: list[dict]) -> str:
    """The Python classes of the contracts' custom errors, one per error of `abi`, sorted by name."""
    classes = []
    unique = {e["name"]: e for e in abi if e["type"] == "error"}
    for entry in sorted(unique.values(), key=lambda e: e["name"]):
        signature = ", ".join(f"{i['type']} {i['name']}" for i in entry["inputs"])
        classes.append(f'class {entry["name"]}(ContractError):\n    """{entry["name"]}({signature})"""\n')
    return "\n\n".join(classes)


def write_error_classes(abi: list[dict], path: Path = ERRORS_MODULE) -> None:
    """Rewrites the generated part of the exception module from `abi`."""
    text = path.read_text()
    head = text[: text.index(GENERATED_MARK)]
    path.write_text(f"{head}{GENERATED_MARK} {'-' * (101 - len(GENERATED_MARK))}\n{error_classes(abi)}")
