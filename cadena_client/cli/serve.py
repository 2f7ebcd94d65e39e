"""`cadena serve`: the HTTP service and web page, over a mirror it keeps synced."""

from __future__ import annotations

import os
from pathlib import Path

import click

from cadena_client.cli.session import pass_session
from cadena_client.errors import CadenaError


def _webhook_key(secret_file: str | None) -> bytes:
    key = Path(secret_file).read_bytes().strip() if secret_file else os.environb.get(b"CADENA_WEBHOOK_SECRET")
    if not key:
        raise CadenaError("webhooks are signed: give --webhook-secret-file FILE or set CADENA_WEBHOOK_SECRET")
    return key


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Seconds between syncs.")
@click.option("--webhook", "webhooks", multiple=True, help="POST every change to this URL, signed (repeat for more).")
@click.option(
    "--webhook-secret-file",
    type=click.Path(dir_okay=False, exists=True),
    help="The service's webhook key, from which each endpoint's own secret is made (else env CADENA_WEBHOOK_SECRET).",
)
@click.option(
    "--webhook-secret-of",
    metavar="URL",
    help="Print the Standard Webhooks secret (whsec_...) of the endpoint at URL, for its receiver, and exit.",
)
@click.option(
    "--cors-origin", "cors", multiple=True, help="Let web pages of this origin call the API (none by default)."
)
@click.option(
    "--max-streams", default=256, show_default=True, type=click.IntRange(1), help="Event streams served at once."
)
@click.option(
    "--max-streams-per-client",
    default=16,
    show_default=True,
    type=click.IntRange(1),
    help="Event streams one client address may hold open.",
)
@click.option(
    "--observer", default="", help="The administration this service serves (CC): its committee reports name it."
)
@click.option(
    "--credential-keystore",
    "credential_keystores",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Sign the status lists of the administration whose credential signer this keystore holds (repeat for more).",
)
@pass_session
def serve(
    session,
    host,
    port,
    poll,
    webhooks,
    webhook_secret_file,
    webhook_secret_of,
    cors,
    max_streams,
    max_streams_per_client,
    observer,
    credential_keystores,
):
    """Serve verification, certificates, AEO lists and a live feed over HTTP (read-only, no keys), from the
    local mirror kept synced with the chain; the API's documentation is at /docs. Webhooks follow the
    Standard Webhooks specification, each endpoint with its own secret (see --webhook-secret-of)."""
    from cadena_client.webhooks import Endpoint, endpoint_secret

    if webhook_secret_of:
        click.echo(endpoint_secret(_webhook_key(webhook_secret_file), webhook_secret_of))
        return
    import uvicorn

    from cadena_client.errors import PortTaken
    from cadena_client.service import Follower, create_app

    follower = Follower(session.mirror(), session.cadena(), poll, observer.upper())
    if webhooks:
        key = _webhook_key(webhook_secret_file)
        for url in webhooks:
            follower.add_webhook(Endpoint(url, endpoint_secret(key, url)))
    app = create_app(follower, cors, max_streams, max_streams_per_client)
    if webhook_secret_file or os.environb.get(b"CADENA_WEBHOOK_SECRET"):
        app.state.webhook_key = _webhook_key(webhook_secret_file)  # companies subscribe with their holder keys
        from cadena_client.service.routes.subscriptions import restore

        restore(follower, app.state.webhook_key)
    if credential_keystores:
        from cadena_client.chain.keys import load_keystore
        from cadena_client.credential.issuance import credential_keys

        accounts = [load_keystore(Path(k), session.password(Path(k))) for k in credential_keystores]
        app.state.credential_keys = credential_keys(follower.cadena, accounts)
    click.echo(f"serving on http://{host}:{port} (API documentation at /docs); the mirror syncs every {poll:g} s")
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
    except SystemExit:
        raise PortTaken(f"cannot listen on {host}:{port}") from None
    finally:
        follower.stop()
