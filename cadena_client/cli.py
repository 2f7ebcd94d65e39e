"""The `cadena` command: deploy an MRA network from a config file and operate it.

Options follow the Ethereum tools' style (Foundry's cast and forge): --rpc-url (env CADENA_RPC_URL,
then ETH_RPC_URL), --keystore with --password-file, --json on read commands. A user mistake prints
one line and exits non-zero; it never shows a traceback.
"""

from __future__ import annotations

import codecs
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path

import click
import requests
from eth_utils import is_address, to_checksum_address
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from . import aeo_files, imports
from .bulk import BulkSender, certificates, country_tins
from .chain import Chain, ChainError, KeystoreError, RpcError, Signer, cause, connect, create_keystore, load_keystore
from .client import Cadena
from .deploy import Accounts, DeploymentRecord, default_record_path, deploy_network, load_config
from .events import DEFAULT_CHUNK, latest_master_data
from .mirror import Mirror, MirrorError
from .model import CadenaError, MasterData, Reason, country, status_label, tin
from .render import (
    administration_table,
    certificate_table,
    changes_table,
    console,
    count_table,
    failure_table,
    history_table,
    identifier_table,
    mra_table,
    plain,
    problem_table,
    verification_line,
)

DEFAULT_RPC_URL = "http://127.0.0.1:8545"


class Session:
    """What the common options select: the node, the deployment and the signing key."""

    def __init__(self, rpc_url, deployment, chain_id, keystore, password_file, dev_account, mirror_file):
        self.rpc_url, self.deployment, self.chain_id, self.mirror_file = rpc_url, deployment, chain_id, mirror_file
        self.keystore, self.password_file, self.dev_account = keystore, password_file, dev_account
        self._chain: Chain | None = None

    @property
    def chain(self) -> Chain:
        if self._chain is None:
            self._chain = connect(self.rpc_url, self.chain_id)
        return self._chain

    def reconnect(self) -> None:
        """Forget the connection: the next use connects anew."""
        self._chain = None

    def record_path(self, offline: bool = False) -> Path:
        """The deployment record: --deployment, else the node's deployments/<chain id>.json; offline,
        the only record in deployments/."""
        if self.deployment:
            return Path(self.deployment)
        if offline:
            found = sorted(Path("deployments").glob("*.json"))
            if len(found) != 1:
                raise CadenaError("give --deployment FILE: " + ("no record in deployments/" if not found else
                                  f"deployments/ has {len(found)} records"))  # fmt: skip
            return found[0]
        return default_record_path(self.chain.chain_id)

    def mirror(self, offline: bool = False, existing: bool = False) -> Mirror:
        """The SQLite mirror of the deployment: --mirror, else beside the deployment record. Offline (or
        `existing`), it must exist and have been synced."""
        record_path = self.record_path(offline)
        record = DeploymentRecord.load(record_path)
        path = Path(self.mirror_file) if self.mirror_file else record_path.with_suffix(".mirror.sqlite")
        existing = existing or offline
        mirror = Mirror(path, record.chain_id, record.address, record.deploy_block, create=not existing)
        if existing and not mirror.synced:
            raise MirrorError(f"the mirror {path} was never synced: run `cadena sync` first")
        return mirror

    def cadena(self, signing: bool = False) -> Cadena:
        record = DeploymentRecord.load(self.record_path())
        return record.open(self.chain, self.signer() if signing else None)

    def password(self, path: Path) -> str:
        if self.password_file:
            try:
                return Path(self.password_file).read_text().rstrip("\n")
            except OSError as exc:
                raise KeystoreError(f"cannot read password file {self.password_file}: {exc.strerror}") from None
        if "CADENA_PASSWORD" in os.environ:
            return os.environ["CADENA_PASSWORD"]
        if sys.stdin.isatty():
            return click.prompt(f"Password for {path}", hide_input=True)
        raise KeystoreError(f"no password for {path}: give --password-file or set CADENA_PASSWORD")

    def signer(self) -> Signer:
        if self.keystore and self.dev_account is not None:
            raise CadenaError("give either --keystore or --dev-account, not both")
        if self.keystore:
            return Signer(self.chain, load_keystore(Path(self.keystore), self.password(Path(self.keystore))))
        if self.dev_account is not None:
            return Signer(self.chain, self.chain.dev_account(self.dev_account))
        raise CadenaError("this command signs a transaction: give --keystore FILE (or --dev-account N on a local node)")


class CadenaGroup(click.Group):
    """Turns the library's errors, and click's usage errors, into one line on stderr and exit code 1."""

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
        except CadenaError as exc:
            raise click.ClickException(str(exc)) from None
        except requests.exceptions.RequestException as exc:
            url = ctx.obj.rpc_url if isinstance(ctx.obj, Session) else "the node"
            raise click.ClickException(f"lost the connection to {url}: {cause(exc)}; is the node running?") from None


def json_option(command):
    """Adds --json to a read command: machine-readable output instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")(command)


def emit(as_json: bool, data, render):
    if as_json:
        click.echo(json.dumps(plain(data), indent=2, ensure_ascii=False))
    else:
        render()


def reason_option(default: str):
    return click.option("--reason", default=default, show_default=True,
                        help="Reason code: a number or a name such as security-incident.")  # fmt: skip


def pass_session(command):
    @click.pass_obj
    @wraps(command)
    def wrapper(session, *args, **kwargs):
        return command(session, *args, **kwargs)

    return wrapper


@click.group(cls=CadenaGroup)
@click.option("--rpc-url", envvar=["CADENA_RPC_URL", "ETH_RPC_URL"], default=DEFAULT_RPC_URL, show_default=True,
              help="JSON-RPC URL of the node (env CADENA_RPC_URL, then ETH_RPC_URL).")  # fmt: skip
@click.option("--deployment", envvar="CADENA_DEPLOYMENT", type=click.Path(dir_okay=False),
              help="Deployment record [default: deployments/<chain id>.json].")  # fmt: skip
@click.option("--chain-id", type=int, help="Refuse to work unless the node is on this chain.")
@click.option("--keystore", envvar="CADENA_KEYSTORE", type=click.Path(dir_okay=False),
              help="Encrypted keystore of the signing account.")  # fmt: skip
@click.option("--password-file", envvar="CADENA_PASSWORD_FILE", type=click.Path(dir_okay=False),
              help="File with the keystore password (else env CADENA_PASSWORD, else a prompt).")  # fmt: skip
@click.option("--dev-account", type=int, help="Sign with dev account N of a local node.")
@click.option("--mirror", "mirror_file", envvar="CADENA_MIRROR", type=click.Path(dir_okay=False),
              help="SQLite mirror [default: beside the deployment record, .mirror.sqlite].")  # fmt: skip
@click.version_option(package_name="cadena-client")
@click.pass_context
def cli(ctx, rpc_url, deployment, chain_id, keystore, password_file, dev_account, mirror_file):
    """CADENA: real-time AEO certificate status and automatic MRA recognition among customs administrations."""
    ctx.obj = Session(rpc_url, deployment, chain_id, keystore, password_file, dev_account, mirror_file)


# -- tooling ------------------------------------------------------------------------------------


@cli.command("compile")
def compile_command():
    """Recompile the contracts and refresh the artifacts shipped in the package (a development tool: it
    needs the source tree's contracts/ and node_modules/)."""
    from . import compiler

    found = compiler.find_compiler()
    path = compiler.write_artifact(compiler.compile_contracts(compiler=found))
    click.echo(f"compiled with solc {compiler.SOLC_VERSION} ({found.kind}) -> {path}")


@cli.command()
@click.option("--port", default=8545, show_default=True, help="Port on 127.0.0.1.")
@click.option("--state", "state_file", default=".cadena/anvil-state.json", show_default=True,
              type=click.Path(dir_okay=False), help="File the chain is loaded from and saved to.")  # fmt: skip
def node(port, state_file):
    """Run a local anvil node whose chain lasts across restarts (Ctrl-C stops it)."""
    from .node import start_anvil

    path = Path(state_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _interrupt)  # stops like Ctrl-C: anvil saves its state and exits
    local = start_anvil(port=port, state_file=path)
    click.echo(f"anvil listening on {local.url} (chain state in {path}); Ctrl-C to stop")
    try:
        local.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        local.stop()


def _interrupt(*_signal) -> None:
    raise KeyboardInterrupt


@cli.group()
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
@click.argument("address")
@click.option("--ether", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Amount to send.")
@pass_session
def account_fund(session, address, ether):
    """Send ether to ADDRESS from the signing account (on a local node: --dev-account 0) to pay its gas."""
    if not is_address(address):
        raise CadenaError(f"{address!r} is not an account address (0x followed by 40 hex digits)")
    signer = session.signer()
    receipt = signer.transfer(to_checksum_address(address), int(ether * 10**18))
    click.echo(f"sent {ether:g} ether from {signer.address} to {to_checksum_address(address)} in block {receipt.blockNumber}")


@cli.command()
def demo():
    """Tell the CADENA story on the embedded chain: certify, recognise, suspend, reinstate, cancel, withdraw."""
    from .demo import run_demo

    run_demo(console())


# -- network ------------------------------------------------------------------------------------


@cli.group()
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
    report = deploy_network(session.chain, parsed, accounts, record_path,
                            progress=lambda step: out.print(f"  {step.outcome:>8}  {step.what}  {step.detail}"))  # fmt: skip
    out.print(f"{parsed.name}: {report.count('done')} done, {report.count('already')} already in place, "
              f"{report.count('pending')} pending; record {record_path}")  # fmt: skip


@network.command("show")
@json_option
@pass_session
def network_show(session, as_json):
    """The contract, the administrations and the MRAs of the deployment."""
    cadena = session.cadena()
    administrations, mras = cadena.administrations(), cadena.mras()
    data = {"chain_id": session.chain.chain_id, "address": cadena.address, "administrations": administrations, "mras": mras}

    def render():
        out = console()
        out.print(f"CADENA at {cadena.address} on chain {session.chain.chain_id}")
        out.print(administration_table(administrations))
        out.print(mra_table(mras))

    emit(as_json, data, render)


@cli.group()
def officer():
    """Grant and revoke the customs officers of a country (as its administration admin)."""


@officer.command("grant")
@click.option("--country", "code", required=True)
@click.argument("address")
@pass_session
def officer_grant(session, code, address):
    """Make ADDRESS a customs officer of --country."""
    session.cadena(signing=True).grant_officer(country(code), _address(address))
    click.echo(f"{address} is now a customs officer of {country(code)}")


@officer.command("revoke")
@click.option("--country", "code", required=True)
@click.argument("address")
@pass_session
def officer_revoke(session, code, address):
    """Revoke ADDRESS as a customs officer of --country."""
    session.cadena(signing=True).revoke_officer(country(code), _address(address))
    click.echo(f"{address} is no longer a customs officer of {country(code)}")


def _address(value: str) -> str:
    from eth_utils import is_address, to_checksum_address

    if not is_address(value):
        raise CadenaError(f"{value!r} is not an address (0x followed by 40 hex digits)")
    return to_checksum_address(value)


# -- certificates -------------------------------------------------------------------------------


@cli.group()
def cert():
    """Issue and manage AEO certificates."""


def master_options(required: bool):
    def decorate(command):
        for option in reversed([
            click.option("--name", required=required, help="Operator name."),
            click.option("--address", "postal_address", required=required, help="Operator address."),
            click.option("--types", required=required, help="AEO types, e.g. importer,exporter,aeo-s."),
            click.option("--valid-from", required=required, help="Validation date, YYYY-MM-DD."),
            click.option("--expiry", help="Expiry date, YYYY-MM-DD (default: none)."),
            click.option("--holder", help="The company's account, which alone can withdraw."),
        ]):  # fmt: skip
            command = option(command)
        return command

    return decorate


@cert.command("issue")
@click.argument("tin_")
@master_options(required=True)
@reason_option("new-certification")
@pass_session
def cert_issue(session, tin_, name, postal_address, types, valid_from, expiry, holder, reason):
    """Issue (or re-issue) the certificate of TIN, as an officer of its country."""
    master = MasterData(tin_, name, postal_address, types, valid_from, expiry, holder)
    receipt = session.cadena(signing=True).issue(master, reason)
    click.echo(f"issued {master.tin} in block {receipt.blockNumber} (tx 0x{bytes(receipt.transactionHash).hex()})")


@cert.command("update")
@click.argument("tin_")
@master_options(required=False)
@reason_option("data-correction")
@pass_session
def cert_update(session, tin_, name, postal_address, types, valid_from, expiry, holder, reason):
    """Update or renew a certificate; fields not given keep their current value."""
    cadena = session.cadena(signing=True)
    current = cadena.certificate(tin_)
    last = next((e.master for e in reversed(cadena.history(tin_)) if e.master), {})
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
    click.echo(f"updated {master.tin} in block {receipt.blockNumber}")


def lifecycle_command(action: str, default_reason: str, doc: str):
    @cert.command(action, help=doc)
    @click.argument("tin_")
    @reason_option(default_reason)
    @pass_session
    def command(session, tin_, reason):
        receipt = getattr(session.cadena(signing=True), action)(tin(tin_), reason)
        click.echo(f"{action}: {tin(tin_)} in block {receipt.blockNumber} (tx 0x{bytes(receipt.transactionHash).hex()})")

    return command


lifecycle_command("suspend", "unspecified", "Suspend an Active certificate (officer of its country).")
lifecycle_command("reinstate", "unspecified", "Reinstate a Suspended certificate (officer of its country).")
lifecycle_command("cancel", "unspecified", "Cancel a certificate (officer of its country).")
lifecycle_command("withdraw", "company-request", "Withdraw your own certificate (its holder).")


@cert.command("show")
@click.argument("tin_")
@json_option
@pass_session
def cert_show(session, tin_, as_json):
    """A certificate as the chain holds it, with the operator's name and address."""
    cadena = session.cadena()
    _show_certificates(session, cadena, [cadena.certificate(tin_)], f"Certificate {tin(tin_)}", as_json, single=True)


@cert.command("list")
@click.option("--country", "code", required=True, help="Issuing country.")
@json_option
@pass_session
def cert_list(session, code, as_json):
    """Every certificate a country has issued, with the operators' names and addresses."""
    cadena = session.cadena()
    found = certificates(cadena, country_tins(cadena, country(code)))
    _show_certificates(session, cadena, found, f"Certificates of {country(code)}", as_json)


def _show_certificates(session: Session, cadena, found: list, title: str, as_json: bool, single: bool = False) -> None:
    operators = _operators(session, cadena, found)

    def record(certificate) -> dict:
        name, address = operators.get(certificate.tin, (None, None))
        return {**plain(certificate), "name": name, "address": address,
                "expired": status_label(certificate.status, certificate.expiry) == "Expired"}  # fmt: skip

    data = record(found[0]) if single else [record(certificate) for certificate in found]
    emit(as_json, data, lambda: console().print(certificate_table(found, title, operators)))


def _operators(session: Session, cadena, found: list) -> dict[str, tuple[str, str]]:
    """TIN -> (name, address) of each certificate's operator (they live only in the events): from the mirror
    where it holds the chain's master data (same commitment), else from the contract's events."""
    wanted = {certificate.tin: "0x" + certificate.commitment.hex() for certificate in found}
    operators = {}
    try:
        mirror = session.mirror(existing=True)
        for row in mirror.certificates(sorted({t[:2] for t in wanted})):
            if wanted.get(row["tin"]) == row["commitment"]:
                operators[row["tin"]] = (row["name"], row["address"])
        mirror.close()
    except MirrorError:
        pass
    if len(operators) < len(wanted):
        for tin_, args in latest_master_data(cadena.contract, cadena.deploy_block).items():
            if tin_ not in operators and wanted.get(tin_) == args["commitment"]:
                operators[tin_] = (args["name"], args["postalAddress"])
    return operators


@cert.command("history")
@click.argument("tin_")
@json_option
@pass_session
def cert_history(session, tin_, as_json):
    """Every lifecycle event of a certificate: time, actor, reason, transaction."""
    events = session.cadena().history(tin_)
    emit(as_json, events, lambda: console().print(history_table(events, f"History of {tin(tin_)}")))


@cert.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--country", "code", required=True, help="The importing administration; the file lists its AEOs.")
@click.option("--sheet", help="Worksheet of an .xlsx file [default: the first].")
@click.option("--plan", "plan_only", is_flag=True, help="Show what would change; send nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even when other rows have problems.")
@click.option("--reissue-ended", is_flag=True, help="Issue again, as a new version, certificates the file lists as live "
              "that were cancelled or withdrawn by their holder.")  # fmt: skip
@pass_session
def cert_import(session, file, code, sheet, plan_only, skip_invalid, reissue_ended):
    """Bring the chain to the AEO list in FILE (.xlsx, .csv or .json): new TINs are issued, changed rows
    updated, status changes sent; unchanged rows send nothing. Every row is checked before anything is
    sent. Running it again after a failure completes the rest."""
    code, path, out = country(code), Path(file), console()
    table = aeo_files.read(path, sheet)
    checked = imports.check(table, code)
    if table.ignored:
        out.print(f"columns not imported: {', '.join(table.ignored)}")
    if checked.other_countries:
        out.print(f"{checked.other_countries} rows of other countries (MRA partners' AEOs) left out")
    if checked.warnings:
        out.print(problem_table(checked.warnings, f"{_count(len(checked.warnings), 'warning')}: rows marked active "
                                                  "whose expiry has passed (imported as they are)"))  # fmt: skip
    if checked.problems and not skip_invalid:
        _refuse(checked.problems, path)
    cadena = session.cadena(signing=not plan_only)
    import_plan = imports.plan(cadena, code, checked, reissue_ended)
    if import_plan.conflicts and not skip_invalid:
        _refuse(import_plan.conflicts, path)
    if skip_invalid and (skipped := checked.problems + import_plan.conflicts):
        rows = _count(len({problem.row for problem in skipped}), "row")
        out.print(problem_table(skipped, f"{rows} of {path.name} left out (--skip-invalid)"))
    if plan_only:
        if renamed := [entry for entry in checked.entries if entry.written]:
            out.print(identifier_table(renamed, f"{_count(len(renamed), 'identifier')} of {path.name} written as TINs"))
        if import_plan.changes:
            out.print(changes_table(import_plan.changes, f"Changes {path.name} would send"))
        counts = {past: import_plan.count(action) for action, past in imports.ACTIONS.items()}
        out.print(count_table({**counts, "unchanged": import_plan.unchanged}, f"Plan for {len(checked.entries)} rows (nothing sent)"))
        _report_not_in_file(import_plan, code)
        return
    if import_plan.changes and not cadena.is_officer(code, cadena.signer.address):
        raise CadenaError(f"{cadena.signer.address} is not a customs officer of {code}; nothing was sent")
    sender = BulkSender(cadena, cadena.signer.account)
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console(stderr=True)) as bar:
        task = bar.add_task(f"importing {path.name}", total=import_plan.steps)
        summary = imports.apply(sender, import_plan, lambda count: bar.advance(task, count))
    out.print(count_table(summary.counts(), f"Imported {path.name} as {code}"))
    _report_not_in_file(import_plan, code)
    if summary.failures:
        out.print(failure_table(summary.failures, "Failed"))
        raise CadenaError(f"{_count(len(summary.failures), 'record')} failed; run the same command again to retry "
                          "(what is done is not sent again)")  # fmt: skip


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _refuse(problems, path: Path):
    """Lists the problems of an import and stops it before anything is sent."""
    counted = f"{_count(len(problems), 'problem')} in {path.name}"
    console().print(problem_table(problems, counted))
    raise CadenaError(f"{counted}; nothing was sent. Fix them, or give --skip-invalid to import the valid rows")


def _report_not_in_file(import_plan, code: str) -> None:
    if import_plan.not_in_file:
        console().print(f"{import_plan.not_in_file} certificates of {code} on the chain are not in the file; left as "
                        "they are (to end one, list it with status Cancelled)")  # fmt: skip


# -- MRAs ---------------------------------------------------------------------------------------


@cli.group()
def mra():
    """Propose, sign and manage Mutual Recognition Arrangements."""


@mra.command("propose")
@click.option("--proposer", required=True, help="Your administration's country.")
@click.option("--party", "parties", multiple=True, required=True, help="A party's country (repeat; include yours).")
@click.option("--benefits", required=True, help="e.g. reduced-physical-inspection,priority-treatment.")
@click.option("--types", required=True, help="Covered AEO types, e.g. importer,exporter.")
@click.option("--effective-from", help="Date from which it applies once signed, YYYY-MM-DD.")
@click.option("--title", default="", help="Title of the arrangement.")
@pass_session
def mra_propose(session, proposer, parties, benefits, types, effective_from, title):
    """Propose an MRA (as the proposer's administration admin)."""
    mra_id = session.cadena(signing=True).propose_mra(proposer, list(parties), benefits, types, effective_from, title)
    click.echo(f"proposed MRA {mra_id}; every party's admin signs it with `cadena mra sign {mra_id} --party CC`")


def mra_command(action: str, method: str, doc: str):
    @mra.command(action, help=doc)
    @click.argument("mra_id", type=int)
    @click.option("--party", required=True, help="The country you act for.")
    @pass_session
    def command(session, mra_id, party):
        cadena = session.cadena(signing=True)
        getattr(cadena, method)(mra_id, country(party))
        status = cadena.mra(mra_id).status.label
        click.echo(f"MRA {mra_id}: {country(party)} {action} done; the MRA is {status}")

    return command


mra_command("sign", "sign_mra", "Sign an MRA for your country (administration admin).")
mra_command("suspend", "suspend_mra", "Suspend your country's participation in an MRA.")
mra_command("resume", "resume_mra", "Resume your country's suspended participation.")
mra_command("leave", "leave_mra", "Leave an MRA for good.")


@mra.command("show")
@click.argument("mra_id", type=int)
@json_option
@pass_session
def mra_show(session, mra_id, as_json):
    """One MRA with its parties."""
    found = session.cadena().mra(mra_id)
    emit(as_json, found, lambda: console().print(mra_table([found], f"MRA {mra_id}")))


@mra.command("list")
@click.option("--country", "code", help="Only the MRAs of this country.")
@json_option
@pass_session
def mra_list(session, code, as_json):
    """MRAs of the network, or of one country."""
    found = session.cadena().mras(country(code) if code else None)
    emit(as_json, found, lambda: console().print(mra_table(found)))


# -- verification -------------------------------------------------------------------------------


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
def template(file):
    """Write the AEO list template to FILE (.xlsx or .csv): the layout `cert import` reads; its columns and
    accepted forms are documented in the README.md written beside it."""
    path = Path(file)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("xlsx", "csv"):
        raise CadenaError(f"{file}: the template is a .xlsx or .csv file, not {path.suffix or 'one without extension'}")
    if path.exists():
        raise CadenaError(f"{file} exists; refusing to overwrite it")
    if not path.parent.is_dir():
        raise CadenaError(f"the folder {path.parent} does not exist; create it first")
    path.write_bytes((aeo_files.TEMPLATES / f"aeo-list.{suffix}").read_bytes())
    guide = path.with_name("AEO-list-columns.md")
    if not guide.exists():
        guide.write_text((aeo_files.TEMPLATES / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"template -> {file} (columns and accepted forms: {guide})")


@cli.command()
@click.option("--importer", required=True, help="The importing country.")
@click.option("--offline", is_flag=True, help="Answer from the local mirror (see `cadena sync`), not the chain.")
@click.option("--max-lag", type=click.FloatRange(min=0), help="With --offline: refuse an answer more than this many "
              "seconds behind the chain.")  # fmt: skip
@click.argument("tin_")
@json_option
@pass_session
def verify(session, importer, offline, max_lag, tin_, as_json):
    """Is TIN a recognised AEO for an import into --importer, and with which benefits?"""
    if max_lag is not None and not offline:
        raise CadenaError("--max-lag applies to --offline answers; an answer from the chain is current")
    if not offline:
        result = session.cadena().verify(importer, tin_)
        emit(as_json, result, lambda: console().print(f"{result.tin}: {verification_line(result)}"))
        return
    mirror = session.mirror(offline=True)
    result, lag = mirror.verify(importer, tin_), _lag(session, mirror)
    if max_lag is not None and (lag["lag_seconds"] is None or lag["lag_seconds"] > max_lag):
        behind = "of unknown age" if lag["lag_seconds"] is None else f"{lag['lag_seconds']:.0f} s behind the chain"
        raise CadenaError(f"the mirror is {behind} (more than --max-lag {max_lag:g}): run `cadena sync`, "
                          "or verify from the chain without --offline")  # fmt: skip
    emit(as_json, {**plain(result), "as_of": lag},
         lambda: console().print(f"{result.tin}: {verification_line(result)}\n  {_lag_line(lag)}"))  # fmt: skip


def _lag(session: Session, mirror: Mirror) -> dict:
    """The block and time the mirror reflects, and how far behind the chain its answer may be: in
    blocks when the node is reachable, and in seconds 0 when no block is missing, else the time since
    the mirror last reached the head (changes since then may be missing)."""
    position = mirror.position()
    lag = {"block": position.block, "block_time": _iso(position.block_time), "node": "reachable",
           "lag_blocks": None, "lag_seconds": None}  # fmt: skip
    try:
        head = session.chain.w3.eth.block_number
        lag["lag_blocks"] = max(0, head - position.block)
    except (CadenaError, requests.RequestException, OSError):
        lag["node"] = "unreachable"
    if lag["lag_blocks"] == 0:
        lag["lag_seconds"] = 0
    elif position.synced_at is not None:
        lag["lag_seconds"] = round(max(0.0, time.time() - position.synced_at), 1)
    return lag


def _lag_line(lag: dict) -> str:
    where = f"as of block {lag['block']} ({lag['block_time'] or 'time unknown'})"
    if lag["node"] == "unreachable":
        age = "unknown" if lag["lag_seconds"] is None else f"at most {lag['lag_seconds']:.0f} s"
        return f"{where}; the node is unreachable: lag {age}"
    if not lag["lag_blocks"]:
        return f"{where}; up to date with the node"
    return f"{where}; {lag['lag_blocks']} blocks behind the node (synced {lag['lag_seconds']:.0f} s ago): run `cadena sync`"


def _iso(timestamp: int | None) -> str | None:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if timestamp else None


# -- mirror, feed and exports -------------------------------------------------------------------


def sync_options(command):
    for option in reversed([
        click.option("--confirmations", default=0, show_default=True, help="Stay this many blocks behind the head."),
        click.option("--chunk", default=DEFAULT_CHUNK, show_default=True, help="Blocks per eth_getLogs request."),
        click.option("--poll", default=1.0, show_default=True, help="Seconds between polls when following."),
    ]):  # fmt: skip
        command = option(command)
    return command


@cli.command()
@click.option("--follow", is_flag=True, help="Keep syncing every --poll seconds until interrupted.")
@sync_options
@pass_session
def sync(session, follow, confirmations, chunk, poll):
    """Bring the local mirror up to the chain (resumes where it stopped; survives reorgs)."""
    cadena, mirror = session.cadena(), session.mirror()

    def report(result):
        retracted = f", {len(result.retracted)} retracted by a reorg" if result.retracted else ""
        click.echo(f"blocks {result.from_block}..{result.to_block}: {len(result.events)} events{retracted}")

    report(mirror.sync(cadena.contract, confirmations, chunk))
    if follow:
        _until_interrupted(lambda: _keep_following(session, mirror, confirmations, chunk, poll, report))


@cli.command()
@sync_options
@json_option
@pass_session
def watch(session, confirmations, chunk, poll, as_json):
    """Stream certificate and MRA changes as they happen (--json: one JSON object per line).

    The first watch of a mirror starts from now; a later one resumes after the last change it printed
    (changes while it was away come first). A change it printed that a reorg or a rolled-back node
    took away is printed again as retracted. It waits for the node when the connection drops."""
    mirror = session.mirror()
    last = mirror.marked("watch")

    def show(_result=None):
        nonlocal last
        while events := mirror.feed(last):
            for event in events:
                click.echo(json.dumps(event.as_dict(), ensure_ascii=False) if as_json else _event_line(event))
            sys.stdout.flush()
            last = events[-1].seq
            mirror.mark("watch", last)

    def start(cadena):
        nonlocal last
        click.echo(f"catching up with the chain from block {mirror.cursor + 1}", err=True)
        mirror.sync(cadena.contract, confirmations, chunk)
        if last is None:  # the first watch of this mirror: only what happens from now on
            last = mirror.last_seq
            mirror.mark("watch", last)
        show()
        click.echo(f"watching from block {mirror.cursor + 1}", err=True)

    _until_interrupted(lambda: _keep_following(session, mirror, confirmations, chunk, poll, show, start))


def _keep_following(session: Session, mirror: Mirror, confirmations: int, chunk: int, poll: float, on_sync,
                    on_connect=None) -> None:  # fmt: skip
    """Follows the chain into the mirror until interrupted; when the node cannot be reached, says so on
    stderr and tries again with backoff (1 s doubling to 30 s), then catches up."""
    delay = 1.0
    while True:
        try:
            session.reconnect()
            cadena = session.cadena()
            if on_connect:
                on_connect(cadena)
            delay = 1.0
            mirror.follow(cadena.contract, on_sync, poll, confirmations, chunk)
        except (ChainError, RpcError, requests.RequestException, OSError) as exc:
            click.echo(f"waiting for the node at {session.rpc_url} ({cause(exc)}); trying again in {delay:.0f} s", err=True)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def _event_line(event) -> str:
    when = datetime.fromtimestamp(event.time, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    subject = event.tin or (f"MRA {event.mra_id}" if event.mra_id else event.country)
    prefix = "RETRACTED " if event.retracted else ""
    reason = f" reason={Reason.label_of(event.reason)}" if event.reason is not None else ""
    return f"{when} block {event.block} {prefix}{event.kind} {subject}{reason} by {event.actor} tx {event.tx_hash}"


def _until_interrupted(run) -> None:
    try:
        run()
    except KeyboardInterrupt:
        pass


@cli.command()
@click.argument("tin_")
@json_option
@pass_session
def history(session, tin_, as_json):
    """The audit trail of a certificate from the local mirror: every event with block, time, actor, reason."""
    mirror = session.mirror(offline=True)
    events = mirror.history(tin_)
    if not events:
        raise CadenaError(f"the mirror (synced to block {mirror.cursor}) has no event for {tin(tin_)}; run `cadena sync`")

    def render():
        table = Table(title=f"History of {tin(tin_)} (mirror at block {mirror.cursor})", title_justify="left")
        for column in ("time (UTC)", "block", "event", "reason", "actor", "tx"):
            table.add_column(column)
        for event in events:
            when = datetime.fromtimestamp(event.time, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            table.add_row(when, str(event.block), event.kind, Reason.label_of(event.reason), event.actor, event.tx_hash)
        console().print(table)

    emit(as_json, [event.as_dict() for event in events], render)


@cli.command()
@click.option("--country", "code", required=True, help="The administration whose view is exported.")
@click.option("--format", "fmt", type=click.Choice(aeo_files.FORMATS), help="File format [default: from --output, else csv].")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File to write [default: standard output].")
@pass_session
def export(session, code, fmt, output):
    """The AEO list an administration sees (its own and its MRA partners'), from the local mirror, in the
    layout `cadena cert import` reads."""
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    if output and suffix not in aeo_files.FORMATS:
        raise CadenaError(f"--output {output}: write a .xlsx, .csv or .json file, not {Path(output).suffix or 'one without extension'}")
    if output and fmt and fmt != suffix:
        raise CadenaError(f"--format {fmt} does not match --output {output}; give a .{fmt} file")
    if output and not Path(output).parent.is_dir():
        raise CadenaError(f"--output {output}: the folder {Path(output).parent} does not exist; create it first")
    fmt = fmt or suffix or "csv"
    if fmt == "xlsx" and not output:
        raise CadenaError("an .xlsx workbook is written to a file: give --output FILE.xlsx")
    rows = session.mirror(offline=True).aeo_list(country(code))
    data = aeo_files.write(rows, fmt)
    if output:
        Path(output).write_bytes(codecs.BOM_UTF8 + data if fmt == "csv" else data)  # the BOM makes Excel read UTF-8
        click.echo(f"{len(rows)} AEOs -> {output}", err=True)
    else:
        click.echo(data.decode(), nl=False)


def main():
    cli(prog_name="cadena")


