"""Exchange keys: `cadena keys exchange new --out FILE --country CC` creates an administration's X25519
key pair (the private key in FILE, mode 0600); `cadena keys exchange set --country CC --key FILE`
publishes its public key on chain (an admin of CC signs), the key partners seal CC's copies to."""

from __future__ import annotations

from pathlib import Path

import click

from cadena_client.cli.session import country_option, json_option, pass_session, report_write


@click.group()
def keys():
    """Exchange keys that seal master data to your administration."""


@keys.group("exchange")
def exchange():
    """Your administration's X25519 exchange key pair."""


@exchange.command("new")
@country_option("--country", help="The administration whose key it is.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to create.")
def exchange_new(code, out):
    """Create an exchange key pair; the private key goes to --out, readable by you only."""
    from cadena_client.confidential.keys import ExchangeKeys

    created = ExchangeKeys.create(code)
    created.save(out)
    click.echo(
        f"exchange key of {code} written to {out}; publish it with `cadena keys exchange set --country {code} --key {out}`"
    )
    click.echo(f"public key 0x{created.public_key.hex()}")


@exchange.command("set")
@country_option("--country", help="Your country, whose key it is.")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Its key file.")
@json_option
@pass_session
def exchange_set(session, code, key_file, as_json):
    """Publish the public half of --key as --country's exchange key (as an admin of that country)."""
    from cadena_client.confidential.keys import ExchangeKeys

    public_key = ExchangeKeys.load(key_file, code).public_key
    receipt = session.cadena(signing=True).set_exchange_key(code, public_key)
    report_write(as_json, "set-exchange-key", code, receipt, f"{code}'s exchange key is now 0x{public_key.hex()}")
