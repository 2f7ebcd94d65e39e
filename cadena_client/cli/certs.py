"""Certificate commands: issue, update, status changes, show, list, history and list import."""

from __future__ import annotations

import click

from cadena_client.cli.render import (
    certificate_table,
    console,
    history_table,
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
from cadena_client.errors import InputError, MirrorError


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
    last = None
    if not (name and postal_address):  # the rest from the master data sealed to this administration
        mirror = session.mirror()
        mirror.sync(cadena)
        last = mirror.master_data(tin)
        mirror.close()
        if last is None and not name:
            raise InputError(
                f"give --name and --address: the mirror holds no master data of {tin} "
                "(set CADENA_EXCHANGE_KEY to your administration's exchange key)"
            )
    master = MasterData(
        current.tin,
        name or (last.name if last else ""),
        postal_address or (last.address if last else ""),
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
    """TIN -> (name, address) of each certificate's operator: from the mirror where it holds the master
    data sealed to its administration (same commitment); the chain carries none in clear."""
    wanted = {certificate.tin: "0x" + certificate.commitment.hex() for certificate in found}
    operators = {}
    try:
        mirror = session.mirror(existing=True)
        mirror.sync(cadena)  # what was sealed to this administration up to now
        for known in mirror.all_certificates(sorted({t[:2] for t in wanted})):
            if wanted.get(known.tin) == "0x" + known.commitment.hex() and known.name:
                operators[known.tin] = (known.name, known.address or "")
        mirror.close()
    except MirrorError:
        pass
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
@click.option(
    "--plan", "plan_only", is_flag=True, help="Show what would change, and how the file was read; send nothing."
)
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even when other rows have problems.")
@click.option(
    "--reissue-ended",
    is_flag=True,
    help="Issue again, as a new version, certificates the file lists as live "
    "that were cancelled or withdrawn by their holder.",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False),
    help="A TOML profile of your own (headers, words, identifier) extending the shipped one of --country.",
)
@click.option("--map", "maps", multiple=True, metavar="FIELD=HEADER", help="Read column HEADER as FIELD (repeat).")
@click.option(
    "--map-value",
    "map_values",
    multiple=True,
    metavar="FIELD:WORD=VALUE",
    help="Read WORD in the aeo_types or status column as VALUE, e.g. status:Baja=cancelled (repeat).",
)
@click.option("--default-types", help="AEO types of every row of a list without a types column.")
@click.option("--all-active", is_flag=True, help="The list has no status column: every row is an active AEO.")
@json_option
@pass_session
def cert_import(session, file, code, sheet, plan_only, skip_invalid, reissue_ended, **reading):
    """Bring the chain to the AEO list in FILE (.xlsx, .csv or .json), read with the profile of
    --country's administration: new TINs are issued, changed rows updated, status changes sent;
    unchanged rows send nothing. Every row is checked before anything is sent. Running it again after
    a failure completes the rest."""
    from cadena_client.cli.list_import import ImportOptions, run_import

    run_import(session, ImportOptions(file, code, sheet, plan_only, skip_invalid, reissue_ended, **reading))


from cadena_client.cli import consent as _consent  # noqa: E402,F401  (registers `cert erase` and `cert share`)
