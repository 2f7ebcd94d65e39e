"""`cadena cert list --country MX --json` of 10,000 certificates, beside the same reads as raw JSON-RPC
batches in the same run (the certificatesOf pages, then one eth_call per certificate, 100 a batch).

    .venv/bin/python bench/cert_list.py [--count 10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import requests
from click.testing import CliRunner
from common import FREE_GAS, PILOT, machine, operators

from cadena_client.api.bulk import issue_all
from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.network.deploy import DeploymentRecord


def raw_reads(url: str, cadena, count: int) -> float:
    """Seconds for the same reads as plain JSON-RPC batches: the TIN pages, then the certificates."""
    started = time.perf_counter()
    session, codec = requests.Session(), cadena.codec

    def batch(calls):
        payload = [
            {
                "jsonrpc": "2.0",
                "id": i,
                "method": "eth_call",
                "params": [{"to": cadena.address, "data": "0x" + data.hex()}, "latest"],
            }
            for i, data in enumerate(calls)
        ]
        return [
            reply["result"]
            for reply in sorted(session.post(url, json=payload, timeout=120).json(), key=lambda r: r["id"])
        ]

    pages = batch([codec.encode("certificatesOf", b"MX", offset, 500) for offset in range(0, count, 500)])
    tins = [t for reply in pages for t in codec.decode("certificatesOf", reply)[0]]
    for start in range(0, len(tins), 100):
        [
            codec.decode("certificate", reply)
            for reply in batch([codec.encode("certificate", t) for t in tins[start : start + 100]])
        ]
    assert len(tins) == count and tins[0] == tin_to_bytes32(operators(1)[0].tin)
    return time.perf_counter() - started


def main(count: int) -> None:
    print(f"machine: {machine()}")
    with start_anvil(extra_args=FREE_GAS) as node, tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "deployment.json"
        assert (
            CliRunner()
            .invoke(cli, ["--rpc-url", node.url, "--deployment", str(record), "network", "deploy", str(PILOT)])
            .exit_code
            == 0
        )
        chain = connect(node.url)
        cadena = DeploymentRecord.load(record).open(chain)
        assert all(
            o.result == "done"
            for o in issue_all(cadena.as_signer(Signer(cadena.chain, chain.dev_account(2))), operators(count))
        )
        command = [
            "--rpc-url",
            node.url,
            "--deployment",
            str(record),
            "--mirror",
            str(Path(folder) / "m.sqlite"),
            "cert",
            "list",
            "--country",
            "MX",
            "--json",
        ]

        def listed() -> float:
            started = time.perf_counter()
            result = CliRunner().invoke(cli, command)
            assert result.exit_code == 0 and len(json.loads(result.output)["items"]) == count, result.output[-500:]
            return time.perf_counter() - started

        from_events = listed()
        raw = raw_reads(node.url, cadena, count)
        CliRunner().invoke(cli, [*command[:6], "sync"])
        from_mirror = listed()
    print(
        f"cert list --country MX --json, {count:,} certificates: names from the events {from_events:.2f} s "
        f"({from_events / raw:.2f}x raw), from a synced mirror {from_mirror:.2f} s ({from_mirror / raw:.2f}x raw); "
        f"raw batched reads {raw:.2f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    main(parser.parse_args().count)
