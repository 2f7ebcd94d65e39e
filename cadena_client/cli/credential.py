"""`cadena credential`: the trader's verifiable AEO credential: issue it, show less of it, print it
with its QR code, take a verifier's cache and verify it, online or offline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cadena_client.cli.session import emit, json_option, pass_session, tin_argument
from cadena_client.errors import InputError

DEFAULT_STATUS_URL = "http://127.0.0.1:8080"
DEFAULT_CACHE = "credential-cache.json"


@click.group()
def credential():
    """The trader's verifiable AEO credential (W3C VC as SD-JWT, status from the chain)."""


def status_url_option(command):
    return click.option(
        "--status-url",
        envvar="CADENA_STATUS_URL",
        default=DEFAULT_STATUS_URL,
        show_default=True,
        help="Base URL of the administration's `cadena serve`, where its status lists are published (env CADENA_STATUS_URL).",
    )(command)


def _issue(session, tin: str, status_url: str) -> str:
    from cadena_client.credential.issuance import issue_for

    cadena = session.cadena()
    return issue_for(cadena, session.mirror(), session.signer().account, tin, status_url)


def _read(source: str) -> str:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
    except OSError as exc:
        raise InputError(f"cannot read the credential {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(
            f"{source} is not text: give the credential's file (an SD-JWT) or its QR code's text"
        ) from None
    if not text.strip():
        raise InputError(f"{'standard input' if source == '-' else source} is empty: give a credential")
    return text


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text)
        return
    Path(output).write_text(text + "\n")
    click.echo(f"wrote {output}", err=True)


@credential.command("issue")
@tin_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write it to FILE (default: print it).")
@status_url_option
@pass_session
def credential_issue(session, tin, output, status_url):
    """Issue the credential of TIN's certificate, signed by a credential signer of its country (--keystore)."""
    _write(_issue(session, tin, status_url), output)


@credential.command("present")
@click.argument("source", metavar="FILE|-")
@click.option("--hide", default="name,address", show_default=True, help="Claims to leave out, comma-separated.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write it to FILE (default: print it).")
def credential_present(source, hide, output):
    """The same credential showing less: types and status without name and address (its signature holds)."""
    from cadena_client.credential.document import HIDEABLE
    from cadena_client.credential.sdjwt import present

    names = {name.strip() for name in hide.split(",") if name.strip()}
    if not names <= set(HIDEABLE):
        raise InputError(f"--hide takes {', '.join(HIDEABLE)}, not {', '.join(sorted(names - set(HIDEABLE)))}")
    _write(present(_read(source), names), output)


@credential.command("pdf")
@tin_argument
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The PDF to write.")
@click.option("--credential", "source", help="Print this credential (FILE or -) instead of issuing a new one.")
@status_url_option
@pass_session
def credential_pdf(session, tin, output, source, status_url):
    """The AEO certificate of TIN as a PDF in Spanish and English, with a QR code carrying its credential."""
    from cadena_client.credential.pdf import render

    text = _read(source).strip() if source else _issue(session, tin, status_url)
    render(text, Path(output))
    click.echo(f"wrote {output}")


@credential.command("cache")
@click.option("-o", "--output", default=DEFAULT_CACHE, show_default=True, type=click.Path(dir_okay=False))
@click.option("--country", "countries", multiple=True, help="Only this administration's lists (repeat for more).")
@pass_session
def credential_cache(session, output, countries):
    """Keep the status lists, certificate versions and credential signers for verifying offline."""
    from cadena_client.credential.issuance import take_snapshot
    from cadena_client.domain.model import parse_country

    snapshot = take_snapshot(session.cadena(), session.mirror(), [parse_country(c) for c in countries] or None)
    snapshot.save(Path(output))
    click.echo(f"wrote {output}: {', '.join(sorted(snapshot.countries))} as of {snapshot.taken}")


@credential.command("verify")
@click.argument("source", metavar="FILE|-")
@click.option("--offline", is_flag=True, help="Check against the cache (see `cadena credential cache`), not the chain.")
@click.option("--cache", default=DEFAULT_CACHE, show_default=True, type=click.Path(dir_okay=False))
@json_option
@pass_session
def credential_verify(session, source, offline, cache, as_json):
    """Is this AEO credential valid? One line; exits 0 when valid, else 30 + the verdict: 31 suspended,
    32 revoked, 33 expired, 34 superseded, 35 forged, 36 unknown issuer (1: no answer)."""
    from cadena_client.credential.verify import EXIT_BASE, ChainEvidence, SnapshotEvidence, check

    text = _read(source)
    evidence = SnapshotEvidence.load(Path(cache)) if offline else ChainEvidence(session.cadena())
    checked = check(text, evidence)
    where = f"offline, as of {evidence.taken}" if isinstance(evidence, SnapshotEvidence) else "on chain"
    data = {**checked.as_dict(), "checked": where}
    emit(as_json, "credential-verification", data, lambda: click.echo(f"{checked.line()} [{where}]"))
    click.get_current_context().exit(EXIT_BASE + checked.verdict if checked.verdict else 0)


@credential.command("subscribe")
@click.argument("tins", nargs=-1, required=True, metavar="TIN...")
@click.option("--service", required=True, help="Base URL of the administration's `cadena serve`.")
@click.option("--endpoint", required=True, help="Your HTTPS endpoint that receives the changes (Standard Webhooks).")
@pass_session
def credential_subscribe(session, tins, service, endpoint):
    """Subscribe your endpoint to the changes of your TINs and of the MRAs covering them, signing with the
    holder key your certificates name (--keystore); prints the endpoint's webhook secret."""
    import requests

    from cadena_client.subscriptions import signed_request

    body = signed_request(session.signer().account, endpoint, tins)
    try:
        answer = requests.post(f"{service.rstrip('/')}/v1/subscriptions", json=body, timeout=30)
    except requests.RequestException as exc:
        raise InputError(f"cannot reach the service at {service}: {type(exc).__name__}") from None
    if answer.status_code != 201:
        try:
            said = answer.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            said = f"HTTP {answer.status_code}"
        raise InputError(f"the service refused the subscription: {said}")
    click.echo(answer.json()["secret"])
