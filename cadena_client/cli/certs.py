"""Certificate commands: issue, update, status changes, show, list, history and list import."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import MofNCompleteColumn, Progress

from cadena_client.api.events import latest_master_data
from cadena_client.cli.render import (
    certificate_table,
    changes_table,
    console,
    count_table,
    counted,
    failure_table,
    history_table,
    identifier_table,
    problem_table,
)
from cadena_client.cli.session import (
    Session,
    address_callback,
    country_option,
    emit,
    json_option,
    pass_session,
    reason_option,
    report_write,
    tin_argument,
)
from cadena_client.document import plain
from cadena_client.domain.lifecycle import LIFECYCLE, Operation
from cadena_client.domain.model import MasterData
from cadena_client.errors import CadenaError, MirrorError
from cadena_client.lists import files as aeo_files
from cadena_client.lists import imports


@click.group()
def cert():
    """Issue and manage AEO certificates."""


def master_options(required: bool):
    def decorate(command):
        for option in reversed(
            [
                click.option("--name", required=required, help="Operator name."),
                click.option("--address", "postal_address", required=required, help="Operator address."),
                click.option("--types", required=required, help="AEO types, e.g. importer,exporter,aeo-s."),
                click.option("--valid-from", required=required, help="Validation date, YYYY-MM-DD."),
                click.option("--expiry", help="Expiry date, YYYY-MM-DD (default: none)."),
                click.option(
                    "--holder", callback=address_callback, help="The company's account, which alone can withdraw."
                ),
            ]
        ):
            command = option(command)
        return command

    return decorate


@cert.command("issue")
@tin_argument
@master_options(required=True)
@reason_option("new-certification")
@json_option
@pass_session
def cert_issue(session, tin, name, postal_address, types, valid_from, expiry, holder, reason, as_json):
    """Issue (or re-issue) the certificate of TIN, as an officer of its country."""
    master = MasterData(tin, name, postal_address, types, valid_from, expiry, holder)
    receipt = session.cadena(signing=True).issue(master, reason)
    report_write(as_json, "issue", master.tin, receipt, f"issued {master.tin}")


@cert.command("update")
@tin_argument
@master_options(required=False)
@reason_option("data-correction")
@json_option
@pass_session
def cert_update(session, tin, name, postal_address, types, valid_from, expiry, holder, reason, as_json):
    """Update or renew a certificate; fields not given keep their current value."""
    cadena = session.cadena(signing=True)
    current = cadena.certificate(tin)
    last = next((e.master for e in reversed(cadena.history(tin)) if e.master), {})
    master = MasterData(
        current.tin,
        name or last.get("name", ""),
        postal_address or last.get("address", ""),
        types or current.aeo_types,
        valid_from or current.valid_from,
        expiry or current.expiry,
        holder or current.holder,
    )
    receipt = cadena.update(master, reason)
    report_write(as_json, "update", master.tin, receipt, f"updated {master.tin}")


def status_command(operation: Operation, doc: str):
    step = LIFECYCLE[operation]

    @cert.command(operation.value, help=doc)
    @tin_argument
    @reason_option(step.default_reason.name.lower().replace("_", "-"))
    @json_option
    @pass_session
    def command(session, tin, reason, as_json):
        receipt = session.cadena(signing=True).change_status(operation, tin, reason)
        report_write(as_json, operation.value, tin, receipt, f"{operation.value}: {tin}")

    return command


status_command(Operation.SUSPEND, "Suspend an Active certificate (officer of its country).")
status_command(Operation.REINSTATE, "Reinstate a Suspended certificate (officer of its country).")
status_command(Operation.CANCEL, "Cancel a certificate (officer of its country).")
status_command(Operation.WITHDRAW, "Withdraw your own certificate (its holder).")


@cert.command("show")
@tin_argument
@json_option
@pass_session
def cert_show(session, tin, as_json):
    """A certificate as the chain holds it, with the operator's name and address."""
    cadena = session.cadena()
    _show_certificates(session, cadena, [cadena.certificate(tin)], f"Certificate {tin}", as_json, single=True)


@cert.command("list")
@country_option("--country", help="Issuing country.")
@json_option
@pass_session
def cert_list(session, code, as_json):
    """Every certificate a country has issued, with the operators' names and addresses."""
    cadena = session.cadena()
    _show_certificates(session, cadena, cadena.certificates(code), f"Certificates of {code}", as_json)


def _show_certificates(session: Session, cadena, found: list, title: str, as_json: bool, single: bool = False) -> None:
    operators = _operators(session, cadena, found)

    def record(certificate) -> dict:
        name, address = operators.get(certificate.tin, (None, None))
        return {**plain(certificate), "name": name, "address": address}

    if single:
        emit(
            as_json,
            "certificate",
            record(found[0]),
            lambda: console().print(certificate_table(found, title, operators)),
        )
    else:
        emit(
            as_json,
            "certificates",
            [record(c) for c in found],
            lambda: console().print(certificate_table(found, title, operators)),
        )


def _operators(session: Session, cadena, found: list) -> dict[str, tuple[str, str]]:
    """TIN -> (name, address) of each certificate's operator (they live only in the events): from the mirror
    where it holds the chain's master data (same commitment), else from the contract's events."""
    wanted = {certificate.tin: "0x" + certificate.commitment.hex() for certificate in found}
    operators = {}
    try:
        mirror = session.mirror(existing=True)
        for known in mirror.all_certificates(sorted({t[:2] for t in wanted})):
            if wanted.get(known.tin) == "0x" + known.commitment.hex() and known.name and known.address:
                operators[known.tin] = (known.name, known.address)
        mirror.close()
    except MirrorError:
        pass
    if len(operators) < len(wanted):
        for tin, args in latest_master_data(cadena).items():
            if tin not in operators and wanted.get(tin) == args["commitment"]:
                operators[tin] = (args["name"], args["postalAddress"])
    return operators


@cert.command("history")
@tin_argument
@json_option
@pass_session
def cert_history(session, tin, as_json):
    """Every lifecycle event of a certificate: time, actor, reason, transaction."""
    events = session.cadena().history(tin)
    emit(as_json, "events", events, lambda: console().print(history_table(events, f"History of {tin}")))


@cert.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@country_option("--country", help="The importing administration; the file lists its AEOs.")
@click.option("--sheet", help="Worksheet of an .xlsx file [default: the first].")
@click.option("--plan", "plan_only", is_flag=True, help="Show what would change; send nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even when other rows have problems.")
@click.option(
    "--reissue-ended",
    is_flag=True,
    help="Issue again, as a new version, certificates the file lists as live "
    "that were cancelled or withdrawn by their holder.",
)
@json_option
@pass_session
def cert_import(session, file, code, sheet, plan_only, skip_invalid, reissue_ended, as_json):
    """Bring the chain to the AEO list in FILE (.xlsx, .csv or .json): new TINs are issued, changed rows
    updated, status changes sent; unchanged rows send nothing. Every row is checked before anything is
    sent. Running it again after a failure completes the rest."""
    path, out = Path(file), console(stderr=as_json)
    table = aeo_files.read(path, sheet)
    checked = imports.check(table, code)
    if table.ignored:
        out.print(f"columns not imported: {', '.join(table.ignored)}")
    if checked.other_countries:
        out.print(f"{counted(checked.other_countries, 'row')} of other countries (MRA partners' AEOs) left out")
    if checked.warnings:
        out.print(
            problem_table(
                checked.warnings,
                f"{counted(len(checked.warnings), 'warning')}: rows marked active "
                "whose expiry has passed (imported as they are)",
            )
        )
    if checked.problems and not skip_invalid:
        _refuse(checked.problems, path)
    cadena = session.cadena(signing=not plan_only)
    import_plan = imports.plan(cadena, code, checked, reissue_ended)
    if import_plan.conflicts and not skip_invalid:
        ended = (
            f"; --reissue-ended issues the {counted(import_plan.ended, 'ended certificate')} again"
            if import_plan.ended
            else ""
        )
        _refuse(import_plan.conflicts, path, ended)
    if skip_invalid and (skipped := checked.problems + import_plan.conflicts):
        rows = counted(len({problem.row for problem in skipped}), "row")
        out.print(problem_table(skipped, f"{rows} of {path.name} left out (--skip-invalid)"))
    if plan_only:
        if renamed := [entry for entry in checked.entries if entry.written]:
            out.print(
                identifier_table(renamed, f"{counted(len(renamed), 'identifier')} of {path.name} written as TINs")
            )
        if import_plan.changes:
            out.print(changes_table(import_plan.changes, f"Changes {path.name} would send"))
        counts = {
            **{past: import_plan.count(action) for action, past in imports.ACTIONS.items()},
            "unchanged": import_plan.unchanged,
        }
        emit(
            as_json,
            "import",
            _import_report(path, code, True, counts, [], import_plan, checked),
            lambda: out.print(count_table(counts, f"Plan for {counted(len(checked.entries), 'row')} (nothing sent)")),
        )
        _report_not_in_file(import_plan, code)
        return
    if import_plan.changes and not cadena.is_officer(code, cadena.signer.address):
        raise CadenaError(f"{cadena.signer.address} is not a customs officer of {code}; nothing was sent")
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console(stderr=True)) as bar:
        task = bar.add_task(f"importing {path.name}", total=import_plan.steps)
        summary = imports.apply(cadena, import_plan, lambda count: bar.advance(task, count))
    emit(
        as_json,
        "import",
        _import_report(path, code, False, summary.counts(), summary.failures, import_plan, checked),
        lambda: out.print(count_table(summary.counts(), f"Imported {path.name} as {code}")),
    )
    _report_not_in_file(import_plan, code)
    if summary.failures:
        out.print(failure_table(summary.failures, "Failed"))
        raise CadenaError(
            f"{counted(len(summary.failures), 'record')} failed; run the same command again to retry "
            "(what is done is not sent again)"
        )


def _import_report(path: Path, code: str, plan_only: bool, counts: dict, failures: list, import_plan, checked) -> dict:
    """The `import` document: what was (or would be) sent, and what failed."""
    return {
        "file": path.name,
        "country": code,
        "plan_only": plan_only,
        "rows": len(checked.entries),
        "counts": counts,
        "not_in_file": import_plan.not_in_file,
        "failures": failures,
        "warnings": [str(warning) for warning in checked.warnings],
    }


def _refuse(problems, path: Path, more: str = ""):
    """Lists the problems of an import and stops it before anything is sent; `more` adds a way out."""
    found = f"{counted(len(problems), 'problem')} in {path.name}"
    console().print(problem_table(problems, found))
    raise CadenaError(f"{found}; nothing was sent. Fix them, or give --skip-invalid to import the valid rows{more}")


def _report_not_in_file(import_plan, code: str) -> None:
    if import_plan.not_in_file:
        console().print(
            f"{counted(import_plan.not_in_file, 'certificate')} of {code} on the chain "
            f"{'is' if import_plan.not_in_file == 1 else 'are'} not in the file; left as "
            "they are (to end one, list it with status Cancelled)"
        )
