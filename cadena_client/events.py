"""Reading the contract's events: chunked log queries and typed lifecycle records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from eth_utils import event_abi_to_log_topic, to_checksum_address

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


def topics_of(contract, names) -> list[str]:
    return ["0x" + event_abi_to_log_topic(contract.events[name].abi).hex() for name in names]


def get_logs(w3, address: str, from_block: int, to_block: int, topics: list, chunk: int = DEFAULT_CHUNK) -> list:
    """Logs of `address` matching `topics` in [from_block, to_block], asked `chunk` blocks at a time."""
    logs = []
    start = from_block
    while start <= to_block:
        end = min(start + chunk - 1, to_block)
        logs += w3.eth.get_logs({"address": address, "fromBlock": start, "toBlock": end, "topics": topics})
        start = end + 1
    return logs


class LogDecoder:
    """Decodes the contract's logs word by word from their ABI layouts (static words, strings and
    arrays of static words): the events have fixed layouts, so this skips eth-abi's generic path.
    Takes logs as JSON-RPC returns them (hex strings) or as web3 formats them (bytes)."""

    def __init__(self, abi: list[dict]):
        self._events = {}
        for entry in abi:
            if entry["type"] == "event" and not entry.get("anonymous"):
                inputs = entry["inputs"]
                self._events[event_abi_to_log_topic(entry)] = (
                    entry["name"],
                    [(i["name"], i["type"]) for i in inputs if i["indexed"]],
                    [(i["name"], i["type"]) for i in inputs if not i["indexed"]],
                )

    def decode(self, log) -> tuple[str, dict] | None:
        """(event name, args) of a log, or None for an event the contract does not declare."""
        topics = log["topics"]
        found = self._events.get(_raw(topics[0])) if topics else None
        if found is None:
            return None
        name, indexed, fields = found
        args = {key: _word(kind, _raw(topic)) for (key, kind), topic in zip(indexed, topics[1:], strict=True)}
        data = _raw(log["data"])
        for position, (key, kind) in enumerate(fields):
            word = data[32 * position : 32 * position + 32]
            if kind == "string" or kind.endswith("[]"):
                start = int.from_bytes(word, "big")
                length = int.from_bytes(data[start : start + 32], "big")
                if kind == "string":
                    args[key] = data[start + 32 : start + 32 + length].decode("utf-8", "replace")
                else:
                    items = data[start + 32 : start + 32 + 32 * length]
                    args[key] = [_word(kind[:-2], items[32 * i : 32 * i + 32]) for i in range(length)]
            else:
                args[key] = _word(kind, word)
        return name, args


@lru_cache(maxsize=4096)
def _address(word: bytes) -> str:
    return to_checksum_address(word[12:])


def _word(kind: str, word: bytes):
    if kind.startswith("uint"):
        return int.from_bytes(word, "big")
    if kind == "address":
        return _address(word)
    if kind == "bool":
        return word[-1] == 1
    if kind.startswith("bytes"):
        return word[: int(kind[5:])]
    raise ValueError(f"no decoder for event field type {kind}")


def _raw(value) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def decode(contract, log):
    """(event name, args) of a log of `contract`, or None for an event it does not know."""
    return _decoder(contract).decode(log)


def _decoder(contract) -> LogDecoder:
    decoder = getattr(contract, "_cadena_log_decoder", None)
    if decoder is None:
        decoder = LogDecoder(contract.abi)
        contract._cadena_log_decoder = decoder
    return decoder


def lifecycle_event(name: str, args, log) -> LifecycleEvent:
    master = None
    if name in ("CertificateIssued", "CertificateUpdated"):
        master = dict(
            holder=None if int(args["holder"], 16) == 0 else args["holder"],
            aeo_types=AEOType(args["aeoTypes"]),
            valid_from=from_day(args["validFrom"]),
            expiry=from_day(args["expiry"]),
            commitment="0x" + bytes(args["commitment"]).hex(),
            name=args["name"],
            address=args["postalAddress"],
        )
    return LifecycleEvent(
        kind=LIFECYCLE_EVENTS[name],
        tin=tin_from_bytes32(args["tin"]),
        actor=args["actor"],
        reason=args["reason"],
        time=datetime.fromtimestamp(args["time"], timezone.utc),
        block=log["blockNumber"],
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        log_index=log["logIndex"],
        version=args.get("version"),
        master=master,
    )


def certificate_history(contract, tin: str, from_block: int, to_block: int | None = None, chunk: int = DEFAULT_CHUNK):
    """Every lifecycle event of `tin`, oldest first."""
    w3 = contract.w3
    to_block = w3.eth.block_number if to_block is None else to_block
    topics = [topics_of(contract, LIFECYCLE_EVENTS), "0x" + tin_to_bytes32(tin).hex()]
    logs = get_logs(w3, contract.address, from_block, to_block, topics, chunk)
    events = [lifecycle_event(*decode(contract, log), log) for log in logs]
    return sorted(events, key=lambda event: (event.block, event.log_index))
