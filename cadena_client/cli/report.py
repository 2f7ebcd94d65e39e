"""`cadena report`: the joint committee's view of an MRA over a period, as tables, JSON, xlsx or PDF.

The chain's history comes from the local mirror (synced first); the services' records (when each
partner saw each change, the verifications they answered) from this mirror file, where a local
`cadena serve` keeps them, and from each partner's service given with --service.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click
import requests
from rich.console import Console

from cadena_client.cli.render import console, titled_table
from cadena_client.cli.session import pass_session
from cadena_client.document import dumps
from cadena_client.errors import CadenaError
from cadena_client.report import committee, documents, usage

FORMATS = ("json", "xlsx", "pdf")


@click.command()
@click.option("--mra", "mra_id", required=True, type=int, help="The MRA's id.")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="json, xlsx or pdf [default: from -o, else tables].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option(
    "--service",
    "services",
    multiple=True,
    metavar="URL",
    help="A partner's `cadena serve`, whose records (changes seen, verifications answered) join the report (repeat).",
)
@pass_session
def report(session, mra_id, start, end, fmt, output, services):
    """The joint committee's report on MRA --mra from --from to --to: certificates by country and status at
    both dates and the changes between, how fast each change reached each partner, the recognitions the
    services answered (counted, never which company), and the MRA's standing and its parties' history."""
    period = committee.Period(start.date(), end.date())
    fmt = fmt or (Path(output).suffix.lower().lstrip(".") if output else None)
    if fmt is not None and fmt not in FORMATS:
        raise CadenaError(f"{output}: write the report as .json, .xlsx or .pdf, or give --format")
    if fmt in ("xlsx", "pdf") and not output:
        raise CadenaError(f"a {fmt} report is a file: give -o FILE.{fmt}")
    mirror = session.mirror()
    mirror.sync(session.cadena())
    records = usage.merged(
        [usage.observations(mirror.db, period.opening, period.closing), *(_fetched(url, period) for url in services)]
    )
    built = committee.build(mirror.feed(0, limit=10**9), mra_id, period, records)
    mirror.close()
    if fmt is None:
        print_report(console(), built)
        return
    data = {
        "json": lambda: (dumps("report", built) + "\n").encode(),
        "xlsx": lambda: documents.xlsx(built),
        "pdf": lambda: documents.pdf(built),
    }[fmt]()
    if output:
        Path(output).write_bytes(data)
        click.echo(f"report on MRA {mra_id}, {period.start} to {period.end} -> {output}", err=fmt == "json")
    else:
        click.echo(data.decode(), nl=False)


def _fetched(url: str, period: committee.Period) -> dict:
    """A partner service's records for `period` (GET /v1/usage)."""
    where = f"{url.rstrip('/')}/v1/usage"
    try:
        answer = requests.get(where, params={"start": str(period.start), "end": str(period.end)}, timeout=30)
        answer.raise_for_status()
        return answer.json()
    except (requests.RequestException, json.JSONDecodeError) as exc:
        raise CadenaError(f"{where} did not give its records: {exc}") from None


def print_report(out: Console, built: dict) -> None:
    """The report as a person reads it: the summary, then each table."""
    for line in documents.summary_lines(built):
        out.print(line)
    for title, header, rows in documents.tables(built):
        table = titled_table(title, tuple(header))
        for row in rows:
            table.add_row(*("" if value is None else str(value) for value in row))
        out.print(table)


def demo_report(cadena, mra_id: int, countries: tuple[str, ...], tins: list[str], out: Console) -> dict:
    """The demo's last chapter: each party's service syncs a mirror of its own (recording when it saw
    the changes: here once, at the end of the story, by the embedded chain's clock, which runs ahead of
    the wall clock when blocks come faster than one a second), answers its risk engine's verifications
    of `tins`, and the committee reads the report of the story's days."""
    from cadena_client.chain.logs import LogSource
    from cadena_client.mirror import Mirror

    stores, blocks = [], LogSource(cadena.chain, cadena.address)
    for code in countries:
        mirror = Mirror(":memory:", cadena.chain.chain_id, cadena.address, 0)
        recorder = usage.Usage(mirror.db, code, since=blocks.block(0)["timestamp"])
        recorder.seen(mirror.sync(cadena).events, at=blocks.block(blocks.head())["timestamp"])
        answers = [mirror.verify(code, tin) for tin in tins if tin[:2] != code]
        recorder.answered(code, [a.tin for a in answers], [a.verdict for a in answers])
        recorder.flush()
        stores.append(mirror)
    events = stores[0].feed(0, limit=10**9)
    times = [event.time for event in events if event.time is not None]
    first, last = (datetime.fromtimestamp(moment, timezone.utc).date() for moment in (min(times), max(times)))
    period = committee.Period(first, last)
    records = usage.merged(usage.observations(store.db, period.opening, period.closing) for store in stores)
    built = committee.build(events, mra_id, period, records)
    print_report(out, built)
    out.print(
        "[dim]The services synced once, at the end of the story: their delays are the story's length. A service "
        "following the chain (`cadena serve --observer CC`) sees a change within its poll interval.[/]"
    )
    return built
