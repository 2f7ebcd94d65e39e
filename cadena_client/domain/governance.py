"""Governance by the member administrations: what a proposal asks, where it stands, and the rules
that decide it (thresholds in basis points of a proposal's electorate, periods in seconds). The
delays' floors are the consortium contract's constants, repeated here to check input early."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import IntEnum

from cadena_client.errors import InputError

BASIS_POINTS = 10_000


class ProposalKind(IntEnum):
    ADMISSION = 0
    SUSPENSION = 1
    EXPULSION = 2
    REINSTATEMENT = 3
    RECOVERY = 4
    RULES = 5
    UPGRADE = 6

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def needs_supermajority(self) -> bool:
        return self is not ProposalKind.REINSTATEMENT

    @property
    def vetoable(self) -> bool:
        """A recovery (by the country concerned) and an upgrade (by any member) can be vetoed."""
        return self in (ProposalKind.RECOVERY, ProposalKind.UPGRADE)


class ProposalState(IntEnum):
    NONE = 0
    OPEN = 1
    EXECUTED = 2
    VETOED = 3
    QUEUED = 4  # it had its votes; executable once its delay is over

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Rules:
    """The vote thresholds (basis points of the active members) and the periods (seconds)."""

    quorum: int
    supermajority: int
    voting_period: int
    recovery_delay: int

    def __post_init__(self):
        if not (
            BASIS_POINTS // 2 < self.quorum <= self.supermajority <= BASIS_POINTS
            and self.supermajority >= MIN_SUPERMAJORITY
        ):
            raise InputError(
                f"quorum {self.quorum} and supermajority {self.supermajority} must satisfy 5000 < quorum <= "
                f"supermajority <= 10000 and supermajority >= {MIN_SUPERMAJORITY} (basis points)"
            )
        if not MIN_VOTING_PERIOD <= self.voting_period <= MAX_VOTING_PERIOD:
            raise InputError("the voting period must be 1 to 90 days")
        if not MIN_RECOVERY_DELAY <= self.recovery_delay <= self.voting_period:
            raise InputError(
                "the recovery delay (the veto window of a key recovery) must be at least 7 days and at most the "
                "voting period"
            )

    def as_tuple(self) -> tuple[int, int, int, int]:
        return self.quorum, self.supermajority, self.voting_period, self.recovery_delay


DAY = 86_400
MIN_SUPERMAJORITY = 6666
MIN_VOTING_PERIOD, MAX_VOTING_PERIOD = DAY, 90 * DAY
MIN_RECOVERY_DELAY = 7 * DAY
NO_RULES = (0, 0, 0, 0)
NO_CODE_HASH = bytes(32)


@dataclass(frozen=True)
class Proposal:
    """A proposal as the chain holds it: its votes that count (of its electorate's members still
    active) against the votes it needs, fixed on its electorate when it was made."""

    id: int
    decision: ProposalKind  # what it asks ("kind" is the JSON envelope's)
    state: ProposalState
    proposer: str
    country: str | None  # admitted, suspended, expelled, reinstated or recovered
    account: str | None  # the first admin of an admission or a recovery; an upgrade's implementation
    name: str
    rules: Rules | None  # the new rules of a rules proposal
    votes: int
    needed: int
    expires: datetime  # until then it can be queued, or once queued executed
    executable_from: datetime | None  # once queued: the end of its delay (a veto window for some)
    voters: tuple[str, ...] = ()
    code_hash: str | None = None  # an upgrade's implementation's runtime code hash

    @property
    def status(self) -> str:
        """open, queued, executable, expired, executed or vetoed, as of now."""
        now = datetime.now(timezone.utc)
        if self.state not in (ProposalState.OPEN, ProposalState.QUEUED):
            return self.state.label
        if now > self.expires:
            return "expired"
        if self.votes < self.needed:
            return "open" if self.state is ProposalState.OPEN else "queued"
        if self.state is ProposalState.OPEN:
            return "executable"  # executing it queues it
        return "executable" if self.executable_from and now >= self.executable_from else "queued"
