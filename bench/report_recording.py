"""What the committee's recording costs the service's verify path (issue 24), in one run: the
recording call a 1,000-TIN verification makes (it only notes the answers), against the flush that
counts and writes them in the sync thread, and against verify itself from the in-process mirror's
tables (a lookup per TIN, as `Recognition.verify` does: `bench/service.py` measures it end to end).

    .venv/bin/python bench/report_recording.py [--batches 2000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time

from cadena_client.domain.model import Verdict
from cadena_client.report.usage import Usage


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=2000)
    batches = parser.parse_args().batches
    rng = random.Random(24)
    tins = [f"{rng.choice(['MX', 'PE', 'CR'])}{n:012d}" for n in range(1000)]
    verdicts = [rng.choice([Verdict.RECOGNISED, Verdict.NOT_ACTIVE]) for _ in tins]
    table = {tin: (True, 7, verdict) for tin, verdict in zip(tins, verdicts, strict=True)}
    usage = Usage(sqlite3.connect(":memory:", isolation_level=None), "PE")

    start = time.perf_counter()
    for _ in range(batches):
        answers = [table[tin] for tin in tins]  # the lookups a verification makes, at least
    lookup = (time.perf_counter() - start) / batches
    start = time.perf_counter()
    for _ in range(batches):
        usage.answered("PE", tins, [verdict for _, _, verdict in answers])
    noted = (time.perf_counter() - start) / batches
    start = time.perf_counter()
    usage.flush()
    flushed = (time.perf_counter() - start) / batches
    print(f"per 1,000-TIN verification ({batches:,} batches):")
    print(f"  dictionary lookups alone      {lookup * 1e3:8.3f} ms")
    print(f"  recording call (request path) {noted * 1e3:8.3f} ms  ({noted / lookup:.0%} of the lookups)")
    print(f"  counting and writing (sync)   {flushed * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
