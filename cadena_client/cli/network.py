"""Network commands: deploy and show a network, appoint and revoke officers."""

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


@click.group()
def officer():
    """Grant and revoke the customs officers of a country (as its administration admin)."""


@officer.command("grant")
@country_option("--country", help="The country whose officer ADDRESS becomes.")
@click.argument("address", callback=address_callback)
@json_option
@pass_session
def officer_grant(session, code, address, as_json):
    """Make ADDRESS a customs officer of --country."""
    receipt = session.cadena(signing=True).grant_officer(code, address)
    report_write(as_json, "grant-officer", address, receipt, f"{address} is now a customs officer of {code}")


@officer.command("revoke")
@country_option("--country", help="The country whose officer ADDRESS is.")
@click.argument("address", callback=address_callback)
@json_option
@pass_session
def officer_revoke(session, code, address, as_json):
    """Revoke ADDRESS as a customs officer of --country."""
    receipt = session.cadena(signing=True).revoke_officer(code, address)
    report_write(as_json, "revoke-officer", address, receipt, f"{address} is no longer a customs officer of {code}")
