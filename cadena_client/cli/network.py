"""Network commands: deploy and show a network, appoint and revoke officers and admins."""

from __future__ import annotations

from pathlib import Path

import click

from cadena_client.cli.render import administration_table, console, mra_table
from cadena_client.cli.session import address_callback, country_option, emit, json_option, pass_session, report_write
from cadena_client.network.deploy import Accounts, deploy_network, load_config


@click.group()
def network():
    """Deploy and inspect an MRA network."""


@network.command("deploy")
@click.argument("config", type=click.Path(dir_okay=False))
@pass_session
def network_deploy(session, config):
    """Deploy the contract and bring the network to CONFIG; running it again changes nothing."""
    path = Path(config)
    parsed = load_config(path)
    accounts = Accounts(session.chain, path.parent, session.password)
    record_path = session.record_path()
    out = console()
    report = deploy_network(
        session.chain,
        parsed,
        accounts,
        record_path,
        progress=lambda step: out.print(f"  {step.outcome:>8}  {step.what}  {step.detail}"),
    )
    out.print(
        f"{parsed.name}: {report.count('done')} done, {report.count('already')} already in place, "
        f"{report.count('pending')} pending; record {record_path}"
    )


@network.command("show")
@json_option
@pass_session
def network_show(session, as_json):
    """The contract, the administrations and the MRAs of the deployment."""
    cadena = session.cadena()
    administrations, mras = cadena.administrations(), cadena.mras()
    data = {
        "chain_id": session.chain.chain_id,
        "address": cadena.address,
        "administrations": administrations,
        "mras": mras,
    }

    def render():
        out = console()
        out.print(f"CADENA at {cadena.address} on chain {session.chain.chain_id}")
        out.print(administration_table(administrations))
        out.print(mra_table(mras))

    emit(as_json, "network", data, render)


def role_group(role: str, one: str, many: str) -> click.Group:
    """`cadena officer|admin grant|revoke ADDRESS --country CC`, signed by an admin of that country:
    the only accounts that may appoint or remove its officers and admins."""
    group = click.Group(
        role, help=f"Grant and revoke the {many} of your country (as one of its administration admins)."
    )

    @group.command("grant", help=f"Make ADDRESS {one} of --country.")
    @country_option("--country", help=f"Your country, whose {role} ADDRESS becomes.")
    @click.argument("address", callback=address_callback)
    @json_option
    @pass_session
    def grant(session, code, address, as_json):
        receipt = getattr(session.cadena(signing=True), f"grant_{role}")(code, address)
        report_write(as_json, f"grant-{role}", address, receipt, f"{address} is now {one} of {code}")

    @group.command("revoke", help=f"Remove ADDRESS from the {many} of --country.")
    @country_option("--country", help=f"Your country, whose {role} ADDRESS is.")
    @click.argument("address", callback=address_callback)
    @json_option
    @pass_session
    def revoke(session, code, address, as_json):
        receipt = getattr(session.cadena(signing=True), f"revoke_{role}")(code, address)
        report_write(as_json, f"revoke-{role}", address, receipt, f"{address} is no longer {one} of {code}")

    return group


officer = role_group("officer", "a customs officer", "customs officers")
admin = role_group("admin", "an administration admin", "administration admins")


from cadena_client.cli.nodes import network_check, network_kit  # noqa: E402  (the operator's commands)

network.add_command(network_kit)
network.add_command(network_check)
