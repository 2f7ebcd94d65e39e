"""`cadena cert import`: an AEO list brought to the chain, as a person reads it or as one JSON document.

Problems come first (they stop the import), warnings are summarised under them; with `--json` the
output is one `import` document whatever happens (refused, planned, sent, or failed half-way), and
every table and note goes to stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import MofNCompleteColumn, Progress

from cadena_client.cli.render import (
    changes_table,
    console,
    count_table,
    failure_table,
    identifier_table,
    problem_table,
    titled_table,
)
from cadena_client.cli.session import emit
from cadena_client.domain.lifecycle import Operation
from cadena_client.domain.model import Visibility
from cadena_client.errors import CadenaError
from cadena_client.lists import files as aeo_files
from cadena_client.lists import imports

WARNINGS_SHOWN = 5  # more warnings than this are summarised in one line (all of them are in --json)


@dataclass(frozen=True)
class ImportOptions:
    """What `cert import` was asked: the file, how to read it, and what to do."""

    file: str
    code: str
    sheet: str | None = None
    plan_only: bool = False
    skip_invalid: bool = False
    reissue_ended: bool = False
    profile: str | None = None
    maps: tuple[str, ...] = ()
    map_values: tuple[str, ...] = ()
    default_types: str | None = None
    all_active: bool = False
    default_visibility: str | None = None
    network_config: str | None = None
    as_json: bool = False


def run_import(session, options: ImportOptions) -> None:
    """Reads, checks, plans and (unless --plan) sends the list; one JSON document with --json."""
    path = Path(options.file)
    report: dict = {
        "file": path.name,
        "country": options.code,
        "plan_only": options.plan_only,
        "rows": 0,
        "counts": {},
        "not_in_file": 0,
        "failures": [],
        "warnings": [],
        "problems": [],
        "refused": None,
    }
    try:
        _run(session, options, path, report)
    except _Reported:
        raise
    except CadenaError as exc:
        if options.as_json:  # the one document says why, then the one line on stderr and exit 1
            emit(True, "import", {**report, "refused": report["refused"] or str(exc)}, lambda: None)
        raise


def _default_visibility(options: ImportOptions) -> Visibility:
    """What rows without a consent take: --default-visibility, else the administration's `visibility` in
    --config, else issuer only."""
    if options.default_visibility:
        return Visibility.parse(options.default_visibility)
    if options.network_config:
        from cadena_client.network.deploy import load_config

        for entry in load_config(Path(options.network_config)).administrations:
            if entry.country == options.code:
                return entry.visibility
        raise CadenaError(f"--config {options.network_config} has no [[administration]] for {options.code}")
    return Visibility.ISSUER_ONLY


def _run(session, options: ImportOptions, path: Path, report: dict) -> None:
    out = console(stderr=options.as_json)
    mapping = aeo_files.Mapping.build(
        options.code,
        Path(options.profile) if options.profile else None,
        options.maps,
        options.map_values,
        options.default_types,
        options.all_active,
    )
    table = aeo_files.read(path, options.sheet, mapping)
    checked = imports.check(table, options.code, visibility=_default_visibility(options))
    report.update(rows=len(checked.entries), mapping=mapping_document(table, checked))
    report["warnings"] = [str(warning) for warning in checked.warnings]
    if table.ignored:
        out.print(f"columns not imported: {escape(', '.join(table.ignored))}")
    if checked.other_countries:
        out.print(f"{checked.other_countries} rows of other countries (MRA partners' AEOs) left out")
    if checked.problems and not options.skip_invalid:
        _refuse(out, report, checked.problems, checked, path)
    cadena = session.cadena(signing=not options.plan_only)
    import_plan = imports.plan(cadena, options.code, checked, options.reissue_ended, path.name)
    report["not_in_file"] = import_plan.not_in_file
    if import_plan.conflicts and not options.skip_invalid:
        ended = (
            f"; --reissue-ended issues the {_count(import_plan.ended, 'ended certificate')} again"
            if import_plan.ended
            else ""
        )
        _refuse(out, report, import_plan.conflicts, checked, path, ended)
    if skipped := checked.problems + import_plan.conflicts:
        report["problems"] = [_problem(problem) for problem in skipped]
        rows = _count(len({problem.row for problem in skipped}), "row")
        out.print(problem_table(skipped, f"{rows} of {path.name} left out (--skip-invalid)"))
    _warnings(out, checked)
    if cadena.exchange is None and (updates := import_plan.count(Operation.UPDATE)):
        out.print(
            "without the administration's exchange key (CADENA_EXCHANGE_KEY) no row can be compared with its "
            f"salted record on the chain: {_count(updates, 'certificate')} go as updates, changed or not"
        )
    if options.plan_only:
        print_mapping(out, table, checked, path)
        if import_plan.changes:
            out.print(changes_table(import_plan.changes, f"Changes {path.name} would send"))
        report["counts"] = import_plan.counts()
        title = f"Plan for {len(checked.entries)} certificates (nothing sent)"
        emit(options.as_json, "import", report, lambda: out.print(count_table(report["counts"], title)))
        _not_in_file(out, import_plan, options.code)
        return
    if import_plan.changes and not cadena.is_officer(options.code, cadena.signer.address):
        raise CadenaError(f"{cadena.signer.address} is not a customs officer of {options.code}; nothing was sent")
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console(stderr=True)) as bar:
        task = bar.add_task(f"importing {path.name}", total=import_plan.steps)
        summary = imports.apply(cadena, import_plan, lambda count: bar.advance(task, count))
    report.update(counts=summary.counts(), failures=summary.failures)
    if summary.failures:
        out.print(failure_table(summary.failures, "Failed"))
        emit(options.as_json, "import", report, lambda: out.print(count_table(summary.counts(), "Sent")))
        raise _Reported(
            f"{_count(len(summary.failures), 'record')} failed; run the same command again to retry "
            "(what is done is not sent again)"
        )
    title = f"Imported {path.name} as {options.code}"
    emit(options.as_json, "import", report, lambda: out.print(count_table(summary.counts(), title)))
    _not_in_file(out, import_plan, options.code)


class _Reported(CadenaError):
    """A failure whose document is already printed."""


def mapping_document(table: aeo_files.Table, checked: imports.Checked) -> dict:
    """How the list was read: each column's header and how it was found, what every row takes for a
    missing column, the columns left out, identifiers made TINs, and rows of one company merged."""
    return {
        "profile": table.mapping.profile.source if table.mapping else None,
        "columns": {key: {"header": header, "found_by": table.how.get(key)} for key, header in table.columns.items()},
        "assumed": table.assumed,
        "ignored": table.ignored,
        "identifiers": {entry.written: entry.master.tin for entry in checked.entries if entry.written},
        "merged": [
            {"tin": entry.master.tin, "rows": [entry.row, *entry.merged], "aeo_types": entry.master.aeo_types.labels()}
            for entry in checked.merged
        ],
    }


def print_mapping(out: Console, table: aeo_files.Table, checked: imports.Checked, path: Path) -> None:
    """The mapping `--plan` used, for a person."""
    profile = table.mapping.profile.source if table.mapping else "the common header names"
    columns = titled_table(f"Columns of {path.name} ({profile})", ("column", "header in the file", "found by"))
    for key, header in table.columns.items():
        columns.add_row(aeo_files.COLUMNS.get(key, key), escape(header), table.how.get(key, ""))
    for key, value in table.assumed.items():
        columns.add_row(aeo_files.COLUMNS[key], "(none)", f"every row: {escape(value)}")
    out.print(columns)
    if "status" in table.assumed:
        out.print("no status column: every row is taken as an active AEO (--all-active)")
    if renamed := [entry for entry in checked.entries if entry.written]:
        out.print(identifier_table(renamed, f"{_count(len(renamed), 'identifier')} of {path.name} written as TINs"))
    for entry in checked.merged:
        rows = ", ".join(str(row) for row in [entry.row, *entry.merged])
        out.print(
            f"rows {rows} are one company, {entry.master.tin}: one certificate for "
            f"{', '.join(entry.master.aeo_types.labels())}"
        )


def _warnings(out: Console, checked: imports.Checked) -> None:
    """Warnings after the problems: a table when few, else one line (--json lists each)."""
    warnings = checked.warnings
    if not warnings:
        return
    title = f"{_count(len(warnings), 'warning')}: rows marked active whose expiry has passed (imported as they are)"
    if len(warnings) <= WARNINGS_SHOWN:
        out.print(problem_table(warnings, title))
        return
    rows = ", ".join(str(warning.row) for warning in warnings[:WARNINGS_SHOWN])
    out.print(f"{title}: rows {rows} and {len(warnings) - WARNINGS_SHOWN} more (--json lists them all)")


def _refuse(out: Console, report: dict, problems, checked: imports.Checked, path: Path, more: str = "") -> None:
    """Lists the problems first, then the warnings in short, and stops before anything is sent."""
    counted = f"{_count(len(problems), 'problem')} in {path.name}"
    out.print(problem_table(problems, counted))
    _warnings(out, checked)
    report["problems"] = [_problem(problem) for problem in problems]
    report["refused"] = f"{counted}; nothing was sent"
    raise CadenaError(f"{counted}; nothing was sent. Fix them, or give --skip-invalid to import the valid rows{more}")


def _problem(problem: imports.Problem) -> dict:
    return {"row": problem.row, "column": problem.column, "message": problem.message}


def _not_in_file(out: Console, import_plan: imports.Plan, code: str) -> None:
    if import_plan.not_in_file:
        out.print(
            f"{import_plan.not_in_file} certificates of {code} on the chain are not in the file; left as "
            "they are (to end one, list it with status Cancelled)"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
