"""Importing an AEO list: every row checked first, then a plan against the chain, then the plan sent
through the bulk path.

An import is a sync, not an append: a new TIN is issued, changed master data is updated, a changed
status becomes a suspension, reinstatement or cancellation, and an unchanged row sends nothing. The
plan is made from what the chain holds, so importing a file again after a failure sends exactly the
rest, and importing it once more sends nothing. Master data is compared by its salted commitment,
whose salt derives from the administration's exchange key: without the key no row compares equal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

from eth_utils import keccak, to_checksum_address

from cadena_client.api.bulk import issue_all
from cadena_client.api.client import Cadena
from cadena_client.chain.signer import Outcome, Result
from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.domain.lifecycle import ENDED, LIFECYCLE, LIVE, Operation
from cadena_client.domain.model import (
    AEOType,
    Certificate,
    CertificateStatus,
    InputError,
    MasterData,
    Reason,
    Visibility,
    clean_text,
    key_of,
    parse_country,
    parse_tin,
    to_day,
)
from cadena_client.lists import files as aeo_files
from cadena_client.lists import identifiers
from cadena_client.lists.identifiers import NationalId
from cadena_client.lists.profiles import Profile, shipped

REISSUE = "reissue"  # an issue of a certificate that was ended: counted apart
CONSENT = "consent"  # the list records another consent for a live certificate: an officer sets its visibility
ACTIONS = {
    Operation.ISSUE.value: "issued",
    REISSUE: "re-issued",
    CONSENT: "consent recorded",
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
    """A valid row (or the rows of one company, merged): the master data and the status the file asks for."""

    row: int
    master: MasterData
    status: CertificateStatus
    holder_given: bool
    written: str | None = None  # the identifier as the file writes it, where it differs from the TIN
    merged: tuple[int, ...] = ()  # the other rows of the same company, whose types it also holds
    visibility: Visibility = Visibility.ISSUER_ONLY  # the trader's consent: the file's, else the default
    visibility_given: bool = False  # the file says it (else a live certificate keeps its consent)


@dataclass
class Checked:
    """The rows of a file once checked: valid entries, problems, and rows of other countries."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # sent anyway, but worth a look (expired yet Active)
    other_countries: int = 0  # rows of MRA partners (an export lists them), left out of the import
    columns: dict[str, str] = field(default_factory=dict)  # key -> the header as written in the file
    assumed: dict[str, str] = field(default_factory=dict)  # key -> what every row takes for a column the list lacks

    @property
    def merged(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.merged]


MERGEABLE = {"aeo_types", "valid_from", "expiry"}  # where rows of one company may differ (one row per function)


def check(
    table: aeo_files.Table,
    code: str,
    today: date | None = None,
    visibility: Visibility = Visibility.ISSUER_ONLY,
) -> Checked:
    """Checks every row of `table` as certificates of `code`, as its mapping's profile reads them;
    every problem is reported, and every row marked active (not already "expired") whose expiry has
    passed (by `today`) is a warning. The rows of one company (same TIN, name, address, status,
    holder and consent) become one certificate with the union of their types, the earliest validation
    date and the latest expiry. A row without a consent takes `visibility` (the administration's
    default)."""
    code, today = parse_country(code), today or datetime.now(timezone.utc).date()
    profile = table.mapping.profile if table.mapping and table.mapping.profile.country == code else shipped(code)
    national = profile.national_id
    checked = Checked(columns=table.columns, assumed=table.assumed)
    first: dict[str, tuple[int, dict]] = {}
    by_tin: dict[str, Entry] = {}
    parsers = {
        "tin": lambda value: national_tin(value, code, table.tin_form, national),
        "name": lambda value: clean_text(value, "operator name"),
        "address": lambda value: clean_text(value, "address") if str(value or "").strip() else "",
        "aeo_types": lambda value: (
            parse_types(value, profile) if "aeo_types" in table.columns else profile.default_types
        ),
        "valid_from": lambda value: _validation_date(value, profile),
        "expiry": lambda value: aeo_files.parse_date(value, profile.date_order, profile.decimal),
        "status": lambda value: aeo_files.parse_status(value, profile.statuses),
        "holder": _holder,
        "visibility": aeo_files.parse_visibility,
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
                aeo_files.COLUMNS[key]
                for key in parsers
                if key not in MERGEABLE | {"tin"} and values.get(key) != kept_values.get(key)
            ]
            if differs:
                fail(
                    "tin",
                    f"{tin_} is also on row {kept}, and it differs in {', '.join(differs)}; rows of one company "
                    f"may differ only in types and dates (skipping invalid rows keeps row {kept})",
                )
        elif tin_ and not problems:
            first[tin_] = (number, values)
        if problems:
            checked.problems += problems
            continue
        assert tin_ and valid_from and values["aeo_types"]  # required: a row without them has problems
        master = MasterData(
            tin_, values["name"], values["address"], values["aeo_types"], valid_from, expiry, values["holder"]
        )
        written = str(cells.get("tin")).strip()
        if tin_ in by_tin:  # another row of a company already read: one certificate for both
            kept_entry = by_tin[tin_]
            master = _union(kept_entry.master, master)
            entry = replace(kept_entry, master=master, merged=(*kept_entry.merged, number))
            checked.entries[checked.entries.index(kept_entry)] = entry
        else:
            entry = Entry(
                number,
                master,
                values["status"],
                values["holder"] is not None,
                written if written.upper() != tin_ else None,
                visibility=visibility if values["visibility"] is None else values["visibility"],
                visibility_given=values["visibility"] is not None,
            )
            checked.entries.append(entry)
        by_tin[tin_] = entry
        expired_already = key_of(str(cells.get("status") or "")) in aeo_files.EXPIRED
        if entry.status == CertificateStatus.ACTIVE and expiry and expiry < today and not expired_already:
            checked.warnings.append(
                Problem(
                    number,
                    table.columns.get("expiry", "Expiry date"),
                    f"{tin_} is marked active but expired on {expiry}; partners will not recognise it",
                )
            )
    return checked


def _union(kept: MasterData, more: MasterData) -> MasterData:
    """One company's certificate from two of its rows: both rows' types, the earliest validation date,
    the latest expiry (none if either row has none: a certification without a term)."""
    expiry = None if kept.expiry is None or more.expiry is None else max(kept.expiry, more.expiry)
    return replace(
        kept,
        aeo_types=kept.aeo_types | more.aeo_types,
        valid_from=min(kept.valid_from, more.valid_from),
        expiry=expiry,
    )


def parse_types(value, profile: Profile) -> AEOType:
    """AEO types as a list writes them: a national phrase of the profile ("OEA Seguridad y
    Facilitación", "Importador y/o Exportador"), or names and phrases separated by , ; / | + or line breaks."""
    text = str(value if value is not None else "").strip()
    if key_of(text) in profile.types:
        return profile.types[key_of(text)]
    types = AEOType(0)
    for part in re.split(r"[,;|+\n]", text):
        if key_of(part) in profile.types:
            types |= profile.types[key_of(part)]
        elif key_of(part):
            try:
                types |= AEOType.parse(part)
            except InputError as exc:
                raise InputError(f"{exc}; or give its meaning with --map-value aeo_types:WORD=TYPES") from None
    if not types:
        raise InputError("no AEO type given")
    return types


def national_tin(value, code: str, form: str = "wco", national: NationalId | None = None) -> str:
    """The WCO TIN of an identifier as a list writes it. Under a TIN header ("wco") the value is a TIN
    with the country prefix; under a national header (RFC, RUC, NIT...) or one naming both, it is
    checked the way the administration defines it (the profile's `national` check) and prefixed:
    RUT 76.123.456-0 -> CL761234560; NIT 900.123.456-8 -> CO9001234568."""
    if form == "wco":
        return parse_tin(str(value if value is not None else "").strip(), code)
    return identifiers.to_tin(value, code, national)


def _validation_date(value, profile: Profile):
    day = aeo_files.parse_date(value, profile.date_order, profile.decimal)
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
    never_issued: int = 0  # rows of ended certificates that were never on the chain: nothing to send, not "unchanged"
    source: str = "the imported list"  # what an officer's consent step cites as the signed record

    def count(self, action: str) -> int:
        return sum(action in change.actions for change in self.changes)

    def counts(self) -> dict[str, int]:
        """Records per action the plan would send, and those it leaves."""
        return {
            **{past: self.count(action) for action, past in ACTIONS.items() if action != CONSENT or self.count(action)},
            "unchanged": self.unchanged,
            **({"ended, never on the chain": self.never_issued} if self.never_issued else {}),
        }

    @property
    def steps(self) -> int:
        return sum(len(change.actions) for change in self.changes)


def plan(
    cadena: Cadena, code: str, checked: Checked, reissue_ended: bool = False, source: str = "the imported list"
) -> Plan:
    """What importing the checked rows would send, from what the chain holds now. A row that is live
    in the file for a certificate that was cancelled or withdrawn is re-issued only with `reissue_ended`
    (ending it was a decision: of customs, or of the company itself); otherwise it is a conflict. A row
    whose consent differs from a live certificate's has it recorded by the officer, citing `source`
    (the list) and the row as the signed record."""
    entries = checked.entries
    stored = cadena.read_certificates([entry.master.tin for entry in entries])
    listed = {entry.master.tin for entry in entries}
    result = Plan(not_in_file=sum(t not in listed for t in cadena.certificate_tins(code)), source=source)
    for entry, on_chain in zip(entries, stored, strict=True):
        current = on_chain.status
        if not entry.holder_given and on_chain.holder:  # the file does not say: the holder stays
            entry = replace(entry, master=replace(entry.master, holder=on_chain.holder))
        target, master = entry.status, entry.master
        if current == CertificateStatus.NONE and target in ENDED:
            result.never_issued += 1
            continue
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
        elif current not in LIVE:  # none yet (the row is live: ended rows never on the chain left above), or ended
            if current == CertificateStatus.NONE:
                actions.append(Operation.ISSUE)
        elif on_chain.commitment != cadena.salted(master).commitment:
            actions.append(Operation.UPDATE)
            detail = _differences(master, on_chain)
            reason = _update_reason(master, on_chain.expiry)
        if entry.visibility_given and current in LIVE and entry.visibility != on_chain.visibility:
            actions.append(CONSENT)
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

    never_issued: int = 0

    def counts(self) -> dict[str, int]:
        return {
            **{past: self.done[action] for action, past in ACTIONS.items() if action != CONSENT or self.done[action]},
            "unchanged": self.unchanged,
            **({"ended, never on the chain": self.never_issued} if self.never_issued else {}),
            "failed": len(self.failures),
        }


def apply(cadena: Cadena, import_plan: Plan, progress: Callable[[int], None] | None = None) -> Summary:
    """Sends the plan so that no operator is trusted more than the file says, even if the import stops
    midway: first the cancellations and suspensions of live certificates, then the issues (those the
    file marks suspended issued suspended in the same transaction), the updates, and last the
    reinstatements. A record whose issue or update failed waits for a re-run for its other steps."""
    summary = Summary(unchanged=import_plan.unchanged, never_issued=import_plan.never_issued)
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
            cadena.job(operation, step.function, *_arguments(cadena, operation, c), keys=[c.tin])
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
        consent = {change.tin: change.entry.visibility for change in issued}
        outcomes = issue_all(cadena, masters, progress=progress, suspended=suspended, visibility=consent)
        record(Operation.ISSUE.value, outcomes)
        if progress and suspended:  # their suspension went with the issue
            progress(len(suspended))
    consents = [c for c in steps(CONSENT) if c.tin not in blocked]
    if consents:  # before the updates, which seal to the readers the consent allows
        jobs = [
            cadena.job(
                CONSENT,
                "setVisibility",
                tin_to_bytes32(c.tin),
                int(c.entry.visibility),
                keccak(text=f"{import_plan.source} row {c.entry.row}"),  # the list records the signed consent
                keys=[c.tin],
            )
            for c in consents
        ]
        record(CONSENT, cadena.send(jobs, progress))
    send(Operation.UPDATE, steps(Operation.UPDATE.value))
    send(Operation.REINSTATE, steps(Operation.REINSTATE.value))
    return summary


def _arguments(cadena: Cadena, operation: Operation, change: Change) -> tuple:
    """The contract arguments of one step of a change."""
    if operation is Operation.UPDATE:
        return cadena.master_args(change.entry.master, change.update_reason)
    return tin_to_bytes32(change.tin), Reason.UNSPECIFIED
