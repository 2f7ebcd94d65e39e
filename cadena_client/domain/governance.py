"""Governance by the member administrations: what a proposal asks, where it stands, and the rules
that decide it (thresholds in basis points of the active members, periods in seconds)."""

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

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def needs_supermajority(self) -> bool:
        return self not in (ProposalKind.ADMISSION, ProposalKind.REINSTATEMENT)


class ProposalState(IntEnum):
    NONE = 0
    OPEN = 1
    EXECUTED = 2
    VETOED = 3

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
        if not BASIS_POINTS // 2 < self.quorum <= self.supermajority <= BASIS_POINTS:
            raise InputError(
                f"quorum {self.quorum} and supermajority {self.supermajority} must satisfy "
                "5000 < quorum <= supermajority <= 10000 (basis points of the active members)"
            )
        if not 0 < self.voting_period < 2**32 or not 0 <= self.recovery_delay < 2**32:
            raise InputError("the voting period must be a positive number of seconds, the recovery delay not negative")

    def as_tuple(self) -> tuple[int, int, int, int]:
        return self.quorum, self.supermajority, self.voting_period, self.recovery_delay

    def needed(self, kind: ProposalKind, members: int) -> int:
        """Votes a proposal of `kind` needs from `members` active members (the contract's rounding up)."""
        threshold = self.supermajority if kind.needs_supermajority else self.quorum
        return -(-members * threshold // BASIS_POINTS)


NO_RULES = (0, 0, 0, 0)


@dataclass(frozen=True)
class Proposal:
    """A proposal as the chain holds it, with the votes it still needs against the current members."""

    id: int
    decision: ProposalKind  # what it asks ("kind" is the JSON envelope's)
    state: ProposalState
    proposer: str
    country: str | None  # admitted, suspended, expelled, reinstated or recovered
    account: str | None  # the first admin of an admission or a recovery
    name: str
    rules: Rules | None  # the new rules of a rules proposal
    votes: int
    needed: int
    expires: datetime
    executable_from: datetime | None  # a recovery's veto window ends here
    voters: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """open, executable, expired, executed or vetoed, as of now."""
        now = datetime.now(timezone.utc)
        if self.state != ProposalState.OPEN:
            return self.state.label
        if now > self.expires:
            return "expired"
        waiting = self.executable_from is not None and now < self.executable_from
        return "executable" if self.votes >= self.needed and not waiting else "open"
