"""LACChain's gas model: the actor signs each transaction for one writer node and until an expiration;
that node relays it through LACChain's relay hub, which hands the actor to the contract.

What the actor signs is a legacy transaction without replay protection (chain id 0: the hub recovers
the signer from the RLP of its six fields) at gas price 0 and value 0, whose nonce is the actor's count
at the hub as its node sees it (`getNonce(actor)` called from the node), and whose data is the call
followed by `abi.encode(nodeAddress, expiration)`. LACChain's transaction permissioning refuses it from
any other node or once expired; the node sends `relayMetaTx(gasLimit, signingData, v, r, s)` to the hub,
which checks signature and nonce, keeps the actor for the recipient's `getMsgSender()` while it calls
the contract, and reports `TransactionRelayed(relay, from, to, executed, output)` or
`BadTransactionSent(node, originalSender, errorCode)`. (Sources: lacchain/gas-model-provider, the
client's signer; lacchain/gas-management, the hub, the relay signer and `BaseRelayRecipient`.)

`LacchainSubmitter` is that client: it signs as the actor and hands the transactions to the writer
node's relay signer, or, with the node's key at hand (an administration's own node), relays them
itself in the transactions that relay signer would send.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import rlp
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from cadena_client.chain.connection import Chain
from cadena_client.chain.relay import ForwarderSubmitter, RelayedSubmitter, Submitter
from cadena_client.chain.signer import Job, Outcome, Receipt, Result, Signer, _fields, _receipt
from cadena_client.contract.codec import hex_text, quantity
from cadena_client.errors import CadenaError, ChainError, InputError

VALID_FOR = 600  # seconds a signed transaction may wait for its node (LACChain's relayers want 300 at least)
HUB_KIND = "lacchain-hub"  # the forwarder kind of a network config whose contracts trust LACChain's hub
HUB_RELAY = 2  # the contracts' RelayKind.LacchainHub: they ask the hub's getMsgSender() for the actor

_RELAY = "relayMetaTx(uint256,bytes,uint8,bytes32,bytes32)"  # the deployed hub's (selector 0x1416862c)
_GET_NONCE = function_signature_to_4byte_selector("getNonce(address)")
_GET_MSG_SENDER = function_signature_to_4byte_selector("getMsgSender()")
_RELAYED = "0x" + keccak(text="TransactionRelayed(address,address,address,bool,bytes)").hex()
_BAD = "0x" + keccak(text="BadTransactionSent(address,address,uint8)").hex()
# IRelayHub.ErrorCode, in order, with what each means for the actor
HUB_ERRORS = (
    ("MaxBlockGasLimit", "its gas limit is above the hub's block limit"),
    ("BadOriginalSender", "its sender is not allowed"),
    ("BadNonce", "its nonce is not the actor's next at the hub: replayed, or overtaken by another"),
    ("NotEnoughGas", "the node has used up its gas allowance for now; send it again in a few minutes"),
    ("IsNotContract", "its destination holds no contract"),
    ("EmptyCode", "it deploys no code"),
    ("InvalidSignature", "its signature recovers no signer: forged or damaged"),
    ("InvalidDestination", "its destination is not allowed"),
)
# what the network's transaction permissioning refuses before the hub runs (the stand-in reverts with them)
PERMISSIONING_ERRORS = {
    function_signature_to_4byte_selector("PermissioningExpired(uint256,uint256)"): (
        ["uint256", "uint256"],
        "it expired at {0} (the chain's time is {1}): sign it again",
    ),
    function_signature_to_4byte_selector("PermissioningWrongNode(address,address)"): (
        ["address", "address"],
        "it was signed for node {0}, not for the node {1} that sent it",
    ),
    function_signature_to_4byte_selector("PermissioningNotFree(uint256)"): (
        ["uint256"],
        "its gas price is {0}, and LACChain takes only 0",
    ),
    function_signature_to_4byte_selector("PermissioningMalformed()"): ([], "its data lacks the node and expiration"),
}


def is_hub(chain: Chain, address: str) -> bool:
    """Whether `address` holds a LACChain relay hub: code whose dispatcher has `relayMetaTx`, `getNonce`
    and `getMsgSender` (an ERC-2771 forwarder has none of them)."""
    code = chain.code(to_checksum_address(address))
    selectors = (function_signature_to_4byte_selector(_RELAY), _GET_NONCE, _GET_MSG_SENDER)
    return all(b"\x63" + selector in code for selector in selectors)  # PUSH4 selector


class LacchainSubmitter(RelayedSubmitter):
    """Signs each job as `account`'s transaction for writer node `node` and has it relayed to `hub`, one
    `relayMetaTx` each: by `node` itself where it is the node's key (a `Signer`), else (the node's
    address) by the node `chain` is connected to, whose relay signer takes the signed transactions as
    `eth_sendRawTransaction`, as LACChain's gas-model provider sends them. A job the contract would
    refuse from the actor is refused before anything is signed, with the contract's error."""

    def __init__(
        self,
        chain: Chain,
        account: LocalAccount,
        hub: str,
        node: Signer | str,
        valid_for: int = VALID_FOR,
        receipt_timeout: float = 300,
    ):
        super().__init__(chain, account)
        self.hub, self.valid_for, self.receipt_timeout = to_checksum_address(hub), valid_for, receipt_timeout
        if isinstance(node, Signer):
            self.node: NodeSigner | None = NodeSigner(chain, node.account, node.receipt_timeout, node.in_flight)
            self.node_address = node.address
        else:
            self.node, self.node_address = None, to_checksum_address(node)

    def send(self, jobs: list[Job], progress: Callable[[int], None] | None = None) -> list[Outcome]:
        """Simulates each job as the actor, signs the runnable ones and has the node relay them; one
        Outcome per key, in order."""
        latest = self.chain.rpc.call("eth_getBlockByNumber", ["latest", False])
        outcomes: dict[str, Outcome] = {}
        runnable = []
        for job, (gas, error) in zip(jobs, self.direct._simulate(jobs, quantity(latest["gasLimit"])), strict=True):
            if job.to is None:
                error = InputError("contracts are deployed through LACChain's hub with deployMetaTx, not by CADENA")
            if error:
                outcomes.update({key: Outcome(key, Result.FAILED, str(error), error=error) for key in job.keys})
            else:
                job.gas = gas
                runnable.append(job)
        nonce, expiration = self.nonce(), quantity(latest["timestamp"]) + self.valid_for
        signed = [self.sign(job, nonce + i, expiration) for i, job in enumerate(runnable)]
        for job, outcome in zip(runnable, self.relay(runnable, signed, progress), strict=True):
            outcomes.update({key: Outcome(key, *_fields(outcome)) for key in job.keys})
        return [outcomes[key] for job in jobs for key in job.keys]

    def nonce(self) -> int:
        """The actor's next nonce at the hub for transactions its node relays."""
        call = {"from": self.node_address, "to": self.hub, "data": "0x" + (_GET_NONCE + _word(self.address)).hex()}
        return quantity(self.chain.rpc.call("eth_call", [call, "latest"]))

    def sign(self, job: Job, nonce: int, expiration: int) -> bytes:
        """`job` as the actor's raw transaction for the node until `expiration` (what LACChain's
        gas-model provider sends to a writer node)."""
        transaction: dict[str, Any] = {
            "nonce": nonce,
            "gasPrice": 0,
            "gas": job.gas,
            "to": to_checksum_address(str(job.to)),
            "value": 0,
            "data": job.data + abi_encode(["address", "uint256"], [self.node_address, expiration]),
        }
        return bytes(self.account.sign_transaction(transaction).raw_transaction)

    def relay(self, jobs: list[Job], signed: list[bytes], progress=None) -> list[Outcome]:
        """Has the node relay each signed transaction of `jobs`; the hub's and the contract's refusals
        come back as failed outcomes, in one line each."""
        relays = [
            Job(job.keys, relay_call(raw), job.operation, self.hub) for job, raw in zip(jobs, signed, strict=True)
        ]
        calls = [{"from": self.node_address, "to": self.hub, "data": "0x" + job.data.hex()} for job in relays]
        checked = self.chain.rpc.many([("eth_call", [call, "latest"]) for call in calls])
        outcomes: dict[int, Outcome] = {}
        sendable = []
        for i, reply in enumerate(checked):
            if "error" in reply:
                error = _permissioning(reply["error"])
                outcomes[i] = Outcome(jobs[i].keys[0], Result.FAILED, str(error), error=error)
            else:
                sendable.append(i)
        if self.node is not None:
            sent = self.node.send([relays[i] for i in sendable], progress)
        else:
            sent = self._through_node([jobs[i] for i in sendable], [signed[i] for i in sendable], progress)
        for i, outcome in zip(sendable, sent, strict=True):
            receipt = outcome.receipt if outcome.result is Result.DONE else None
            outcomes[i] = self._relayed(jobs[i], receipt) if receipt else outcome
        return [outcomes[i] for i in range(len(jobs))]

    def _through_node(self, jobs: list[Job], signed: list[bytes], progress) -> list[Outcome]:
        """Hands the signed transactions to the connected writer node, in nonce order, and waits for
        the receipts of the transactions it relays them in."""
        replies = self.chain.rpc.many([("eth_sendRawTransaction", ["0x" + raw.hex()]) for raw in signed])
        outcomes: list[Outcome | None] = []
        waiting: dict[str, int] = {}
        for i, (job, reply) in enumerate(zip(jobs, replies, strict=True)):
            if "error" in reply:
                error = _permissioning(reply["error"])
                outcomes.append(Outcome(job.keys[0], Result.NOT_SENT, str(error), error=error))
            else:
                outcomes.append(None)
                waiting[hex_text(reply["result"])] = i
        deadline = time.monotonic() + self.receipt_timeout
        while waiting and time.monotonic() < deadline:
            hashes = list(waiting)
            replies = self.chain.rpc.many([("eth_getTransactionReceipt", [tx_hash]) for tx_hash in hashes])
            for tx_hash, reply in zip(hashes, replies, strict=True):
                if reply.get("result"):
                    i = waiting.pop(tx_hash)
                    outcomes[i] = Outcome(jobs[i].keys[0], Result.DONE, receipt=_receipt(reply["result"]))
                    if progress:
                        progress(len(jobs[i].keys))
            time.sleep(0.05 if waiting else 0)
        late = f"no receipt within {self.receipt_timeout:.0f} s from the writer node; run again"
        return [
            outcome or Outcome(job.keys[0], Result.NOT_SENT, late) for job, outcome in zip(jobs, outcomes, strict=True)
        ]

    def _relayed(self, job: Job, receipt: Receipt) -> Outcome:
        """What the hub did with a relayed transaction, from its events."""
        for log in receipt.logs:
            if int(_hex(log["address"]), 16) != int(self.hub, 16):
                continue  # the contract's own events
            topic = _hex(log["topics"][0]) if log["topics"] else ""
            if topic == _BAD:
                _, actor, code = abi_decode(["address", "address", "uint8"], _bytes(log["data"]))
                name, meaning = HUB_ERRORS[code] if code < len(HUB_ERRORS) else (f"error {code}", "unknown")
                return self._failed(
                    job, receipt, actor, f"LACChain's relay hub refused the transaction ({name}): {meaning}"
                )
            if topic == _RELAYED:
                actor = "0x" + _hex(log["topics"][2])[-40:]
                if abi_decode(["bool", "bytes"], _bytes(log["data"]))[0] and int(actor, 16) == int(self.address, 16):
                    return Outcome(job.keys[0], Result.DONE, receipt=receipt)
                return self._failed(job, receipt, actor, "")
        return self._failed(job, receipt, self.address, f"{self.hub} is not LACChain's relay hub: it reported nothing")

    def _failed(self, job: Job, receipt: Receipt, actor: str, why: str) -> Outcome:
        """A relayed transaction that failed: altered (the hub read another signer), refused by the hub
        (`why`), or refused by the contract (why, as the actor)."""
        if int(actor, 16) not in (0, int(self.address, 16)):
            error: CadenaError = ChainError(
                f"the hub read the signer as {to_checksum_address(actor)}, not {self.address}: the transaction "
                "was altered after it was signed"
            )
        else:
            error = ChainError(why) if why else self.direct._errors([job], hex(receipt.block - 1))[0]
        return Outcome(job.keys[0], Result.FAILED, str(error), receipt, error)


class NodeSigner(Signer):
    """The writer node's signer. Each relaying transaction gets the gas it names (the relay signer's
    reckoning) rather than a simulation at the latest block, where a transaction whose hub nonce
    follows one still to be mined looks refused, and costs less than it will."""

    def _simulate(self, jobs: list[Job], block_gas: int) -> list[tuple[int, CadenaError | None]]:
        return [(min(int.from_bytes(job.data[4:36], "big"), block_gas), None) for job in jobs]


def relay_call(raw: bytes) -> bytes:
    """Calldata of the hub's `relayMetaTx` for the actor's raw transaction `raw` (what a writer node
    sends): the RLP of its six fields as signed, and its signature."""
    fields = rlp.decode(raw)
    if len(fields) != 9:
        raise InputError("not a legacy transaction: LACChain's hub relays only those")
    v, r, s = (int.from_bytes(value, "big") for value in fields[6:])
    if v not in (27, 28):
        raise InputError("the transaction is signed for a chain id: LACChain's hub recovers signers without one")
    body = abi_encode(
        ["uint256", "bytes", "uint8", "bytes32", "bytes32"],
        [
            _relay_gas(fields[5], int.from_bytes(fields[2], "big")),
            rlp.encode(fields[:6]),
            v,
            r.to_bytes(32, "big"),
            s.to_bytes(32, "big"),
        ],
    )
    return function_signature_to_4byte_selector(_RELAY) + body


def _relay_gas(data: bytes, gas: int) -> int:
    """The gas of the node's relaying transaction, as LACChain's relay signer reckons it."""
    return len(data) * 105 + 300_000 + gas


def _permissioning(error: dict) -> ChainError:
    """One line for a refusal before the hub relays (LACChain's permissioning, the stand-in's reverts)."""
    data = error.get("data")
    data = data.get("data") if isinstance(data, dict) else data
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""
    if raw[:4] in PERMISSIONING_ERRORS:
        types, text = PERMISSIONING_ERRORS[raw[:4]]
        values = [
            to_checksum_address(v) if kind == "address" else v
            for kind, v in zip(types, abi_decode(types, raw[4:]), strict=True)
        ]
        return ChainError("LACChain refuses the transaction: " + text.format(*values))
    return ChainError(f"LACChain refuses the transaction: {str(error.get('message', error))[:300]}")


def _word(address: str) -> bytes:
    return abi_encode(["address"], [address])


def _bytes(data) -> bytes:
    return bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)


def _hex(value) -> str:
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


def relayed_submitter(chain: Chain, account: LocalAccount, forwarder: str, relayer: Signer) -> Submitter:
    """`account` relayed by `relayer` through the deployment's `forwarder`: LACChain's relay hub (with
    the writer node's key as relayer) or an ERC-2771 forwarder, told apart by its code."""
    if is_hub(chain, forwarder):
        return LacchainSubmitter(chain, account, forwarder, relayer)
    return ForwarderSubmitter(chain, account, forwarder, relayer)
