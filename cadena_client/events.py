"""Reading the contract's events: chunked log queries and typed lifecycle records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from eth_utils import event_abi_to_log_topic, to_checksum_address

from .chain import Rpc, RpcError, quantity
from .model import AEOType, Reason, from_day, tin_from_bytes32, tin_to_bytes32

LIFECYCLE_EVENTS = {
    "CertificateIssued": "issued",
    "CertificateUpdated": "updated",
    "CertificateSuspended": "suspended",
    "CertificateReinstated": "reinstated",
    "CertificateCancelled": "cancelled",
    "CertificateWithdrawn": "withdrawn",
}
DEFAULT_CHUNK = 5_000  # Besu's default eth_getLogs block range limit


@dataclass(frozen=True)
class LifecycleEvent:
    """One change of a certificate as the chain recorded it."""

    kind: str
    tin: str
    actor: str
    reason: int
    time: datetime
    block: int
    tx_hash: str
    log_index: int
    version: int | None = None
    master: dict | None = None  # issued and updated carry the master data

    @property
    def reason_label(self) -> str:
        return Reason.label_of(self.reason)


class LogDecoder:
    """Decodes the contract's logs word by word from their ABI layouts (static words, strings and
    arrays of static words), straight from the hex text JSON-RPC returns: the events have fixed
    layouts, so this skips eth-abi's generic path. Gives plain values: numbers, checksummed
    addresses, a bytes2 country code as text, other fixed bytes as 0x-hex."""

    def __init__(self, abi: list[dict]):
        self._events = {}
        for entry in abi:
            if entry["type"] == "event" and not entry.get("anonymous"):
                inputs = entry["inputs"]
                self._events["0x" + event_abi_to_log_topic(entry).hex()] = (
                    entry["name"],
                    [(i["name"], _converter(i["type"])) for i in inputs if i["indexed"]],
                    [(i["name"], i["type"] == "string", i["type"].endswith("[]"), _converter(i["type"].removesuffix("[]")))
                     for i in inputs if not i["indexed"]],
                )  # fmt: skip

    def topic(self, name: str) -> str:
        """The topic (0x-hex) of the event called `name`."""
        return next(topic for topic, (event, _, _) in self._events.items() if event == name)

    def decode(self, log) -> tuple[str, dict] | None:
        """(event name, args) of a log, or None for an event the contract does not declare. The log's
        topics and data are 0x-hex text (as JSON-RPC gives them) or bytes (as web3 formats them)."""
        topics = [hex_text(topic) for topic in log["topics"]]
        found = self._events.get(topics[0]) if topics else None
        if found is None:
            return None
        name, indexed, fields = found
        args = {key: convert(topic[2:]) for (key, convert), topic in zip(indexed, topics[1:], strict=True)}
        data = hex_text(log["data"])
        for position, (key, text, array, convert) in enumerate(fields):
            word = data[2 + 64 * position : 66 + 64 * position]
            if text or array:
                start = 2 + 2 * int(word, 16)
                length = int(data[start : start + 64], 16)
                if text:
                    args[key] = bytes.fromhex(data[start + 64 : start + 64 + 2 * length]).decode("utf-8", "replace")
                else:
                    args[key] = [convert(data[start + 64 * (i + 1) : start + 64 * (i + 2)]) for i in range(length)]
            else:
                args[key] = convert(word)
        return name, args


@lru_cache(maxsize=4096)
def _address(word: str) -> str:
    return to_checksum_address(word[24:])


def _converter(kind: str):
    """The plain value of one ABI word of type `kind`, given as 64 hex digits."""
    if kind.startswith("uint"):
        return lambda word: int(word, 16)
    if kind == "address":
        return _address
    if kind == "bytes2":
        return lambda word: bytes.fromhex(word[:4]).decode("ascii", "replace")
    if kind.startswith("bytes"):
        size = 2 * int(kind[5:])
        return lambda word: "0x" + word[:size]
    if kind in ("bool", "string"):
        return lambda word: word[-1] == "1"
    raise ValueError(f"no decoder for event field type {kind}")


def hex_text(value) -> str:
    """0x-hex text of a value JSON-RPC gives as text and web3 as bytes."""
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


class LogSource:
    """The contract's logs and the chain's blocks, as raw JSON-RPC (batched over HTTP) where the node
    speaks it, else through web3; logs decoded by the contract's fixed event layouts."""

    def __init__(self, contract):
        self.w3, self.address = contract.w3, contract.address
        self.rpc = Rpc(contract.w3)
        self.decoder = LogDecoder(contract.abi)
        self.block_time = lru_cache(maxsize=256)(lambda number: self.block(number)["timestamp"])

    def head(self) -> int:
        return self.w3.eth.block_number

    def block(self, number: int) -> dict:
        """{"hash": "0x...", "timestamp": int} of block `number`."""
        if self.rpc.batching:
            block = self._call("eth_getBlockByNumber", [hex(number), False])
            if block is None:
                raise RpcError(f"the node has no block {number}")
            return {"hash": block["hash"], "timestamp": quantity(block["timestamp"])}
        block = self.w3.eth.get_block(number)
        return {"hash": "0x" + bytes(block["hash"]).hex(), "timestamp": block["timestamp"]}

    def logs(self, start: int, end: int, topics: list | None = None) -> list:
        """The contract's logs in blocks [start, end] (matching `topics`), in chain order as eth_getLogs answers."""
        query = {"address": self.address, "topics": topics or []}
        if self.rpc.batching:
            return self._call("eth_getLogs", [{**query, "fromBlock": hex(start), "toBlock": hex(end)}])
        return self.w3.eth.get_logs({**query, "fromBlock": start, "toBlock": end})

    def topic(self, name: str) -> str:
        return self.decoder.topic(name)

    def scan(self, start: int, topics: list, chunk: int = DEFAULT_CHUNK) -> list[tuple[str, dict, dict]]:
        """(event name, args, log) of every log matching `topics` from block `start` to the head, asked
        `chunk` blocks at a time (nodes cap the range), in chain order."""
        found, head = [], self.head()
        while start <= head:
            end = min(start + chunk - 1, head)
            found += [(*self.decoder.decode(log), log) for log in self.logs(start, end, topics)]
            start = end + 1
        return found

    def _call(self, method: str, params: list):
        reply = self.rpc.many([(method, params)])[0]
        if "error" in reply:
            message = str(reply["error"].get("message", reply["error"]))
            hint = "; give a smaller --chunk" if "range" in message.lower() or "limit" in message.lower() else ""
            raise RpcError(f"{method} failed: {message}{hint}")
        return reply["result"]


def latest_master_data(contract, from_block: int, chunk: int = DEFAULT_CHUNK) -> dict[str, dict]:
    """The master data of every certificate as its last issue or update event wrote it (name and
    address live only in the events): TIN -> the event's args, with "commitment" to check against the chain."""
    source = LogSource(contract)
    topics = [[source.topic("CertificateIssued"), source.topic("CertificateUpdated")]]
    return {tin_from_bytes32(bytes.fromhex(args["tin"][2:])): args for _, args, _ in source.scan(from_block, topics, chunk)}


def lifecycle_event(name: str, args, log) -> LifecycleEvent:
    master = None
    if name in ("CertificateIssued", "CertificateUpdated"):
        master = dict(
            holder=None if int(args["holder"], 16) == 0 else args["holder"],
            aeo_types=AEOType(args["aeoTypes"]),
            valid_from=from_day(args["validFrom"]),
            expiry=from_day(args["expiry"]),
            commitment=args["commitment"],
            name=args["name"],
            address=args["postalAddress"],
        )
    return LifecycleEvent(
        kind=LIFECYCLE_EVENTS[name],
        tin=tin_from_bytes32(bytes.fromhex(args["tin"][2:])),
        actor=args["actor"],
        reason=args["reason"],
        time=datetime.fromtimestamp(args["time"], timezone.utc),
        block=quantity(log["blockNumber"]),
        tx_hash=hex_text(log["transactionHash"]),
        log_index=quantity(log["logIndex"]),
        version=args.get("version"),
        master=master,
    )


def certificate_history(contract, tin: str, from_block: int, chunk: int = DEFAULT_CHUNK) -> list[LifecycleEvent]:
    """Every lifecycle event of `tin`, oldest first."""
    source = LogSource(contract)
    topics = [[source.topic(name) for name in LIFECYCLE_EVENTS], "0x" + tin_to_bytes32(tin).hex()]
    return [lifecycle_event(name, args, log) for name, args, log in source.scan(from_block, topics, chunk)]
