"""Importing an AEO list: every row checked first, then a plan against the chain, then the plan sent
through the bulk path.

An import is a sync, not an append: a new TIN is issued, changed master data is updated, a changed
status becomes a suspension, reinstatement or cancellation, and an unchanged row sends nothing. The
plan is made from what the chain holds, so importing a file again after a failure sends exactly the
rest, and importing it once more sends nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

from eth_utils import to_checksum_address

from cadena_client.api.bulk import issue_all
from cadena_client.api.client import Cadena
from cadena_client.chain.signer import Outcome, Result
from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.domain.lifecycle import ENDED, LIFECYCLE, LIVE, Operation
from cadena_client.domain.model import (
    TIN_PATTERN,
    AEOType,
    Certificate,
    CertificateStatus,
    InputError,
    MasterData,
    Reason,
    clean_text,
    parse_country,
    parse_tin,
    to_day,
)
from cadena_client.lists import files as aeo_files

REISSUE = "reissue"  # an issue of a certificate that was ended: counted apart
ACTIONS = {
    Operation.ISSUE.value: "issued",
    REISSUE: "re-issued",
    **{
        op.value: LIFECYCLE[op].kind
        for op in (Operation.UPDATE, Operation.SUSPEND, Operation.REINSTATE, Operation.CANCEL)
    },
}
ENDED_BY = {CertificateStatus.CANCELLED: "cancelled by customs", CertificateStatus.WITHDRAWN: "withdrawn by its holder"}


@dataclass(frozen=True)
class Problem:
    """What is wrong in one cell of the file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """A valid row: the master data and the status the file asks for."""

    row: int
    master: MasterData
    status: CertificateStatus
    holder_given: bool
    written: str | None = None  # the identifier as the file writes it, where it differs from the TIN


@dataclass
class Checked:
    """The rows of a file once checked: valid entries, problems, and rows of other countries."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # sent anyway, but worth a look (expired yet Active)
    other_countries: int = 0  # rows of MRA partners (an export lists them), left out of the import
    columns: dict[str, str] = field(default_factory=dict)  # key -> the header as written in the file


def check(table: aeo_files.Table, code: str, today: date | None = None) -> Checked:
    """Checks every row of `table` as certificates of `code`; every problem is reported, and every row
    marked active whose expiry has passed (by `today`) is a warning."""
    code, today = parse_country(code), today or datetime.now(timezone.utc).date()
    checked = Checked(columns=table.columns)
    first: dict[str, tuple[int, dict]] = {}
    parsers = {
        "tin": lambda value: national_tin(value, code, table.tin_form),
        "name": lambda value: clean_text(value, "operator name"),
        "address": lambda value: clean_text(value, "address"),
        "aeo_types": lambda value: AEOType.parse(value or ""),
        "valid_from": _validation_date,
        "expiry": aeo_files.parse_date,
        "status": aeo_files.parse_status,
        "holder": _holder,
    }
    for number, cells in table.rows:
        problems: list[Problem] = []

        def fail(key: str, message: str, row: int = number, found: list = problems) -> None:
            found.append(Problem(row, table.columns.get(key, aeo_files.COLUMNS[key]), message))

        try:
            if parse_country(cells.get("country") or code) != code:
                checked.other_countries += 1
                continue
        except InputError as exc:
            fail("country", str(exc))
        values = {}
        for key, parse in parsers.items():
            try:
                values[key] = parse(cells.get(key))
            except InputError as exc:
                fail(key, str(exc))
        tin_, valid_from, expiry = values.get("tin"), values.get("valid_from"), values.get("expiry")
        if valid_from and expiry and expiry <= valid_from:
            fail("expiry", f"expiry {expiry} is not after the validation date {valid_from}")
        if tin_ in first:
            kept, kept_values = first[tin_]
            differs = [
                aeo_files.COLUMNS[key] for key in parsers if key != "tin" and values.get(key) != kept_values.get(key)
            ]
            how = f"it differs in {', '.join(differs)}" if differs else "with the same data"
            fail(
                "tin",
                f"{tin_} is also on row {kept}, {how}; keep one row per TIN (skipping invalid rows keeps row {kept})",
            )
        elif tin_:
            first[tin_] = (number, values)
        if problems:
            checked.problems += problems
            continue
        assert tin_ and valid_from  # required columns: a row without them has problems
        master = MasterData(
            tin_, values["name"], values["address"], values["aeo_types"], valid_from, expiry, values["holder"]
        )
        written = str(cells.get("tin")).strip()
        entry = Entry(
            number, master, values["status"], values["holder"] is not None, written if written.upper() != tin_ else None
        )
        checked.entries.append(entry)
        if entry.status == CertificateStatus.ACTIVE and expiry and expiry < today:
            checked.warnings.append(
                Problem(
                    number,
                    table.columns.get("expiry", "Expiry date"),
                    f"{tin_} is marked active but expired on {expiry}; partners will not recognise it",
                )
            )
    return checked


def national_tin(value, code: str, form: str = "wco") -> str:
    """The WCO TIN of an identifier as a national list writes it: the country prefix (unless the
    column holds WCO TINs, or the value already starts with the list's country code) and the letters
    and digits, without dots, dashes and spaces (RUT 76.123.456-K -> CL76123456K; NIT 900.123.456-7
    -> CO9001234567)."""
    written = str(value if value is not None else "").strip()
    if form == "wco":
        return parse_tin(written, code)
    compact = re.sub(r"[^A-Za-z0-9]", "", written).upper()
    if not compact:
        raise InputError("the identifier is empty")
    if not (compact.startswith(code) and TIN_PATTERN.fullmatch(compact)):
        compact = code + compact  # one that already starts with the list's country code is read as a WCO TIN
    try:
        return parse_tin(compact, code)
    except InputError:
        raise InputError(
            f"{written!r} cannot be made a TIN of {code}: it has {len(compact) - len(code)} letters or "
            "digits, a TIN has 1 to 15 after the country code"
        ) from None


def _validation_date(value):
    day = aeo_files.parse_date(value)
    if day is None:
        raise InputError("the validation date is empty")
    to_day(day)
    return day


def _holder(value):
    if value is None or str(value).strip() == "":
        return None
    try:
        return to_checksum_address(str(value).strip())
    except ValueError:
        raise InputError(f"{str(value).strip()!r} is not an account address (0x followed by 40 hex digits)") from None


# -- plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What one row sends: its actions in order, and for an update what differs."""

    entry: Entry
    actions: tuple[str, ...]
    detail: str = ""
    update_reason: int = Reason.DATA_CORRECTION

    @property
    def tin(self) -> str:
        return self.entry.master.tin


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[Problem] = field(default_factory=list)
    not_in_file: int = 0  # certificates of the country on-chain that the file does not list (left as they are)
    ended: int = 0  # conflicts that are ended certificates listed as live (re-issued only when allowed)

    def count(self, action: str) -> int:
        return sum(action in change.actions for change in self.changes)

    @property
    def steps(self) -> int:
        return sum(len(change.actions) for change in self.changes)


def plan(cadena: Cadena, code: str, checked: Checked, reissue_ended: bool = False) -> Plan:
    """What importing the checked rows would send, from what the chain holds now. A row that is live
    in the file for a certificate that was cancelled or withdrawn is re-issued only with `reissue_ended`
    (ending it was a decision: of customs, or of the company itself); otherwise it is a conflict."""
    entries = checked.entries
    stored = cadena.read_certificates([entry.master.tin for entry in entries])
    listed = {entry.master.tin for entry in entries}
    result = Plan(not_in_file=sum(t not in listed for t in cadena.certificate_tins(code)))
    for entry, on_chain in zip(entries, stored, strict=True):
        current = on_chain.status
        if not entry.holder_given and on_chain.holder:  # the file does not say: the holder stays
            entry = replace(entry, master=replace(entry.master, holder=on_chain.holder))
        target, master = entry.status, entry.master
        if target == CertificateStatus.WITHDRAWN and current != CertificateStatus.WITHDRAWN:
            message = f"{master.tin} is {current.label}: only its holder can withdraw it; write Cancelled to end it"
            result.conflicts.append(Problem(entry.row, checked.columns.get("status", "Status"), message))
            continue
        actions: list[str] = []
        detail, reason = "", int(Reason.DATA_CORRECTION)
        if current in ENDED and target in LIVE:
            if not reissue_ended:
                message = (
                    f"{master.tin} was {ENDED_BY[current]}; the file lists it as {target.label}: allow "
                    "re-issuing ended certificates to issue it again as a new version (or remove the row)"
                )
                result.ended += 1
                result.conflicts.append(Problem(entry.row, checked.columns.get("status", "Status"), message))
                continue
            actions.append(REISSUE)
            detail = f"was {ENDED_BY[current]}"
        elif target == CertificateStatus.CANCELLED and current in LIFECYCLE[Operation.CANCEL].allowed_from:
            actions.append(Operation.CANCEL)  # a withdrawn certificate too: customs records its cancellation
        elif current not in LIVE:  # none yet, or ended as the file says
            if target in LIVE:
                actions.append(Operation.ISSUE)
        elif on_chain.commitment != master.commitment:
            actions.append(Operation.UPDATE)
            detail = _differences(master, on_chain)
            reason = _update_reason(master, on_chain.expiry)
        if target == CertificateStatus.SUSPENDED and current != CertificateStatus.SUSPENDED:
            actions.append(Operation.SUSPEND)
        elif target == CertificateStatus.ACTIVE and current == CertificateStatus.SUSPENDED:
            actions.append(Operation.REINSTATE)
        if actions:
            result.changes.append(Change(entry, tuple(actions), detail, reason))
        else:
            result.unchanged += 1
    return result


def _differences(master: MasterData, stored: Certificate) -> str:
    fields = {
        "AEO types": master.aeo_types != stored.aeo_types,
        "validation date": master.valid_from != stored.valid_from,
        "expiry date": master.expiry != stored.expiry,
        "holder": master.holder != stored.holder,
    }
    return ", ".join(name for name, differs in fields.items() if differs) or "name or address"


def _update_reason(master: MasterData, stored_expiry: date | None) -> int:
    """Renewal when the expiry moves later (or goes), else a data correction."""
    renewed = stored_expiry and (master.expiry is None or master.expiry > stored_expiry)
    return Reason.RENEWAL if renewed else Reason.DATA_CORRECTION


# -- apply ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    row: int
    tin: str
    action: str
    reason: str


@dataclass
class Summary:
    done: Counter = field(default_factory=Counter)  # action -> records
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            **{past: self.done[action] for action, past in ACTIONS.items()},
            "unchanged": self.unchanged,
            "failed": len(self.failures),
        }


def apply(cadena: Cadena, import_plan: Plan, progress: Callable[[int], None] | None = None) -> Summary:
    """Sends the plan so that no operator is trusted more than the file says, even if the import stops
    midway: first the cancellations and suspensions of live certificates, then the issues (those the
    file marks suspended issued suspended in the same transaction), the updates, and last the
    reinstatements. A record whose issue or update failed waits for a re-run for its other steps."""
    summary = Summary(unchanged=import_plan.unchanged)
    by_tin = {change.tin: change for change in import_plan.changes}
    blocked: set[str] = set()

    def record(action: str, outcomes: list[Outcome]):
        for outcome in outcomes:
            if outcome.result in (Result.DONE, Result.ALREADY):
                summary.done[REISSUE if REISSUE in by_tin[outcome.key].actions else action] += 1
                if action == Operation.ISSUE and Operation.SUSPEND in by_tin[outcome.key].actions:
                    summary.done[Operation.SUSPEND.value] += 1
            else:
                blocked.add(outcome.key)
                reason = outcome.detail if outcome.result is Result.FAILED else f"not sent ({outcome.detail})"
                summary.failures.append(Failure(by_tin[outcome.key].entry.row, outcome.key, action, reason))

    def send(operation: Operation, changes: list[Change]) -> None:
        skipped = [c for c in changes if c.tin in blocked]  # an earlier step failed: this one waits for a re-run
        if progress and skipped:
            progress(len(skipped))
        step = LIFECYCLE[operation]
        jobs = [
            cadena.job(operation, step.function, *_arguments(operation, c), keys=[c.tin])
            for c in changes
            if c.tin not in blocked
        ]
        outcomes = cadena.send(jobs, progress)
        if progress:  # the signer leaves failures to its caller
            progress(sum(1 for outcome in outcomes if outcome.result is Result.FAILED))
        record(operation.value, outcomes)

    def steps(action: str) -> list[Change]:
        return [change for change in import_plan.changes if action in change.actions]

    issued = steps(Operation.ISSUE.value) + steps(REISSUE)
    send(Operation.CANCEL, steps(Operation.CANCEL.value))
    send(Operation.SUSPEND, [c for c in steps(Operation.SUSPEND.value) if Operation.ISSUE.value not in c.actions])
    if issued:
        masters = [change.entry.master for change in issued]
        suspended = frozenset(change.tin for change in issued if Operation.SUSPEND.value in change.actions)
        record(Operation.ISSUE.value, issue_all(cadena, masters, progress=progress, suspended=suspended))
        if progress and suspended:  # their suspension went with the issue
            progress(len(suspended))
    send(Operation.UPDATE, steps(Operation.UPDATE.value))
    send(Operation.REINSTATE, steps(Operation.REINSTATE.value))
    return summary


def _arguments(operation: Operation, change: Change) -> tuple:
    """The contract arguments of one step of a change."""
    if operation is Operation.UPDATE:
        return Cadena.master_args(change.entry.master, change.update_reason)
    return tin_to_bytes32(change.tin), Reason.UNSPECIFIED
