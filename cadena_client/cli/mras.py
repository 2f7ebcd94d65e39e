"""MRA commands: propose, sign, suspend, resume, leave, show and list."""

from __future__ import annotations

import click

from cadena_client.cli.render import console, mra_table
from cadena_client.cli.session import country_option, emit, json_option, pass_session
from cadena_client.domain.lifecycle import MRAAction


@click.group()
def mra():
    """Propose, sign and manage Mutual Recognition Arrangements."""


@mra.command("propose")
@click.option("--proposer", required=True, help="Your administration's country.")
@click.option("--party", "parties", multiple=True, required=True, help="A party's country (repeat; include yours).")
@click.option("--benefits", required=True, help="e.g. reduced-physical-inspection,priority-treatment.")
@click.option("--types", required=True, help="Covered AEO types, e.g. importer,exporter.")
@click.option("--effective-from", help="Date from which it applies once signed, YYYY-MM-DD.")
@click.option("--title", default="", help="Title of the arrangement.")
@json_option
@pass_session
def mra_propose(session, proposer, parties, benefits, types, effective_from, title, as_json):
    """Propose an MRA (as the proposer's administration admin)."""
    cadena = session.cadena(signing=True)
    mra_id = cadena.propose_mra(proposer, list(parties), benefits, types, effective_from, title)
    emit(
        as_json,
        "mra",
        cadena.mra(mra_id),
        lambda: click.echo(
            f"proposed MRA {mra_id}; every party's admin signs it with `cadena mra sign {mra_id} --party CC`"
        ),
    )


def participation_command(action: MRAAction, doc: str):
    @mra.command(action.value, help=doc)
    @click.argument("mra_id", type=int)
    @country_option("--party", help="The country you act for.")
    @json_option
    @pass_session
    def command(session, mra_id, code, as_json):
        cadena = session.cadena(signing=True)
        cadena.act_in_mra(action, mra_id, code)
        found = cadena.mra(mra_id)
        emit(
            as_json,
            "mra",
            found,
            lambda: click.echo(f"MRA {mra_id}: {code} {action.value} done; the MRA is {found.status.label}"),
        )

    return command


participation_command(MRAAction.SIGN, "Sign an MRA for your country (administration admin).")
participation_command(MRAAction.SUSPEND, "Suspend your country's participation in an MRA.")
participation_command(MRAAction.RESUME, "Resume your country's suspended participation.")
participation_command(MRAAction.LEAVE, "Leave an MRA for good.")


@mra.command("show")
@click.argument("mra_id", type=int)
@json_option
@pass_session
def mra_show(session, mra_id, as_json):
    """One MRA with its parties."""
    found = session.cadena().mra(mra_id)
    emit(as_json, "mra", found, lambda: console().print(mra_table([found], f"MRA {mra_id}")))


@mra.command("list")
@country_option("--country", help="Only the MRAs of this country.", required=False)
@json_option
@pass_session
def mra_list(session, code, as_json):
    """MRAs of the network, or of one country."""
    found = session.cadena().mras(code)
    emit(as_json, "mras", found, lambda: console().print(mra_table(found)))
