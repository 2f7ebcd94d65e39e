"""A local anvil node (Foundry, installed from npm as @foundry-rs/anvil) for development and tests."""

from __future__ import annotations

import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from cadena_client.errors import NodeError, PortTaken

SOURCE_TREE = Path(__file__).resolve().parents[2]  # where `npm ci` puts node_modules in a checkout


def find_anvil() -> str:
    """The anvil binary: the platform's binary in the project's node_modules (not the npm wrapper
    script, whose death would leave anvil running), then PATH."""
    local = sorted((SOURCE_TREE / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    found = str(local[0]) if local else shutil.which("anvil")
    if not found:
        raise NodeError(
            "anvil is not installed: run `npm ci` (or `make setup`) in CADENA's source folder, or put anvil on PATH "
            "(`npm install -g @foundry-rs/anvil`, or Foundry's foundryup)"
        )
    return found


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills it when its parent dies, even by SIGKILL (Linux; strictly,
    when the thread that started it ends, so start nodes from a thread that lives as long as they do)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rpc_ready(url: str) -> bool:
    try:
        reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1)
        return reply.ok
    except requests.RequestException:
        return False


@dataclass
class LocalNode:
    """A running anvil process; `stop()` ends it (its state is saved if it has a state file)."""

    process: subprocess.Popen
    url: str
    state_file: Path | None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> LocalNode:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_anvil(
    port: int | None = None,
    state_file: Path | None = None,
    extra_args: tuple[str, ...] = (),
    timeout: float = 20.0,
) -> LocalNode:
    """Starts anvil on 127.0.0.1 and waits until it answers JSON-RPC.

    With `state_file`, the chain is loaded from and saved to that file, so it outlives the process.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    if rpc_ready(url):
        raise PortTaken(f"port {port} is already taken by another node")
    command = [find_anvil(), "--host", "127.0.0.1", "--port", str(port), "--silent", *extra_args]
    if state_file is not None:
        command += ["--state", str(state_file)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            message = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
            raise NodeError(f"anvil exited at start: {message or 'no message'}")
        if rpc_ready(url):
            return LocalNode(process, url, state_file)
        time.sleep(0.05)
    process.kill()
    raise NodeError(f"anvil did not answer on {url} within {timeout:.0f} s")
