"""What every command shares: the session the common options select, output helpers, and the
parameter types that turn a user's text into the library's values."""

from __future__ import annotations

import os
import sys
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cadena_client.errors import CadenaError, InputError, KeystoreError, MirrorError, PasswordMissing, SignerRequired
from cadena_client.network.record import DeploymentRecord, default_record_path

if TYPE_CHECKING:  # the chain's stack (web3, eth-account) is imported by the commands that reach the chain
    from cadena_client.api.client import Cadena
    from cadena_client.chain.connection import Chain
    from cadena_client.chain.relay import Submitter
    from cadena_client.chain.signer import Receipt, Signer
    from cadena_client.confidential.keys import ExchangeKeys
    from cadena_client.mirror import Mirror


class Session:
    """What the common options select: the node, the deployment and the signing key."""

    def __init__(self, rpc_url, headers, deployment, chain_id, keystore, password_file, dev_account, mirror_file):
        self.rpc_url, self.headers, self.deployment, self.chain_id = rpc_url, headers, deployment, chain_id
        self.keystore, self.password_file, self.dev_account, self.mirror_file = (
            keystore,
            password_file,
            dev_account,
            mirror_file,
        )
        self._chain: Chain | None = None
        self.exchange_file: str | None = os.environ.get("CADENA_EXCHANGE_KEY") or None  # or a command's --exchange-key
        self.max_in_flight: int | None = None  # None: the signer's default
        self.relayer: tuple[str | None, int | None] = (None, None)  # keystore, dev account

    @property
    def chain(self) -> Chain:
        if self._chain is None:
            from cadena_client.chain.connection import connect

            self._chain = connect(self.rpc_url, self.chain_id, headers=self.headers)
        return self._chain

    def head(self) -> int | None:
        """The node's latest block number, or None when it does not answer: one raw JSON-RPC call, with no
        connection set up (for answers from the mirror, which only say how far behind they are)."""
        from cadena_client.chain.transport import call_once

        try:
            return int(call_once(self.rpc_url, "eth_blockNumber", [], self.headers), 16)
        except (CadenaError, OSError, ValueError, TypeError, KeyError):
            return None

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
                raise CadenaError(
                    "give --deployment FILE: "
                    + ("no record in deployments/" if not found else f"deployments/ has {len(found)} records")
                )
            return found[0]
        return default_record_path(self.chain.chain_id)

    def mirror(self, offline: bool = False, existing: bool = False) -> Mirror:
        """The SQLite mirror of the deployment: --mirror, else beside the deployment record. Offline (or
        `existing`), it must exist and have been synced."""
        from cadena_client.mirror import Mirror

        record_path = self.record_path(offline)
        record = DeploymentRecord.load(record_path)
        path = Path(self.mirror_file) if self.mirror_file else record_path.with_suffix(".mirror.sqlite")
        existing = existing or offline
        mirror = Mirror(
            path, record.chain_id, record.address, record.deploy_block, create=not existing, exchange=self.exchange()
        )
        if existing and not mirror.synced:
            raise MirrorError(f"the mirror {path} was never synced: run `cadena sync` first")
        return mirror

    def cadena(self, signing: bool = False) -> Cadena:
        record = DeploymentRecord.load(self.record_path())
        return record.open(self.chain, self.submitter(record) if signing else None).with_exchange(self.exchange())

    def exchange(self) -> ExchangeKeys | None:
        """The administration's exchange keys (--exchange-key or CADENA_EXCHANGE_KEY): issues seal with
        them, and the mirror keeps the master data sealed to them."""
        from cadena_client.confidential.keys import ExchangeKeys

        return ExchangeKeys.load(Path(self.exchange_file)) if self.exchange_file else None

    def submitter(self, record: DeploymentRecord) -> Submitter:
        """The signing account, sending itself, or relayed by --relayer-* through the deployment's forwarder
        (or LACChain's relay hub, with the writer node's key as relayer)."""
        from cadena_client.chain.keys import load_keystore
        from cadena_client.chain.lacchain import relayed_submitter
        from cadena_client.chain.signer import Signer

        keystore, dev_account = self.relayer
        if keystore is None and dev_account is None:
            return self.signer()
        if record.forwarder is None:
            raise CadenaError("this deployment has no forwarder: deploy with network.forwarder to relay")
        if keystore:
            password = os.environ.get("CADENA_RELAYER_PASSWORD") or self.password(Path(keystore))
            relayer = Signer(self.chain, load_keystore(Path(keystore), password), in_flight=self.max_in_flight)
        else:
            relayer = Signer(self.chain, self.chain.dev_account(dev_account or 0), in_flight=self.max_in_flight)
        return relayed_submitter(self.chain, self.signer().account, record.forwarder, relayer)

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
        raise PasswordMissing(f"no password for {path}")

    def signer(self) -> Signer:
        from cadena_client.chain.keys import load_keystore
        from cadena_client.chain.signer import Signer

        if self.keystore and self.dev_account is not None:
            raise CadenaError("give either --keystore or --dev-account, not both")
        if self.keystore:
            account = load_keystore(Path(self.keystore), self.password(Path(self.keystore)))
        elif self.dev_account is not None:
            account = self.chain.dev_account(self.dev_account)
        else:
            raise SignerRequired("this command signs a transaction")
        return Signer(self.chain, account, in_flight=self.max_in_flight)


def pass_session(command):
    @click.pass_obj
    @wraps(command)
    def wrapper(session, *args, **kwargs):
        return command(session, *args, **kwargs)

    return wrapper


def json_option(command):
    """Adds --json: one JSON document (see the README's JSON output) instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of text.")(command)


def emit(as_json: bool, kind: str, data, render) -> None:
    """Prints `data` as a JSON document of `kind`, or by `render` for a person."""
    if as_json:
        from cadena_client.document import dumps

        click.echo(dumps(kind, data))
    else:
        render()


def report_write(as_json: bool, operation: str, subject: str, receipt: Receipt, text: str) -> None:
    """What a write did: a line for a person, or a `receipt` document."""
    data = {
        "operation": operation,
        "subject": subject,
        "tx_hash": receipt.tx_hash,
        "block": receipt.block,
        "gas_used": receipt.gas_used,
    }
    emit(as_json, "receipt", data, lambda: click.echo(f"{text} in block {receipt.block} (tx {receipt.tx_hash})"))


def reason_option(default: str):
    return click.option(
        "--reason",
        default=default,
        show_default=True,
        help="Reason code: a number or a name such as security-incident.",
    )


def _converted(parse):
    """A click callback that turns the library's InputError into a usage error naming the parameter."""

    def callback(ctx, param, value):
        if value is None:
            return None
        try:
            return parse(value)
        except InputError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None

    return callback


def parse_address(value: str) -> str:
    from eth_utils import is_address, to_checksum_address

    if not is_address(value):
        raise InputError(f"{value!r} is not an address (0x followed by 40 hex digits)")
    return to_checksum_address(value)


def tin_argument(command):
    from cadena_client.domain.model import parse_tin

    return click.argument("tin", metavar="TIN", callback=_converted(parse_tin))(command)


def country_option(*names, help: str, required: bool = True):
    from cadena_client.domain.model import parse_country

    return click.option(*names, "code", required=required, help=help, callback=_converted(parse_country))


address_callback = _converted(parse_address)
