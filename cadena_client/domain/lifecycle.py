"""The certificate lifecycle and MRA participation, stated once.

One row per operation: the contract function, the statuses it is allowed from, the status it leaves,
the event it emits and the rule in words. The client sends by it, the errors explain by it, the
import plans by it and the mirror replays events by it; the contract enforces the same table (a test
checks each row against the deployed contract).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cadena_client.domain.model import CertificateStatus, PartyStatus, Reason

ACTIVE, SUSPENDED = CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED
LIVE = frozenset({ACTIVE, SUSPENDED})
ENDED = frozenset({CertificateStatus.CANCELLED, CertificateStatus.WITHDRAWN})


class Operation(str, Enum):
    """What an officer (or the holder, for withdraw) does to a certificate."""

    ISSUE = "issue"
    UPDATE = "update"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    CANCEL = "cancel"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    """One operation of the lifecycle."""

    operation: Operation
    function: str  # the contract function
    allowed_from: frozenset[CertificateStatus]
    result: CertificateStatus | None  # None: the status stays as it was
    event: str  # the contract event it emits
    kind: str  # the event's name in the audit trail
    rule: str  # the rule, for a person
    default_reason: Reason
    by_holder: bool = False  # the holder acts, not an officer of the country


LIFECYCLE: dict[Operation, Transition] = {
    t.operation: t
    for t in (
        Transition(
            Operation.ISSUE,
            "issueCertificate",
            frozenset({CertificateStatus.NONE, *ENDED}),
            ACTIVE,
            "CertificateIssued",
            "issued",
            "a certificate that is Active or Suspended cannot be issued again; update it, or cancel it first",
            Reason.NEW_CERTIFICATION,
        ),
        Transition(
            Operation.UPDATE,
            "updateCertificate",
            LIVE,
            None,
            "CertificateUpdated",
            "updated",
            "only an Active or Suspended certificate can be updated; re-issue a Cancelled or Withdrawn one",
            Reason.DATA_CORRECTION,
        ),
        Transition(
            Operation.SUSPEND,
            "suspendCertificate",
            frozenset({ACTIVE}),
            SUSPENDED,
            "CertificateSuspended",
            "suspended",
            "only an Active certificate can be suspended",
            Reason.UNSPECIFIED,
        ),
        Transition(
            Operation.REINSTATE,
            "reinstateCertificate",
            frozenset({SUSPENDED}),
            ACTIVE,
            "CertificateReinstated",
            "reinstated",
            "only a Suspended certificate can be reinstated",
            Reason.UNSPECIFIED,
        ),
        Transition(
            Operation.CANCEL,
            "cancelCertificate",
            LIVE | {CertificateStatus.WITHDRAWN},
            CertificateStatus.CANCELLED,
            "CertificateCancelled",
            "cancelled",
            "only an Active, Suspended or Withdrawn certificate can be cancelled",
            Reason.UNSPECIFIED,
        ),
        Transition(
            Operation.WITHDRAW,
            "withdrawCertificate",
            LIVE,
            CertificateStatus.WITHDRAWN,
            "CertificateWithdrawn",
            "withdrawn",
            "only an Active or Suspended certificate can be withdrawn",
            Reason.COMPANY_REQUEST,
            by_holder=True,
        ),
    )
}
BY_EVENT = {t.event: t for t in LIFECYCLE.values()}


class MRAAction(str, Enum):
    """What a party's administration admin does in an MRA."""

    SIGN = "sign"
    SUSPEND = "suspend"
    RESUME = "resume"
    LEAVE = "leave"


@dataclass(frozen=True)
class Participation:
    """One step of a party's participation in an MRA."""

    action: MRAAction
    allowed_from: frozenset[PartyStatus]
    result: PartyStatus
    event: str
    rule: str

    @property
    def start(self) -> PartyStatus | None:
        """The one status the step starts from, or None (leave) for the party's current status."""
        return next(iter(self.allowed_from)) if len(self.allowed_from) == 1 else None


PARTICIPATION: dict[MRAAction, Participation] = {
    p.action: p
    for p in (
        Participation(
            MRAAction.SIGN,
            frozenset({PartyStatus.PENDING}),
            PartyStatus.SIGNED,
            "MRASigned",
            "only a party that has not signed yet can sign",
        ),
        Participation(
            MRAAction.SUSPEND,
            frozenset({PartyStatus.SIGNED}),
            PartyStatus.SUSPENDED,
            "MRAParticipationSuspended",
            "only a party that has signed can suspend its participation",
        ),
        Participation(
            MRAAction.RESUME,
            frozenset({PartyStatus.SUSPENDED}),
            PartyStatus.SIGNED,
            "MRAParticipationResumed",
            "only a suspended participation can be resumed",
        ),
        Participation(
            MRAAction.LEAVE,
            frozenset({PartyStatus.PENDING, PartyStatus.SIGNED, PartyStatus.SUSPENDED}),
            PartyStatus.LEFT,
            "MRAPartyLeft",
            "a party that has left cannot leave again",
        ),
    )
}
PARTICIPATION_BY_EVENT = {p.event: p for p in PARTICIPATION.values()}
