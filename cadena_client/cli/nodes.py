"""The node operator's commands: `cadena network kit` (a Besu network to start) and `cadena network
check` (a node inspected before it is trusted)."""

from __future__ import annotations

from pathlib import Path

import click

from cadena_client.cli.session import emit, json_option, pass_session
from cadena_client.errors import ConfigError
from cadena_client.network.deploy import DeploymentRecord, load_config


@click.command("kit")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write the kit into.")
@click.option(
    "--update",
    is_flag=True,
    help="Allow the nodes and accounts of the network as it stands on the chain (after governance admits "
    "or expels a member): needs --rpc-url and the deployment record.",
)
@pass_session
def network_kit(session, config, out, update):
    """Write a Besu QBFT network kit for CONFIG's administrations: validator keys, keystores and JSON-RPC
    tokens (each in its administration's folder, mode 0600), genesis, node configs, allowlists, the
    deploy config, docker-compose and a README."""
    from cadena_client.network.kit import members_on_chain, write_kit

    path = Path(config)
    parsed = load_config(path)
    if parsed.chain_id is None:
        raise ConfigError(f"{config}: give the new network's chain id as network.chain_id")
    members = None
    if update:
        members = members_on_chain(DeploymentRecord.load(session.record_path()).open(session.chain))
    validators = {entry.country: entry.validators for entry in parsed.administrations}
    nodes = write_kit(parsed, path, Path(out), parsed.chain_id, validators, members)
    click.echo(
        f"{len(nodes)} validators of {len(validators)} administrations, chain id {parsed.chain_id}: "
        f"{out}/README.md tells each operator what to do; each <country>/ folder goes to its administration only"
        + (f"; allowlists from the chain's {len(members)} members: have every node reload them" if members else "")
    )


@click.command("check")
@json_option
@pass_session
def network_check(session, as_json):
    """Inspect the node before trusting it: chain id, EVM level, fees, log range, contract size limit,
    sender pool limit, clock, and the deployment record's contracts. One line each: pass, or what to fix."""
    from cadena_client.network.check import check_node

    record_path = session.record_path()
    record = DeploymentRecord.load(record_path) if record_path.exists() else None
    results = check_node(session.chain, record, session.chain_id)

    def render():
        for result in results:
            click.echo(f"{'ok' if result.passed else 'FIX':>4}  {result.name}: {result.detail}")

    emit(as_json, "checks", [result.__dict__ for result in results], render)
    if not all(result.passed for result in results):
        click.get_current_context().exit(1)
