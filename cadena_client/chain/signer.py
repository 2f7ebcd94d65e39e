"""Signing and sending: the one path every transaction takes, alone or by the thousand.

A `Signer` holds one local key. For a list of jobs it simulates each (one execution: the node's
eth_createAccessList gives the gas used), takes consecutive nonces from its `NonceManager`, prices
them by the network's fee policy (EIP-1559 where blocks have a base fee, legacy otherwise, zero
where gas is free), signs locally, broadcasts in JSON-RPC batches and collects the receipts. A
single write is a list of one; a contract error found in simulation is raised before anything is
sent. The embedded chain mines each transaction as it arrives, with nothing in between, so there
sending is the simulation: a transaction the contract refuses is mined as reverted (on a throwaway
chain) and replayed for its error, which is raised alike.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from eth_typing import ChecksumAddress
from eth_utils import keccak

from cadena_client.chain.connection import Chain
from cadena_client.chain.transport import READ_WORKERS
from cadena_client.contract.codec import codec, hex_text, quantity
from cadena_client.errors import CadenaError, ChainError, Unfunded

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

REBROADCAST_AFTER = 3.0  # seconds without a receipt before what is missing is looked at
# Receipts are asked for again after POLL_FIRST seconds, the pause doubling up to POLL_LAST while none
# comes: a node that mines at once (anvil) is answered within a few milliseconds, and a node with 2 s
# blocks is asked about 20 times a second, not hundreds.
POLL_FIRST, POLL_LAST = 0.001, 0.05
# Transactions of one account waiting in the node's pool at once. Besu's pool refuses a sender's
# transactions beyond a limit ahead of its mined nonce (`tx-pool-max-future-by-sender`, 200 by
# default) with "Transaction nonce is too distant from current sender nonce"; a node that says so
# gets the rest later, and fewer at a time.
DEFAULT_IN_FLIGHT = 64
SUPERSEDED = object()  # marks a transaction whose nonce another transaction took


class Result(str, Enum):
    """What happened to one record sent."""

    DONE = "done"  # mined and succeeded
    ALREADY = "already"  # on-chain as asked already: nothing sent
    FAILED = "failed"  # refused by the contract (in simulation, or mined and reverted)
    NOT_SENT = "not-sent"  # the node did not take it, or no receipt came in time: run again
    SUPERSEDED = "superseded"  # another transaction took its nonce (resent once by the signer)


@dataclass(frozen=True)
class Receipt:
    """A mined transaction."""

    tx_hash: str
    block: int
    gas_used: int
    logs: tuple = ()
    contract_address: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one record: its result, why (for a failure), and the receipt where mined."""

    key: str
    result: Result
    detail: str = ""
    receipt: Receipt | None = None
    error: CadenaError | None = None

    @property
    def tx_hash(self) -> str | None:
        return self.receipt.tx_hash if self.receipt else None

    @property
    def block(self) -> int | None:
        return self.receipt.block if self.receipt else None


@dataclass
class Job:
    """One transaction to send: `keys` are the records it carries; `to` None creates a contract."""

    keys: list[str]
    data: bytes
    operation: object = None  # what the message of a contract error refers to (an Operation, MRAAction...)
    to: str | None = None
    value: int = 0
    gas: int = 0


@dataclass(frozen=True)
class _Signed:
    job: Job
    raw: bytes
    nonce: int


def _gas_limit(gas_used) -> int:
    """Room above the simulated gas: 20% and 10,000 for the 63/64 rule and state changed meanwhile."""
    return quantity(gas_used) * 6 // 5 + 10_000


def _unsupported(reply: dict) -> bool:
    """Whether a JSON-RPC reply says the node has no such method."""
    error = reply.get("error") or {}
    return error.get("code") == -32601 or "not supported" in str(error.get("message", "")).lower()


class NonceManager:
    """Hands out consecutive nonces for one account across threads, from the node's count of its mined
    transactions, and resynchronises on demand. Transactions of the account still waiting in the
    node's pool (a killed run's) are replaced or superseded."""

    def __init__(self, rpc, address: str):
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
        return quantity(self.rpc.call("eth_getTransactionCount", [self.address, block]))


class Signer:
    """Signs and sends transactions from one local account."""

    def __init__(
        self,
        chain: Chain,
        account: LocalAccount,
        receipt_timeout: float = 300,
        in_flight: int | None = None,
    ):
        self.chain, self.account, self.receipt_timeout = chain, account, receipt_timeout
        self.in_flight = in_flight or DEFAULT_IN_FLIGHT  # most of its transactions waiting in the pool at once
        self.rpc = chain.rpc
        self.nonces = NonceManager(self.rpc, account.address)
        self._access_lists = not chain.embedded  # until the node says it has no eth_createAccessList
        self._lock = threading.Lock()

    @property
    def address(self) -> ChecksumAddress:
        return self.account.address

    def transact(self, job: Job) -> Receipt:
        """Sends one job; returns its receipt, or raises the contract's error (nothing is sent when the
        simulation fails) or a ChainError."""
        outcome = self.send([job])[0]
        if outcome.result is Result.DONE and outcome.receipt:
            return outcome.receipt
        raise outcome.error or ChainError(outcome.detail)

    def transfer(self, to: str, wei: int) -> Receipt:
        """Sends `wei` to `to` (to fund an account's gas)."""
        return self.transact(Job([to], b"", "transfer", to, wei))

    def send(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[Outcome]:
        """Simulates, signs, sends and confirms `jobs`; one Outcome per key, in order.

        `progress` counts the records of each transaction as it is confirmed or given up; FAILED
        records are left to the caller to count (it may send them again one by one). A
        transaction whose nonce another one took (a killed run's leftovers in the node's pool) is
        simulated and sent once more.
        """
        with self._lock:
            chain_id = quantity(self.rpc.call("eth_chainId", []))
            if chain_id != self.chain.chain_id:
                raise ChainError(f"the node switched to chain {chain_id}; refusing to sign for it")
            outcomes: dict[str, Outcome] = {}
            todo = jobs
            for attempt in (1, 2):
                runnable = []
                latest = self.rpc.call("eth_getBlockByNumber", ["latest", False])
                for job, (gas, error) in zip(todo, self._simulate(todo, quantity(latest["gasLimit"])), strict=True):
                    if error:
                        outcomes.update({key: Outcome(key, Result.FAILED, str(error), error=error) for key in job.keys})
                    else:
                        job.gas = gas
                        runnable.append(job)
                todo = []
                for job, outcome in self._send_and_confirm(runnable, latest, progress, 1 if attempt == 1 else 3):
                    if outcome.result is Result.SUPERSEDED and attempt == 1:
                        todo.append(job)
                    else:
                        outcomes.update({key: Outcome(key, *_fields(outcome)) for key in job.keys})
                if not todo:
                    break
                self._settle()
                self.nonces.resync()
            return [outcomes[key] for job in jobs for key in job.keys]

    # -- simulation ----------------------------------------------------------------------------------

    def _call(self, job: Job) -> dict:
        call = {"from": self.address, "data": "0x" + job.data.hex()}
        if job.to:
            call["to"] = job.to
        if job.value:
            call["value"] = hex(job.value)
        return call

    def _simulate(self, jobs: list[Job], block_gas: int) -> list[tuple[int, CadenaError | None]]:
        """(gas limit, None) for each job that would succeed, else (0, the contract's error).

        The gas comes from one execution, eth_createAccessList's gasUsed, where the node has it (a
        binary search of eth_estimateGas runs a job several times); a job failing there is run once
        more by eth_call for the contract's error, which that method does not report alike on all
        nodes. The embedded chain is not asked: every job may use the block's gas.
        """
        if self.chain.embedded:
            return [(block_gas, None)] * len(jobs)
        if self._access_lists:
            replies = self.rpc.many([("eth_createAccessList", [self._call(job), "latest"]) for job in jobs])
            if not any(_unsupported(reply) for reply in replies):
                gas = [
                    None if "error" in r or "error" in r["result"] else _gas_limit(r["result"]["gasUsed"])
                    for r in replies
                ]
                errors = iter(self._errors([job for job, limit in zip(jobs, gas, strict=True) if limit is None]))
                return [(limit, None) if limit is not None else (0, next(errors)) for limit in gas]
            self._access_lists = False
        replies = self.rpc.many([("eth_estimateGas", [self._call(job)]) for job in jobs])
        return [
            (_gas_limit(r["result"]), None) if "result" in r else (0, self._refusal(r["error"], job))
            for job, r in zip(jobs, replies, strict=True)
        ]

    def _errors(self, jobs: list[Job], block: str = "latest") -> list[CadenaError]:
        """Why each job fails, from eth_call."""
        replies = self.rpc.many([("eth_call", [self._call(job), block]) for job in jobs])
        return [
            self._refusal(r["error"], job) if "error" in r else ChainError("the transaction failed (out of gas?)")
            for job, r in zip(jobs, replies, strict=True)
        ]

    def _refusal(self, error: dict, job: Job) -> CadenaError:
        refused = codec().refusal(error, job.operation)
        message = str(refused).lower()
        if isinstance(refused, ChainError) and ("insufficient funds" in message or "enough balance" in message):
            return Unfunded(
                f"{self.address} has no ether to pay for gas on chain {self.chain.chain_id}: fund it from "
                "an account that has some, then run the command again; nothing was sent"
            )
        return refused

    # -- fees and signing ----------------------------------------------------------------------------

    def fees(self, latest: dict, factor: int = 1) -> dict:
        """The fee fields for the network, times `factor` (to replace transactions waiting in the pool):
        zero gas price where gas is free, legacy where blocks have no base fee, else EIP-1559."""
        if self.chain.free_gas:
            return {"gasPrice": 0}
        if latest.get("baseFeePerGas") is None:
            return {"gasPrice": factor * quantity(self.rpc.call("eth_gasPrice", []))}
        base = quantity(latest["baseFeePerGas"])
        tip = factor * (10**9 if base else 0)
        return {"maxFeePerGas": factor * 3 * base + tip, "maxPriorityFeePerGas": tip}

    def _sign(self, job: Job, nonce: int, fees: dict) -> _Signed:
        tx = {
            "data": job.data,
            "gas": job.gas,
            "nonce": nonce,
            "chainId": self.chain.chain_id,
            "value": job.value,
            **fees,
        }
        if job.to:
            tx["to"] = job.to
        return _Signed(job, bytes(self.account.sign_transaction(tx).raw_transaction), nonce)

    def _broadcast(self, signed: list[_Signed]) -> list[dict]:
        return self.rpc.many([("eth_sendRawTransaction", ["0x" + item.raw.hex()]) for item in signed])

    # -- sending and confirming ----------------------------------------------------------------------

    def _send_and_confirm(self, jobs: list[Job], latest: dict, progress, fee_factor: int) -> list[tuple[Job, Outcome]]:
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
        fees = self.fees(latest, fee_factor)
        first = self.nonces.take(len(jobs))
        queue = deque(self._sign(job, nonce, fees) for nonce, job in enumerate(jobs, start=first))
        window = quantity(latest["gasLimit"])
        pending: dict[str, _Signed] = {}
        found: dict[str, Any] = {}  # hash -> its receipt, or SUPERSEDED
        results: list[tuple[Job, Outcome]] = []
        waiting: list[_Signed] = []
        deadline = check_at = time.monotonic()
        last_mined = -1
        pause = POLL_FIRST
        while queue or waiting:
            gas = sum(item.job.gas for item in waiting)
            wave: list[_Signed] = []
            room = self.in_flight - len(waiting)
            while queue and (not (waiting or wave) or (gas + queue[0].job.gas <= window and len(wave) < room)):
                wave.append(queue.popleft())
                gas += wave[-1].job.gas
            if wave:
                sent, later = self._send_wave(wave, pending, progress)
                results += sent
                if later:  # the pool is full for us: the rest goes once what waits is mined, fewer at a time
                    queue.extendleft(reversed(later))
                    self.in_flight = max(1, len(waiting) + len(wave) - len(later))
            missing = [h for h in pending if h not in found]
            replies = self.rpc.many([("eth_getTransactionReceipt", [h]) for h in missing], workers=READ_WORKERS)
            mined_now = {h: reply["result"] for h, reply in zip(missing, replies, strict=True) if reply.get("result")}
            found.update(mined_now)
            settled = {id(pending[h].job) for h in found if found[h] is not SUPERSEDED}
            waiting = [item for h, item in pending.items() if h not in found and id(item.job) not in settled]
            now = time.monotonic()
            if mined_now or wave:
                deadline, check_at = now + self.receipt_timeout, now + REBROADCAST_AFTER
                pause = POLL_FIRST
            if now > deadline:
                break
            if not waiting or now < check_at:
                if waiting and not mined_now:  # nothing yet: ask again soon, then less and less often
                    time.sleep(pause)
                    pause = min(pause * 2, POLL_LAST)
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
        stopped = "not sent: the node stopped taking transactions; run again"
        results += [(item.job, Outcome("", Result.NOT_SENT, stopped)) for item in queue]
        return results + self._outcomes(pending, found, progress)

    def _send_wave(
        self, wave: list[_Signed], pending: dict[str, _Signed], progress
    ) -> tuple[list[tuple[Job, Outcome]], list[_Signed]]:
        """Broadcasts `wave`; what the node took joins `pending`; what its pool had no room for yet
        comes back to be sent later; the rest comes back with its outcome."""
        results: list[tuple[Job, Outcome]] = []
        later: list[_Signed] = []
        for item, reply in zip(wave, self._broadcast(wave), strict=True):
            error = str(reply.get("error", "")).lower()
            if "result" in reply or "already" in error:  # already known: this very transaction was sent before
                pending["0x" + keccak(item.raw).hex()] = item
            elif "too distant" in error or "too far" in error or later:  # and all after it, in nonce order
                later.append(item)
            elif "nonce" in error or "underpriced" in error:  # our count is stale (taken, or reverted): resync, retry
                results.append((item.job, Outcome("", Result.SUPERSEDED, reply["error"].get("message", error))))
            else:
                refused = self._refusal(reply["error"], item.job)
                results.append((item.job, Outcome("", Result.NOT_SENT, str(refused), error=refused)))
                if progress:
                    progress(len(item.job.keys))
        return results, later

    def _outcomes(self, pending: dict[str, _Signed], found: dict[str, Any], progress) -> list[tuple[Job, Outcome]]:
        """One outcome per job: its mined version if any, else superseded, else not sent."""
        rank = (Result.NOT_SENT, Result.SUPERSEDED, Result.FAILED, Result.DONE)
        best: dict[int, tuple[Job, Outcome]] = {}
        for tx_hash, item in pending.items():
            receipt = found.get(tx_hash)
            if receipt is None:
                outcome = Outcome(
                    "",
                    Result.NOT_SENT,
                    f"no receipt for {tx_hash} within {self.receipt_timeout:.0f} s of the last; run again",
                )
            elif receipt is SUPERSEDED:
                outcome = Outcome("", Result.SUPERSEDED, f"another transaction took nonce {item.nonce}")
            elif quantity(receipt["status"]) == 1:
                outcome = Outcome("", Result.DONE, receipt=_receipt(receipt))
            else:
                block = hex(quantity(receipt["blockNumber"]) - 1)
                error = self._errors([item.job], block)[0]
                outcome = Outcome("", Result.FAILED, str(error), _receipt(receipt), error)
            key = id(item.job)
            if key not in best or rank.index(outcome.result) > rank.index(best[key][1].result):
                best[key] = (item.job, outcome)
        if progress:
            for job, outcome in best.values():
                if outcome.result not in (Result.SUPERSEDED, Result.FAILED):
                    progress(len(job.keys))
        return list(best.values())

    def _settle(self, timeout: float = 15) -> None:
        """Waits until the node's pool holds no executable transaction of the account."""
        deadline, pause = time.monotonic() + timeout, POLL_FIRST
        while self.nonces.count("pending") > self.nonces.count("latest") and time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 2, POLL_LAST)

    def _resign(self, waiting: list[_Signed]) -> list[_Signed]:
        """The same transactions at the same nonces, priced from the current base fee, broadcast."""
        fees = self.fees(self.rpc.call("eth_getBlockByNumber", ["latest", False]), 2)
        again = [self._sign(item.job, item.nonce, fees) for item in waiting]
        self._broadcast(again)
        return again

    def _fill(self, nonces: range) -> None:
        """Empty transactions to the account itself at `nonces`, priced to replace what waits there."""
        fees = self.fees(self.rpc.call("eth_getBlockByNumber", ["latest", False]), 2)
        self._broadcast([self._sign(Job([], b"", to=self.address, gas=21_000), nonce, fees) for nonce in nonces])


def _fields(outcome: Outcome) -> tuple:
    return outcome.result, outcome.detail, outcome.receipt, outcome.error


def _receipt(raw: dict) -> Receipt:
    created = raw.get("contractAddress")
    return Receipt(
        hex_text(raw["transactionHash"]),
        quantity(raw["blockNumber"]),
        quantity(raw["gasUsed"]),
        tuple(raw.get("logs") or ()),
        str(created) if created else None,
    )
