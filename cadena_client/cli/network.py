"""Network commands: deploy and show a network, check an implementation's code, appoint and revoke
officers and admins."""

from __future__ import annotations

from pathlib import Path

import click

from cadena_client.cli.render import administration_table, console, mra_table
from cadena_client.cli.session import address_callback, country_option, emit, json_option, pass_session, report_write
from cadena_client.contract.artifact import CONTRACT
from cadena_client.errors import CadenaError
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
    """The contract, its implementation and pending upgrades, the administrations and the MRAs."""
    cadena = session.cadena()
    administrations, mras = cadena.administrations(), cadena.mras()
    upgrades = cadena.pending_upgrades()
    data = {
        "chain_id": session.chain.chain_id,
        "address": cadena.address,
        "implementation": cadena.implementation(),
        "version": cadena.version(),
        "consortium": cadena.consortium_address,
        "lens": cadena.lens_address,
        "pending_upgrades": upgrades,
        "administrations": administrations,
        "mras": mras,
    }

    def render():
        out = console()
        out.print(f"CADENA at {cadena.address} on chain {session.chain.chain_id}")
        out.print(
            f"implementation {data['implementation']} (version {data['version']}); consortium {data['consortium']}"
        )
        for p in upgrades:
            when = f", executable from {p.executable_from:%Y-%m-%d %H:%M} UTC" if p.executable_from else ""
            out.print(
                f"pending upgrade: proposal {p.id} to {p.account} (code hash {p.code_hash}), {p.status}, "
                f"{p.votes} of {p.needed} votes{when}"
            )
        out.print(administration_table(administrations))
        out.print(mra_table(mras))

    emit(as_json, "network", data, render)


@network.command("verify-code")
@click.argument("address", callback=address_callback)
@click.option(
    "--source",
    "root",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="The source tree to compile (its contracts/ folder; the tagged release); default: this CADENA's.",
)
@click.option("--contract", default=CONTRACT, show_default=True, help="The contract of the tree to compare with.")
@json_option
@pass_session
def network_verify_code(session, address, root, contract, as_json):
    """Compile the source and compare its runtime code (immutables masked, metadata aside) with ADDRESS's;
    print the code hash, and check it against the network's upgrade proposals for ADDRESS and the
    forwarder the network trusts. Exits 1 on any difference."""
    from cadena_client.dev.codecheck import check_code
    from cadena_client.dev.compiler import PROJECT_ROOT

    check = check_code(session.chain, address, contract, Path(root) if root else PROJECT_ROOT)
    cadena = session.cadena()
    proposals = [p for p in cadena.pending_upgrades() if p.account == check.address]
    network_forwarder, network_relay = cadena.read("trustedForwarder")[0], cadena.read("relayKind")[0]
    problems = []
    if not check.matches:
        problems.append(f"the code at {address} is not what {contract} of the source compiles to")
    problems += [
        f"proposal {p.id} names code hash {p.code_hash}, not {check.code_hash}"
        for p in proposals
        if p.code_hash != check.code_hash
    ]
    if check.forwarder is not None and check.forwarder.lower() != network_forwarder.lower():
        problems.append(f"its code trusts forwarder {check.forwarder}, the network {network_forwarder}")
    if check.relay_kind != network_relay:
        problems.append(f"its code reads relayed actors as relay kind {check.relay_kind}, the network {network_relay}")
    data = {**check.__dict__, "proposals": [p.id for p in proposals], "problems": problems}

    def render():
        verdict = "matches" if check.matches else "DIFFERS FROM"
        click.echo(f"{address}: code {verdict} {contract} of the source; code hash {check.code_hash}")
        for p in proposals:
            click.echo(f"proposal {p.id}: code hash {'agrees' if p.code_hash == check.code_hash else 'DIFFERS'}")

    emit(as_json, "code-check", data, render)
    if problems:
        raise CadenaError("; ".join(problems))


def role_group(role: str, one: str, many: str) -> click.Group:
    """`cadena officer|admin grant|revoke ADDRESS --country CC`, signed by an admin of that country:
    the only accounts that may appoint or remove its officers and admins."""
    group = click.Group(
        role.replace("_", "-"),
        help=f"Grant and revoke the {many} of your country (as one of its administration admins).",
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
credential_signer = role_group("credential_signer", "a credential signer", "keys that sign credentials")


from cadena_client.cli.nodes import network_check, network_kit  # noqa: E402  (the operator's commands)

network.add_command(network_kit)
network.add_command(network_check)
