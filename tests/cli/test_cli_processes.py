"""Separate `cadena` processes on one lasting local chain run by `cadena node`."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import PILOT as PILOT_FILE

from cadena_client.chain.node import free_port, rpc_ready

PILOT = str(PILOT_FILE)


def start_node(port: int, state: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "cadena_client", "node", "--port", str(port), "--state", str(state)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not rpc_ready(f"http://127.0.0.1:{port}"):
        assert process.poll() is None and time.monotonic() < deadline, "cadena node did not start"
        time.sleep(0.1)
    return process


def stop_node(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


@pytest.fixture
def cadena(tmp_path):
    port = free_port()
    env = {**os.environ, "CADENA_RPC_URL": f"http://127.0.0.1:{port}"}

    def run(*args, expect=0):
        done = subprocess.run(
            [sys.executable, "-m", "cadena_client", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == expect, done.stdout + done.stderr
        return done.stdout + done.stderr

    run.port, run.state = port, tmp_path / "chain" / "anvil.json"
    return run


@pytest.mark.slow
def test_separate_invocations_on_a_lasting_chain(cadena):
    node = start_node(cadena.port, cadena.state)
    try:
        assert "11 done" in cadena("network", "deploy", PILOT)
        cadena(
            "--dev-account",
            "2",
            "cert",
            "issue",
            "MXEPA180101AB1",
            "--name",
            "Exportadora del Pacífico",
            "--address",
            "Av. Reforma 505",
            "--types",
            "exporter",
            "--valid-from",
            "2018-11-05",
        )
        assert json.loads(cadena("verify", "--importer", "PE", "MXEPA180101AB1", "--json"))["recognised"] is True
        cadena("--dev-account", "2", "cert", "suspend", "MXEPA180101AB1", "--reason", "security-incident")
        verdict = json.loads(cadena("verify", "--importer", "PE", "MXEPA180101AB1", "--json", expect=13))
        assert (verdict["recognised"], verdict["verdict"]) == (False, "not_active")  # a script sees exit 13
    finally:
        stop_node(node)
    assert cadena.state.exists()
    node = start_node(cadena.port, cadena.state)  # the chain outlives the node process
    try:
        assert json.loads(cadena("cert", "show", "MXEPA180101AB1", "--json"))["status"] == "suspended"
        assert "0 done, 11 already in place" in cadena("network", "deploy", PILOT)
    finally:
        stop_node(node)
    output = cadena("cert", "show", "MXEPA180101AB1", expect=1)
    assert "cannot reach a node" in output and "Traceback" not in output
