"""The local mirror, measured on one fresh anvil (issue 4).

Prints mirror verify lookups/s beside the contract's verify calls/s through the library (the
ratio), the time to sync 10,000 certificates' events into a new mirror, and the latency from one
administration's suspension transaction to another administration's following mirror showing it.

    .venv/bin/python bench/mirror.py [--count 10000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import FREE_GAS, machine, operators, pilot_on
from cadena_client.bulk import BulkSender, issue_all
from cadena_client.chain import Signer
from cadena_client.mirror import Mirror
from cadena_client.model import Verdict
from cadena_client.node import start_anvil


def main(count: int, lookups: int, suspensions: int, poll: float) -> None:
    print(f"machine: {machine()}")
    with start_anvil(extra_args=FREE_GAS) as node, tempfile.TemporaryDirectory() as folder:
        chain, cadena, _ = pilot_on(node.url)
        records = operators(count)
        assert all(o.result == "done" for o in issue_all(BulkSender(cadena, chain.dev_account(2)), records))
        tins = [m.tin for m in records]

        def open_mirror(name: str) -> Mirror:
            return Mirror(Path(folder) / name, chain.chain_id, cadena.address, cadena.deploy_block)

        peru = open_mirror("peru.sqlite")
        started = time.perf_counter()
        synced = peru.sync(cadena.contract)
        sync_seconds = time.perf_counter() - started

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
        costa_rica.sync(cadena.contract)
        seen: dict[str, float] = {}
        stop = threading.Event()

        def on_sync(result) -> None:
            for event in result.events:
                seen.setdefault(event.tin, time.perf_counter())

        follower = threading.Thread(target=costa_rica.follow, args=(cadena.contract, on_sync, poll), kwargs={"stop": stop.is_set})
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

    print(f"\nsync of {count:,} certificates ({len(synced.events):,} events) from anvil into a new mirror: "
          f"{sync_seconds:.2f} s ({len(synced.events) / sync_seconds:,.0f} events/s)")  # fmt: skip
    print(f"verify: mirror {mirror_rate:,.0f} lookups/s ({lookups:,} random pairs); contract through the library "
          f"{chain_rate:,.0f} calls/s; ratio {mirror_rate / chain_rate:,.0f}x")  # fmt: skip
    print(f"suspension -> other administration's mirror shows it (poll interval {poll * 1000:.0f} ms, {suspensions} runs): "
          f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms from sending; "
          f"median {statistics.median(from_receipt) * 1000:.0f} ms, max {max(from_receipt) * 1000:.0f} ms from the receipt")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--suspensions", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.25)
    args = parser.parse_args()
    main(args.count, args.lookups, args.suspensions, args.poll)
