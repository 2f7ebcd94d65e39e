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

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types, get_abi_output_types

from .chain import Rpc, RpcError, quantity
from .client import Cadena, certificate_record, verification
from .errors import decode_error, decode_revert, describe
from .model import (
    MAX_PAGE,
    ZERO_ADDRESS,
    CadenaError,
    Certificate,
    CertificateStatus,
    MasterData,
    Reason,
    Verification,
    country,
    tin,
    tin_from_bytes32,
    tin_to_bytes32,
)

MAX_BATCH = 100  # the contract's bound on issueCertificates
DEFAULT_BATCH = 50
REBROADCAST_AFTER = 3.0  # seconds without a receipt before what is missing is looked at
READ_WORKERS = 4  # JSON-RPC batches of reads in flight at once


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


@dataclass(frozen=True)
class _Signed:
    job: Job
    raw: bytes
    nonce: int


SUPERSEDED = object()  # marks a transaction whose nonce another transaction took


def _gas_limit(gas_used) -> int:
    """Room above the simulated gas: 20% and 10,000 for the 63/64 rule and state changed meanwhile."""
    return quantity(gas_used) * 6 // 5 + 10_000


def _unsupported(reply: dict) -> bool:
    """Whether a JSON-RPC reply says the node has no such method."""
    error = reply.get("error") or {}
    return error.get("code") == -32601 or "not supported" in str(error.get("message", "")).lower()


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
    """Hands out consecutive nonces for one account across threads, from the node's count of its mined
    transactions, and resynchronises on demand. The bulk path expects its key for itself: transactions
    of the account still waiting in the node's pool (a killed run's) are replaced or superseded."""

    def __init__(self, rpc: Rpc, address: str):
        self.rpc, self.address = rpc, address
        self._lock = threading.Lock()
        self._next: int | None = None

    def take(self, count: int = 1) -> int:
        """The first of `count` consecutive nonces reserved for the caller."""
        with self._lock:
            if self._next is None:
                self._next = self.count("latest")
            first, self._next = self._next, self._next + count
            return first

    def resync(self) -> None:
        """Forget the local count: the next `take` reads the node's again."""
        with self._lock:
            self._next = None

    def count(self, block: str) -> int:
        """The account's transaction count at `block` ("latest": mined; "pending": with the pool's)."""
        return quantity(self.rpc.many([("eth_getTransactionCount", [self.address, block])])[0]["result"])


class BulkSender:
    """Sends many transactions to the CADENA contract from one account, at node speed."""

    def __init__(self, cadena: Cadena, account: LocalAccount, rpc_batch: int = 100, receipt_timeout: float = 300):
        self.cadena, self.account, self.receipt_timeout = cadena, account, receipt_timeout
        self.chain = cadena.chain
        self.rpc = Rpc(self.chain.w3, rpc_batch)
        self.nonces = NonceManager(self.rpc, account.address)
        self._access_lists = True  # until the node says it has no eth_createAccessList

    def send(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[Outcome]:
        """Simulates, signs, sends and confirms `jobs`; one Outcome per key, in order.

        `progress` counts the records of each transaction sent as it is confirmed; records refused in
        simulation come back "failed" without a tx hash and are left to the caller to count. A
        transaction whose nonce another one took (a killed run's leftovers in the node's pool) is
        simulated and sent once more.
        """
        outcomes: dict[str, Outcome] = {}
        todo = jobs
        for attempt in (1, 2):
            runnable = []
            for job, (gas, error) in zip(todo, self._simulate(todo), strict=True):
                if error:
                    outcomes.update({key: Outcome(key, "failed", error) for key in job.keys})
                else:
                    job.gas = gas
                    runnable.append(job)
            todo = []
            for job, outcome in self._send_and_confirm(runnable, progress, fee_factor=1 if attempt == 1 else 3):
                if outcome[0] == "superseded" and attempt == 1:
                    todo.append(job)
                else:
                    outcomes.update({key: Outcome(key, *outcome) for key in job.keys})
            if not todo:
                break
            self._settle()
            self.nonces.resync()
        return [outcomes[key] for job in jobs for key in job.keys]

    def _settle(self, timeout: float = 15) -> None:
        """Waits until the node's pool holds no executable transaction of the account."""
        deadline = time.monotonic() + timeout
        while self.nonces.count("pending") > self.nonces.count("latest") and time.monotonic() < deadline:
            time.sleep(0.1)

    def _call(self, job: Job) -> dict:
        return {"from": self.account.address, "to": self.cadena.address, "data": "0x" + job.data.hex()}

    def _simulate(self, jobs: list[Job]) -> list[tuple[int, str | None]]:
        """(gas limit, None) for each job that would succeed, else (0, the contract's error).

        The gas comes from one execution, eth_createAccessList's gasUsed, where the node has it (a
        binary search of eth_estimateGas runs a job several times); a job failing there is run once
        more by eth_call for the contract's error, which that method does not report alike on all nodes.
        """
        if self.rpc.batching and self._access_lists:
            replies = self.rpc.many([("eth_createAccessList", [self._call(job), "latest"]) for job in jobs])
            if not any(_unsupported(reply) for reply in replies):
                gas = [None if "error" in r or "error" in r["result"] else _gas_limit(r["result"]["gasUsed"]) for r in replies]
                errors = iter(self._errors([job for job, limit in zip(jobs, gas, strict=True) if limit is None]))
                return [(limit, None) if limit is not None else (0, next(errors)) for limit in gas]
            self._access_lists = False
        replies = self.rpc.many([("eth_estimateGas", [self._call(job)]) for job in jobs])
        return [
            (_gas_limit(reply["result"]), None) if "result" in reply else (0, error_text(reply["error"], job.operation))
            for job, reply in zip(jobs, replies, strict=True)
        ]  # fmt: skip

    def _errors(self, jobs: list[Job]) -> list[str]:
        """Why each job fails, from eth_call."""
        replies = self.rpc.many([("eth_call", [self._call(job), "latest"]) for job in jobs])
        return [error_text(reply["error"], job.operation) if "error" in reply else "the node refused it in simulation"
                for job, reply in zip(jobs, replies, strict=True)]  # fmt: skip

    def _fees(self, factor: int = 1) -> dict:
        """Fees for the network, times `factor` (to replace transactions of the account in the pool)."""
        if self.chain.free_gas:
            return {"gasPrice": 0}
        latest = self.rpc.many([("eth_getBlockByNumber", ["latest", False])])[0]["result"]
        if latest.get("baseFeePerGas") is None:
            return {"gasPrice": factor * quantity(self.rpc.many([("eth_gasPrice", [])])[0]["result"])}
        base = quantity(latest["baseFeePerGas"])
        tip = factor * (10**9 if base else 0)
        return {"maxFeePerGas": factor * 3 * base + tip, "maxPriorityFeePerGas": tip}

    def _sign(self, jobs: list[Job], fee_factor: int) -> list[_Signed]:
        fees = self._fees(fee_factor)
        first = self.nonces.take(len(jobs))
        signed = []
        for nonce, job in enumerate(jobs, start=first):
            tx = {"to": self.cadena.address, "data": job.data, "gas": job.gas, "nonce": nonce,
                  "chainId": self.chain.chain_id, "value": 0, **fees}  # fmt: skip
            signed.append(_Signed(job, bytes(self.account.sign_transaction(tx).raw_transaction), nonce))
        return signed

    def _broadcast(self, signed: list[_Signed]) -> list[dict]:
        return self.rpc.many([("eth_sendRawTransaction", ["0x" + item.raw.hex()]) for item in signed])

    def _send_and_confirm(self, jobs: list[Job], progress, fee_factor: int) -> list[tuple[Job, tuple]]:
        """Signs `jobs`, sends them as the chain takes them and waits for their receipts. Fees are
        multiplied by `fee_factor`: 1 first, 2 for the fillers, 3 for a retry, so each replaces what
        may wait in its way.

        At most one block's gas is waiting at a time: a node that mines as transactions arrive (anvil)
        then mines all of it in the next block (with more, its automine leaves the rest waiting for
        another arrival), and a node that mines by the clock could not put more in a block anyway.
        Receipts are polled in batches from a few threads at once. Every few seconds without a
        receipt, what is still missing is looked at: a transaction whose nonce the account has
        passed was superseded. If the account's nonce did not move meanwhile, a gap below ours (left
        by a killed run) is filled with empty transactions to the account itself, and ours are signed
        again at the same nonces with fees from the current base fee (it may have risen past what
        they offer); whichever version is mined counts.
        """
        if not jobs:
            return []
        queue = deque(self._sign(jobs, fee_factor))
        window = self._block_gas_limit()
        pending: dict[str, _Signed] = {}
        found: dict[str, object] = {}
        results: list[tuple[Job, tuple]] = []
        waiting: list[_Signed] = []
        deadline = check_at = time.monotonic()
        last_mined = -1
        while queue or waiting:
            gas = sum(item.job.gas for item in waiting)
            wave = []
            while queue and (not (waiting or wave) or gas + queue[0].job.gas <= window):
                wave.append(queue.popleft())
                gas += wave[-1].job.gas
            if wave:
                results += self._send_wave(wave, pending, progress)
            missing = [h for h in pending if h not in found]
            replies = self.rpc.many([("eth_getTransactionReceipt", [h]) for h in missing], workers=READ_WORKERS)
            mined_now = {h: reply["result"] for h, reply in zip(missing, replies, strict=True) if reply.get("result")}
            found.update(mined_now)
            settled = {id(pending[h].job) for h in found if found[h] is not SUPERSEDED}
            waiting = [item for h, item in pending.items() if h not in found and id(item.job) not in settled]
            now = time.monotonic()
            if mined_now or wave:
                deadline, check_at = now + self.receipt_timeout, now + REBROADCAST_AFTER
            if now > deadline:
                break
            if not waiting or now < check_at:
                time.sleep(0.02 if waiting else 0)
                continue
            mined = self.nonces.count("latest")
            found.update({h: SUPERSEDED for h, item in pending.items() if h not in found and item.nonce < mined})
            waiting = [item for item in waiting if item.nonce >= mined]
            if waiting and mined == last_mined:
                lowest = min(item.nonce for item in waiting)
                # a gap below ours, or else one empty transaction at the next nonce: a new arrival
                # makes anvil's automine take up executable transactions it left waiting
                self._fill(range(mined, lowest) if lowest > mined else range(self.nonces.take(1), self.nonces.take(0)))
                for item in self._resign(waiting):
                    pending["0x" + keccak(item.raw).hex()] = item
            self._broadcast(waiting)
            check_at, last_mined = now + REBROADCAST_AFTER, mined
        results += [(item.job, ("not-sent", "not sent: the node stopped taking transactions; run again")) for item in queue]
        return results + self._outcomes(pending, found, progress)

    def _send_wave(self, wave: list[_Signed], pending: dict[str, _Signed], progress) -> list[tuple[Job, tuple]]:
        """Broadcasts `wave`; what the node took joins `pending`, the rest comes back with its outcome."""
        results = []
        for item, reply in zip(wave, self._broadcast(wave), strict=True):
            error = str(reply.get("error", "")).lower()
            if "result" in reply or "already" in error:  # already known: this very transaction was sent before
                pending["0x" + keccak(item.raw).hex()] = item
            elif "nonce too low" in error or "underpriced" in error:  # the nonce is taken: retried after resync
                results.append((item.job, ("superseded", reply["error"].get("message", error))))
            else:
                results.append((item.job, ("not-sent", error_text(reply["error"], item.job.operation))))
                if progress:
                    progress(len(item.job.keys))
        return results

    def _block_gas_limit(self) -> int:
        return quantity(self.rpc.many([("eth_getBlockByNumber", ["latest", False])])[0]["result"]["gasLimit"])

    def _outcomes(self, pending: dict[str, _Signed], found: dict[str, object], progress) -> list[tuple[Job, tuple]]:
        """One outcome per job: its mined version if any, else superseded, else not sent."""
        best: dict[int, tuple[Job, tuple]] = {}
        for tx_hash, item in pending.items():
            receipt = found.get(tx_hash)
            if receipt is None or receipt is SUPERSEDED:
                outcome = ("superseded", f"another transaction took nonce {item.nonce}") if receipt else (
                    "not-sent", f"no receipt for {tx_hash} within {self.receipt_timeout:.0f} s of the last; run again")
            elif quantity(receipt["status"]) == 1:
                outcome = ("done", "", tx_hash, quantity(receipt["blockNumber"]))
            else:
                outcome = ("failed", self._why_failed(item.job, receipt), tx_hash, quantity(receipt["blockNumber"]))
            rank = ("not-sent", "superseded", "failed", "done").index(outcome[0])
            key = id(item.job)
            if key not in best or rank > ("not-sent", "superseded", "failed", "done").index(best[key][1][0]):
                best[key] = (item.job, outcome)
        if progress:
            for job, outcome in best.values():
                if outcome[0] != "superseded":
                    progress(len(job.keys))
        return list(best.values())

    def _resign(self, waiting: list[_Signed]) -> list[_Signed]:
        """The same transactions at the same nonces, priced from the current base fee, broadcast."""
        fees = self._fees(2)
        again = []
        for item in waiting:
            tx = {"to": self.cadena.address, "data": item.job.data, "gas": item.job.gas, "nonce": item.nonce,
                  "chainId": self.chain.chain_id, "value": 0, **fees}  # fmt: skip
            again.append(_Signed(item.job, bytes(self.account.sign_transaction(tx).raw_transaction), item.nonce))
        self._broadcast(again)
        return again

    def _fill(self, nonces: range) -> None:
        """Empty transactions to the account itself at `nonces`, priced to replace what waits there."""
        fees = self._fees(2)
        raw = [
            self.account.sign_transaction({"to": self.account.address, "value": 0, "gas": 21_000, "nonce": nonce,
                                           "chainId": self.chain.chain_id, **fees}).raw_transaction  # fmt: skip
            for nonce in nonces
        ]
        self.rpc.many([("eth_sendRawTransaction", ["0x" + bytes(tx).hex()]) for tx in raw])

    def _why_failed(self, job: Job, receipt: dict) -> str:
        block = hex(quantity(receipt["blockNumber"]) - 1)
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


def read_certificates(rpc: Rpc, cadena: Cadena, tins: list[str]) -> dict[str, tuple]:
    """The stored certificate of every TIN by batched eth_call: tin -> (holder, status, types, valid from,
    expiry, version, commitment), the holder checksummed; the fixed-layout struct is read word by word."""
    encode = Encoder(cadena.contract, "certificate")
    calls = [("eth_call", [{"to": cadena.address, "data": "0x" + encode(tin_to_bytes32(t)).hex()}, "latest"]) for t in tins]
    replies = rpc.many(calls, workers=READ_WORKERS)
    found = {}
    for tin_, reply in zip(tins, replies, strict=True):
        if "error" in reply:
            raise RpcError(f"cannot read certificate {tin_}: {error_text(reply['error'])}")
        words = _words(reply["result"])
        holder = words[0][24:]
        found[tin_] = (ZERO_ADDRESS if int(holder, 16) == 0 else _checksum(holder), *(int(w, 16) for w in words[1:6]),
                       bytes.fromhex(words[6]))  # fmt: skip
    return found


def country_tins(cadena: Cadena, code: str) -> list[str]:
    """`Cadena.certificate_tins` by batched eth_call of every page at once."""
    total, encode = cadena.administration(code).certificate_count, Encoder(cadena.contract, "certificatesOf")
    calls = [("eth_call", [{"to": cadena.address, "data": "0x" + encode(code.encode(), offset, MAX_PAGE).hex()}, "latest"])
             for offset in range(0, total, MAX_PAGE)]  # fmt: skip
    tins = []
    for reply in Rpc(cadena.chain.w3).many(calls, workers=READ_WORKERS):
        if "error" in reply:
            raise RpcError(f"cannot read the certificates of {code}: {error_text(reply['error'])}")
        words = _words(reply["result"])
        tins += [tin_from_bytes32(bytes.fromhex(word)) for word in words[2 : 2 + int(words[1], 16)]]
    return tins


def _words(data) -> list[str]:
    """The 32-byte words of an ABI-encoded return value, as hex text."""
    text = data if isinstance(data, str) else "0x" + bytes(data).hex()
    return [text[i : i + 64] for i in range(2, len(text), 64)]


@lru_cache(maxsize=65536)
def _checksum(hex40: str) -> str:
    return to_checksum_address(hex40)


def certificates(cadena: Cadena, tins: list[str]) -> list[Certificate]:
    """`Cadena.certificate` for many TINs at once, by batched eth_call (a TIN never issued has status NONE)."""
    stored = read_certificates(Rpc(cadena.chain.w3), cadena, tins)
    return [certificate_record(t, stored[t]) for t in tins]


def verify_all(rpc: Rpc, cadena: Cadena, importing_country: str, tins: list[str]) -> list[Verification]:
    """`Cadena.verify` for many TINs at once, by batched eth_call: for a risk engine's queue of declarations."""
    importer, encode = country(importing_country), Encoder(cadena.contract, "verify")
    valid = [tin(t) for t in tins]
    calls = [("eth_call", [{"to": cadena.address, "data": "0x" + encode(importer.encode(), tin_to_bytes32(t)).hex()}, "latest"])
             for t in valid]  # fmt: skip
    answers = []
    for tin_, reply in zip(valid, rpc.many(calls, workers=READ_WORKERS), strict=True):
        if "error" in reply:
            raise RpcError(f"cannot verify {tin_}: {error_text(reply['error'])}")
        answers.append(verification(importer, tin_, encode.decode(reply["result"])))
    return answers


def issue_all(
    sender: BulkSender,
    masters: list[MasterData],
    reason: int | str = Reason.NEW_CERTIFICATION,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    suspended: frozenset[str] = frozenset(),
) -> list[Outcome]:
    """Issues every certificate not yet on-chain as given; one Outcome per record, in order. The TINs
    in `suspended` are issued suspended in the same transaction: never recognised, even for a block.

    A certificate already Active or Suspended with the same commitment is "already" (so re-running
    after a crash sends only the rest); with another commitment it "failed" (update it instead).
    """
    if not 1 <= batch_size <= MAX_BATCH:
        raise CadenaError(f"batch size must be 1 to {MAX_BATCH}, not {batch_size}")
    code = Reason.parse(reason)
    current = read_certificates(sender.rpc, sender.cadena, [m.tin for m in masters])
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

    def job(chunk: list[MasterData]) -> Job:
        mask = sum(1 << i for i, m in enumerate(chunk) if m.tin in suspended)
        return Job([m.tin for m in chunk], batch([tin_to_bytes32(m.tin) for m in chunk], [m.contract_tuple() for m in chunk],
                                                 code, mask), "issue")  # fmt: skip

    first = sender.send([job(to_send[i : i + batch_size]) for i in range(0, len(to_send), batch_size)], progress)
    retry = [m for m, o in zip(to_send, first, strict=True) if o.result == "failed" and not o.tx_hash]
    retried_keys = {m.tin for m in retry}
    # A batch refused in simulation: send its records one by one to isolate the faulty ones.
    second = sender.send([job([m]) for m in retry], progress)
    for outcome in [o for o in first if o.key not in retried_keys] + second:
        outcomes[outcome.key] = outcome
    if progress:
        progress(sum(1 for o in second if o.result == "failed" and not o.tx_hash))
    # A record another run put on-chain meanwhile (a killed run's transactions mined late) is there.
    unsettled = [m for m in to_send if outcomes[m.tin].result in ("failed", "not-sent")]
    for master, stored in zip(unsettled, read_certificates(sender.rpc, sender.cadena, [m.tin for m in unsettled]).values(), strict=True):
        if stored[1] in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED) and bytes(stored[6]) == master.commitment:
            outcomes[master.tin] = Outcome(master.tin, "already")
    return [outcomes[m.tin] for m in masters]
