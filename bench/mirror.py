"""The local mirror, measured on one fresh anvil.

Prints the sync of 10,000 certificates' events into a new mirror beside its raw ceiling in the same
run (bench/raw_sync.py: plain eth_getLogs, eth-abi decoding, one executemany in one transaction), in
process (Mirror.sync beside raw_sync.sync) and whole process as users run it (`cadena sync` beside
`python bench/raw_sync.py`, each from a cold start); a reorg rollback of half of them, mirror verify lookups/s beside the contract's
verify calls/s through the library (the ratio), and the latency from one administration's suspension
transaction to another administration's following mirror showing it.

    .venv/bin/python bench/mirror.py [--count 10000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import raw_sync
from common import FREE_GAS, machine, operators, pilot_on

from cadena_client.api.bulk import issue_all
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.contract.artifact import load_artifact
from cadena_client.domain.model import Verdict
from cadena_client.mirror import Mirror


def main(count: int, lookups: int, suspensions: int, poll: float) -> None:
    print(f"machine: {machine()}")
    with start_anvil(extra_args=FREE_GAS) as node, tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "deployment.json"
        chain, cadena, _ = pilot_on(node.url, record)
        records = operators(count)
        assert all(
            o.result == "done" for o in issue_all(cadena.as_signer(Signer(cadena.chain, chain.dev_account(2))), records)
        )
        tins = [m.tin for m in records]

        def open_mirror(name: str) -> Mirror:
            return Mirror(Path(folder) / name, chain.chain_id, cadena.address, cadena.deploy_block)

        abi = load_artifact()["abi"]
        raw_runs, sync_runs = [], []
        for run in range(2):  # interleaved, a new database each: neither gains from the node's warm caches
            started = time.perf_counter()
            raw_sync.sync(node.url, cadena.address, cadena.deploy_block, abi, f"{folder}/r{run}.db")
            raw_runs.append(time.perf_counter() - started)
            peru = open_mirror(f"peru{run}.sqlite")
            started = time.perf_counter()
            synced = peru.sync(cadena)
            sync_runs.append(time.perf_counter() - started)
        raw_seconds, sync_seconds = min(raw_runs), min(sync_runs)
        artifact = str(Path(sys.modules["cadena_client.contract"].__path__[0]) / "artifacts" / "Cadena.json")
        raw_script = [sys.executable, raw_sync.__file__, node.url, cadena.address, str(cadena.deploy_block), artifact]
        cli = [sys.executable, "-m", "cadena_client", "--rpc-url", node.url, "--deployment", str(record)]
        whole = {"raw": [], "cadena": []}
        for run in range(3):  # interleaved: the machine's other load falls on both alike
            whole["raw"].append(process_time([*raw_script, f"{folder}/raw{run}.db"]))
            whole["cadena"].append(process_time([*cli, "--mirror", f"{folder}/m{run}.sqlite", "sync"]))
        raw_process, cadena_process = statistics.median(whole["raw"]), statistics.median(whole["cadena"])

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
        f"\nsync of {count:,} certificates ({events:,} events) from anvil into a new mirror, beside the raw ceiling "
        f"(plain eth_getLogs, eth-abi, one executemany):\n"
        f"  in process (best of 2): Mirror.sync {sync_seconds:.2f} s, raw {raw_seconds:.2f} s: "
        f"{raw_seconds / sync_seconds:.0%} of the ceiling (target 90%)\n"
        f"  whole process: cadena sync {cadena_process:.2f} s, python bench/raw_sync.py {raw_process:.2f} s "
        f"(medians of 3): {raw_process / cadena_process:.0%} of the ceiling (target 60%)"
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


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def process_time(command: list[str]) -> float:
    """Seconds a process takes from its start to its exit."""
    return timed(lambda: subprocess.run(command, check=True, capture_output=True))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--suspensions", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.25)
    args = parser.parse_args()
    main(args.count, args.lookups, args.suspensions, args.poll)
