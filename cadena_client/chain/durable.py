"""`cadena node`: an anvil node that loses no block a client has seen, even when killed with SIGKILL.

anvil keeps its chain in memory and writes it to its state file only when told (on exit, or on an
interval), so a crash rolls the chain back and every client that saw the lost blocks sees them
retracted. Here anvil listens on a private port, and a small JSON-RPC front on the public port
writes every new block to a journal, and syncs it to disk, before any client can see it:

- a request that may mine (a transaction sent, `evm_mine`, ...) holds the front exclusively; when
  anvil has answered, each new block is appended to the journal (number, hash, timestamp, base fee and
  its transactions, raw) and the file synced, and only then does the answer leave; reads wait meanwhile;
- a request that changes the chain another way (`evm_revert`, `anvil_setBalance`, ...) is followed by
  a checkpoint: anvil's whole state dumped to the state file (written aside, synced, renamed), and
  the journal emptied;
- at start, anvil loads the state file and the journal's blocks are mined again, each with its own
  timestamp, base fee and transactions: anvil is deterministic, so each comes back with the hash it
  had, which is checked. Then a checkpoint folds the journal into the state file.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from cadena_client.chain.node import LocalNode, start_anvil
from cadena_client.errors import NodeError, PortTaken

# Methods that cannot change the chain: they run side by side. Any other method is a write.
READS = frozenset(
    {
        "eth_accounts",
        "eth_blockNumber",
        "eth_call",
        "eth_chainId",
        "eth_createAccessList",
        "eth_estimateGas",
        "eth_feeHistory",
        "eth_gasPrice",
        "eth_getBalance",
        "eth_getBlockByHash",
        "eth_getBlockByNumber",
        "eth_getBlockReceipts",
        "eth_getBlockTransactionCountByNumber",
        "eth_getCode",
        "eth_getLogs",
        "eth_getRawTransactionByHash",
        "eth_getStorageAt",
        "eth_getTransactionByHash",
        "eth_getTransactionCount",
        "eth_getTransactionReceipt",
        "eth_maxPriorityFeePerGas",
        "eth_syncing",
        "net_listening",
        "net_version",
        "web3_clientVersion",
        "anvil_nodeInfo",
        "anvil_metadata",
    }
)
# Writes whose only effect on the chain is new blocks: the journal records them.
MINING = frozenset(
    {"eth_sendRawTransaction", "eth_sendTransaction", "evm_mine", "anvil_mine", "evm_setNextBlockTimestamp"}
)
COMPACT_AFTER = 5_000  # journal lines that make the next write fold the journal into the state file


class ReadWriteLock:
    """Many readers at once, or one writer; a waiting writer goes before new readers."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self):
        with self._turn:
            self._turn.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._turn:
                self._readers -= 1
                self._turn.notify_all()

    @contextmanager
    def writing(self):
        with self._turn:
            self._writers_waiting += 1
            self._turn.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._turn:
                self._writing = False
                self._turn.notify_all()


class DurableNode:
    """anvil behind a journaling front on `port`; `state_file` and `state_file`.journal hold the chain."""

    def __init__(self, port: int, state_file: Path):
        self.state_file = state_file
        self.journal_file = state_file.with_name(state_file.name + ".journal")
        self.lock = ReadWriteLock()
        self._local = threading.local()
        self.journaled = -1  # the last block in the journal or the state file
        self.journal_lines = 0
        loaded = state_file.exists() and state_file.stat().st_size > 0
        self.anvil: LocalNode = start_anvil(extra_args=("--load-state", str(state_file)) if loaded else ())
        try:
            self._replay()
            self.checkpoint()
            self.server = self._serve(port)
        except BaseException:
            self.anvil.stop()
            raise
        self.url = f"http://127.0.0.1:{port}"

    # -- the front -----------------------------------------------------------------------------------

    def _serve(self, port: int) -> ThreadingHTTPServer:
        node = self

        class Front(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: clients send thousands of requests on one connection

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = node.handle(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Front)
        except OSError as exc:
            raise PortTaken(f"port {port} is already taken ({exc.strerror})") from None
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def handle(self, body: bytes) -> tuple[int, bytes]:
        """Forwards one HTTP body (a call or a batch) to anvil; a write's new blocks are on disk before it returns."""
        try:
            request = json.loads(body)
            calls = request if isinstance(request, list) else [request]
            methods = {call.get("method") for call in calls if isinstance(call, dict)}
        except (ValueError, AttributeError):
            methods = set()
        if methods and methods <= READS:
            with self.lock.reading():
                return self._forward(body)
        with self.lock.writing():
            answer = self._forward(body)
            if methods - READS <= MINING:  # a batch may mix reads with what mines
                self._journal_new_blocks()
            else:
                self.checkpoint()
            return answer

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        reply = self._session().post(
            self.anvil.url, data=body, headers={"Content-Type": "application/json"}, timeout=120
        )
        return reply.status_code, reply.content

    def _session(self) -> requests.Session:
        if getattr(self._local, "session", None) is None:
            self._local.session = requests.Session()
        return self._local.session

    def _rpc(self, calls: list[tuple[str, list]]) -> list:
        payload: list = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        replies = {r["id"]: r for r in self._session().post(self.anvil.url, json=payload, timeout=120).json()}
        for i, (method, _) in enumerate(calls):
            if "error" in replies[i]:
                raise NodeError(f"anvil refused {method}: {replies[i]['error'].get('message')}")
        return [replies[i]["result"] for i in range(len(calls))]

    # -- the journal ---------------------------------------------------------------------------------

    def _head(self) -> int:
        return int(self._rpc([("eth_blockNumber", [])])[0], 16)

    def _journal_new_blocks(self) -> None:
        deadline = time.monotonic() + 10  # anvil mines what it was sent just after it answers: wait for it
        while int(self._rpc([("txpool_status", [])])[0]["pending"], 16) and time.monotonic() < deadline:
            time.sleep(0.001)
        head = self._head()
        if head < self.journaled:  # the chain went back: only a whole state says what it is now
            self.checkpoint()
            return
        if head == self.journaled:
            return
        numbers = range(self.journaled + 1, head + 1)
        blocks = self._rpc([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        hashes = [h for block in blocks for h in block["transactions"]]
        raw = dict(zip(hashes, self._rpc([("eth_getRawTransactionByHash", [h]) for h in hashes]), strict=True))
        lines = [
            json.dumps(
                {
                    "number": int(block["number"], 16),
                    "hash": block["hash"],
                    "timestamp": int(block["timestamp"], 16),
                    "base_fee": block.get("baseFeePerGas"),  # none before London
                    "transactions": [raw[h] for h in block["transactions"]],
                }
            )
            + "\n"
            for block in blocks
        ]
        with open(self.journal_file, "a", encoding="utf-8") as journal:
            journal.writelines(lines)
            journal.flush()
            os.fsync(journal.fileno())
        self.journaled, self.journal_lines = head, self.journal_lines + len(lines)
        if self.journal_lines >= COMPACT_AFTER:
            self.checkpoint()

    def _replay(self) -> None:
        """Mines again, on the loaded state, the journal's blocks it lacks, and checks each one's hash."""
        entries = []
        if self.journal_file.exists():
            for line in self.journal_file.read_text(encoding="utf-8").splitlines():
                try:
                    entries.append(json.loads(line))
                except ValueError:  # a line cut short by a crash: its block was never shown to anyone
                    break
        head = self._head()
        missing = [entry for entry in entries if entry["number"] > head]
        if not missing:
            return
        self._rpc([("evm_setAutomine", [False])])
        for entry in missing:
            if entry["number"] != head + 1:
                raise NodeError(f"{self.journal_file} skips from block {head} to {entry['number']}: it is damaged")
            self._mine_again(entry)
            head += 1
        self._rpc([("evm_setTime", [max(int(time.time()), missing[-1]["timestamp"])])])  # the clock goes on
        self._rpc([("evm_setAutomine", [True])])

    def _mine_again(self, entry: dict, attempts: int = 5) -> None:
        """Mines the journal's block `entry` with its transactions and timestamp, and checks its hash. The
        clock is set just before mining (anvil refuses a next timestamp equal to the last one, which blocks
        of the same second have): if a second turns in between, the block is undone and mined again."""
        sends = [("eth_sendRawTransaction", [tx]) for tx in entry["transactions"]]
        for _ in range(attempts):
            (snapshot,) = self._rpc([("evm_snapshot", [])])
            fee = [("anvil_setNextBlockBaseFeePerGas", [entry["base_fee"]])] if entry.get("base_fee") else []
            self._rpc([*sends, *fee, ("evm_setTime", [entry["timestamp"]]), ("evm_mine", [])])
            block = self._rpc([("eth_getBlockByNumber", [hex(entry["number"]), False])])[0]
            if block["hash"] == entry["hash"]:
                return
            self._rpc([("evm_revert", [snapshot])])
        raise NodeError(
            f"block {entry['number']} came back from {self.journal_file} with another hash; "
            "the journal does not fit the state file"
        )

    def checkpoint(self) -> None:
        """The whole chain into the state file (atomically), and an empty journal."""
        state = gzip.decompress(bytes.fromhex(self._rpc([("anvil_dumpState", [])])[0].removeprefix("0x")))
        aside = self.state_file.with_name(self.state_file.name + ".new")
        with open(aside, "wb") as out:
            out.write(state)  # JSON, the form anvil's --load-state reads
            out.flush()
            os.fsync(out.fileno())
        os.replace(aside, self.state_file)
        with open(self.journal_file, "w", encoding="utf-8") as journal:
            os.fsync(journal.fileno())
        _sync_folder(self.state_file.parent)
        self.journaled, self.journal_lines = self._head(), 0

    def stop(self) -> None:
        """Stops serving, saves the chain and stops anvil."""
        self.server.shutdown()
        self.server.server_close()
        with self.lock.writing():
            try:
                if self.anvil.process.poll() is None:
                    self.checkpoint()
            finally:
                self.anvil.stop()


def _sync_folder(folder: Path) -> None:
    """Makes a rename in `folder` durable (POSIX: sync the directory)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
