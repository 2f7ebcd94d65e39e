"""One change the contract recorded: the record the audit trail, the mirror and the live feed share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from cadena_client.domain.lifecycle import BY_EVENT
from cadena_client.domain.model import AEOType, Reason, Visibility, from_day


@dataclass(frozen=True)
class Event:
    """An event of the contract as decoded from its log; `retracted` when a reorg took it away again.

    `args` are the event's arguments as plain values (numbers, checksummed addresses, 0x-hex bytes,
    country codes as text); the other fields are those every event shares or names.
    """

    name: str  # the contract's event, e.g. CertificateSuspended
    block: int
    log_index: int
    tx_hash: str
    time: int | None  # seconds since the epoch (the event's own time, else its block's, where known)
    tin: str | None
    country: str | None
    mra_id: int | None
    actor: str | None
    reason: int | None
    args: dict
    retracted: bool = False
    seq: int = 0  # its number in a mirror's feed (a retraction has its own)

    @property
    def kind(self) -> str:
        """The change in a word or two: issued, suspended, ..., mra-signed, administration-registered."""
        step = BY_EVENT.get(self.name)
        if step:
            return step.kind
        return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=MRA)(?=[A-Z][a-z])", "-", self.name).lower()

    @property
    def when(self) -> datetime | None:
        return None if self.time is None else datetime.fromtimestamp(self.time, timezone.utc)

    @property
    def version(self) -> int | None:
        return self.args.get("version")

    @property
    def reason_label(self) -> str:
        return "" if self.reason is None else Reason.label_of(self.reason)

    @property
    def master(self) -> dict | None:
        """What an issue or update wrote on chain, typed (no name or address: those travel sealed); None
        for other events."""
        if self.name not in ("CertificateIssued", "CertificateUpdated"):
            return None
        args = self.args
        return {
            "visibility": Visibility(args.get("visibility", 0)),
            "aeo_types": AEOType(args["aeoTypes"]),
            "valid_from": from_day(args["validFrom"]),
            "expiry": from_day(args["expiry"]),
            "holder": None if int(args["holder"], 16) == 0 else args["holder"],
            "commitment": args["commitment"],
        }
