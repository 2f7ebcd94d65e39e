"""`cadena sign-in CHALLENGE`: a company's answer to the page's sign-in challenge, signed with its holder
key (EIP-191 personal_sign, as any Ethereum wallet signs it); paste the signature into the page."""

from __future__ import annotations

from pathlib import Path

import click

from cadena_client.cli.session import pass_session
from cadena_client.errors import SignerRequired


@click.command("sign-in")
@click.argument("challenge")
@pass_session
def sign_in(session, challenge):
    """Sign the page's CHALLENGE with the holder key of --keystore; prints the signature to paste."""
    from cadena_client.chain.keys import load_keystore
    from cadena_client.service.signin import sign

    if not session.keystore:
        raise SignerRequired("give --keystore FILE: the holder key of your certificate signs the challenge")
    account = load_keystore(Path(session.keystore), session.password(Path(session.keystore)))
    click.echo(sign(challenge.replace("\r\n", "\n"), account))
