"""Relayed operation (ERC-2771): the actor signs requests, a relayer account sends them.

On networks where an officer's, an admin's or a company's account cannot or should not send
transactions (LACChain lets only its relay hub send; keys that hold no ether), the actor signs each
transaction as an EIP-712 forward request and a relayer submits it to the trusted forwarder, which
calls the contract with the actor appended: the contract's `_msgSender()` is the actor. A
`Submitter` is what `Cadena` writes through: a `Signer` sends directly, a `ForwarderSubmitter`
through OpenZeppelin's `ERC2771Forwarder`, a `LacchainSubmitter` (chain/lacchain.py) through
LACChain's relay hub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from cadena_client.chain.connection import Chain
from cadena_client.chain.signer import Job, Outcome, Receipt, Result, Signer
from cadena_client.contract.codec import quantity
from cadena_client.errors import ChainError

if TYPE_CHECKING:  # the signing stack is imported where a request is signed, not by every reader of Submitter
    from eth_account.signers.local import LocalAccount

FORWARDER_NAME = "CadenaForwarder"  # the EIP-712 domain name CadenaForwarder is deployed with
VALID_FOR = 3600  # seconds a signed request stays valid
BATCH = 50  # requests one relayer transaction carries
GAS_MARGIN = 1.25  # on the gas a request was measured to use: the forwarder refuses to give it less
FORWARDER_GAS = 40_000  # what the forwarder spends on one request beyond the call (a bound, for batching)

_REQUEST = "(address,address,uint256,uint256,uint48,bytes,bytes)"
_EXECUTE_BATCH = function_signature_to_4byte_selector(f"executeBatch({_REQUEST}[],address)")
_NONCES = function_signature_to_4byte_selector("nonces(address)")
_EXECUTED = "0x" + keccak(text="ExecutedForwardRequest(address,uint256,bool)").hex()
_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "ForwardRequest": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "gas", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint48"},
        {"name": "data", "type": "bytes"},
    ],
}


class Submitter(Protocol):
    """What the library writes through: the actor's address, one job or many."""

    @property
    def address(self) -> str: ...

    def transact(self, job: Job) -> Receipt: ...

    def send(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[Outcome]: ...


class RelayedSubmitter:
    """What relayed submitters share: the actor's key, which signs and never sends, and its simulation."""

    def __init__(self, chain: Chain, account: LocalAccount):
        self.chain, self.account = chain, account
        self.direct = Signer(chain, account)  # for its simulation as the actor: it never sends

    @property
    def address(self) -> str:
        return self.account.address

    def transact(self, job: Job) -> Receipt:
        outcome = self.send([job])[0]
        if outcome.result is Result.DONE and outcome.receipt:
            return outcome.receipt
        raise outcome.error or ChainError(outcome.detail)

    def send(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[Outcome]:
        raise NotImplementedError


class ForwarderSubmitter(RelayedSubmitter):
    """Signs each job as `account`'s request to the ERC-2771 `forwarder`; `relayer` sends them, up to
    `batch` in one `executeBatch` transaction of at most half a block's gas. A job the contract would refuse from the actor is
    refused before anything is signed, with the contract's error."""

    def __init__(self, chain: Chain, account: LocalAccount, forwarder: str, relayer: Signer, batch: int = BATCH):
        super().__init__(chain, account)
        self.relayer, self.batch = relayer, batch
        self.forwarder = to_checksum_address(forwarder)

    def send(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[Outcome]:
        """Simulates each job as the actor, signs the runnable ones as requests and has them relayed;
        one Outcome per key, in order."""
        latest = self.chain.rpc.call("eth_getBlockByNumber", ["latest", False])
        simulated = self.direct._simulate(jobs, quantity(latest["gasLimit"]))
        outcomes: dict[str, Outcome] = {}
        runnable = []
        for job, (gas, error) in zip(jobs, simulated, strict=True):
            if error:
                outcomes.update({key: Outcome(key, Result.FAILED, str(error), error=error) for key in job.keys})
            else:
                job.gas = gas
                runnable.append(job)
        nonce = self.nonce()
        deadline = quantity(latest["timestamp"]) + VALID_FOR
        requests = [self.request(job, nonce + i, deadline) for i, job in enumerate(runnable)]
        chunks = _chunks([int(job.gas * GAS_MARGIN) for job in runnable], self.batch, quantity(latest["gasLimit"]) // 2)
        relayed = [
            Job(
                [key for i in chunk for key in runnable[i].keys],
                self.execute_batch([requests[i] for i in chunk]),
                runnable[chunk[0]].operation,
                self.forwarder,
            )
            for chunk in chunks
        ]
        for chunk, relayed_job in zip(chunks, relayed, strict=True):
            # one batch at a time: the forwarder checks each request's nonce against those already used
            sent = {outcome.key: outcome for outcome in self.relayer.send([relayed_job], progress)}
            first = sent[relayed_job.keys[0]]
            receipt = first.receipt if first.result is Result.DONE else None
            executed = _executed(receipt) if receipt else []
            for position, i in enumerate(chunk):
                job = runnable[i]
                if receipt and position < len(executed) and not executed[position]:
                    error = self.direct._errors([job], hex(receipt.block - 1))[0]  # why, as the actor
                    outcomes.update({key: Outcome(key, Result.FAILED, str(error), receipt, error) for key in job.keys})
                else:
                    outcomes.update({key: sent[key] for key in job.keys})
        return [outcomes[key] for job in jobs for key in job.keys]

    def nonce(self) -> int:
        """The next nonce of the actor at the forwarder."""
        call = {"to": self.forwarder, "data": "0x" + (_NONCES + abi_encode(["address"], [self.address])).hex()}
        return quantity(self.chain.rpc.call("eth_call", [call, "latest"]))

    def request(self, job: Job, nonce: int, deadline: int) -> tuple:
        """`job` as a signed ForwardRequestData: (from, to, value, gas, deadline, data, signature)."""
        gas = int(job.gas * GAS_MARGIN)
        message = {
            "from": self.address,
            "to": job.to,
            "value": job.value,
            "gas": gas,
            "nonce": nonce,
            "deadline": deadline,
            "data": job.data,
        }
        domain = {
            "name": FORWARDER_NAME,
            "version": "1",
            "chainId": self.chain.chain_id,
            "verifyingContract": self.forwarder,
        }
        from eth_account.messages import encode_typed_data

        typed = encode_typed_data(
            full_message={"types": _TYPES, "primaryType": "ForwardRequest", "domain": domain, "message": message}
        )
        signature = self.account.sign_message(typed).signature
        return (self.address, job.to, job.value, gas, deadline, job.data, bytes(signature))

    @staticmethod
    def execute_batch(requests: list[tuple]) -> bytes:
        """Calldata of `executeBatch(requests, 0)`: with no refund receiver, every request must be valid."""
        return _EXECUTE_BATCH + abi_encode([f"{_REQUEST}[]", "address"], [requests, "0x" + "00" * 20])


def _chunks(gas: list[int], most: int, gas_limit: int) -> list[list[int]]:
    """Indexes of requests in consecutive batches of at most `most` requests and `gas_limit` gas
    (with what the forwarder spends on each: its signature check, nonce and event)."""
    chunks: list[list[int]] = []
    used = 0
    for i, need in enumerate(gas):
        need += FORWARDER_GAS
        if not chunks or len(chunks[-1]) == most or used + need > gas_limit:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += need
    return chunks


def _executed(receipt: Receipt) -> list[bool]:
    """Whether each request of a relayed batch succeeded, from the forwarder's events, in order."""
    return [
        bool(int(str(log["data"])[-64:], 16))
        for log in receipt.logs
        if log["topics"] and _hex(log["topics"][0]) == _EXECUTED
    ]


def _hex(value) -> str:
    return value if isinstance(value, str) else "0x" + bytes(value).hex()
