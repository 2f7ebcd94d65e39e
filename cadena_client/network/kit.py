"""A Hyperledger Besu QBFT network kit for the administrations of a network config.

`write_kit` writes, under one folder, what each administration needs to start its nodes as written,
for Besu 25.10 (every option and file format checked against Besu's documentation of that release):
- in each administration's own folder only: its validators' node keys, the keystores of its accounts
  (for `dev:N` references of the config, which do not exist on Besu) with their password, and the
  key that signs the JSON Web Tokens its nodes' JSON-RPC accepts, with a token for its operators, its
  X25519 exchange key (which opens the master data sealed to it) and the keystore of its credential
  signer (all mode 0600, folders 0700);
- shared: a `genesis.json` (QBFT, the config's chain id, zero base fee, the validators in
  `extraData`), a Besu `config.toml` per node (JSON-RPC with JWT authentication, bound to its
  administration's own network), `permissions_config.toml` (the nodes and the accounts allowed to
  send: the config's), `deploy.toml` (the config with those keystores and addresses), a
  `docker-compose.yml` and a README for the operators.
Keys and the genesis already written are kept: a second run writes the same network again around
them, and validators added later join by the others' votes. With the
members read from the chain (`members`, after governance admits or expels one), the allowlists are
those of the network as it stands.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

import jwt
import rlp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from eth_keys.datatypes import PrivateKey
from eth_utils import to_checksum_address

from cadena_client.api.client import Cadena
from cadena_client.chain.keys import create_keystore
from cadena_client.chain.logs import LogSource
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.contract.codec import country_roles, hex_text
from cadena_client.domain.model import AdministrationStatus
from cadena_client.errors import ConfigError
from cadena_client.network.deploy import NetworkConfig

BESU_VERSION = "25.10.0"
BESU_IMAGE = f"hyperledger/besu:{BESU_VERSION}"
QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"  # fixed by QBFT
SUBNET = IPv4Network("172.16.239.0/24")  # the validators' peer-to-peer network; node n gets address 10 + n
RPC_SUBNETS = IPv4Network("172.30.0.0/16")  # administration k's own network: 172.30.k.0/24 (not docker0's 172.17)
P2P_PORT, RPC_PORT = 30303, 8545
BLOCK_PERIOD_SECONDS = 2
JWT_ALGORITHM = "ES256"  # ECDSA on secp256r1, one of those Besu's JWT public key authentication takes
TOKEN_DAYS = 365
RPC_API = ["ETH", "NET", "WEB3", "QBFT", "TXPOOL", "PERM"]  # PERM: perm_reloadPermissionsFromFile


def qbft_extra_data(validators: list[str]) -> str:
    """The genesis `extraData` of a QBFT network: RLP([32-byte vanity, validators, no vote, round 0, no seals])."""
    return "0x" + rlp.encode([b"\0" * 32, [bytes.fromhex(a[2:]) for a in validators], [], b"", []]).hex()


@dataclass(frozen=True)
class Node:
    """One validator node of an administration."""

    country: str
    index: int
    address: str  # the validator's address, from its node key
    public_key: str  # 0x + 64 bytes
    ip: str  # in the validators' network
    rpc_ip: str  # in its administration's own network, where its JSON-RPC listens

    @property
    def name(self) -> str:
        return f"{self.country.lower()}-node-{self.index}"

    @property
    def folder(self) -> Path:
        return Path(self.country.lower()) / f"node-{self.index}"

    @property
    def enode(self) -> str:
        return f"enode://{self.public_key[2:]}@{self.ip}:{P2P_PORT}"


def write_kit(
    config: NetworkConfig,
    source: Path,
    out: Path,
    chain_id: int,
    validators: dict[str, int],
    members: dict[str, list[str]] | None = None,
) -> list[Node]:
    """Writes the kit for `config` (read from `source`) into `out`; `validators` gives each country's
    number of nodes.
    `members` (country -> its accounts, read from the chain) narrows the allowlists to the network as
    it stands: the nodes of its members and their accounts."""
    out.mkdir(parents=True, exist_ok=True)
    nodes: list[Node] = []
    for number, entry in enumerate(config.administrations):
        rpc = IPv4Network(f"{RPC_SUBNETS.network_address + 256 * number}/24")
        for index in range(1, validators.get(entry.country, 1) + 1):
            key = _node_key(out / entry.country.lower() / f"node-{index}")
            ip = str(SUBNET.network_address + 10 + len(nodes))
            address, public = key.public_key.to_checksum_address(), key.public_key.to_hex()
            nodes.append(Node(entry.country, index, address, public, ip, str(rpc.network_address + 9 + index)))
    if len(nodes) > 200 or len(config.administrations) > 256:
        raise ConfigError(f"{len(nodes)} nodes do not fit the kit's network {SUBNET}; give fewer validators")
    accounts = _accounts(config, source.parent, out)
    for entry in config.administrations:
        folder = out / entry.country.lower()
        _rpc_token(folder)
        _exchange_key(folder, entry.country)
        _credential_signer(folder)
    allowed = nodes if members is None else [node for node in nodes if node.country in members]
    accounts_allowed = sorted(
        {address for address, _ in accounts.values()}
        if members is None
        else {a for held in members.values() for a in held},
        key=str.lower,
    )
    if not (out / "genesis.json").exists():  # the network's first block: never written again, since
        # a validator added later joins by the others' votes, not by another genesis
        _write(out / "genesis.json", json.dumps(genesis(chain_id, nodes), indent=2) + "\n")
    _write(out / "permissions_config.toml", _permissions(allowed, accounts_allowed))
    _write(out / "deploy.toml", _deploy_config(source.read_text(encoding="utf-8"), accounts))
    bootnodes = [node.enode for node in allowed if node.index == 1]  # each administration's first node
    for node in nodes:
        _write(out / node.folder / "config.toml", _node_config(node, bootnodes))
    _write(out / "docker-compose.yml", _compose(nodes, config))
    _write(out / "README.md", _readme(config, chain_id, nodes))
    return nodes


def members_on_chain(cadena: Cadena) -> dict[str, list[str]]:
    """Each administration that is a member of the deployed network (not expelled) -> the accounts
    holding its admin and officer roles now, from the contract's role events."""
    roles = country_roles()
    logs = LogSource(cadena.chain, cadena.address)
    holders: dict[str, set[str]] = {}
    topics = [[logs.topic("RoleGranted"), logs.topic("RoleRevoked")]]
    for name, args, _ in logs.scan(cadena.deploy_block, topics):
        role = roles.get(bytes.fromhex(hex_text(args["role"])[2:]))
        if role:
            held = holders.setdefault(role[0], set())
            (held.add if name == "RoleGranted" else held.discard)(to_checksum_address(args["account"]))
    return {
        entry.country: sorted(holders.get(entry.country, ()), key=str.lower)
        for entry in cadena.administrations()
        if entry.status is not AdministrationStatus.EXPELLED
    }


def genesis(chain_id: int, nodes: list[Node]) -> dict:
    """A QBFT genesis from London on with a zero base fee, the validators sorted by address."""
    return {
        "config": {
            "chainId": chain_id,
            "berlinBlock": 0,
            "londonBlock": 0,
            "zeroBaseFee": True,
            "qbft": {"blockperiodseconds": BLOCK_PERIOD_SECONDS, "epochlength": 30000, "requesttimeoutseconds": 4},
        },
        "nonce": "0x0",
        "timestamp": "0x0",
        "gasLimit": "0x1c9c380",  # 30,000,000
        "difficulty": "0x1",
        "mixHash": QBFT_MIX_HASH,
        "coinbase": "0x0000000000000000000000000000000000000000",
        "alloc": {},
        "extraData": qbft_extra_data(sorted((node.address for node in nodes), key=str.lower)),
    }


def _node_key(folder: Path) -> PrivateKey:
    """The node key in `folder`, created (mode 0600, folder 0700) if there is none yet."""
    path = folder / "key"
    if path.exists():
        try:
            return PrivateKey(bytes.fromhex(path.read_text().strip().removeprefix("0x")))
        except ValueError:
            raise ConfigError(f"{path} is not a node key; move it away to make a new one") from None
    key = PrivateKey(secrets.token_bytes(32))
    _secret(path, key.to_hex() + "\n")
    _write(folder / "key.pub", key.public_key.to_hex() + "\n")
    return key


def _accounts(config: NetworkConfig, base: Path, out: Path) -> dict[str, tuple[str, str]]:
    """Each account reference of `config` (keystores relative to `base`) -> its address and what the
    deploy config names instead: a `dev:N` reference gets a keystore in the folder of the
    administration it acts for (the deployer's: the first administration's), encrypted with that
    folder's password; the deploy config names the deployer's keystore and the others' addresses."""
    roles = [(config.deployer, config.administrations[0].country, "deployer")]
    for entry in config.administrations:
        roles.append((entry.admin, entry.country, "admin"))
        roles += [(ref, entry.country, f"officer-{n}") for n, ref in enumerate(entry.officers, start=1)]
    found: dict[str, tuple[str, str]] = {}
    for ref, country, role in roles:
        if ref in found:
            continue
        if ref.startswith("dev:"):
            keystore = out / country.lower() / "accounts" / f"{role}.json"
            address = (
                _keystore_address(keystore)
                if keystore.exists()
                else create_keystore(keystore, _password(keystore.parent))
            )
            named = f"keystore:{keystore.relative_to(out).as_posix()}" if role == "deployer" else address
            found[ref] = (address, named)
        elif ref.startswith("keystore:"):
            path = Path(ref[len("keystore:") :]).expanduser()
            found[ref] = (_keystore_address(path if path.is_absolute() else base / path), ref)
        else:
            found[ref] = (ref, ref)
    return found


def _keystore_address(path: Path) -> str:
    try:
        return to_checksum_address(json.loads(path.read_text())["address"])
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path} is not a readable keystore with its address ({exc})") from None


def _password(folder: Path) -> str:
    """The password of the keystores in `folder` (an administration's), made at random the first time."""
    path = folder / "password"
    if not path.exists():
        _secret(path, secrets.token_urlsafe(24) + "\n")
    return path.read_text().rstrip("\n")


def _exchange_key(folder: Path, country: str) -> None:
    """The administration's X25519 exchange key, which opens the master data sealed to it (`exchange.key`,
    as `cadena keys exchange new` writes it; the deploy step publishes its public half,
    `exchange.pub`, on chain), made the first time."""
    path = folder / "exchange.key"
    if not path.exists():
        keys = ExchangeKeys.create(country)
        keys.save(path)
        _write(folder / "exchange.pub", "0x" + keys.public_key.hex() + "\n")


def _credential_signer(folder: Path) -> None:
    """The keystore of the key that signs the administration's AEO credentials (granted the credential
    signer role after the deployment; it sends no transaction), made the first time."""
    path = folder / "credential-signer.json"
    if not path.exists():
        create_keystore(path, _password(folder / "accounts"))


def _rpc_token(folder: Path) -> None:
    """The administration's JWT signing key (its nodes hold the public half) and a token for its
    operators, valid for a year and for every JSON-RPC method, made the first time."""
    key_path, token_path = folder / "rpc-jwt-key.pem", folder / "rpc.jwt"
    if not key_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _secret(key_path, pem.decode())
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write(folder / "rpc-jwt-public.pem", public.decode())
    if not token_path.exists():
        claims = {"permissions": ["*:*"], "exp": int(time.time()) + TOKEN_DAYS * 86_400}
        _secret(token_path, jwt.encode(claims, key_path.read_text(), algorithm=JWT_ALGORITHM) + "\n")


def _deploy_config(text: str, accounts: dict[str, tuple[str, str]]) -> str:
    """The network config with its `dev:N` accounts replaced by the kit's keystores and addresses."""
    note = (
        "# Written by `cadena network kit`: the config with the kit's keystores and addresses for dev:N,\n"
        "# and each administration's exchange key.\n"
    )
    text = re.sub(r'"(dev:\d+)"', lambda match: json.dumps(accounts.get(match.group(1), ("", match.group(1)))[1]), text)
    if "exchange_key" in text:  # the config names its own
        return note + text
    return note + re.sub(
        r'^(country\s*=\s*"([A-Z]{2})")',
        lambda match: f'{match.group(1)}\nexchange_key = "{match.group(2).lower()}/exchange.key"',
        text,
        flags=re.MULTILINE,
    )


def _secret(path: Path, text: str) -> None:
    """Writes a private file (mode 0600, in a folder of mode 0700) that must not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(text)


def _write(path: Path, text: str) -> None:
    """Writes a shared (public) file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def _permissions(nodes: list[Node], accounts: list[str]) -> str:
    return (
        "# Who may connect (nodes) and who may send transactions (accounts). Every node loads this file;\n"
        "# after a change, each reloads it: perm_reloadPermissionsFromFile.\n"
        f"nodes-allowlist={_toml_list([node.enode for node in nodes])}\n"
        f"accounts-allowlist={_toml_list(accounts)}\n"
    )


def _node_config(node: Node, bootnodes: list[str]) -> str:
    return f"""# Besu {BESU_VERSION} configuration of validator {node.name} (paths inside its container; see docker-compose.yml).
data-path="/var/lib/besu"
genesis-file="/config/genesis.json"
node-private-key-file="/keys/key"
p2p-host="{node.ip}"
p2p-port={P2P_PORT}
bootnodes={_toml_list(bootnodes)}
rpc-http-enabled=true
rpc-http-host="{node.rpc_ip}"
rpc-http-port={RPC_PORT}
rpc-http-api={_toml_list(RPC_API)}
host-allowlist={_toml_list([node.rpc_ip, node.name])}
rpc-http-authentication-enabled=true
rpc-http-authentication-jwt-public-key-file="/keys/rpc-jwt-public.pem"
rpc-http-authentication-jwt-algorithm="{JWT_ALGORITHM}"
rpc-max-logs-range=5000
min-gas-price=0
permissions-nodes-config-file-enabled=true
permissions-nodes-config-file="/config/permissions_config.toml"
permissions-accounts-config-file-enabled=true
permissions-accounts-config-file="/config/permissions_config.toml"
"""


def _compose(nodes: list[Node], config: NetworkConfig) -> str:
    """One service per validator: in the validators' network, and in its administration's own network,
    where its JSON-RPC listens (no port published on the host). Its data lives in a volume outside
    /opt/besu, as Besu's Docker documentation asks."""
    lines = ["# Starts the whole network on one machine: docker compose up -d", "services:"]
    for node in nodes:
        folder, admin = node.folder.as_posix(), node.country.lower()
        lines += [
            f"  {node.name}:",
            f"    image: {BESU_IMAGE}",
            "    command: --config-file=/config/config.toml",
            "    volumes:",
            "      - ./genesis.json:/config/genesis.json:ro",
            "      - ./permissions_config.toml:/config/permissions_config.toml:ro",
            f"      - ./{folder}/config.toml:/config/config.toml:ro",
            f"      - ./{folder}/key:/keys/key:ro",
            f"      - ./{admin}/rpc-jwt-public.pem:/keys/rpc-jwt-public.pem:ro",
            f"      - {node.name}-data:/var/lib/besu",
            "    environment:  # the image sets BESU_RPC_HTTP_HOST=0.0.0.0, which would override config.toml",
            f"      BESU_RPC_HTTP_HOST: {node.rpc_ip}",
            "    networks:",
            "      validators:",
            f"        ipv4_address: {node.ip}",
            f"      {admin}-rpc:",
            f"        ipv4_address: {node.rpc_ip}",
        ]
    lines += ["networks:", "  validators:", "    ipam:", "      config:", f"        - subnet: {SUBNET}"]
    for number, entry in enumerate(config.administrations):
        subnet = IPv4Network(f"{RPC_SUBNETS.network_address + 256 * number}/24")
        lines += [f"  {entry.country.lower()}-rpc:", "    ipam:", "      config:", f"        - subnet: {subnet}"]
    lines += ["volumes:", *(f"  {node.name}-data:" for node in nodes), ""]
    return "\n".join(lines)


def _readme(config: NetworkConfig, chain_id: int, nodes: list[Node]) -> str:
    table = "\n".join(
        f"| {node.country} | {node.name} | {node.address} | {node.ip} | http://{node.rpc_ip}:{RPC_PORT} |"
        for node in nodes
    )
    tolerance = (len(nodes) - 1) // 3
    first = nodes[0]
    cc = first.country.lower()
    rpc = f"http://{first.rpc_ip}:{RPC_PORT}"
    return f"""# {config.name}: a QBFT network of {len(nodes)} validators (chain id {chain_id})

Written for Hyperledger Besu {BESU_VERSION} (image `{BESU_IMAGE}`): every option of the node configs
and the format of every file here follow Besu's documentation of that release. Each administration
runs its own node(s); this folder holds everything to start them, here all on one machine with
Docker, or each administration on its own servers with the same files.

| administration | node | validator address | address among the validators | JSON-RPC (its administration's network) |
|---|---|---|---|---|
{table}

{len(nodes)} validators tolerate {tolerance} faulty or offline one(s) (QBFT needs more than two thirds
of them); four are the least that tolerate one.

## What is whose

Each administration receives only its own folder `<country>/` and the shared files (`genesis.json`,
`permissions_config.toml`, `deploy.toml`, `docker-compose.yml`, the nodes' `config.toml`, this README).
Its folder holds, readable by its owner only (mode 0600, folders 0700):

- `node-<n>/key`: a validator's node key (`key.pub`, its public key, makes the enode URL);
- `accounts/*.json`: encrypted keystores of its accounts (the config's `dev:N` accounts, which do not
  exist on Besu), and `accounts/password`, their password (change it with any keystore tool);
- `rpc-jwt-key.pem`: the key that signs the JSON Web Tokens its nodes accept (they hold
  `rpc-jwt-public.pem`), and `rpc.jwt`, a token for its operators valid {TOKEN_DAYS} days;
- `exchange.key`: its X25519 exchange key, with which its mirror opens the operators' master data
  sealed to it (`exchange.pub`, the public half, is published on chain by the deploy step;
  `deploy.toml` names the file as the administration's `exchange_key`);
- `credential-signer.json`: the keystore (same password) of the key that signs its AEO credentials.

## JSON-RPC

Each node's JSON-RPC listens only on its administration's own network (`<country>-rpc` in
`docker-compose.yml`; on one Linux machine the host reaches it at the address above) and answers only
requests that carry a token signed with its administration's key (Besu's JWT public key
authentication, {JWT_ALGORITHM}): `cadena --rpc-jwt {cc}/rpc.jwt ...`, or the header
`Authorization: Bearer <token>`.

## Start

    docker compose up -d
    cadena --rpc-url {rpc} --rpc-jwt {cc}/rpc.jwt --password-file {cc}/accounts/password network deploy deploy.toml

`deploy.toml` is the config with the kit's accounts: the deployer's keystore (in `{cc}/accounts/`)
sends the deployment, which seats every founding administration with its admin's address. Each
administration then appoints its officers and signs the MRAs with its own keystores, from its own
folder: `cadena --rpc-jwt XX/rpc.jwt --keystore XX/accounts/admin.json --password-file
XX/accounts/password officer grant ...`. The deployment publishes each administration's exchange key
(`exchange_key` in `deploy.toml`), so that issuers seal master data to it; its mirror and its officers
use the private half (`--exchange-key XX/exchange.key`, or `CADENA_EXCHANGE_KEY`). An admin rotates it
(a recovery by the members' vote clears it; the recovered admin sets a new one) with:

    cadena keys exchange new --country {first.country} --out {cc}/exchange-2.key
    cadena --rpc-url {rpc} --rpc-jwt {cc}/rpc.jwt --keystore {cc}/accounts/admin.json \\
      --password-file {cc}/accounts/password keys exchange set --country {first.country} --key {cc}/exchange-2.key

Blocks come every {BLOCK_PERIOD_SECONDS} s; gas is free (zero base fee, every node has `min-gas-price=0`,
without which Besu drops zero-price transactions silently). Only the accounts in
`permissions_config.toml` may send transactions: the kit fills it with the config's accounts.

## When the members change

After governance admits or expels an administration (or an administration appoints or removes an
admin or officer), write the allowlists anew from the chain, then have every node reload them:

    cadena --rpc-url {rpc} --rpc-jwt {cc}/rpc.jwt network kit CONFIG --out THIS_FOLDER --update
    curl -H "Authorization: Bearer $(cat {cc}/rpc.jwt)" -H 'Content-Type: application/json' \\
      -d '{{"jsonrpc":"2.0","id":1,"method":"perm_reloadPermissionsFromFile","params":[]}}' {rpc}

The nodes of an expelled administration leave `nodes-allowlist`; the validators vote its validators
out (`qbft_proposeValidatorVote` with the address and `false`, from more than half of them).

## Add a node or an administration

1. The members admit a new administration on CADENA by vote (`cadena governance propose-admission CC ...`,
   votes, execute).
2. It is added to the config (`validators = N` in its `[[administration]]` for more nodes), and the kit
   is written again with `--update`: existing keys are kept, its node keys and accounts are made in its
   folder, and the allowlists include them.
3. Every node reloads the allowlist as above; the existing validators vote each new one in:
   `qbft_proposeValidatorVote` with its address and `true`, from more than half of them.
"""
