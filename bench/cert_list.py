"""`cadena cert list --country MX --json` of 10,000 certificates, whole process as users run it, beside
its raw ceiling in the same run: bench/raw_cert_list.py, a process making the same calls (TIN pages,
`certificates(tins)` 200 an eth_call in JSON-RPC batches, the issue and update events for names) with
nothing but requests and eth-abi, and printing JSON. Also the list with names from a synced mirror.

    .venv/bin/python bench/cert_list.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import raw_cert_list
from common import FREE_GAS, machine, operators, pilot_on

from cadena_client.api.bulk import issue_all
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer


def run(command: list[str], count: int) -> float:
    """Seconds the process takes, from its start to its exit; its JSON must list `count` certificates."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-500:]
    assert len(json.loads(done.stdout)["items"]) == count
    return elapsed


def main(count: int, runs: int) -> None:
    print(f"machine: {machine()}")
    with start_anvil(extra_args=FREE_GAS) as node, tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "deployment.json"
        chain, cadena, _ = pilot_on(node.url, record)
        officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        assert all(o.result == "done" for o in issue_all(officer, operators(count)))
        artifact = str(Path(sys.modules["cadena_client.contract"].__path__[0]) / "artifacts" / "Cadena.json")
        raw = [sys.executable, raw_cert_list.__file__, node.url, cadena.address, str(cadena.deploy_block), artifact]
        raw += ["MX", str(count)]
        cli = [sys.executable, "-m", "cadena_client", "--rpc-url", node.url, "--deployment", str(record)]
        listing = ["cert", "list", "--country", "MX", "--json"]
        no_mirror = [*cli, "--mirror", f"{folder}/none.sqlite", *listing]
        with_mirror = [*cli, "--mirror", f"{folder}/synced.sqlite", *listing]
        subprocess.run([*cli, "--mirror", f"{folder}/synced.sqlite", "sync"], check=True, capture_output=True)
        times: dict[str, list[float]] = {"raw": [], "events": [], "mirror": []}
        for _ in range(runs):  # interleaved: the machine's other load falls on all alike
            times["raw"].append(run(raw, count))
            times["events"].append(run(no_mirror, count))
            times["mirror"].append(run(with_mirror, count))
    raw_s, events_s, mirror_s = (statistics.median(times[k]) for k in ("raw", "events", "mirror"))
    print(f"cert list --country MX --json, {count:,} certificates, whole process, medians of {runs} runs:")
    print(f"  raw ceiling (bench/raw_cert_list.py)        {raw_s:6.2f} s")
    print(
        f"  cadena, names from the events              {events_s:6.2f} s   {raw_s / events_s:4.0%} of the ceiling (target 70%)"
    )
    print(f"  cadena, names from a synced mirror         {mirror_s:6.2f} s   {raw_s / mirror_s:4.0%} of the ceiling")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.count, arguments.runs)
