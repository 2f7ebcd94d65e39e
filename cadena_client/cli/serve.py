"""`cadena serve`: the HTTP service and web page, over a mirror it keeps synced."""

from __future__ import annotations

import os
from pathlib import Path

import click

from cadena_client.cli.session import pass_session
from cadena_client.errors import CadenaError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Seconds between syncs.")
@click.option("--webhook", "webhooks", multiple=True, help="POST every change to this URL, signed (repeat for more).")
@click.option(
    "--webhook-secret-file",
    type=click.Path(dir_okay=False, exists=True),
    help="The HMAC-SHA256 key of the webhooks' signatures (else env CADENA_WEBHOOK_SECRET).",
)
@click.option(
    "--cors-origin", "cors", multiple=True, help="Let web pages of this origin call the API (none by default)."
)
@click.option(
    "--observer", default="", help="The administration this service serves (CC): its committee reports name it."
)
@pass_session
def serve(session, host, port, poll, webhooks, webhook_secret_file, cors, observer):
    """Serve verification, certificates, AEO lists and a live feed over HTTP (read-only, no keys), from the
    local mirror kept synced with the chain; the API's documentation is at /docs."""
    import uvicorn

    from cadena_client.errors import PortTaken
    from cadena_client.service import Follower, create_app

    follower = Follower(session.mirror(), session.cadena(), poll, observer.upper())
    if webhooks:
        secret = (
            Path(webhook_secret_file).read_bytes().strip()
            if webhook_secret_file
            else os.environb.get(b"CADENA_WEBHOOK_SECRET")
        )
        if not secret:
            raise CadenaError("webhooks are signed: give --webhook-secret-file FILE or set CADENA_WEBHOOK_SECRET")
        for url in webhooks:
            follower.add_webhook(url, secret)
    follower.start()
    click.echo(f"serving on http://{host}:{port} (API documentation at /docs); the mirror syncs every {poll:g} s")
    try:
        uvicorn.run(
            create_app(follower, cors),
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
