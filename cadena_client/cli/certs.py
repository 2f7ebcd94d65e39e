"""Certificate commands: issue, update, status changes, show, list, history and list import."""

from __future__ import annotations

from dataclasses import replace

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
from cadena_client.domain.lifecycle import LIFECYCLE, Operation
from cadena_client.domain.model import Certificate, MasterData
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
    """A certificate as the chain holds it, with the operator's name and address where you may see them."""
    cadena = session.cadena()
    found = _as_seen(session, cadena, [cadena.certificate(tin)])
    emit(as_json, "certificate", found[0], lambda: console().print(certificate_table(found, f"Certificate {tin}")))


@cert.command("list")
@country_option("--country", help="Issuing country.")
@json_option
@pass_session
def cert_list(session, code, as_json):
    """Every certificate a country has issued, with the operators' names and addresses where you may see them."""
    cadena = session.cadena()
    found = _as_seen(session, cadena, cadena.certificates(code))
    emit(as_json, "certificates", found, lambda: console().print(certificate_table(found, f"Certificates of {code}")))


def _as_seen(session: Session, cadena, found: list[Certificate]) -> list[Certificate]:
    """The chain's certificates with the name and address the local mirror (synced first) lets its
    administration's officers see (`Mirror.officers`), where it holds the same version; else why not."""
    try:
        mirror = session.mirror(existing=True)
    except MirrorError:
        return [replace(c, why_hidden=NO_MIRROR) for c in found]
    try:
        mirror.sync(cadena)  # what was sealed to this administration up to now
        known = {c.tin: c for c in mirror.all_certificates(sorted({c.country for c in found}), mirror.officers())}
    finally:
        mirror.close()
    seen = []
    for certificate in found:
        copy = known.get(certificate.tin)
        if copy is None or copy.commitment != certificate.commitment:
            seen.append(replace(certificate, why_hidden=BEHIND))
        else:
            seen.append(replace(certificate, name=copy.name, address=copy.address, why_hidden=copy.why_hidden))
    return seen


NO_MIRROR = "no local mirror holds its data: run `cadena sync` with your administration's exchange key"
BEHIND = "the local mirror does not hold this version yet: run `cadena sync`"


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
@click.option(
    "--default-visibility",
    help="What a row without a consent (visibility) value takes: issuer, partners or published "
    "[default: --config's, else issuer].",
)
@click.option(
    "--config",
    "network_config",
    type=click.Path(dir_okay=False),
    help="The network config whose [[administration]] visibility for --country rows without a consent take.",
)
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
