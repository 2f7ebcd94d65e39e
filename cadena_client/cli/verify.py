"""`cadena verify`: is a TIN a recognised AEO for an import, from the chain or the local mirror. A module of
its own, so that an answer from the mirror imports only what it uses (no exports, no sync, no tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cadena_client.cli.render import counted, verdict_exit_code, verification_line
from cadena_client.cli.session import Session, emit, json_option, pass_session, tin_argument
from cadena_client.document import as_of, plain
from cadena_client.errors import CadenaError

if TYPE_CHECKING:
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
        emit(as_json, "verification", past, lambda: click.echo(f"{past.tin} on {at}: {verification_line(past)}"))
        click.get_current_context().exit(verdict_exit_code(past.verdict))
    if not offline:
        result = session.cadena().verify(importer, tin)
        emit(as_json, "verification", result, lambda: click.echo(f"{result.tin}: {verification_line(result)}"))
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
        lambda: click.echo(f"{result.tin}: {verification_line(result)}\n  {_lag_line(lag)}"),
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
