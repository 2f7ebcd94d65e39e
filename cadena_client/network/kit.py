"""A Hyperledger Besu QBFT network kit for the administrations of a network config.

`write_kit` writes, under one folder: each administration's validator keys in its own folder (mode
0600, never in a shared file), a `genesis.json` (QBFT, the config's chain id, zero base fee, the
validators in `extraData`), a Besu `config.toml` per node, `permissions_config.toml` (nodes and
accounts allowlists), a `docker-compose.yml` that starts the whole network with the
`hyperledger/besu` image, and a README for the operators. Keys already written are kept: a second
run writes the same network again around them.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

import rlp
from eth_keys.datatypes import PrivateKey

from cadena_client.errors import ConfigError
from cadena_client.network.deploy import NetworkConfig

BESU_IMAGE = "hyperledger/besu:25.10.0"
QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"  # fixed by QBFT
SUBNET = IPv4Network("172.16.239.0/24")  # the compose network; node n gets address 10 + n
P2P_PORT, RPC_PORT = 30303, 8545
BLOCK_PERIOD_SECONDS = 2


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
    ip: str

    @property
    def name(self) -> str:
        return f"{self.country.lower()}-node-{self.index}"

    @property
    def folder(self) -> Path:
        return Path(self.country.lower()) / f"node-{self.index}"

    @property
    def enode(self) -> str:
        return f"enode://{self.public_key[2:]}@{self.ip}:{P2P_PORT}"


def write_kit(config: NetworkConfig, out: Path, chain_id: int, validators: dict[str, int]) -> list[Node]:
    """Writes the kit for `config` into `out`; `validators` gives each country's number of nodes."""
    out.mkdir(parents=True, exist_ok=True)
    nodes: list[Node] = []
    for entry in config.administrations:
        for index in range(1, validators.get(entry.country, 1) + 1):
            folder = out / entry.country.lower() / f"node-{index}"
            key = _node_key(folder)
            nodes.append(
                Node(
                    entry.country,
                    index,
                    key.public_key.to_checksum_address(),
                    key.public_key.to_hex(),
                    str(SUBNET.network_address + 10 + len(nodes)),
                )
            )
    if len(nodes) > 200:
        raise ConfigError(f"{len(nodes)} nodes do not fit the kit's network {SUBNET}; give fewer validators")
    _write(out / "genesis.json", json.dumps(genesis(chain_id, nodes), indent=2) + "\n")
    accounts = sorted({ref for e in config.administrations for ref in (e.admin, *e.officers) if ref.startswith("0x")})
    _write(out / "permissions_config.toml", _permissions(nodes, accounts))
    bootnodes = [node.enode for node in nodes if node.index == 1]  # each administration's first node
    for node in nodes:
        _write(out / node.folder / "config.toml", _node_config(bootnodes))
    _write(out / "docker-compose.yml", _compose(nodes))
    _write(out / "README.md", _readme(config, chain_id, nodes))
    return nodes


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
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    key = PrivateKey(secrets.token_bytes(32))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(key.to_hex() + "\n")
    _write(folder / "key.pub", key.public_key.to_hex() + "\n")
    return key


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
        "# Who may connect (nodes) and who may send transactions (accounts). Every node loads this file.\n"
        f"nodes-allowlist={_toml_list([node.enode for node in nodes])}\n"
        f"accounts-allowlist={_toml_list(accounts)}\n"
    )


def _node_config(bootnodes: list[str]) -> str:
    return f"""# Besu configuration of one validator node (paths inside its container; see docker-compose.yml).
data-path="/data"
genesis-file="/config/genesis.json"
node-private-key-file="/keys/key"
p2p-port={P2P_PORT}
bootnodes={_toml_list(bootnodes)}
rpc-http-enabled=true
rpc-http-host="0.0.0.0"
rpc-http-port={RPC_PORT}
rpc-http-api=["ETH","NET","WEB3","QBFT","TXPOOL"]
host-allowlist=["*"]
rpc-max-logs-range=5000
min-gas-price=0
permissions-nodes-config-file-enabled=true
permissions-nodes-config-file="/config/permissions_config.toml"
permissions-accounts-config-file-enabled=true
permissions-accounts-config-file="/config/permissions_config.toml"
"""


def _compose(nodes: list[Node]) -> str:
    lines = ["# Starts the whole network on one machine: docker compose up -d", "services:"]
    for number, node in enumerate(nodes):
        folder = node.folder.as_posix()
        lines += [
            f"  {node.name}:",
            f"    image: {BESU_IMAGE}",
            "    command: --config-file=/config/config.toml",
            "    volumes:",
            "      - ./genesis.json:/config/genesis.json:ro",
            "      - ./permissions_config.toml:/config/permissions_config.toml:ro",
            f"      - ./{folder}/config.toml:/config/config.toml:ro",
            f"      - ./{folder}/key:/keys/key:ro",
            "    ports:",
            f'      - "{RPC_PORT + number}:{RPC_PORT}"',
            "    networks:",
            "      cadena:",
            f"        ipv4_address: {node.ip}",
        ]
    lines += ["networks:", "  cadena:", "    ipam:", "      config:", f"        - subnet: {SUBNET}", ""]
    return "\n".join(lines)


def _readme(config: NetworkConfig, chain_id: int, nodes: list[Node]) -> str:
    table = "\n".join(
        f"| {node.country} | {node.name} | {node.address} | {node.ip} | localhost:{RPC_PORT + number} |"
        for number, node in enumerate(nodes)
    )
    tolerance = (len(nodes) - 1) // 3
    return f"""# {config.name}: a QBFT network of {len(nodes)} validators (chain id {chain_id})

Each administration runs its own node(s); this folder holds everything to start them, here all on
one machine with Docker, or each administration on its own servers with the same files.

| administration | node | validator address | address in the compose network | JSON-RPC |
|---|---|---|---|---|
{table}

{len(nodes)} validators tolerate {tolerance} faulty or offline one(s) (QBFT needs more than two thirds
of them); four are the least that tolerate one.

## Keys

`<country>/node-<n>/key` is a node's private key (mode 0600, its folder 0700): it never leaves its
administration. Each administration receives only its own folder and the shared files (`genesis.json`,
`permissions_config.toml`, `docker-compose.yml`, this README). `key.pub` is the public key, from which
the enode URL in the allowlist is made.

## Start

    docker compose up -d
    cadena --rpc-url http://localhost:{RPC_PORT} network deploy CONFIG

Blocks come every {BLOCK_PERIOD_SECONDS} s; gas is free (zero base fee, every node has `min-gas-price=0`,
without which Besu drops zero-price transactions silently). Only the accounts in
`permissions_config.toml` may send transactions: add each admin's, officer's and relayer's address
(`accounts-allowlist`) before they act.

## Add a node to an administration

Run `cadena network kit CONFIG --out THIS_FOLDER` again with one more validator for it
(`validators = N` in its `[[administration]]`): existing keys are kept, the new node gets its key, and
the allowlists and compose file are written anew. Then every node reloads the allowlist
(`perm_reloadPermissionsFromFile`), and the existing validators vote the new one in:
`qbft_proposeValidatorVote` with its address and `true`, from more than half of them.

## Add an administration

1. The members admit it on CADENA by vote (`cadena governance propose-admission CC ...`, votes, execute).
2. It is added to the config and the kit is written again: its node key is made in its folder.
3. Its enode and accounts join every node's allowlist; the validators vote its node in as above.
"""
