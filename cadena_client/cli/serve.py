"""`cadena serve`: the HTTP service and web page, over a mirror it keeps synced."""

from __future__ import annotations

import click

from cadena_client.cli.session import pass_session


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Seconds between syncs.")
@pass_session
def serve(session, host, port, poll):
    """Serve verification, certificates, AEO lists and a live feed over HTTP (read-only, no keys), from the
    local mirror kept synced with the chain; the API's documentation is at /docs."""
    import uvicorn

    from cadena_client.errors import PortTaken
    from cadena_client.service import Follower, create_app

    follower = Follower(session.mirror(), session.cadena(), poll)
    follower.start()
    click.echo(f"serving on http://{host}:{port} (API documentation at /docs); the mirror syncs every {poll:g} s")
    try:
        uvicorn.run(create_app(follower), host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
    except SystemExit:
        raise PortTaken(f"cannot listen on {host}:{port}") from None
    finally:
        follower.stop()
