"""Start-up of commands that sign nothing, whole process, beside a Python process that imports only
what such a command cannot do without (`python -c "import sqlite3, click"`), in the same run.

`cadena verify --offline` answers from a synced mirror (and asks the node for its head, to say how
far behind it is): it must import no signing stack (eth-account, web3). Also `cadena --help`.

    .venv/bin/python bench/startup.py [--runs 15] [--before DIR]

--before DIR adds the same commands run from another tree's cadena_client (say an older commit's,
from `git archive COMMIT cadena_client | tar -x -C DIR`), for a before and after in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FREE_GAS, machine, operators, pilot_on

from cadena_client.api.bulk import issue_all
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.mirror import Mirror

CEILING = [sys.executable, "-c", "import sqlite3, click"]
SIGNING_STACK = ("eth_account", "web3", "eth_keyfile", "py_ecc")


def timed(command: list[str], env: dict | None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    assert done.returncode in (0, 11), done.stdout + done.stderr  # 11: not recognised (an unknown TIN)
    return elapsed


def main(runs: int, before: str | None) -> None:
    print(f"machine: {machine()}")
    with start_anvil(extra_args=FREE_GAS) as node, tempfile.TemporaryDirectory() as folder:
        record, mirror_file = Path(folder) / "deployment.json", Path(folder) / "mirror.sqlite"
        chain, cadena, _ = pilot_on(node.url, record)
        officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        issue_all(officer, operators(100))
        Mirror(mirror_file, chain.chain_id, cadena.address, cadena.deploy_block).sync(cadena)
        cadena_cli = [sys.executable, "-m", "cadena_client", "--rpc-url", node.url, "--deployment", str(record)]
        verify = [*cadena_cli, "--mirror", str(mirror_file), "verify", "--offline", "--importer", "PE"]
        commands: dict[str, tuple[list[str], dict | None]] = {
            "python -c 'import sqlite3, click' (ceiling)": (CEILING, None),
            "cadena verify --offline TIN": ([*verify, operators(1)[0].tin], None),
            "cadena verify --offline TIN --json": ([*verify, operators(1)[0].tin, "--json"], None),
            "cadena --help": ([sys.executable, "-m", "cadena_client", "--help"], None),
        }
        if before:
            old = {**os.environ, "PYTHONPATH": before, "PYTHONSAFEPATH": "1"}  # not the current directory's tree first
            commands["before: cadena verify --offline TIN"] = ([*verify, operators(1)[0].tin], old)
        probe = (  # the same command, telling at exit which modules of the signing stack it imported
            "import atexit, runpy, sys; "
            f"atexit.register(lambda: print([m for m in {SIGNING_STACK!r} if m in sys.modules], file=sys.stderr)); "
            f"sys.argv = ['cadena', *{verify[3:] + [operators(1)[0].tin]!r}]; "
            "runpy.run_module('cadena_client', run_name='__main__')"
        )
        imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stderr.strip()
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):  # interleaved, so that the machine's other load falls on all alike
            for name, (command, env) in commands.items():
                times[name].append(timed(command, env))
    ceiling = statistics.median(times[next(iter(commands))])
    print(f"median of {runs} runs, whole process")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<44} {median * 1000:7.0f} ms   {median / ceiling:5.2f}x the ceiling")
    print(f"signing stack modules imported by verify --offline: {imported} (target: none)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", help="another tree's folder holding cadena_client, run the same way")
    arguments = parser.parse_args()
    main(arguments.runs, arguments.before)
