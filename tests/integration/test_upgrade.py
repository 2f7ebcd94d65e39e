"""An upgrade decided by the members, on a real node: a network with certificates in every status,
MRAs in every state, open proposals and a history is upgraded by vote to a second implementation
(version 2, a new view) after the public veto window; every certificate, role, MRA and verify answer
is the same afterwards, versions continue, open proposals go on, and the mirror and `watch` carry on
without a re-sync (the contract's address never changes)."""

import json
import posixpath
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address
from helpers import ROOT, Watcher, rpc

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Job, Signer
from cadena_client.cli.main import cli
from cadena_client.dev import compiler
from cadena_client.domain.model import MasterData
from cadena_client.errors import ContractError
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord

HARNESS = ROOT / "tests" / "contracts" / "harness" / "CadenaV2.sol"
ADMIN = {"MX": 1, "PE": 3, "CR": 5}
OFFICER = {"MX": 2, "PE": 4, "CR": 6}
HOLDER = 9
DAY = 86400


IMPORT = re.compile(r'^import\s+(?:\{[^}]*\}\s+from\s+)?"([^"]+)"', re.MULTILINE)


def imports(root: Path, source: str) -> set[str]:
    """`source` (a path under `root`) and every contract source it imports, directly or not (the
    OpenZeppelin packages, in node_modules, left out)."""
    found: set[str] = set()
    todo = [source]
    while todo:
        name = todo.pop()
        if name in found or name.startswith("@"):
            continue
        found.add(name)
        for target in IMPORT.findall((root / name).read_text()):
            todo.append(
                posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                if target.startswith(".")
                else target
            )
    return found


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A source tree of the second release's implementation: CadenaV2 and the contracts it builds on.
    The consortium, lens and forwarder a whole release also holds are left out: CadenaV2's code depends
    on the sources it imports alone, and compiling the others (with the IR pipeline) took a third of the time."""
    tree = tmp_path_factory.mktemp("release-2")
    harness = HARNESS.relative_to(ROOT).as_posix()
    for name in imports(ROOT, harness):
        copy = tree / ("contracts/CadenaV2.sol" if name == harness else name)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, copy)
    (tree / "node_modules").symlink_to(ROOT / "node_modules")
    return tree


def master(tin: str, holder: str | None = None) -> MasterData:
    return MasterData(tin, f"Operator {tin}", f"Street {tin}", "exporter,importer", date(2024, 1, 1), None, holder)


def wait(url: str, seconds: int) -> None:
    rpc(url, "evm_increaseTime", seconds)
    rpc(url, "evm_mine")


def snapshot(cadena, tins: list[str]) -> dict:
    """What partners rely on: certificates, roles, MRAs, administrations and every verify answer."""
    chain = cadena.chain
    accounts = [chain.dev_account(i).address for i in range(10)]
    return {
        "certificates": cadena.read_certificates(tins),
        "roles": [
            (code, account, cadena.is_admin(code, account), cadena.is_officer(code, account))
            for code in ADMIN
            for account in accounts
        ],
        "mras": cadena.mras(),
        "administrations": cadena.administrations(),
        "verify": [cadena.verify(importer, tin) for importer in ("MX", "PE", "CR", "CO") for tin in tins],
    }


@pytest.mark.slow  # compiles a second implementation and upgrades a whole network
def test_the_members_upgrade_the_network_and_nothing_partners_rely_on_changes(
    node, pilot_record, source, tmp_path, capsys
):
    chain = connect(node.url)
    record = DeploymentRecord.load(pilot_record)
    cadena = record.open(chain)

    def as_(dev: int):
        return cadena.as_signer(Signer(chain, chain.dev_account(dev)))

    mx, pe, cr = (as_(OFFICER[c]) for c in ("MX", "PE", "CR"))
    holder = chain.dev_account(HOLDER).address
    # certificates in every status, one re-issued
    for tin in ("MXACTIVE1", "MXSUSPENDED1", "MXCANCELLED1", "MXREINSTATED1"):
        mx.issue(master(tin))
    mx.issue(master("MXWITHDRAWN1", holder))
    pe.issue(master("PEREISSUED1"))
    cr.issue(master("CRACTIVE1"))
    mx.suspend("MXSUSPENDED1")
    mx.cancel("MXCANCELLED1")
    mx.suspend("MXREINSTATED1")
    mx.reinstate("MXREINSTATED1")
    as_(HOLDER).withdraw("MXWITHDRAWN1")
    pe.cancel("PEREISSUED1")
    pe.issue(master("PEREISSUED1"))
    tins = ["MXACTIVE1", "MXSUSPENDED1", "MXCANCELLED1", "MXREINSTATED1", "MXWITHDRAWN1", "PEREISSUED1", "CRACTIVE1"]
    # MRAs in every state beside the pilot's, in force: proposed, concluded, a party suspended, terminated
    admins = {code: as_(dev) for code, dev in ADMIN.items()}
    admins["MX"].propose_mra("MX", ["MX", "PE"], "priority-treatment", "exporter", title="proposed")
    concluded = admins["MX"].propose_mra("MX", ["MX", "CR"], "priority-treatment", "exporter", "2040-01-01", "later")
    suspended = admins["PE"].propose_mra("PE", ["PE", "CR"], "priority-treatment", "importer", title="paused")
    terminated = admins["CR"].propose_mra("CR", ["CR", "MX"], "priority-treatment", "importer", title="ended")
    for mra_id, parties in ((concluded, "MX CR"), (suspended, "PE CR"), (terminated, "CR MX")):
        for party in parties.split():
            admins[party].sign_mra(mra_id, party)
    admins["PE"].suspend_mra(suspended, "PE")
    admins["CR"].leave_mra(terminated, "CR")
    # an open proposal, voted by one member, that must survive the upgrade
    colombia = chain.dev_account(7).address
    admission = admins["MX"].propose("MX", "admission", "CO", colombia, "DIAN")
    admins["MX"].vote(admission, "MX")

    mirror = Mirror(tmp_path / "mirror.sqlite", chain.chain_id, cadena.address, cadena.deploy_block)
    mirror.sync(cadena)
    watcher = Watcher(node.url, pilot_record, tmp_path / "watch.sqlite")
    watcher.wait_for(lambda: any("watching" in note for note in watcher.notes), "start")

    # the second release's implementation, deployed by anyone, checked by each member, proposed and voted
    v2 = compiler.compile_contract("CadenaV2", source)
    relay = (cadena.read("trustedForwarder")[0], cadena.read("relayKind")[0])
    deployed = Signer(chain, chain.dev_account(0)).transact(
        Job(["CadenaV2"], bytes.fromhex(v2["bytecode"][2:]) + abi_encode(["address", "uint8"], relay), "deploy")
    )
    implementation = to_checksum_address(str(deployed.contract_address))
    code_hash = "0x" + keccak(bytes(chain.w3.eth.get_code(implementation))).hex()
    with pytest.raises(ContractError, match="has no code whose hash is"):
        admins["PE"].propose("PE", "upgrade", account=implementation, code_hash="0x" + "ab" * 32)
    upgrade = admins["PE"].propose("PE", "upgrade", account=implementation, code_hash=code_hash)
    checked = CliRunner().invoke(
        cli,
        ["--rpc-url", node.url, "--deployment", str(pilot_record), "network", "verify-code", implementation]
        + ["--source", str(source), "--contract", "CadenaV2", "--json"],
    )
    assert checked.exit_code == 0, checked.output
    check = json.loads(checked.output)
    assert (check["matches"], check["code_hash"], check["proposals"], check["problems"]) == (
        True,
        code_hash,
        [upgrade],
        [],
    )
    running = CliRunner().invoke(  # the code running now is not what the proposal's source compiles to
        cli,
        ["--rpc-url", node.url, "--deployment", str(pilot_record), "network", "verify-code", cadena.implementation()]
        + ["--source", str(source), "--contract", "CadenaV2"],
    )
    assert running.exit_code == 1 and "is not what CadenaV2 of the source compiles to" in running.output
    admins["PE"].vote(upgrade, "PE")
    admins["CR"].vote(upgrade, "CR")
    admins["PE"].execute(upgrade)  # queued: the public window opens
    shown = CliRunner().invoke(cli, ["--rpc-url", node.url, "--deployment", str(pilot_record), "network", "show"])
    assert f"pending upgrade: proposal {upgrade} to {implementation}" in shown.output, shown.output
    with pytest.raises(ContractError, match="is queued"):
        admins["PE"].execute(upgrade)
    wait(node.url, 7 * DAY + 60)
    before = snapshot(cadena, tins)
    old_implementation = cadena.implementation()
    admins["CR"].execute(upgrade)

    assert cadena.implementation() == implementation != old_implementation
    assert cadena.version() == 2
    is_active = keccak(text="isActive(bytes32)")[:4] + b"MXACTIVE1".ljust(32, b"\0")
    answer = chain.rpc.call("eth_call", [{"to": cadena.address, "data": "0x" + is_active.hex()}, "latest"])
    assert int(answer, 16) == 1  # the new view, on the old state
    assert snapshot(cadena, tins) == before
    # versions continue, the open proposal goes on, and the mirror and watch carry on
    mx.issue(master("MXCANCELLED1"))
    pe.cancel("PEREISSUED1")
    pe.issue(master("PEREISSUED1"))
    assert [c.version for c in cadena.read_certificates(["MXCANCELLED1", "PEREISSUED1"])] == [2, 3]
    admins["PE"].vote(admission, "PE")
    admins["CR"].execute(admission)
    wait(node.url, 2 * DAY + 60)
    admins["CR"].execute(admission)
    assert cadena.is_registered("CO")
    synced = mirror.sync(cadena)
    mirrored = mirror.all_certificates()
    assert synced.events and mirrored
    assert [c.version for c in mirrored] == [c.version for c in cadena.read_certificates([c.tin for c in mirrored])]
    assert {a.country for a in mirror.administrations()} == {"MX", "PE", "CR", "CO"}
    watcher.wait_for(
        lambda: any(line.get("tin") == "PEREISSUED1" and line.get("version") == 3 for line in watcher.lines),
        "print the re-issue after the upgrade",
    )
    watcher.stop()
    with capsys.disabled():
        print(
            f"\nupgraded by vote to {implementation} (version 2) after the 7-day window: "
            f"{len(tins)} certificates, {len(before['mras'])} MRAs, {len(before['verify'])} verify answers unchanged"
        )
