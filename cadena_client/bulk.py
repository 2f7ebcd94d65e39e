"""Bulk operations at node speed.

The client must not be the bottleneck: instead of one `transact()` (estimate, sign, send, wait) per
record, `BulkSender` simulates every transaction in JSON-RPC batches, takes nonces from a local
thread-safe `NonceManager`, signs locally (eth-account on coincurve), sends the raw transactions in
JSON-RPC batches and collects the receipts concurrently. Providers without batches (eth-tester) get
the same calls one at a time. `issue_all` packs certificates into the contract's bounded
`issueCertificates` batch and reads the chain first, so a run that was cut short completes exactly
the missing records when it is run again.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types, get_abi_output_types
from web3 import HTTPProvider

from .client import Cadena
from .errors import decode_error, decode_revert, describe
from .model import CadenaError, CertificateStatus, MasterData, Reason, tin_to_bytes32

MAX_BATCH = 100  # the contract's bound on issueCertificates
DEFAULT_BATCH = 50
REBROADCAST_AFTER = 5.0  # seconds without a receipt before a transaction is broadcast again
MAX_BATCH_BYTES = 1_000_000  # JSON-RPC request bodies stay under this size (anvil refuses much larger ones)


@dataclass(frozen=True)
class Outcome:
    """What happened to one record: done, already (on-chain as asked), failed (the reason), not-sent."""

    key: str
    result: str
    detail: str = ""
    tx_hash: str | None = None
    block: int | None = None


@dataclass
class Job:
    """One transaction to send: `keys` are the records it carries."""

    keys: list[str]
    data: bytes
    operation: str
    gas: int = 0


class RpcError(CadenaError):
    """A JSON-RPC request failed for a reason other than a contract revert."""


class Rpc:
    """Raw JSON-RPC: batches over one keep-alive HTTP session, or one call at a time through web3."""

    def __init__(self, w3, batch_size: int = 100):
        self.w3, self.batch_size = w3, batch_size
        provider = w3.provider
        self.url = provider.endpoint_uri if isinstance(provider, HTTPProvider) else None
        self._local = threading.local()
        self._ids = itertools.count(1)

    @property
    def batching(self) -> bool:
        return self.url is not None

    def many(self, calls: Sequence[tuple[str, list]]) -> list[dict]:
        """Replies in call order, each {"result": ...} or {"error": {...}}."""
        if not self.batching:
            return [self._one(method, params) for method, params in calls]
        replies = []
        for chunk in self._chunks(calls):
            payload = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in chunk]
            answer = self._session().post(self.url, json=payload, timeout=60).json()
            if isinstance(answer, dict):  # the node refused the batch as a whole
                raise RpcError(f"the node refused a batch: {answer.get('error', answer)}")
            by_id = {reply["id"]: reply for reply in answer}
            replies += [by_id[request["id"]] for request in payload]
        return replies

    def _chunks(self, calls: Sequence[tuple[str, list]]):
        """Batches of at most `batch_size` calls and about MAX_BATCH_BYTES (nodes cap request bodies)."""
        chunk, size = [], 0
        for call in calls:
            call_size = len(str(call[1]))
            if chunk and (len(chunk) == self.batch_size or size + call_size > MAX_BATCH_BYTES):
                yield chunk
                chunk, size = [], 0
            chunk.append(call)
            size += call_size
        if chunk:
            yield chunk

    def _one(self, method: str, params: list) -> dict:
        try:
            reply = self.w3.provider.make_request(method, params)
        except Exception as exc:  # eth-tester raises reverts instead of returning them
            return {"error": {"message": str(exc), "exception": exc}}
        return reply if "error" in reply else {"result": reply["result"]}

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session


def error_text(error: dict, operation: str | None = None) -> str:
    """A person's sentence for a JSON-RPC error, decoding contract reverts."""
    if "exception" in error:
        decoded = decode_revert(error["exception"], operation)
        return str(decoded) if decoded else error["message"]
    data = error.get("data")
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and (found := decode_error(bytes.fromhex(data[2:]))):
        return describe(*found, operation)
    return str(error.get("message", error))


class NonceManager:
    """Hands out consecutive nonces for one account across threads; resynchronises with the node."""

    def __init__(self, rpc: Rpc, address: str):
        self.rpc, self.address = rpc, address
        self._lock = threading.Lock()
        self._next: int | None = None

    def take(self, count: int = 1) -> int:
        """The first of `count` consecutive nonces reserved for the caller."""
        with self._lock:
            if self._next is None:
                reply = self.rpc.many([("eth_getTransactionCount", [self.address, "pending"])])[0]
                self._next = int(reply["result"], 16)
            first, self._next = self._next, self._next + count
            return first

    def resync(self) -> None:
        """Forget the local count: the next `take` reads the node's pending nonce."""
        with self._lock:
            self._next = None


class BulkSender:
    """Sends many transactions to the CADENA contract from one account, at node speed."""

    def __init__(self, cadena: Cadena, account: LocalAccount, rpc_batch: int = 100, receipt_timeout: float = 300):
        self.cadena, self.account, self.receipt_timeout = cadena, account, receipt_timeout
        self.chain = cadena.chain
        self.rpc = Rpc(self.chain.w3, rpc_batch)
        self.nonces = NonceManager(self.rpc, account.address)

    def send(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[Outcome]:
        """Simulates, signs, sends and confirms `jobs`; one Outcome per key, in order.

        `progress` counts the records of each transaction sent as it is confirmed; records refused in
        simulation come back "failed" without a tx hash and are left to the caller to count.
        """
        outcomes: dict[str, Outcome] = {}
        simulated = self._simulate(jobs)
        runnable = []
        for job, (gas, error) in zip(jobs, simulated, strict=True):
            if error:
                outcomes.update({key: Outcome(key, "failed", error) for key in job.keys})
            else:
                job.gas = gas
                runnable.append(job)
        for job, outcome in self._send_and_confirm(runnable, progress):
            outcomes.update({key: Outcome(key, *outcome) for key in job.keys})
        return [outcomes[key] for job in jobs for key in job.keys]

    def _call(self, job: Job) -> dict:
        return {"from": self.account.address, "to": self.cadena.address, "data": "0x" + job.data.hex()}

    def _simulate(self, jobs: list[Job]) -> list[tuple[int, str | None]]:
        replies = self.rpc.many([("eth_estimateGas", [self._call(job)]) for job in jobs])
        return [
            (int(reply["result"], 16) * 6 // 5 + 10_000, None) if "result" in reply else (0, error_text(reply["error"], job.operation))
            for job, reply in zip(jobs, replies, strict=True)
        ]  # fmt: skip

    def _fees(self) -> dict:
        if self.chain.free_gas:
            return {"gasPrice": 0}
        latest = self.rpc.many([("eth_getBlockByNumber", ["latest", False])])[0]["result"]
        if latest.get("baseFeePerGas") is None:
            return {"gasPrice": int(self.rpc.many([("eth_gasPrice", [])])[0]["result"], 16)}
        base = int(latest["baseFeePerGas"], 16)
        tip = 10**9 if base else 0
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def _sign(self, jobs: list[Job]) -> list[bytes]:
        first = self.nonces.take(len(jobs))
        fees = self._fees()
        raw = []
        for offset, job in enumerate(jobs):
            tx = {"to": self.cadena.address, "data": job.data, "gas": job.gas, "nonce": first + offset,
                  "chainId": self.chain.chain_id, "value": 0, **fees}  # fmt: skip
            raw.append(bytes(self.account.sign_transaction(tx).raw_transaction))
        return raw

    def _send_and_confirm(self, jobs: list[Job], progress) -> list[tuple[Job, tuple]]:
        if not jobs:
            return []
        raw = self._sign(jobs)
        replies = self.rpc.many([("eth_sendRawTransaction", ["0x" + tx.hex()]) for tx in raw])
        if any("nonce too low" in str(r.get("error", "")).lower() for r in replies):
            self.nonces.resync()  # another program used the key: sign the unsent ones again
            unsent = [job for job, r in zip(jobs, replies, strict=True) if "error" in r]
            sent = [(job, r) for job, r in zip(jobs, replies, strict=True) if "result" in r]
            retried = self.rpc.many([("eth_sendRawTransaction", ["0x" + tx.hex()]) for tx in self._sign(unsent)])
            jobs, replies = [j for j, _ in sent] + unsent, [r for _, r in sent] + retried
        pending = {}
        results = []
        raw_by_job = {id(job): tx for job, tx in zip(jobs, raw, strict=False)}
        for job, reply in zip(jobs, replies, strict=True):
            if "result" in reply:
                pending[reply["result"]] = (job, raw_by_job.get(id(job)))
            else:
                results.append((job, ("not-sent", error_text(reply["error"], job.operation))))
                if progress:
                    progress(len(job.keys))
        results += self._confirm(pending, progress)
        return results

    def _confirm(self, pending: dict[str, tuple[Job, bytes]], progress) -> list[tuple[Job, tuple]]:
        """Waits for receipts, polling in batches from a few threads at once; every few seconds the
        transactions still unconfirmed are broadcast again, in case the node dropped them."""
        deadline = time.monotonic() + self.receipt_timeout
        hashes = list(pending)
        results = []
        chunks = [hashes[i : i + self.rpc.batch_size] for i in range(0, len(hashes), self.rpc.batch_size)]

        def wait(chunk: list[str]) -> list[tuple[str, dict]]:
            found: dict[str, dict] = {}
            rebroadcast = time.monotonic() + REBROADCAST_AFTER
            while len(found) < len(chunk) and time.monotonic() < deadline:
                missing = [h for h in chunk if h not in found]
                for tx_hash, reply in zip(missing, self.rpc.many([("eth_getTransactionReceipt", [h]) for h in missing]), strict=True):
                    if reply.get("result"):
                        found[tx_hash] = reply["result"]
                if len(found) < len(chunk):
                    if time.monotonic() > rebroadcast:
                        again = [pending[h][1] for h in chunk if h not in found and pending[h][1]]
                        self.rpc.many([("eth_sendRawTransaction", ["0x" + tx.hex()]) for tx in again])
                        rebroadcast = time.monotonic() + REBROADCAST_AFTER
                    time.sleep(0.05)
            return [(h, found.get(h)) for h in chunk]

        with ThreadPoolExecutor(max_workers=min(4, max(1, len(chunks)))) as pool:
            for done in pool.map(wait, chunks):
                for tx_hash, receipt in done:
                    job = pending[tx_hash][0]
                    if receipt is None:
                        outcome = ("not-sent", f"no receipt for {tx_hash} within {self.receipt_timeout:.0f} s; run again")
                    elif int(receipt["status"], 16) == 1:
                        outcome = ("done", "", tx_hash, int(receipt["blockNumber"], 16))
                    else:
                        outcome = ("failed", self._why_failed(job, receipt), tx_hash, int(receipt["blockNumber"], 16))
                    results.append((job, outcome))
                    if progress:
                        progress(len(job.keys))
        return results

    def _why_failed(self, job: Job, receipt: dict) -> str:
        block = hex(int(receipt["blockNumber"], 16) - 1)
        reply = self.rpc.many([("eth_call", [self._call(job), block])])[0]
        return error_text(reply["error"], job.operation) if "error" in reply else "the transaction failed (out of gas?)"


class Encoder:
    """Fast calldata for one contract function, straight through eth-abi."""

    def __init__(self, contract, name: str):
        abi = next(entry for entry in contract.abi if entry.get("name") == name and entry["type"] == "function")
        self.selector = function_abi_to_4byte_selector(abi)
        self.types = get_abi_input_types(abi)
        self.output_types = get_abi_output_types(abi)

    def __call__(self, *args) -> bytes:
        return self.selector + abi_encode(self.types, args)

    def decode(self, data: str) -> tuple:
        return abi_decode(self.output_types, bytes.fromhex(data[2:]))


def read_certificates(cadena: Cadena, rpc: Rpc, tins: list[str]) -> dict[str, tuple]:
    """The stored certificate of every TIN, by batched eth_call: tin -> (status, commitment, holder, ...)."""
    encode = Encoder(cadena.contract, "certificate")
    calls = [("eth_call", [{"to": cadena.address, "data": "0x" + encode(tin_to_bytes32(t)).hex()}, "latest"]) for t in tins]
    replies = rpc.many(calls)
    found = {}
    for tin_, reply in zip(tins, replies, strict=True):
        if "error" in reply:
            raise RpcError(f"cannot read certificate {tin_}: {error_text(reply['error'])}")
        found[tin_] = encode.decode(reply["result"])[0]
    return found


def issue_all(
    sender: BulkSender,
    masters: list[MasterData],
    reason: int | str = Reason.NEW_CERTIFICATION,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Issues every certificate not yet on-chain as given; one Outcome per record, in order.

    A certificate already Active or Suspended with the same commitment is "already" (so re-running
    after a crash sends only the rest); with another commitment it "failed" (update it instead).
    """
    if not 1 <= batch_size <= MAX_BATCH:
        raise CadenaError(f"batch size must be 1 to {MAX_BATCH}, not {batch_size}")
    code = Reason.parse(reason)
    current = read_certificates(sender.cadena, sender.rpc, [m.tin for m in masters])
    outcomes: dict[str, Outcome] = {}
    to_send = []
    for master in masters:
        stored = current[master.tin]
        status, commitment = CertificateStatus(stored[1]), bytes(stored[6])
        if status in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED):
            same = commitment == master.commitment
            outcomes[master.tin] = Outcome(master.tin, "already" if same else "failed",
                                           "" if same else f"{master.tin} is {status.label} with other master data; update it")  # fmt: skip
            if progress:
                progress(1)
        else:
            to_send.append(master)
    batch = Encoder(sender.cadena.contract, "issueCertificates")
    single = Encoder(sender.cadena.contract, "issueCertificate")
    jobs = [
        Job([m.tin for m in chunk], batch([tin_to_bytes32(m.tin) for m in chunk], [m.contract_tuple() for m in chunk], code), "issue")
        for chunk in (to_send[i : i + batch_size] for i in range(0, len(to_send), batch_size))
    ]  # fmt: skip
    first = sender.send(jobs, progress)
    retry = [m for m, o in zip(to_send, first, strict=True) if o.result == "failed" and not o.tx_hash]
    retried_keys = {m.tin for m in retry}
    # A batch refused in simulation: send its records one by one to isolate the faulty ones.
    second = sender.send([Job([m.tin], single(tin_to_bytes32(m.tin), m.contract_tuple(), code), "issue") for m in retry], progress)
    for outcome in [o for o in first if o.key not in retried_keys] + second:
        outcomes[outcome.key] = outcome
    if progress:
        progress(sum(1 for o in second if o.result == "failed" and not o.tx_hash))
    return [outcomes[m.tin] for m in masters]
