"""`cadena cert import` of a generated AEO list, timed end to end on a fresh anvil (issue 5).

Prints the seconds of each step for a first import (every row new), a second import of the same file
(nothing to send) and an import after 5% of the rows changed (updates and status changes).

    .venv/bin/python bench/import_list.py [--rows 3000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import FREE_GAS, machine, pilot_on

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
        for name, file in (
            ("first (all new)", path),
            ("same file again", path),
            (f"{len(changed)} rows changed", edited),
        ):
            summary, seconds = timed_import(cadena, file)
            counts = ", ".join(f"{key} {value:,}" for key, value in summary.counts().items() if value)
            print(
                f"{name:<28}{seconds['read and check']:>14.2f}{seconds['plan']:>9.2f}{seconds['send']:>9.2f}"
                f"{sum(seconds.values()):>9.2f}  {counts}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000)
    main(parser.parse_args().rows)
