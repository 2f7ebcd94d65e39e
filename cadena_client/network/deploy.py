"""MRA network deployment from a TOML config, idempotent, with a deployment record per chain.

`deploy_network` deploys the network (or finds the one the record names): the implementation of the
CADENA contract, then the consortium of the members, which creates the contract (an ERC-1967 proxy of
that implementation, at an address that never changes) and its lens, seats the config's
administrations as founding members and sets its governance rules, so that the deployer keeps no
power once the network exists; then it appoints the officers and proposes and signs the configured
MRAs wherever the country's admin key is at hand. An administration added to the config later is
not seated by anyone's key: the members admit it by vote (`cadena governance propose-admission`).
Each step first checks the chain, so running it again changes nothing that is already in place, and
a run cut short resumes where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import tomllib
from eth_abi import encode as abi_encode
from eth_utils import is_address, to_checksum_address

from cadena_client.contract.artifact import (
    CONSORTIUM,
    CONTRACT,
    FORWARDER,
    deployed_code,
    load_artifact,
    without_metadata,
)
from cadena_client.contract.codec import codec, hex_text, quantity
from cadena_client.domain.governance import Rules
from cadena_client.domain.model import (
    ZERO_ADDRESS,
    AEOType,
    Benefit,
    PartyStatus,
    Visibility,
    parse_country,
    to_day,
)
from cadena_client.errors import (
    CadenaError,
    ConfigError,
    InputError,
    KeystoreError,
    PasswordMissing,
    RecordConflict,
)
from cadena_client.network.record import DeploymentRecord, artifact_fingerprint

if TYPE_CHECKING:  # a record is read without the chain's stack (`verify --offline` imports none of it)
    from cadena_client.api.client import Cadena
    from cadena_client.chain.connection import Chain
    from cadena_client.chain.signer import Receipt, Signer


@dataclass(frozen=True)
class AdministrationConfig:
    country: str
    name: str
    admin: str
    officers: tuple[str, ...] = ()
    validators: int = 1  # nodes of its own in a QBFT network (`cadena network kit`)
    exchange_key: Path | None = None  # its X25519 exchange key file: deploying publishes the public key
    visibility: Visibility = Visibility.ISSUER_ONLY  # the consent its imports record where a list says none


@dataclass(frozen=True)
class MRAConfig:
    title: str
    proposer: str
    parties: tuple[str, ...]
    benefits: Benefit
    covered_types: AEOType
    effective_from: date | None


DEFAULT_RULES = Rules(quorum=5001, supermajority=6666, voting_period=14 * 86_400, recovery_delay=7 * 86_400)


@dataclass(frozen=True)
class NetworkConfig:
    name: str
    deployer: str
    rules: Rules
    chain_id: int | None
    forwarder: str | None  # "deploy" (a CadenaForwarder on this chain), an address, or None: no relaying
    forwarder_kind: str  # what the forwarder at an address must be: a key of FORWARDER_KINDS
    administrations: tuple[AdministrationConfig, ...]
    mras: tuple[MRAConfig, ...]


def load_config(path: Path) -> NetworkConfig:
    """Reads and validates a network config; every problem is a ConfigError naming the key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    try:
        return _parse_config(data, path)
    except InputError as exc:
        raise ConfigError(f"config {path}: {exc}") from None


def _parse_config(data: dict, path: Path) -> NetworkConfig:
    network = _table(data, "network")
    administrations = tuple(
        AdministrationConfig(
            country=parse_country(_value(entry, "country", f"administration[{i}]")),
            name=_value(entry, "name", f"administration[{i}]"),
            admin=_account_ref(_value(entry, "admin", f"administration[{i}]"), f"administration[{i}].admin"),
            officers=tuple(_account_ref(ref, f"administration[{i}].officers") for ref in entry.get("officers", [])),
            validators=_whole(entry.get("validators", 1), f"administration[{i}].validators", 1, 16),
            exchange_key=(path.parent / entry["exchange_key"]) if entry.get("exchange_key") else None,
            visibility=Visibility.parse(entry.get("visibility", "issuer")),
        )
        for i, entry in enumerate(data.get("administration", []))
    )
    if not administrations:
        raise InputError("no [[administration]] entries")
    codes = [entry.country for entry in administrations]
    if len(set(codes)) != len(codes):
        raise InputError(f"an administration appears twice in {', '.join(codes)}")
    mras = []
    for i, entry in enumerate(data.get("mra", [])):
        where = f"mra[{i}]"
        parties = tuple(parse_country(code) for code in _value(entry, "parties", where))
        for code in parties:
            if code not in codes:
                raise InputError(f"{where}.parties: {code} has no [[administration]] entry")
        proposer = parse_country(entry.get("proposer", parties[0] if parties else ""))
        if proposer not in parties:
            raise InputError(f"{where}.proposer {proposer} is not one of its parties")
        effective = entry.get("effective_from")
        to_day(effective if not isinstance(effective, datetime) else effective.date())
        mras.append(
            MRAConfig(
                title=_value(entry, "title", where),
                proposer=proposer,
                parties=parties,
                benefits=Benefit.parse(_value(entry, "benefits", where)),
                covered_types=AEOType.parse(_value(entry, "covered_types", where)),
                effective_from=date.fromisoformat(str(effective)) if effective else None,
            )
        )
    forwarder = _forwarder(network.get("forwarder"))
    kind = _forwarder_kind(network.get("forwarder_kind", CADENA_FORWARDER))
    if forwarder == "deploy" and kind != CADENA_FORWARDER:
        raise InputError(f'network.forwarder "deploy" deploys a CadenaForwarder; for {kind} give its address')
    return NetworkConfig(
        name=network.get("name", path.stem),
        deployer=_account_ref(_value(network, "deployer", "network"), "network.deployer"),
        rules=_rules(data.get("governance", {})),
        chain_id=_whole(network["chain_id"], "network.chain_id", 1, 2**32) if "chain_id" in network else None,
        forwarder=forwarder,
        forwarder_kind=kind,
        administrations=administrations,
        mras=tuple(mras),
    )


def _rules(table: dict) -> Rules:
    """The [governance] table: thresholds in basis points of the active members, periods in days."""
    if not isinstance(table, dict):
        raise InputError("[governance] must be a table")
    unknown = set(table) - {"quorum", "supermajority", "voting_period_days", "recovery_delay_days"}
    if unknown:
        raise InputError(f"[governance] has unknown keys {', '.join(sorted(unknown))}")
    values = {}
    for key, default in (
        ("quorum", DEFAULT_RULES.quorum),
        ("supermajority", DEFAULT_RULES.supermajority),
        ("voting_period_days", DEFAULT_RULES.voting_period // 86_400),
        ("recovery_delay_days", DEFAULT_RULES.recovery_delay // 86_400),
    ):
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"governance.{key} must be a whole number")
        values[key] = value
    return Rules(
        values["quorum"],
        values["supermajority"],
        values["voting_period_days"] * 86_400,
        values["recovery_delay_days"] * 86_400,
    )


def _forwarder(value) -> str | None:
    if value is None or value == "deploy":
        return value
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    raise InputError(f'network.forwarder {value!r} is neither "deploy" nor an address')


def _forwarder_kind(value) -> str:
    if value not in FORWARDER_KINDS:
        raise InputError(f"network.forwarder_kind {value!r} is not one of {', '.join(sorted(FORWARDER_KINDS))}")
    return value


# -- the trust boundary of relayed calls -----------------------------------------------------------

CADENA_FORWARDER = "cadena"


def _is_cadena_forwarder(chain: Chain, address: str) -> str | None:
    """None if `address` runs CadenaForwarder's code (its immutables masked, metadata aside), else why not."""
    artifact = load_artifact(FORWARDER)
    if deployed_code(chain.code(to_checksum_address(address)), artifact) != without_metadata(
        artifact["deployedBytecode"]
    ):
        return "its code is not CadenaForwarder's"
    return None


def _is_lacchain_hub(chain: Chain, address: str) -> str | None:
    """None if `address` runs a LACChain relay hub, else why not."""
    from cadena_client.chain import lacchain

    return None if lacchain.is_hub(chain, address) else "its code has no relayMetaTx, getNonce and getMsgSender"


@dataclass(frozen=True)
class ForwarderKind:
    relay: int  # the contracts' RelayKind: how they read the actor of a call the forwarder relays
    check: Callable[[Chain, str], str | None]  # None if the code at the address is of this kind, else why not
    fix: str  # what to give instead of a wrong address


# What a trusted forwarder must be, by `network.forwarder_kind` (RelayKind.None, 0, is no forwarder).
FORWARDER_KINDS: dict[str, ForwarderKind] = {
    CADENA_FORWARDER: ForwarderKind(
        1,  # RelayKind.ERC2771
        _is_cadena_forwarder,
        'deploy a CadenaForwarder (forwarder = "deploy") or give the address of one',
    ),
    "lacchain-hub": ForwarderKind(  # chain.lacchain.HUB_KIND, HUB_RELAY (its module is imported only to check)
        2, _is_lacchain_hub, "give the address of the network's LACChain relay hub"
    ),
}


def check_forwarder(chain: Chain, address: str, kind: str = CADENA_FORWARDER) -> None:
    """Refuses a forwarder the contract must not trust: an address without code (an ordinary account would
    append any actor's address to its calldata and act as them), or code other than its kind's."""
    fix = FORWARDER_KINDS[kind].fix
    if not chain.code(to_checksum_address(address)):
        raise ConfigError(f"network.forwarder {address} has no code: an account there could act as anyone; {fix}")
    problem = FORWARDER_KINDS[kind].check(chain, address)
    if problem:
        raise ConfigError(
            f"network.forwarder {address} is not a {kind} forwarder: {problem}; {fix}; nothing was deployed"
        )


def _whole(value, where: str, least: int, most: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= most:
        raise InputError(f"{where} must be a whole number from {least} to {most}")
    return value


def _table(data: dict, key: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise InputError(f"missing [{key}] table")
    return value


def _value(table: dict, key: str, where: str):
    if key not in table or table[key] in ("", []):
        raise InputError(f"{where}.{key} is missing")
    return table[key]


def _account_ref(ref: str, where: str) -> str:
    """'dev:N', 'keystore:PATH' or an address."""
    text = str(ref).strip()
    if text.startswith("dev:") and text[4:].isdigit():
        return text
    if text.startswith("keystore:") and len(text) > 9:
        return text
    if is_address(text):
        return to_checksum_address(text)
    raise InputError(f"{where}: {ref!r} is not an account (use dev:N, keystore:PATH or a 0x address)")


# -- accounts --------------------------------------------------------------------------------------


class Accounts:
    """Resolves account references of a config to addresses and, where a key is at hand, signers."""

    def __init__(self, chain: Chain, base: Path, password: Callable[[Path], str] | None = None):
        self.chain, self.base, self.password = chain, base, password
        self._signers: dict[str, Signer] = {}

    def address(self, ref: str) -> str:
        if ref.startswith("keystore:"):
            path = self._keystore_path(ref)
            if not path.is_file():
                raise KeystoreError(f"keystore {path} does not exist")
            try:
                return to_checksum_address(json.loads(path.read_text())["address"])
            except (OSError, ValueError, KeyError):
                signer = self.signer(ref)
                assert signer is not None  # a keystore reference
                return signer.address
        if ref.startswith("dev:"):
            return self.chain.dev_account(int(ref[4:])).address
        return ref

    def check(self, config: NetworkConfig) -> dict[str, str]:
        """Checks every account of `config` before anything is sent: dev accounts exist, keystores open,
        and (where gas is not free) every key that may sign holds ether. Returns country -> admin address."""
        signing = [config.deployer, *(entry.admin for entry in config.administrations)]
        problems = []
        for ref in dict.fromkeys(signing + [ref for entry in config.administrations for ref in entry.officers]):
            try:
                if ref not in signing:
                    self.address(ref)
                    continue
                signer = self.signer(ref)
                if (
                    signer is not None
                    and not self.chain.free_gas
                    and quantity(self.chain.rpc.call("eth_getBalance", [signer.address, "latest"])) == 0
                ):
                    problems.append(f"{ref} ({signer.address}) has no ether to pay for gas; fund it first")
            except CadenaError as exc:
                problems.append(f"{ref}: {exc}")
        if problems:
            raise ConfigError(f"nothing was sent; {'; '.join(problems)}")
        return {entry.country: self.address(entry.admin) for entry in config.administrations}

    def signer(self, ref: str) -> Signer | None:
        """A signer for `ref`, or None for a bare address (no key here)."""
        from cadena_client.chain.keys import load_keystore
        from cadena_client.chain.signer import Signer

        if ref in self._signers:
            return self._signers[ref]
        if ref.startswith("dev:"):
            account = self.chain.dev_account(int(ref[4:]))
        elif ref.startswith("keystore:"):
            if self.password is None:
                raise PasswordMissing(f"{ref} needs a password and none was given")
            path = self._keystore_path(ref)
            account = load_keystore(path, self.password(path))
        else:
            return None
        self._signers[ref] = Signer(self.chain, account)
        return self._signers[ref]

    def _keystore_path(self, ref: str) -> Path:
        path = Path(ref[len("keystore:") :]).expanduser()
        return path if path.is_absolute() else self.base / path


# -- deployment ------------------------------------------------------------------------------------


@dataclass
class Step:
    what: str
    outcome: str  # "done", "already", "pending"
    detail: str = ""


@dataclass
class DeployReport:
    cadena: Cadena
    record: DeploymentRecord
    steps: list[Step] = field(default_factory=list)

    def add(self, what: str, outcome: str, detail: str = "") -> None:
        self.steps.append(Step(what, outcome, detail))

    def count(self, outcome: str) -> int:
        return sum(step.outcome == outcome for step in self.steps)


def deploy_network(
    chain: Chain,
    config: NetworkConfig,
    accounts: Accounts,
    record_path: Path | None,
    progress: Callable[[Step], None] | None = None,
) -> DeployReport:
    """Brings the chain to what `config` describes; returns what was done, found, or left pending."""
    record = DeploymentRecord.load(record_path) if record_path is not None and record_path.exists() else None
    admins = accounts.check(config)
    if record is not None:
        _check_same_network(record, config, admins, record_path)
    if record is None:
        deployer = accounts.signer(config.deployer)
        if deployer is None:
            raise ConfigError("network.deployer must have a key here (dev:N or keystore:PATH) to deploy")
        record = _deploy_contract(chain, config, deployer, admins)
        if record_path is not None:
            record.save(record_path)
        relaying = f", trusting forwarder {record.forwarder}" if record.forwarder else ""
        first = Step(
            "deploy contract",
            "done",
            f"{record.address} (consortium {record.consortium}) at block {record.deploy_block}{relaying}",
        )
    else:
        first = Step("deploy contract", "already", f"{record.address} (from {record_path})")
    cadena = record.open(chain)
    report = DeployReport(cadena, record)

    def note(what: str, outcome: str, detail: str = "") -> None:
        report.add(what, outcome, detail)
        if progress:
            progress(report.steps[-1])

    note(first.what, first.outcome, first.detail)
    for entry in config.administrations:
        _ensure_administration(cadena, entry, accounts, note, founded=first.outcome == "done")
    for mra in config.mras:
        _ensure_mra(cadena, mra, config, accounts, note)
    seated = {
        code: admin for code, admin in admins.items() if code in record.administrations or cadena.is_registered(code)
    }
    if record_path is not None and record.administrations != seated:
        record.administrations = seated
        record.save(record_path)
    return report


def _check_same_network(record: DeploymentRecord, config: NetworkConfig, admins: dict[str, str], path) -> None:
    """A record belongs to one network: a config may add to it (administrations, officers, MRAs), not change it."""
    separate = f"to deploy {config.name!r} as a separate network, give it another record"
    if config.name != record.network:
        raise RecordConflict(f"{path} holds the network {record.network!r}, not {config.name!r}; {separate}")
    for code, admin in record.administrations.items():
        if admins.get(code) != admin:
            change = "leaves out" if code not in admins else f"gives another admin ({admins[code]}) for"
            raise RecordConflict(
                f"the config {change} {code}, whose admin in {path} is {admin}; a config may only add to "
                f"its network (a country rotates its own admin key with `cadena admin grant`, then `revoke`); "
                f"{separate}"
            )


def _deploy_contract(chain: Chain, config: NetworkConfig, deployer: Signer, admins: dict[str, str]) -> DeploymentRecord:
    """Deploys the implementation, then the consortium with the config's administrations as founders: it
    creates the contract's proxy and lens, seats the founders and sets the rules; the deployer holds
    nothing afterwards."""
    from cadena_client.chain.signer import Job

    forwarder = config.forwarder
    if forwarder == "deploy":
        code = bytes.fromhex(load_artifact(FORWARDER)["bytecode"].removeprefix("0x"))
        forwarder = str(deployer.transact(Job(["forwarder"], code, "deploy")).contract_address)
    elif forwarder is not None:
        check_forwarder(chain, forwarder, config.forwarder_kind)
    trusted = forwarder or ZERO_ADDRESS
    relay = FORWARDER_KINDS[config.forwarder_kind].relay if forwarder else 0
    implementation = _create(deployer, CONTRACT, abi_encode(["address", "uint8"], [trusted, relay]))
    founders = config.administrations
    arguments = abi_encode(
        ["address", "bytes2[]", "string[]", "address[]", "(uint16,uint16,uint32,uint32)", "address", "uint8"],
        [
            implementation.contract_address,
            [entry.country.encode() for entry in founders],
            [entry.name for entry in founders],
            [admins[entry.country] for entry in founders],
            config.rules.as_tuple(),
            trusted,
            relay,
        ],
    )
    receipt = _create(deployer, CONSORTIUM, arguments)
    consortium = to_checksum_address(str(receipt.contract_address))
    call = {"to": consortium, "data": "0x" + codec().encode("cadena").hex()}
    proxy = codec().decode("cadena", chain.rpc.call("eth_call", [call, "latest"]))[0]
    return DeploymentRecord(
        chain_id=chain.chain_id,
        address=to_checksum_address(proxy),
        deploy_block=receipt.block,
        deploy_block_hash=hex_text(chain.rpc.call("eth_getBlockByNumber", [hex(receipt.block), False])["hash"]),
        deploy_tx=receipt.tx_hash,
        network=config.name,
        artifact=artifact_fingerprint(),
        deployed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        forwarder=to_checksum_address(forwarder) if forwarder else None,
        consortium=consortium,
    )


def _create(deployer: Signer, name: str, arguments: bytes) -> Receipt:
    """Deploys the shipped contract `name` with its ABI-encoded constructor `arguments`."""
    from cadena_client.chain.signer import Job

    code = bytes.fromhex(load_artifact(name)["bytecode"].removeprefix("0x")) + arguments
    return deployer.transact(Job([name], code, "deploy"))


def _ensure_administration(
    cadena: Cadena, entry: AdministrationConfig, accounts: Accounts, note, founded: bool
) -> None:
    """Checks that `entry`'s country is seated (by the constructor when `founded`) and appoints its officers."""
    code = entry.country
    admin = accounts.address(entry.admin)
    if not cadena.is_registered(code):
        note(
            f"seat {code}",
            "pending",
            f"the network exists, so only the members admit {code}: "
            f"cadena governance propose-admission {code} --name ... --admin {admin}, then votes and execute",
        )
        return
    note(f"seat {code}", *(("done", "a founding member") if founded else ("already",)))
    if not cadena.is_admin(code, admin):  # only the country's own admins can appoint one
        note(f"{code} admin {admin}", "pending", f"left to {code}'s administration admins")
    admin_signer = accounts.signer(entry.admin)
    for ref in entry.officers:
        officer = accounts.address(ref)
        if cadena.is_officer(code, officer):
            note(f"{code} officer {officer}", "already")
        elif admin_signer is None:
            note(f"{code} officer {officer}", "pending", f"{code}'s admin key is not available here")
        else:
            cadena.as_signer(admin_signer).grant_officer(code, officer)
            note(f"{code} officer {officer}", "done")
    if entry.exchange_key is not None:
        _ensure_exchange_key(cadena, entry, admin_signer, note)


def _ensure_exchange_key(cadena: Cadena, entry: AdministrationConfig, admin_signer, note) -> None:
    """Publishes the public half of `entry`'s exchange key, which partners seal its copies of master data to."""
    from cadena_client.confidential.keys import ExchangeKeys

    assert entry.exchange_key is not None
    public_key = ExchangeKeys.load(entry.exchange_key, entry.country).public_key
    step = f"{entry.country} exchange key"
    if cadena.exchange_key(entry.country) == public_key:
        note(step, "already")
    elif admin_signer is None:
        note(step, "pending", f"{entry.country}'s admin key is not available here")
    else:
        cadena.as_signer(admin_signer).set_exchange_key(entry.country, public_key)
        note(step, "done")


def _ensure_mra(cadena: Cadena, entry: MRAConfig, config: NetworkConfig, accounts: Accounts, note) -> None:
    admins = {a.country: a.admin for a in config.administrations}
    existing = next(
        (
            m
            for m in cadena.mras(entry.proposer)
            if m.title == entry.title and {p.country for p in m.parties} == set(entry.parties)
        ),
        None,
    )
    if existing is None:
        proposer = accounts.signer(admins[entry.proposer])
        if proposer is None:
            note(f"propose MRA {entry.title!r}", "pending", f"{entry.proposer}'s admin key is not available here")
            return
        mra_id = cadena.as_signer(proposer).propose_mra(
            entry.proposer, list(entry.parties), entry.benefits, entry.covered_types, entry.effective_from, entry.title
        )
        note(f"propose MRA {entry.title!r}", "done", f"MRA {mra_id}")
        existing = cadena.mra(mra_id)
    else:
        note(f"propose MRA {entry.title!r}", "already", f"MRA {existing.id}")
    for party in existing.parties:
        if party.status != PartyStatus.PENDING:
            note(f"MRA {existing.id}: {party.country} signs", "already", party.status.label)
            continue
        signer = accounts.signer(admins[party.country])
        if signer is None:
            note(
                f"MRA {existing.id}: {party.country} signs",
                "pending",
                f"left to {party.country}'s admin, whose key is not here",
            )
        else:
            cadena.as_signer(signer).sign_mra(existing.id, party.country)
            note(f"MRA {existing.id}: {party.country} signs", "done")
