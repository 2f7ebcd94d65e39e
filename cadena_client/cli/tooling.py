"""Tooling commands: compile, node, account, demo and template."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import click

from cadena_client.chain.keys import create_keystore
from cadena_client.cli.render import console
from cadena_client.cli.session import address_callback, pass_session
from cadena_client.errors import CadenaError, PortTaken
from cadena_client.lists import files as aeo_files
from cadena_client.lists import profiles


@click.command("compile")
def compile_command():
    """Recompile the contracts and refresh the artifacts shipped in the package (a development tool: it
    needs the source tree's contracts/ and node_modules/)."""
    from cadena_client.dev import compiler

    found = compiler.find_compiler()
    artifacts = compiler.compile_contracts(compiler=found)
    path = compiler.artifact_path()
    for artifact in artifacts.values():
        compiler.write_artifact(artifact)
    compiler.write_error_classes([entry for artifact in artifacts.values() for entry in artifact["abi"]])
    click.echo(
        f"compiled with solc {compiler.SOLC_VERSION} ({found.kind}) -> {path.parent}/"
        f"{{{','.join(sorted(artifacts))}}}.json, and their error classes"
    )


@click.command()
@click.option("--port", default=8545, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--state",
    "state_file",
    default=".cadena/anvil-state.json",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="File the chain is loaded from and saved to (its journal of new blocks beside it, .journal).",
)
def node(port, state_file):
    """Run a local anvil node whose chain lasts across restarts (Ctrl-C stops it).

    Every block is on disk before any client sees it, so even a crash or `kill -9` loses no block a
    client was shown."""
    from cadena_client.chain.durable import DurableNode
    from cadena_client.chain.node import rpc_ready

    path = Path(state_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    if rpc_ready(f"http://127.0.0.1:{port}"):
        raise PortTaken(f"port {port} is already taken by another node")
    signal.signal(signal.SIGTERM, _interrupt)  # stops like Ctrl-C: the chain is saved and anvil stopped
    local = DurableNode(port, path)
    click.echo(f"anvil listening on {local.url} (chain in {path}, every block journaled first); Ctrl-C to stop")
    try:
        local.anvil.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        local.stop()


def _interrupt(*_signal) -> None:
    raise KeyboardInterrupt


@click.group()
def account():
    """Signing accounts (encrypted keystores)."""


@account.command("new")
@click.argument("keystore", type=click.Path(dir_okay=False))
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False), help="File with the new password.")
def account_new(keystore, password_file):
    """Create an encrypted keystore (scrypt) with a new key."""
    if password_file:
        password = Path(password_file).read_text().rstrip("\n")
    elif "CADENA_PASSWORD" in os.environ:
        password = os.environ["CADENA_PASSWORD"]
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    click.echo(f"{create_keystore(Path(keystore), password)} -> {keystore}")


@account.command("fund")
@click.argument("address", callback=address_callback)
@click.option(
    "--ether", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Amount to send."
)
@pass_session
def account_fund(session, address, ether):
    """Send ether to ADDRESS from the signing account (on a local node: --dev-account 0) to pay its gas."""
    signer = session.signer()
    receipt = signer.transfer(address, int(ether * 10**18))
    click.echo(f"sent {ether:g} ether from {signer.address} to {address} in block {receipt.block}")


@click.command()
def demo():
    """Tell the CADENA story on the embedded chain: certify, recognise, suspend, reinstate, cancel, withdraw."""
    from cadena_client.cli.demo import run_demo

    run_demo(console())


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--country",
    help="Write a list in the shape this administration publishes (its profile's headers, words, identifiers).",
)
def template(file, country):
    """Write the AEO list template to FILE (.xlsx or .csv): the layout `cert import` reads; its columns and
    accepted forms are documented in the README.md written beside it. With --country CC, a list in CC's shape."""
    path = Path(file)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("xlsx", "csv"):
        raise CadenaError(f"{file}: the template is a .xlsx or .csv file, not {path.suffix or 'one without extension'}")
    if path.exists():
        raise CadenaError(f"{file} exists; refusing to overwrite it")
    if not path.parent.is_dir():
        raise CadenaError(f"the folder {path.parent} does not exist; create it first")
    if country:
        profile = profiles.shipped(country)
        path.write_bytes(aeo_files.country_template(profile, suffix))
        click.echo(f"a list in the shape of {profile.administration or profile.country} -> {file}")
        return
    path.write_bytes((aeo_files.TEMPLATES / f"aeo-list.{suffix}").read_bytes())
    guide = path.with_name("AEO-list-columns.md")
    if not guide.exists():
        guide.write_text((aeo_files.TEMPLATES / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"template -> {file} (columns and accepted forms: {guide})")
