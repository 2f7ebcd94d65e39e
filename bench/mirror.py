"""The local mirror, measured on one fresh anvil.

Prints the sync of 10,000 certificates' events into a new mirror (events/s) beside a raw pipeline of
the same events in the same run (one eth_getLogs, eth-abi decoding through web3, one executemany in
one transaction), a reorg rollback of half of them, mirror verify lookups/s beside the contract's
verify calls/s through the library (the ratio), and the latency from one administration's suspension
transaction to another administration's following mirror showing it.

    .venv/bin/python bench/mirror.py [--count 10000]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests
from common import FREE_GAS, machine, operators, pilot_on
from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic

from cadena_client.api.bulk import issue_all
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.contract.artifact import load_artifact
from cadena_client.domain.model import Verdict
from cadena_client.mirror import Mirror


def main(count: int, lookups: int, suspensions: int, poll: float) -> None:
    print(f"machine: {machine()}")
    with start_anvil(extra_args=FREE_GAS) as node, tempfile.TemporaryDirectory() as folder:
        chain, cadena, _ = pilot_on(node.url)
        records = operators(count)
        assert all(
            o.result == "done" for o in issue_all(cadena.as_signer(Signer(cadena.chain, chain.dev_account(2))), records)
        )
        tins = [m.tin for m in records]

        def open_mirror(name: str) -> Mirror:
            return Mirror(Path(folder) / name, chain.chain_id, cadena.address, cadena.deploy_block)

        peru = open_mirror("peru.sqlite")
        started = time.perf_counter()
        synced = peru.sync(cadena)
        sync_seconds = time.perf_counter() - started
        raw_seconds = raw_pipeline(node.url, cadena, Path(folder) / "raw.sqlite")

        middle = synced.events[len(synced.events) // 2].block
        peru.db.execute("UPDATE blocks SET hash = '0x00' WHERE number >= ?", (middle,))  # as if a reorg replaced them
        started = time.perf_counter()
        resynced = peru.sync(cadena)
        reorg_seconds = time.perf_counter() - started
        assert len(resynced.retracted) == len(resynced.events) > 0

        rng = random.Random(7)
        now = time.time()
        pairs = [(rng.choice(("PE", "CR", "MX", "CO")), rng.choice(tins)) for _ in range(lookups)]
        verify = peru.recognition.verify
        day = int(now) // 86400
        started = time.perf_counter()
        for importer, tin in pairs:
            verify(importer, tin, day)
        mirror_rate = lookups / (time.perf_counter() - started)
        sample = pairs[:300]
        started = time.perf_counter()
        for importer, tin in sample:
            cadena.verify(importer, tin)
        chain_rate = len(sample) / (time.perf_counter() - started)
        assert all(peru.verify(i, t, at=now) == cadena.verify(i, t) for i, t in sample[:100])

        costa_rica = open_mirror("costa-rica.sqlite")
        costa_rica.sync(cadena)
        seen: dict[str, float] = {}
        stop = threading.Event()

        def on_sync(result) -> None:
            for event in result.events:
                seen.setdefault(event.tin, time.perf_counter())

        follower = threading.Thread(
            target=costa_rica.follow, args=(cadena, on_sync, poll), kwargs={"stop": stop.is_set}
        )
        follower.start()
        officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        latencies, from_receipt = [], []
        for tin in tins[:suspensions]:
            sent = time.perf_counter()
            officer.suspend(tin, "security-incident")
            mined = time.perf_counter()
            while tin not in seen:
                time.sleep(0.001)
            latencies.append(seen[tin] - sent)
            from_receipt.append(seen[tin] - mined)
            assert costa_rica.verify("CR", tin).verdict == Verdict.NOT_ACTIVE
        stop.set()
        follower.join()

    events = len(synced.events)
    print(
        f"\nsync of {count:,} certificates ({events:,} events) from anvil into a new mirror: "
        f"{sync_seconds:.2f} s ({events / sync_seconds:,.0f} events/s); raw pipeline of the same events "
        f"(eth_getLogs, eth-abi, executemany): {raw_seconds:.2f} s ({events / raw_seconds:,.0f} events/s); "
        f"ratio {raw_seconds / sync_seconds:.1f}x"
    )
    print(
        f"reorg: {len(resynced.retracted):,} events retracted, state replayed and the blocks scanned again in "
        f"{reorg_seconds:.2f} s"
    )
    print(
        f"verify: mirror {mirror_rate:,.0f} lookups/s ({lookups:,} random pairs); contract through the library "
        f"{chain_rate:,.0f} calls/s; ratio {mirror_rate / chain_rate:,.0f}x"
    )
    print(
        f"suspension -> other administration's mirror shows it (poll interval {poll * 1000:.0f} ms, {suspensions} runs): "
        f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms from sending; "
        f"median {statistics.median(from_receipt) * 1000:.0f} ms, max {max(from_receipt) * 1000:.0f} ms from the receipt"
    )


def raw_pipeline(url: str, cadena, path: Path) -> float:
    """Seconds for one eth_getLogs of the whole range, eth-abi decoding and one executemany in one transaction."""
    started = time.perf_counter()
    head = cadena.chain.w3.eth.block_number
    params = [{"address": cadena.address, "fromBlock": hex(cadena.deploy_block), "toBlock": hex(head)}]
    logs = requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": params}, timeout=120
    ).json()["result"]
    layouts = {
        "0x" + event_abi_to_log_topic(e).hex(): (e["name"], [i["type"] for i in e["inputs"] if not i["indexed"]])
        for e in load_artifact()["abi"]
        if e["type"] == "event"
    }
    rows = []
    for log in logs:
        name, types = layouts[log["topics"][0]]
        values = abi_decode(types, bytes.fromhex(log["data"][2:]))
        rows.append(
            (
                int(log["blockNumber"], 16),
                int(log["logIndex"], 16),
                name,
                json.dumps([v.hex() if isinstance(v, bytes) else v for v in values], default=str),
            )
        )
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE events (block INTEGER, log_index INTEGER, name TEXT, data TEXT, PRIMARY KEY (block, log_index))"
    )
    with db:
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
    db.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--suspensions", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.25)
    args = parser.parse_args()
    main(args.count, args.lookups, args.suspensions, args.poll)
