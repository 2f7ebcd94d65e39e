"""Reading the contract's events: chunked log queries and typed lifecycle records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from eth_utils import event_abi_to_log_topic

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


def decode(contract, log):
    """(event name, args) of a log of `contract`, or None for an event it does not know."""
    topic = bytes(log["topics"][0])
    for event in contract.all_events():
        if event_abi_to_log_topic(event.abi) == topic:
            return event.name, contract.events[event.name]().process_log(log).args
    return None


def lifecycle_event(name: str, args, log) -> LifecycleEvent:
    master = None
    if name in ("CertificateIssued", "CertificateUpdated"):
        master = dict(
            holder=None if int(args.holder, 16) == 0 else args.holder,
            aeo_types=AEOType(args.aeoTypes),
            valid_from=from_day(args.validFrom),
            expiry=from_day(args.expiry),
            commitment="0x" + bytes(args.commitment).hex(),
            name=args.name,
            address=args.postalAddress,
        )
    return LifecycleEvent(
        kind=LIFECYCLE_EVENTS[name],
        tin=tin_from_bytes32(args.tin),
        actor=args.actor,
        reason=args.reason,
        time=datetime.fromtimestamp(args.time, timezone.utc),
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
