"""Commands on the verification answer and the local mirror: verify, sync, watch, history, export."""

from __future__ import annotations

import codecs
import sys
import time
from pathlib import Path

import click

from cadena_client.chain.logs import DEFAULT_CHUNK
from cadena_client.cli.render import console, counted, history_table, verdict_exit_code, verification_line
from cadena_client.cli.session import Session, country_option, emit, json_option, pass_session, tin_argument
from cadena_client.document import actor_label, aeo_row, as_of, dumps, plain
from cadena_client.domain.model import parse_country, parse_tin
from cadena_client.errors import CadenaError, ChainError, RpcError
from cadena_client.lists import files as aeo_files
from cadena_client.mirror import Mirror


@click.command()
@click.option("--importer", required=True, help="The importing country.")
@click.option("--offline", is_flag=True, help="Answer from the local mirror (see `cadena sync`), not the chain.")
@click.option(
    "--max-lag",
    type=click.FloatRange(min=0),
    help="With --offline: refuse an answer more than this many seconds behind the chain.",
)
@click.option("--at", help="As it stood at the end of this day (YYYY-MM-DD, UTC), from the mirror's audit trail.")
@tin_argument
@json_option
@pass_session
def verify(session, importer, offline, max_lag, at, tin, as_json):
    """Is TIN a recognised AEO for an import into --importer, and with which benefits?

    Exits 0 when it is recognised, 10 + the verdict's code when it is not (11 unknown TIN ... 19 issuer
    suspended: see docs/commands.md), 1 when there is no answer."""
    if max_lag is not None and not offline:
        raise CadenaError("--max-lag applies to --offline answers; an answer from the chain is current")
    if at is not None:
        from cadena_client.mirror.asof import verify_on

        mirror = session.mirror(offline=offline)
        if not offline:
            mirror.sync(session.cadena())
        (past,) = verify_on(mirror, importer, [tin], at)
        emit(as_json, "verification", past, lambda: console().print(f"{past.tin} on {at}: {verification_line(past)}"))
        click.get_current_context().exit(verdict_exit_code(past.verdict))
    if not offline:
        result = session.cadena().verify(importer, tin)
        emit(as_json, "verification", result, lambda: console().print(f"{result.tin}: {verification_line(result)}"))
        click.get_current_context().exit(verdict_exit_code(result.verdict))
    mirror = session.mirror(offline=True)
    result, lag = mirror.verify(importer, tin), _lag(session, mirror)
    if max_lag is not None and (lag["lag_seconds"] is None or lag["lag_seconds"] > max_lag):
        behind = "of unknown age" if lag["lag_seconds"] is None else f"{lag['lag_seconds']:.0f} s behind the chain"
        raise CadenaError(
            f"the mirror is {behind} (more than --max-lag {max_lag:g}): run `cadena sync`, "
            "or verify from the chain without --offline"
        )
    emit(
        as_json,
        "verification",
        {**plain(result), "as_of": lag},
        lambda: console().print(f"{result.tin}: {verification_line(result)}\n  {_lag_line(lag)}"),
    )
    click.get_current_context().exit(verdict_exit_code(result.verdict))


def _lag(session: Session, mirror: Mirror) -> dict:
    """What the mirror's answers reflect, against the node's head when the node answers."""
    return as_of(mirror.position(), session.head())


def _lag_line(lag: dict) -> str:
    where = f"as of block {lag['block']} ({lag['block_time'] or 'time unknown'})"
    if lag["node"] == "unreachable":
        age = "unknown" if lag["lag_seconds"] is None else f"at most {lag['lag_seconds']:.0f} s"
        return f"{where}; the node is unreachable: lag {age}"
    if not lag["lag_blocks"]:
        return f"{where}; up to date with the node"
    return f"{where}; {counted(lag['lag_blocks'], 'block')} behind the node (synced {lag['lag_seconds']:.0f} s ago): run `cadena sync`"


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
