"""`cadena serve` under load, beside the in-process mirror and raw ceilings, in one run (issues 14, 21).

Anvil with the pilot network and `--certificates` issued; `cadena serve` in its own process with a
webhook to a local receiver. Measures: verify from the in-process mirror (lookups/s); verify over
HTTP one TIN a request (wrk from Debian if installed, 2 threads, 64 connections, else an async
client), and in batches of 1,000 TINs (an async client); the latency from sending a suspension to
an SSE client receiving it and to the webhook receiver (median and max of `--runs`).

Ratios (issue 21), each server pinned to core 0 and wrk or the client to core 1 (`taskset`), the
ceilings in `bench/service_ceilings.py`: one-TIN verify against bare Starlette returning a
precomputed body (wrk); batch verify against a minimal Starlette app doing the same work per TIN
(pattern check, table look-up, json.dumps). `--serve-from DIR` runs `cadena serve` from another
checkout of the package (to measure a release before a change).

    .venv/bin/python bench/service.py [--certificates 1000] [--seconds 10] [--runs 10] [--serve-from DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import requests
from common import FREE_GAS, PILOT, machine, operators

from cadena_client.api.bulk import issue_all
from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import Accounts, DeploymentRecord, deploy_network, load_config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise SystemExit("the service did not become ready")


PINNED_SERVER, PINNED_CLIENT = ["taskset", "-c", "0"], ["taskset", "-c", "1"]


def start_ceiling(app: str, mirror: Path) -> tuple[subprocess.Popen, str]:
    """A raw ceiling app of service_ceilings.py under uvicorn on core 0; (its process, its URL)."""
    port = free_port()
    process = subprocess.Popen(
        [
            *PINNED_SERVER,
            sys.executable,
            "-m",
            "uvicorn",
            f"service_ceilings:{app}",
            "--app-dir",
            str(Path(__file__).parent),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, "CADENA_BENCH_MIRROR": str(mirror)},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"the {app} ceiling did not start")


def single_with_wrk(url: str, tins: list[str], seconds: int) -> float:
    script = Path(TemporaryDirectory().name + ".lua")
    paths = ",".join(f'"/v1/verify?importer=PE&tin={t}"' for t in tins[:200])
    script.write_text(
        f"local p = {{{paths}}}\nlocal i = 0\nrequest = function()\n i = i % #p + 1\n return wrk.format(nil, p[i])\nend\n"
    )
    out = subprocess.run(
        [*PINNED_CLIENT, "wrk", "-t1", "-c64", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def batch_with_wrk(url: str, tins: list[str], seconds: int) -> float:
    """TINs/s verified in POSTs of 1,000 TINs each, by wrk (one thread, 8 connections) on core 1."""
    script = Path(TemporaryDirectory().name + ".lua")
    body = json.dumps({"importer": "PE", "tins": [random.choice(tins) for _ in range(1000)]})
    script.write_text(
        f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\nwrk.headers["Content-Type"] = "application/json"\n'
    )
    out = subprocess.run(
        [*PINNED_CLIENT, "wrk", "-t1", "-c8", f"-d{seconds}s", "-s", str(script), url + "/v1/verify"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    return 1000 * float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


async def single_with_client(url: str, tins: list[str], seconds: int) -> float:
    done, stop = 0, time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=64)) as client:

        async def worker():
            nonlocal done
            while time.monotonic() < stop:
                (
                    await client.get("/v1/verify", params={"importer": "PE", "tin": random.choice(tins)})
                ).raise_for_status()
                done += 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(64)))
        return done / (time.monotonic() - began)


def measure_batches(url: str, tins: list[str], seconds: int) -> float:
    return batch_with_wrk(url, tins, seconds) if shutil.which("wrk") else asyncio.run(batched(url, tins, seconds))


async def batched(url: str, tins: list[str], seconds: int) -> float:
    body = {"importer": "PE", "tins": [random.choice(tins) for _ in range(1000)]}
    done, stop = 0, time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def worker():
            nonlocal done
            while time.monotonic() < stop:
                (await client.post("/v1/verify", json=body)).raise_for_status()
                done += 1000

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(4)))
        return done / (time.monotonic() - began)


class Receiver:
    """A webhook receiver that notes when each certificate change arrived: (tin, change) -> time."""

    def __init__(self):
        self.arrived: dict[tuple, float] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                change = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.arrived[(change["tin"], change["change"])] = time.monotonic()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def stream_arrivals(url: str, arrived: dict) -> None:
    """Follows the SSE feed from now on, noting when each certificate change arrived, until the service stops."""
    try:
        with requests.get(f"{url}/v1/events", stream=True, timeout=None) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line.startswith("data: "):
                    change = json.loads(line[6:])
                    arrived[(change["tin"], change["change"])] = time.monotonic()
    except requests.exceptions.ChunkedEncodingError:
        pass  # the service stopped with the stream open


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--poll", default="0.1", help="cadena serve --poll (seconds between syncs)")
    parser.add_argument("--serve-from", type=Path, help="Run `cadena serve` from this checkout of the package.")
    args = parser.parse_args()
    with TemporaryDirectory() as folder, start_anvil(extra_args=FREE_GAS) as node:
        record_path = Path(folder) / "record.json"
        chain = connect(node.url)
        deploy_network(chain, load_config(PILOT), Accounts(chain, PILOT.parent), record_path)
        record = DeploymentRecord.load(record_path)
        officer = record.open(chain, Signer(chain, chain.dev_account(2)))
        masters = operators(args.certificates)
        issue_all(officer, masters)
        tins = [m.tin for m in masters]

        mirror = Mirror(Path(folder) / "local.sqlite", record.chain_id, record.address, record.deploy_block)
        mirror.sync(record.open(chain))
        lookups, began = 200_000, time.perf_counter()
        for i in range(lookups):
            mirror.verify("PE", tins[i % len(tins)])
        in_process = lookups / (time.perf_counter() - began)

        receiver = Receiver()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        mirror.close()
        served_env = {"CADENA_WEBHOOK_SECRET": "bench", "PATH": "/usr/bin:/bin"}
        if args.serve_from:
            served_env["PYTHONPATH"] = str(args.serve_from.resolve())
        service = subprocess.Popen(
            [
                *PINNED_SERVER,
                sys.executable,
                "-m",
                "cadena_client",
                "--rpc-url",
                node.url,
                "--deployment",
                str(record_path),
                "--mirror",
                str(Path(folder) / "service.sqlite"),
                "serve",
                "--port",
                str(port),
                "--poll",
                args.poll,
                "--webhook",
                f"http://127.0.0.1:{receiver.port}/hook",
            ],
            env=served_env,
            stdout=subprocess.DEVNULL,
        )
        ceilings = []
        os.sched_setaffinity(0, {1})  # the clients on core 1, every server on core 0
        try:
            wait_ready(url)
            if shutil.which("wrk"):
                single, tool = single_with_wrk(url, tins, args.seconds), "wrk -t1 -c64, server on core 0, wrk on core 1"
            else:
                single, tool = asyncio.run(single_with_client(url, tins, args.seconds)), "httpx, 64 connections"
            batch_rate = measure_batches(url, tins, args.seconds)
            single_ceiling_process, single_url = start_ceiling("single", Path(folder) / "local.sqlite")
            batch_ceiling_process, batch_url = start_ceiling("batch", Path(folder) / "local.sqlite")
            ceilings = [single_ceiling_process, batch_ceiling_process]
            if shutil.which("wrk"):
                single_raw = single_with_wrk(single_url, tins, args.seconds)
            else:
                single_raw = asyncio.run(single_with_client(single_url, tins, args.seconds))
            batch_raw = measure_batches(batch_url, tins, args.seconds)
            streamed: dict[tuple, float] = {}
            threading.Thread(target=stream_arrivals, args=(url, streamed), daemon=True).start()
            time.sleep(1)
            to_stream, to_hook = [], []
            for tin in tins[: args.runs]:
                sent = time.monotonic()
                officer.suspend(tin)
                deadline = sent + 10
                while time.monotonic() < deadline and not (
                    (tin, "suspended") in streamed and (tin, "suspended") in receiver.arrived
                ):
                    time.sleep(0.005)
                to_stream.append(streamed[(tin, "suspended")] - sent)
                to_hook.append(receiver.arrived[(tin, "suspended")] - sent)
        finally:
            for process in [service, *ceilings]:
                process.terminate()
                process.wait(timeout=20)
    print(f"{machine()}; anvil; {args.certificates:,} certificates; cadena serve in its own process")
    print(f"verify, in-process mirror:            {in_process:>12,.0f} lookups/s")
    print(f"verify over HTTP, one TIN a request:  {single:>12,.0f} requests/s ({tool}; target 3,000)")
    print(
        f"  bare Starlette, precomputed body:   {single_raw:>12,.0f} requests/s -> ratio {single / single_raw:.2f} (target >= 0.80)"
    )
    print(
        f"verify over HTTP, 1,000 TINs a batch: {batch_rate:>12,.0f} TINs/s (wrk -t1 -c8 if installed; target 100,000)"
    )
    print(
        f"  minimal Starlette, same work a TIN: {batch_raw:>12,.0f} TINs/s -> ratio {batch_rate / batch_raw:.2f} (target >= 0.50)"
    )
    print(
        f"suspension sent -> SSE client: median {statistics.median(to_stream) * 1000:.0f} ms, "
        f"max {max(to_stream) * 1000:.0f} ms; -> webhook receiver: median {statistics.median(to_hook) * 1000:.0f} ms, "
        f"max {max(to_hook) * 1000:.0f} ms ({args.runs} runs; target under 1 s)"
    )


if __name__ == "__main__":
    main()
