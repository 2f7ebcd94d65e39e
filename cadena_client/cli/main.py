"""The `cadena` command: deploy an MRA network from a config file and operate it.

Options follow the Ethereum tools' style (Foundry's cast and forge): --rpc-url (env CADENA_RPC_URL,
then ETH_RPC_URL), --keystore with --password-file, --json on every command that reports. A user
mistake prints one line and exits non-zero; it never shows a traceback. Command groups live in
modules of their own and are imported only when used, so `cadena --help` starts at once.
"""

from __future__ import annotations

import importlib
import sys

import click

from cadena_client import errors

DEFAULT_RPC_URL = "http://127.0.0.1:8545"

# A command group is registered by one line here: name -> ("module:attribute" under cadena_client.cli, short
# help). Its module is imported only when the command runs; the help is here so that listing imports nothing.
COMMANDS = {
    "account": ("tooling:account", "Signing accounts (encrypted keystores)."),
    "admin": ("network:admin", "Grant and revoke the administration admins of your country."),
    "cert": ("certs:cert", "Issue and manage AEO certificates."),
    "compile": ("tooling:compile_command", "Recompile the contracts (a development tool)."),
    "consent": ("consent:consent", "Who may read a certificate's master data: the holder's consent."),
    "credential": ("credential:credential", "The trader's verifiable AEO credential: issue, verify, print."),
    "credential-signer": ("network:credential_signer", "Grant and revoke the keys that sign your credentials."),
    "demo": ("tooling:demo", "Tell the CADENA story on the embedded chain."),
    "export": ("feed:export", "The AEO list an administration sees, from the local mirror."),
    "governance": ("governance:governance", "Decide as members: admit, suspend, reinstate, recover, rules."),
    "history": ("feed:history", "The audit trail of a certificate or an administration, from the local mirror."),
    "keys": ("keys:keys", "Exchange keys that seal master data to your administration."),
    "mra": ("mras:mra", "Propose, sign and manage Mutual Recognition Arrangements."),
    "network": ("network:network", "Deploy and inspect an MRA network."),
    "node": ("tooling:node", "Run a local anvil node whose chain lasts across restarts."),
    "officer": ("network:officer", "Grant and revoke the customs officers of your country."),
    "report": ("report:report", "The joint committee's report on an MRA: changes, propagation, recognitions."),
    "serve": ("serve:serve", "Serve verification, AEO lists and a live feed over HTTP."),
    "sign-in": ("signin:sign_in", "Sign the page's sign-in challenge with your holder key."),
    "sync": ("feed:sync", "Bring the local mirror up to the chain."),
    "template": ("tooling:template", "Write the AEO list template (.xlsx or .csv)."),
    "verify": ("verify:verify", "Is TIN a recognised AEO for an import into a country?"),
    "watch": ("feed:watch", "Stream certificate and MRA changes as they happen."),
}


def hint(exc: errors.CadenaError) -> str:
    """The message of `exc` with what the user can do about it (its class's `hint`), if anything."""
    return f"{exc} ({exc.hint})" if exc.hint else str(exc)


class CadenaGroup(click.Group):
    """Loads command groups on first use, and turns the library's errors, and click's usage errors,
    into one line on stderr and exit code 1."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(f"cadena_client.cli.{module}"), attribute)

    def format_commands(self, ctx, formatter):
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # a group called alone: its help
            click.echo(exc.format_message())
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "cadena"
            click.echo(f"Error: {exc.format_message()} (see `{where} --help`)", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except errors.CadenaError as exc:
            raise click.ClickException(hint(exc)) from None
        except Exception as exc:
            requests = sys.modules.get("requests")  # imported by the transport's sessions, not for this check
            if requests is None or not isinstance(exc, requests.exceptions.RequestException):
                raise
            from cadena_client.chain.connection import cause

            url = getattr(ctx.obj, "rpc_url", "the node")
            raise click.ClickException(f"lost the connection to {url}: {cause(exc)}; is the node running?") from None


def parse_headers(ctx, param, values) -> dict[str, str]:
    headers = {}
    for value in values:
        name, colon, text = value.partition(":")
        if not colon or not name.strip():
            raise click.BadParameter(f"{value!r} is not a header: write it as 'Name: value'", ctx, param)
        headers[name.strip()] = text.strip()
    return headers


@click.group(cls=CadenaGroup)
@click.option(
    "--rpc-url",
    envvar=["CADENA_RPC_URL", "ETH_RPC_URL"],
    default=DEFAULT_RPC_URL,
    show_default=True,
    help="JSON-RPC URL of the node (env CADENA_RPC_URL, then ETH_RPC_URL).",
)
@click.option(
    "--rpc-header",
    "headers",
    multiple=True,
    callback=parse_headers,
    metavar="'NAME: VALUE'",
    help="An HTTP header for every request to the node, e.g. an API key (repeat for more).",
)
@click.option(
    "--rpc-jwt",
    envvar="CADENA_RPC_JWT",
    type=click.File("r"),
    help="File with a JSON Web Token the node's JSON-RPC wants (Besu's JWT authentication), sent with every request.",
)
@click.option(
    "--deployment",
    envvar="CADENA_DEPLOYMENT",
    type=click.Path(dir_okay=False),
    help="Deployment record [default: deployments/<chain id>.json].",
)
@click.option("--chain-id", type=int, help="Refuse to work unless the node is on this chain.")
@click.option(
    "--keystore",
    envvar="CADENA_KEYSTORE",
    type=click.Path(dir_okay=False),
    help="Encrypted keystore of the signing account.",
)
@click.option(
    "--password-file",
    envvar="CADENA_PASSWORD_FILE",
    type=click.Path(dir_okay=False),
    help="File with the keystore password (else env CADENA_PASSWORD, else a prompt).",
)
@click.option("--dev-account", type=int, help="Sign with dev account N of a local node.")
@click.option(
    "--relayer-keystore",
    envvar="CADENA_RELAYER_KEYSTORE",
    type=click.Path(dir_okay=False),
    help="Relay: the signing account signs requests and this account sends them through the deployment's "
    "forwarder (its password: CADENA_RELAYER_PASSWORD).",
)
@click.option("--relayer-dev-account", type=int, help="Relay through dev account N of a local node.")
@click.option(
    "--max-in-flight",
    envvar="CADENA_MAX_IN_FLIGHT",
    type=click.IntRange(1, 10_000),
    help="Most transactions of the signing account waiting in the node's pool at once [default: 64; "
    "Besu's pool takes 200 a sender].",
)
@click.option(
    "--mirror",
    "mirror_file",
    envvar="CADENA_MIRROR",
    type=click.Path(dir_okay=False),
    help="SQLite mirror [default: beside the deployment record, .mirror.sqlite].",
)
@click.version_option(package_name="cadena-client")
@click.pass_context
def cli(
    ctx,
    rpc_url,
    headers,
    rpc_jwt,
    deployment,
    chain_id,
    keystore,
    password_file,
    dev_account,
    relayer_keystore,
    relayer_dev_account,
    max_in_flight,
    mirror_file,
):
    """CADENA: real-time AEO certificate status and automatic MRA recognition among customs administrations."""
    from cadena_client.cli.session import Session

    if rpc_jwt:
        headers = {**headers, "Authorization": f"Bearer {rpc_jwt.read().strip()}"}
    ctx.obj = Session(rpc_url, headers, deployment, chain_id, keystore, password_file, dev_account, mirror_file)
    if max_in_flight:
        ctx.obj.max_in_flight = max_in_flight
    ctx.obj.relayer = (relayer_keystore, relayer_dev_account)


def main():
    cli(prog_name="cadena")
