"""`cadena cert import` of a generated AEO list, timed end to end on a fresh anvil.

Prints the seconds of each step for a first import (every row new), a second import of the same file
(nothing to send) and an import after 5% of the rows changed (updates and status changes). Beside the
first import, its raw ceiling in the same run: the very transactions it sent (read back from the
chain), signed before the clock starts and sent to a second fresh anvil with the same network, paced
as the node takes them, in plain JSON-RPC batches.

    .venv/bin/python bench/import_list.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import FREE_GAS, RawRpc, machine, pilot_on, send_presigned
from eth_utils import to_checksum_address

from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.lists import files as aeo_files
from cadena_client.lists import imports

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from aeo_list_files import generate, write_xlsx  # noqa: E402  (the tests' generator of realistic lists)


def timed_import(cadena, path: Path) -> tuple[imports.Summary, dict[str, float]]:
    seconds = {}
    started = time.perf_counter()
    checked = imports.check(aeo_files.read(path), "MX")
    seconds["read and check"] = time.perf_counter() - started
    started = time.perf_counter()
    plan = imports.plan(cadena, "MX", checked)
    seconds["plan"] = time.perf_counter() - started
    started = time.perf_counter()
    summary = imports.apply(cadena.as_signer(Signer(cadena.chain, cadena.signer.account)), plan)
    seconds["send"] = time.perf_counter() - started
    return summary, seconds


def main(rows: int) -> None:
    print(f"machine: {machine()}")
    listed = generate(rows, bad=False, cells=True)
    with tempfile.TemporaryDirectory() as folder, start_anvil(extra_args=FREE_GAS) as node:
        chain, cadena, _ = pilot_on(node.url)
        cadena = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        path = write_xlsx(Path(folder) / "padron.xlsx", listed.grid)
        print(f"{rows:,} rows, {path.stat().st_size / 1024:,.0f} KiB .xlsx, Spanish headers, dates in 8 forms")
        changed = list(listed.masters)[: rows // 20]
        for index, tin in enumerate(changed):
            row = listed.row(tin)
            row[2 if index % 2 else 7] = row[2] + " (nueva razón social)" if index % 2 else "Cancelado"
        edited = write_xlsx(Path(folder) / "padron-2.xlsx", listed.grid)
        print(f"{'import':<28}{'read+check s':>14}{'plan s':>9}{'send s':>9}{'total s':>9}  result")
        before = int(RawRpc(node.url).call("eth_blockNumber"), 16)
        totals = {}
        for name, file in (
            ("first (all new)", path),
            ("same file again", path),
            (f"{len(changed)} rows changed", edited),
        ):
            summary, seconds = timed_import(cadena, file)
            totals[name] = sum(seconds.values())
            counts = ", ".join(f"{key} {value:,}" for key, value in summary.counts().items() if value)
            print(
                f"{name:<28}{seconds['read and check']:>14.2f}{seconds['plan']:>9.2f}{seconds['send']:>9.2f}"
                f"{totals[name]:>9.2f}  {counts}"
            )
            if name.startswith("first"):
                first_import, first_send = sent_by(node.url, cadena.signer.address, before), seconds["send"]
    raw_seconds, transactions = raw_ceiling(first_import)
    first = totals["first (all new)"]
    print(
        f"first import, whole ({first:.2f} s) beside its {transactions:,} transactions pre-signed and sent raw, paced "
        f"({raw_seconds:.2f} s): {raw_seconds / first:.0%} of the ceiling (target 70%); its sending alone "
        f"({first_send:.2f} s: simulation, signing, pacing, receipts) {raw_seconds / first_send:.0%}"
    )


def sent_by(url: str, sender: str, after: int) -> list[dict]:
    """The transactions `sender` had mined after block `after`: to, input and gas, in order."""
    rpc = RawRpc(url)
    head = int(rpc.call("eth_blockNumber"), 16)
    blocks = rpc.batch([("eth_getBlockByNumber", [hex(n), True]) for n in range(after + 1, head + 1)])
    return [tx for block in blocks for tx in block["transactions"] if tx["from"].lower() == sender.lower()]


def raw_ceiling(transactions: list[dict]) -> tuple[float, int]:
    """Seconds to send `transactions` again, pre-signed, on a fresh anvil with the same network."""
    with start_anvil(extra_args=FREE_GAS) as node:
        chain, _, _ = pilot_on(node.url)
        officer = chain.dev_account(2)
        rpc = RawRpc(node.url)
        nonce = int(rpc.call("eth_getTransactionCount", officer.address, "latest"), 16)
        raw = [
            bytes(
                officer.sign_transaction(
                    {
                        "to": to_checksum_address(tx["to"]),
                        "data": tx["input"],
                        "gas": int(tx["gas"], 16),
                        "nonce": nonce + i,
                        "chainId": chain.chain_id,
                        "value": 0,
                        "gasPrice": 0,
                    }
                ).raw_transaction
            )
            for i, tx in enumerate(transactions)
        ]
        block_gas = int(rpc.call("eth_getBlockByNumber", "latest", False)["gasLimit"], 16)
        window = max(1, block_gas // max(int(tx["gas"], 16) for tx in transactions))
        return send_presigned(node.url, raw, window), len(raw)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    main(parser.parse_args().rows)
