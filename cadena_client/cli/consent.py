"""Consent and the master data's readers: `cadena consent set|sign|relay` and `cadena cert erase|share`.

The holder decides who reads its master data: `set` as the holder (its own key) or as an officer with
the reference of the signed paper form; `sign` prints the holder's EIP-712 signature as JSON for
anyone to `relay` (the holder needs no ether). An officer with the exchange key shares the current
master data with the readers its consent allows now, or erases it everywhere."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from cadena_client.cli.certs import cert
from cadena_client.cli.session import json_option, pass_session, reason_option, report_write, tin_argument
from cadena_client.errors import CadenaError, InputError

VISIBILITIES = click.Choice(["issuer", "partners", "published"], case_sensitive=False)


def exchange_key_option(command):
    return click.option(
        "--exchange-key",
        "exchange_key",
        type=click.Path(dir_okay=False),
        help="Your administration's exchange key file (default: CADENA_EXCHANGE_KEY).",
    )(command)


@click.group()
def consent():
    """Who may read a certificate's master data: the holder's consent."""


@consent.command("set")
@tin_argument
@click.option("--visibility", required=True, type=VISIBILITIES, help="Who may read the master data.")
@click.option("--form", help="As an officer: the reference of the consent form the holder signed.")
@json_option
@pass_session
def consent_set(session, tin, visibility, form, as_json):
    """Set who may read TIN's master data: as its holder, or as an officer with --form."""
    receipt = session.cadena(signing=True).set_visibility(tin, visibility, form)
    report_write(as_json, "consent", tin, receipt, f"{tin}: master data visible to {visibility.lower()}")


@consent.command("sign")
@tin_argument
@click.option("--visibility", required=True, type=VISIBILITIES, help="Who may read the master data.")
@click.option("--valid-hours", default=72, show_default=True, type=click.IntRange(1, 24 * 90), help="Until it expires.")
@pass_session
def consent_sign(session, tin, visibility, valid_hours):
    """Sign the holder's consent (with --keystore of the holder) and print it as JSON to relay."""
    cadena = session.cadena()
    account = session.signer().account
    certificate = cadena.certificate(tin)
    if certificate.holder != account.address:
        raise InputError(
            f"{account.address} is not the holder of {tin} ({certificate.holder or 'none is set'}); sign with the holder's key"
        )
    deadline = int(time.time()) + valid_hours * 3600
    signature = cadena.sign_consent(account.key, tin, visibility, deadline)
    click.echo(
        json.dumps(
            {"tin": tin, "visibility": visibility.lower(), "deadline": deadline, "signature": "0x" + signature.hex()}
        )
    )


@consent.command("relay")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@pass_session
def consent_relay(session, file, as_json):
    """Send a consent `cadena consent sign` printed (FILE, or - for standard input), paying its gas."""
    try:
        text = click.get_text_stream("stdin").read() if str(file) == "-" else file.read_text()
        signed = json.loads(text)
        tin, visibility, deadline = signed["tin"], signed["visibility"], int(signed["deadline"])
        signature = bytes.fromhex(str(signed["signature"]).removeprefix("0x"))
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f"{file} is not a consent printed by `cadena consent sign` (tin, visibility, deadline, signature)"
        ) from None
    if deadline < time.time():
        raise InputError(f"the consent in {file} expired; the holder signs it anew")
    receipt = session.cadena(signing=True).set_visibility_by_sig(tin, visibility, deadline, signature)
    report_write(as_json, "consent", tin, receipt, f"{tin}: master data visible to {visibility}, as its holder signed")


@cert.command("erase")
@tin_argument
@reason_option("unspecified")
@json_option
@pass_session
def cert_erase(session, tin, reason, as_json):
    """Erase TIN's master data: every reader deletes its copy; status, history and commitment stay."""
    receipt = session.cadena(signing=True).erase(tin, reason)
    report_write(as_json, "erase", tin, receipt, f"{tin}: master data erased; partners delete it on their next sync")


@cert.command("share")
@click.argument("tin", required=False)
@click.option("--all", "share_all", is_flag=True, help="Every certificate of --country the mirror holds.")
@click.option("--country", "code", help="With --all: your country.")
@exchange_key_option
@pass_session
def cert_share(session, tin, share_all, code, exchange_key):
    """Seal TIN's current master data (from your mirror) to the readers its consent allows now."""
    if bool(tin) == share_all:
        raise InputError("give a TIN or --all --country CC, not both")
    if exchange_key:
        session.exchange_file = exchange_key
    if session.exchange() is None:
        raise InputError("sharing needs your exchange key: --exchange-key FILE or CADENA_EXCHANGE_KEY")
    mirror = session.mirror()
    cadena = session.cadena(signing=True)
    mirror.sync(cadena)  # the master data sealed to your administration, up to now
    if share_all:
        if not code:
            raise InputError("--all needs --country CC")
        tins = [c.tin for c in mirror.all_certificates([code.upper()])]
    else:
        tins = [tin.upper()]
    shared = 0
    for each in tins:
        master = mirror.master_data(each)
        if master is None:
            if not share_all:
                raise CadenaError(
                    f"the mirror holds no master data of {each}: sync with your exchange key, or update it"
                )
            continue
        cadena.share(master)
        shared += 1
    click.echo(f"shared the master data of {shared} certificate{'s' if shared != 1 else ''}")
