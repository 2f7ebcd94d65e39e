"""The `cadena/1` documents as pydantic models: the one description of what the CLI's `--json` and the
service answer. The service declares them as its response models (so they make its OpenAPI), and
`python -m cadena_client.schema` writes the JSON Schema shipped beside this module from them (a
test fails when the file and the models differ)."""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from iso3166 import countries_by_alpha2
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import models_json_schema

from cadena_client.credential.verify import CredentialVerdict
from cadena_client.domain.governance import ProposalKind, ProposalState
from cadena_client.domain.model import (
    TIN_NATIONAL,
    AdministrationStatus,
    CertificateStatus,
    MRAStatus,
    PartyStatus,
    Verdict,
    Visibility,
)

SCHEMA = "cadena/1"
SCHEMA_FILE = Path(__file__).with_name("cadena-1.json")
_CODES = "|".join(sorted(countries_by_alpha2))
COUNTRY_REGEX = f"^(?:{_CODES})$"  # exactly the ISO 3166-1 alpha-2 codes
TIN_REGEX = f"^(?:{_CODES}){TIN_NATIONAL}$"

Tin = Annotated[str, Field(pattern=TIN_REGEX, description="WCO Trader Identification Number")]
Country = Annotated[str, Field(pattern=COUNTRY_REGEX, description="ISO 3166-1 alpha-2")]
Account = Annotated[str, Field(pattern="^0x[0-9a-fA-F]{40}$")]
Hex = Annotated[str, Field(pattern="^0x[0-9a-f]*$")]
Time = Annotated[
    str | None, Field(pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", description="UTC")
]
Labels = list[Annotated[str, Field(pattern="^[a-z0-9-]+$")]]


def _names(enum: type[Enum], *skip: str) -> Any:
    """A Literal of the lower-case names of `enum`'s members (as documents spell them)."""
    return Literal[tuple(m.name.lower() for m in enum if m.name not in skip)]  # type: ignore[misc]


if TYPE_CHECKING:
    StatusName = str
    VerdictName = str
    MRAStatusName = str
    PartyStatusName = str
    StandingName = str
    KindName = str
    StateName = str
    VisibilityName = str
    CredentialVerdictName = str
else:
    StatusName = _names(CertificateStatus)
    VerdictName = _names(Verdict)
    MRAStatusName = _names(MRAStatus, "NONE")
    PartyStatusName = _names(PartyStatus, "NONE")
    StandingName = _names(AdministrationStatus, "NONE")
    KindName = _names(ProposalKind)
    StateName = _names(ProposalState)
    VisibilityName = _names(Visibility)
    CredentialVerdictName = Literal[tuple(v.label for v in CredentialVerdict)]


class AsOf(BaseModel):
    """What an answer from a mirror reflects, and how far behind the chain it may be."""

    block: int
    block_time: Time
    node: Literal["reachable", "unreachable"]
    lag_blocks: int | None
    lag_seconds: float | None


class Certificate(BaseModel):
    tin: Tin
    status: StatusName
    status_label: Literal["None", "Active", "Suspended", "Cancelled", "Withdrawn", "Expired"]
    expired: bool = Field(description="Active on the chain but past its expiry day")
    aeo_types: Labels
    valid_from: date | None
    expiry: date | None
    holder: Account | None
    version: int = Field(ge=0)
    commitment: Hex
    name: str | None = Field(None, description="Shown only to a reader the trader's consent allows")
    address: str | None = None
    visibility: VisibilityName = Field("issuer_only", description="Who the trader consented may read its data")
    why_hidden: str | None = Field(None, description="Why this reader is not shown the name and address")


class Verification(BaseModel):
    importing_country: Country
    tin: Tin
    recognised: bool
    benefits: Labels | None
    verdict: VerdictName


class Actor(BaseModel):
    """Who acted: an account, the administration it acted for, and in which role."""

    address: Account
    administration: Country | None
    role: Literal["officer", "holder", "admin", "anyone"]


class Reason(BaseModel):
    code: int = Field(ge=0, le=65535)
    name: str | None


class Event(BaseModel):
    seq: int | None = Field(description="number in the mirror's feed; consumers drop repeats by it")
    change: str = Field(pattern="^[a-z-]+$", description="the change in a word or two: issued, suspended, mra-signed")
    event: str = Field(description="the contract's event name")
    retracted: bool
    block: int
    log_index: int
    tx_hash: Hex
    time: Time
    tin: Tin | None
    country: Country | None
    mra_id: int | None
    actor: Actor | None
    reason: Reason | None
    version: int | None
    master: dict[str, Any] | None
    status_after: StatusName | None
    details: dict[str, Any]


class Party(BaseModel):
    country: Country
    status: PartyStatusName


class MRA(BaseModel):
    id: int = Field(ge=1)
    title: str
    proposer: Country
    status: MRAStatusName
    benefits: Labels
    covered_types: Labels
    effective_from: date | None
    parties: list[Party]


class Administration(BaseModel):
    country: Country
    name: str
    certificate_count: int = Field(ge=0)
    mra_count: int = Field(ge=0)
    status: StandingName
    admin_count: int = Field(ge=0)


class Network(BaseModel):
    chain_id: int
    address: Account
    administrations: list[Administration]
    mras: list[MRA]
    implementation: Account | None = None
    version: int | None = Field(None, ge=1)
    consortium: Account | None = None
    lens: Account | None = None
    pending_upgrades: list[Proposal] | None = None


class CodeCheck(BaseModel):
    """An implementation's code compared with the compiled source (`cadena network verify-code`)."""

    address: Account
    contract: str
    code_hash: Hex
    matches: bool
    forwarder: Account | None
    proposals: list[int]
    problems: list[str]


class Receipt(BaseModel):
    operation: str
    subject: str
    tx_hash: Hex
    block: int
    gas_used: int


class ImportFailure(BaseModel):
    row: int | None
    tin: str | None
    action: str | None
    reason: str


class ImportProblem(BaseModel):
    row: int | None
    column: str | None
    message: str


class Import(BaseModel):
    file: str
    country: Country
    plan_only: bool
    rows: int
    counts: dict[str, int]
    not_in_file: int
    failures: list[ImportFailure]
    warnings: list[str]
    problems: list[ImportProblem] | None = None
    refused: str | None = Field(None, description="why nothing was sent, or null")
    mapping: dict[str, Any] | None = Field(
        None, description="how the list was read: columns, assumed values, identifiers made TINs, rows merged"
    )


class _Open(BaseModel):
    """A record whose further fields are kept as they come (the report's details)."""

    model_config = ConfigDict(extra="allow")


class ReportMRA(_Open):
    id: int
    title: str
    parties: list[Country]


class Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date


class ReportCertificates(_Open):
    opening: dict[str, dict[str, int]] = Field(description="by country, then status")
    closing: dict[str, dict[str, int]]


class ReportChanges(_Open):
    total: int
    by_country: dict[str, dict[str, int]]
    by_month: list[dict[str, Any]]


class ReportPropagation(_Open):
    by_partner: dict[str, Any]
    by_month: list[dict[str, Any]]


class ReportRecognitions(_Open):
    total: int
    recognised: int
    by: list[dict[str, Any]]
    by_month: list[dict[str, Any]]


class ReportStanding(_Open):
    opening: Any
    closing: Any
    parties: Any
    history: list[dict[str, Any]]


class Report(_Open):
    """A joint committee's report on one MRA over a period (`cadena report`, GET /v1/report)."""

    mra: ReportMRA
    period: Period
    certificates: ReportCertificates
    changes: ReportChanges
    propagation: ReportPropagation
    recognitions: ReportRecognitions
    standing: ReportStanding


class Usage(_Open):
    """What one service recorded (GET /v1/usage): when it saw each change, and its verifications counted
    by day, importing and issuing country and verdict (no company named)."""

    observers: list[list[Any]] = Field(description="[observer, since]")
    seen: list[list[Any]] = Field(description="[block, log_index, observer, seen_at]")
    answers: list[list[Any]] = Field(description="[day, observer, importer, issuer, verdict, count]")


class Rules(BaseModel):
    """Thresholds in basis points of the active members, periods in seconds."""

    quorum: int
    supermajority: int
    voting_period: int
    recovery_delay: int


class Proposal(BaseModel):
    """A decision the member administrations vote on."""

    id: int = Field(ge=1)
    decision: KindName
    state: StateName
    proposer: Country
    country: Country | None
    account: Account | None
    name: str
    rules: Rules | None
    votes: int = Field(ge=0)
    needed: int = Field(ge=0, description="votes it needs from the current members")
    expires: Time
    executable_from: Time
    voters: list[Country]
    code_hash: Hex | None = Field(None, description="an upgrade's implementation's runtime code hash")


class Check(BaseModel):
    """One check of a node by `cadena network check`: pass, or what to fix."""

    model_config = ConfigDict(extra="forbid")

    name: str
    passed: bool
    detail: str


class CredentialVerification(BaseModel):
    """The verdict on an AEO credential, why, and what it is about."""

    model_config = ConfigDict(extra="forbid")

    verdict: CredentialVerdictName
    reason: str = Field(pattern="^[a-z_]+$", description="Why, as a stable code")
    facts: dict[str, Any] = Field(description="What the reason names: a key, a version, a date...")
    detail: str = Field(description="Why, in English")
    tin: str | None = None
    issuer: str | None = None
    version: int | None = None
    checked: str | None = Field(None, description="Where the CLI checked: on chain, or offline as of its cache")


class ErrorDetail(BaseModel):
    code: str = Field(pattern="^[a-z-]+$")
    message: str


class Error(BaseModel):
    """Every refusal and failure of the service."""

    error: ErrorDetail


# -- the documents: an envelope {"schema", "kind"} around one record, or a list of them as `items` ------


def _document(
    kind: str, record: type[BaseModel] | None = None, items: type[BaseModel] | None = None, **extra: Any
) -> Any:
    fields: dict[str, Any] = {"schema_": (Literal[SCHEMA], Field(alias="schema")), "kind": (Literal[kind], ...)}
    if items is not None:
        fields["items"] = (list[items], ...)  # type: ignore[valid-type]
    fields.update({name: (annotation, None) for name, annotation in extra.items()})
    name = "".join(part.capitalize() for part in kind.split("-")) + "Document"
    return create_model(name, __base__=record or BaseModel, **fields)


_AS_OF: dict[str, Any] = {"as_of": AsOf | None}
DOCUMENTS: dict[str, Any] = {
    "certificate": _document("certificate", Certificate, **_AS_OF),
    "certificates": _document(
        "certificates", items=Certificate, total=int | None, offset=int | None, limit=int | None, **_AS_OF
    ),
    "verification": _document("verification", Verification, **_AS_OF),
    "verifications": _document("verifications", items=Verification, **_AS_OF),
    "event": _document("event", Event),
    "events": _document("events", items=Event, **_AS_OF),
    "mra": _document("mra", MRA),
    "mras": _document("mras", items=MRA, **_AS_OF),
    "administrations": _document("administrations", items=Administration, **_AS_OF),
    "network": _document("network", Network),
    "receipt": _document("receipt", Receipt),
    "import": _document("import", Import),
    "proposal": _document("proposal", Proposal),
    "proposals": _document("proposals", items=Proposal),
    "checks": _document("checks", items=Check),
    "code-check": _document("code-check", CodeCheck),
    "report": _document("report", Report, **_AS_OF),
    "usage": _document("usage", Usage, **_AS_OF),
    "credential-verification": _document("credential-verification", CredentialVerification),
}
# the documents the service answers with, by name
CertificateDocument = DOCUMENTS["certificate"]
CertificatesDocument = DOCUMENTS["certificates"]
VerificationDocument = DOCUMENTS["verification"]
VerificationsDocument = DOCUMENTS["verifications"]
EventsDocument = DOCUMENTS["events"]
MrasDocument = DOCUMENTS["mras"]
AdministrationsDocument = DOCUMENTS["administrations"]
ReportDocument = DOCUMENTS["report"]
UsageDocument = DOCUMENTS["usage"]
CredentialVerificationDocument = DOCUMENTS["credential-verification"]


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of every document, made from the models."""
    _, defs = models_json_schema(
        [(model, "serialization") for model in DOCUMENTS.values()], ref_template="#/$defs/{model}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cadena.example/schema/cadena-1.json",
        "title": "CADENA JSON documents, version 1",
        "description": "Every --json output of the cadena CLI and every answer of cadena serve is one of these "
        "documents. `schema` names this version; `kind` says which record follows. A list comes as `items`. "
        "Generated from cadena_client/schema/models.py; do not edit.",
        "type": "object",
        "required": ["schema", "kind"],
        "properties": {"schema": {"const": SCHEMA}, "kind": {"enum": list(DOCUMENTS)}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": kind}}}, "then": {"$ref": f"#/$defs/{model.__name__}"}}
            for kind, model in DOCUMENTS.items()
        ],
        "$defs": defs["$defs"],
    }


def write() -> Path:
    SCHEMA_FILE.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return SCHEMA_FILE
