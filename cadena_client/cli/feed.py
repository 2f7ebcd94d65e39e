"""Commands on the local mirror: sync, watch, history, export (verify has a module of its own)."""

from __future__ import annotations

import codecs
import sys
import time
from pathlib import Path

import click

from cadena_client.chain.logs import DEFAULT_CHUNK
from cadena_client.cli.render import console, counted, history_table
from cadena_client.cli.session import Session, country_option, emit, json_option, pass_session
from cadena_client.document import actor_label, aeo_row, dumps
from cadena_client.domain.model import parse_country, parse_tin
from cadena_client.errors import CadenaError, ChainError, RpcError
from cadena_client.lists import files as aeo_files
from cadena_client.mirror import Mirror


def sync_options(command):
    for option in reversed(
        [
            click.option(
                "--confirmations", default=0, show_default=True, help="Stay this many blocks behind the head."
            ),
            click.option("--chunk", default=DEFAULT_CHUNK, show_default=True, help="Blocks per eth_getLogs request."),
            click.option("--poll", default=1.0, show_default=True, help="Seconds between polls when following."),
        ]
    ):
        command = option(command)
    return command


@click.command()
@click.option("--follow", is_flag=True, help="Keep syncing every --poll seconds until interrupted.")
@sync_options
@pass_session
def sync(session, follow, confirmations, chunk, poll):
    """Bring the local mirror up to the chain (resumes where it stopped; survives reorgs)."""
    cadena, mirror = session.cadena(), session.mirror()

    def report(result):
        retracted = f", {len(result.retracted)} retracted by a reorg" if result.retracted else ""
        click.echo(f"{_blocks(result.from_block, result.to_block)}: {counted(len(result.events), 'event')}{retracted}")

    report(mirror.sync(cadena, confirmations, chunk))
    if follow:
        _until_interrupted(lambda: _keep_following(session, mirror, confirmations, chunk, poll, report))


@click.command()
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
                click.echo(dumps("event", event, indent=None) if as_json else _event_line(event))
            sys.stdout.flush()
            last = events[-1].seq
            mirror.mark("watch", last)

    def start(cadena):
        nonlocal last
        click.echo(f"catching up with the chain from block {mirror.cursor + 1}", err=True)
        mirror.sync(cadena, confirmations, chunk)
        if last is None:  # the first watch of this mirror: only what happens from now on
            last = mirror.last_seq
            mirror.mark("watch", last)
        show()
        click.echo(f"watching from block {mirror.cursor + 1}", err=True)

    _until_interrupted(lambda: _keep_following(session, mirror, confirmations, chunk, poll, show, start))


def _blocks(first: int, last: int) -> str:
    """The blocks a sync covered: a range, one block, or none when the mirror was up to date."""
    if last < first:
        return f"up to date at block {last}"
    return f"block {first}" if first == last else f"blocks {first}..{last}"


def _keep_following(
    session: Session, mirror: Mirror, confirmations: int, chunk: int, poll: float, on_sync, on_connect=None
) -> None:
    """Follows the chain into the mirror until interrupted; when the node cannot be reached, says so on
    stderr and tries again with backoff (1 s doubling to 30 s), then catches up."""
    import requests

    delay = 1.0
    while True:
        try:
            session.reconnect()
            cadena = session.cadena()
            if on_connect:
                on_connect(cadena)
            delay = 1.0
            mirror.follow(cadena, on_sync, poll, confirmations, chunk)
        except (ChainError, RpcError, requests.RequestException, OSError) as exc:
            from cadena_client.chain.connection import cause

            click.echo(
                f"waiting for the node at {session.rpc_url} ({cause(exc)}); trying again in {delay:.0f} s", err=True
            )
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def _event_line(event) -> str:
    when = event.when.strftime("%Y-%m-%d %H:%M:%S")
    subject = event.tin or (f"MRA {event.mra_id}" if event.mra_id else event.country)
    prefix = "RETRACTED " if event.retracted else ""
    reason = f" reason={event.reason_label}" if event.reason is not None else ""
    return (
        f"{when} block {event.block} {prefix}{event.kind} {subject}{reason} by {actor_label(event)} tx {event.tx_hash}"
    )


def _until_interrupted(run) -> None:
    try:
        run()
    except KeyboardInterrupt:
        pass


@click.command()
@click.argument("subject")
@json_option
@pass_session
def history(session, subject, as_json):
    """The audit trail of a certificate (SUBJECT a TIN) or of an administration (SUBJECT its country code:
    admission, suspensions, key and role changes), from the local mirror, with block, time, actor, reason."""
    mirror = session.mirror(offline=True)
    subject = subject.strip().upper()
    if len(subject) == 2:
        subject = parse_country(subject)
        events = mirror.administration_history(subject)
    else:
        subject = parse_tin(subject)
        events = mirror.history(subject)
    if not events:
        raise CadenaError(f"the mirror (synced to block {mirror.cursor}) has no event for {subject}; run `cadena sync`")
    title = f"History of {subject} (mirror at block {mirror.cursor})"
    emit(as_json, "events", events, lambda: console().print(history_table(events, title, mirror.roles())))


@click.command()
@country_option("--country", help="The administration whose view is exported.")
@click.option(
    "--format", "fmt", type=click.Choice(aeo_files.FORMATS), help="File format [default: from --output, else csv]."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File to write [default: standard output].")
@pass_session
def export(session, code, fmt, output):
    """The AEO list an administration sees (its own and its MRA partners'), from the local mirror, in the
    layout `cadena cert import` reads."""
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    if output and suffix not in aeo_files.FORMATS:
        raise CadenaError(
            f"--output {output}: write a .xlsx, .csv or .json file, not {Path(output).suffix or 'one without extension'}"
        )
    if output and fmt and fmt != suffix:
        raise CadenaError(f"--format {fmt} does not match --output {output}; give a .{fmt} file")
    if output and not Path(output).parent.is_dir():
        raise CadenaError(f"--output {output}: the folder {Path(output).parent} does not exist; create it first")
    fmt = fmt or suffix or "csv"
    if fmt == "xlsx" and not output:
        raise CadenaError("an .xlsx workbook is written to a file: give --output FILE.xlsx")
    mirror = session.mirror(offline=True)
    rows = [aeo_row(cert, answer) for cert, answer in mirror.aeo_list(code, audience=mirror.officers())]
    data = aeo_files.write(rows, fmt)
    if output:
        Path(output).write_bytes(codecs.BOM_UTF8 + data if fmt == "csv" else data)  # the BOM makes Excel read UTF-8
        click.echo(f"{counted(len(rows), 'AEO')} -> {output}", err=True)
    else:
        click.echo(data.decode(), nl=False)
