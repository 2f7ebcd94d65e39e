"""How the CLI shows records to people: rich tables and lines (JSON documents are cadena_client.document's)."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

import click

from cadena_client.document import actor_label
from cadena_client.domain.governance import Proposal, ProposalKind
from cadena_client.domain.model import (
    MRA,
    Administration,
    Certificate,
    CertificateStatus,
    MRAStatus,
    Verdict,
    Verification,
    country_name,
    status_label,
)

if TYPE_CHECKING:  # rich's console and tables are imported where a table is drawn, not by `verify`'s line
    from rich.console import Console
    from rich.table import Table

STATUS_STYLE = {
    CertificateStatus.ACTIVE: "green",
    CertificateStatus.SUSPENDED: "yellow",
    CertificateStatus.CANCELLED: "red",
    CertificateStatus.WITHDRAWN: "magenta",
}


NOT_RECOGNISED_EXIT = 10  # `cadena verify` exits 10 + the verdict's code when the answer is "not recognised"


def verdict_exit_code(verdict: Verdict) -> int:
    """The exit code of a verification: 0 recognised, 10 + the verdict's code (11..19) not recognised, so
    that a script can tell them apart, and both from 1, a command that could not answer."""
    return 0 if verdict is Verdict.RECOGNISED else NOT_RECOGNISED_EXIT + int(verdict)


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 certificate', '2 certificates': a number with its noun in the right number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def ballot(votes: int, needed: int) -> str:
    """Where a proposal's vote stands: '1 of the 2 votes it needs', or '3 votes, 2 needed: enough to execute'."""
    if votes >= needed:
        return f"{counted(votes, 'vote')}, {needed} needed: enough to execute"
    return f"{votes} of the {counted(needed, 'vote')} it needs"


def escape(text: str) -> str:
    """`text` with rich's markup escaped, to show as written in a table."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


def titled_table(title: str, columns: tuple[str, ...]) -> Table:
    """An empty table with its title above on the left and these columns."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def flags(value) -> str:
    return ", ".join(value.labels()) if value else "-"


def status_text(status: CertificateStatus, expiry: date | None = None) -> str:
    label = status_label(status, expiry)
    return f"[{'red' if label == 'Expired' else STATUS_STYLE.get(status, 'white')}]{label}[/]"


def certificate_table(certificates: list[Certificate], title: str = "Certificates") -> Table:
    """Certificates, with the operator's name and address where the reader may see them, else why not."""
    table = titled_table(
        title, ("TIN", "operator", "address", "status", "AEO types", "valid from", "expiry", "version", "holder")
    )
    for cert in certificates:
        table.add_row(
            cert.tin,
            escape(cert.name) if cert.name is not None else f"[dim]({escape(cert.why_hidden or 'not shown')})[/]",
            escape(cert.address or ""),
            status_text(cert.status, cert.expiry),
            flags(cert.aeo_types),
            str(cert.valid_from or "-"),
            str(cert.expiry or "none"),
            str(cert.version),
            cert.holder or "-",
        )
    return table


def verification_line(result: Verification) -> str:
    if result.recognised:
        return f"{click.style('recognised', fg='green')} in {result.importing_country}: {flags(result.benefits)}"
    return f"{click.style('not recognised', fg='red')} in {result.importing_country}: {result.verdict.label}"


def verification_table(results: list[Verification], title: str = "Verification") -> Table:
    table = titled_table(title, ("importing country", "TIN", "recognised", "benefits / why not"))
    for result in results:
        table.add_row(
            f"{result.importing_country} ({country_name(result.importing_country)})",
            result.tin,
            "[green]yes[/]" if result.recognised else "[red]no[/]",
            flags(result.benefits) if result.recognised else result.verdict.label,
        )
    return table


def mra_table(mras: list[MRA], title: str = "MRAs") -> Table:
    table = titled_table(title, ("id", "title", "status", "parties", "benefits", "covered AEO types", "effective from"))
    for mra in mras:
        style = "green" if mra.status == MRAStatus.IN_FORCE else "yellow"
        table.add_row(
            str(mra.id),
            mra.title,
            f"[{style}]{mra.status.label}[/]",
            ", ".join(f"{p.country} ({p.status.label.lower()})" for p in mra.parties),
            flags(mra.benefits),
            flags(mra.covered_types),
            str(mra.effective_from or "on signature"),
        )
    return table


def administration_table(administrations: list[Administration]) -> Table:
    table = titled_table(
        "Customs administrations", ("country", "administration", "standing", "admins", "certificates", "MRAs")
    )
    for entry in administrations:
        table.add_row(
            f"{entry.country} ({country_name(entry.country)})",
            entry.name,
            entry.status.label,
            str(entry.admin_count),
            str(entry.certificate_count),
            str(entry.mra_count),
        )
    return table


def proposal_table(proposals: list[Proposal], title: str = "Proposals") -> Table:
    """Proposals with what they ask, their votes against the threshold and their deadlines."""
    table = titled_table(title, ("id", "asks", "by", "votes", "voted", "status", "expires (UTC)"))
    for p in proposals:
        if p.decision is ProposalKind.RULES and p.rules:
            asks = (
                f"rules: quorum {p.rules.quorum}, supermajority {p.rules.supermajority} bp, "
                f"{p.rules.voting_period // 86400} days to vote, {p.rules.recovery_delay // 86400} to veto"
            )
        else:
            asks = f"{p.decision.label} of {p.country}" + (f" ({p.name})" if p.name else "")
            asks += f", first admin {p.account}" if p.account else ""
        status = p.status
        if p.executable_from and status == "open":
            status += f", veto window until {p.executable_from:%Y-%m-%d %H:%M}"
        table.add_row(
            str(p.id),
            escape(asks),
            p.proposer,
            f"{p.votes} of {p.needed}" + (" (enough)" if p.votes >= p.needed else ""),
            ", ".join(p.voters) or "-",
            status,
            f"{p.expires:%Y-%m-%d %H:%M}",
        )
    return table


def history_table(events, title: str, roles: dict | None = None) -> Table:
    """An audit trail, each actor named by administration and role (`roles`: a mirror's, for actors
    the event alone does not place)."""
    table = titled_table(title, ("time (UTC)", "block", "event", "reason", "actor", "tx"))
    for event in events:
        kind = event.kind + (f" v{event.version}" if event.version else "")
        table.add_row(
            event.when.strftime("%Y-%m-%d %H:%M:%S"),
            str(event.block),
            kind,
            event.reason_label,
            actor_label(event, roles),
            event.tx_hash[:18] + "…",
        )
    return table


def problem_table(problems, title: str) -> Table:
    """Problems of an imported file, a row each: where, and what is wrong."""
    table = titled_table(title, ("row", "column", "problem"))
    for problem in problems:
        table.add_row(str(problem.row), escape(problem.column), escape(problem.message))
    return table


def changes_table(changes, title: str) -> Table:
    table = titled_table(title, ("row", "TIN", "operator", "sends", "what differs"))
    for change in changes:
        table.add_row(
            str(change.entry.row),
            change.tin,
            escape(change.entry.master.name),
            " + ".join(change.actions),
            change.detail,
        )
    return table


def identifier_table(entries, title: str) -> Table:
    """Rows whose identifier the import normalised: as written, and the WCO TIN it becomes."""
    table = titled_table(title, ("row", "as written", "TIN"))
    for entry in entries:
        table.add_row(str(entry.row), escape(entry.written), entry.master.tin)
    return table


def count_table(counts: dict[str, int], title: str) -> Table:
    """Records per outcome, the title heading the first column (a narrow table would wrap it)."""
    from rich.table import Table

    table = Table()
    table.add_column(escape(title))
    table.add_column("records", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    return table


def failure_table(failures, title: str) -> Table:
    table = titled_table(title, ("row", "TIN", "step", "why"))
    for failure in failures:
        table.add_row(str(failure.row), failure.tin, failure.action, escape(failure.reason))
    return table


def console(stderr: bool = False) -> Console:
    """A console for tables; 140 columns when the output is a file or a pipe, not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    from rich.console import Console

    return Console(highlight=False, width=None if stream.isatty() else 140, stderr=stderr)
