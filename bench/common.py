"""Shared set-up of the benchmarks: a fresh anvil with the pilot network, and realistic records."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import requests
from eth_utils import keccak

from cadena_client.chain.connection import connect
from cadena_client.domain.model import MasterData
from cadena_client.network.deploy import Accounts, deploy_network, load_config

PILOT = Path(__file__).resolve().parent.parent / "deploy" / "cadena-pilot.toml"
# Zero base fee and gas price, as on LACChain and permissioned Besu networks. With anvil's default
# fees, automining a backlog packs full blocks and the base fee climbs 12.5% a block.
FREE_GAS = ("--base-fee", "0", "--gas-price", "0")


def pilot_on(url: str, record: Path | None = None):
    """(chain, cadena, accounts) with the pilot network deployed on the node at `url` (its deployment
    record written to `record`, if given)."""
    chain = connect(url)
    accounts = Accounts(chain, PILOT.parent)
    return chain, deploy_network(chain, load_config(PILOT), accounts, record).cadena, accounts


def operators(count: int, prefix: str = "MX", start: int = 0) -> list[MasterData]:
    """Mexican operators with names and addresses of realistic length (about 35 and 60 bytes)."""
    return [
        MasterData(
            f"{prefix}{i:012d}",
            f"Operador Logístico Número {i} S.A. de C.V.",
            f"Calle {i}, Colonia Centro, 06000 Ciudad de México",
            "exporter,importer",
            "2020-01-01",
            "2030-01-01",
        )
        for i in range(start, start + count)
    ]


class RawRpc:
    """Plain JSON-RPC batches over one keep-alive `requests` session: the raw ceilings' way to the node,
    none of the project's transport (so a ceiling measures what the library could at best do)."""

    def __init__(self, url: str):
        self.url, self.session = url, requests.Session()

    def batch(self, calls: list[tuple[str, list]]) -> list:
        """The results of `calls`, in order, posted in one request (a JSON-RPC error raises)."""
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        replies = sorted(self.session.post(self.url, json=payload, timeout=300).json(), key=lambda r: r["id"])
        for reply in replies:
            if "error" in reply:
                raise RuntimeError(f"the node refused a raw call: {reply['error']}")
        return [reply["result"] for reply in replies]

    def call(self, method: str, *params):
        return self.batch([(method, list(params))])[0]


def send_presigned(url: str, raw: list[bytes], window: int) -> float:
    """Seconds to send pre-signed transactions with nothing else to do, paced as a node takes them: at
    most `window` unmined at once (anvil's automine leaves what a block cannot hold waiting, and a flood
    of thousands hangs it), in plain JSON-RPC batches, receipts polled in batches until the last."""
    rpc = RawRpc(url)
    hashes = ["0x" + keccak(tx).hex() for tx in raw]
    sent = mined = 0
    started = time.perf_counter()
    while mined < len(raw):
        if sent < len(raw) and sent - mined < window:
            chunk = raw[sent : sent + window - (sent - mined)]
            rpc.batch([("eth_sendRawTransaction", ["0x" + tx.hex()]) for tx in chunk])
            sent += len(chunk)
        receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes[mined:sent]])
        done = next((i for i, receipt in enumerate(receipts) if not receipt), len(receipts))
        mined += done
        if not done:
            time.sleep(0.002)
    return time.perf_counter() - started


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
