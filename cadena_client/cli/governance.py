"""Governance commands: the member administrations propose, vote, veto and execute decisions."""

from __future__ import annotations

import click

from cadena_client.cli.render import console, counted, proposal_table
from cadena_client.cli.session import address_callback, country_option, emit, json_option, pass_session, report_write
from cadena_client.domain.governance import ProposalKind, ProposalState, Rules


@click.group()
def governance():
    """Decide as members: admit, suspend, expel, reinstate, recover keys, change the rules, upgrade."""


def _proposed(session, as_json, proposer: str, kind: ProposalKind, **motion) -> None:
    cadena = session.cadena(signing=True)
    proposal_id = cadena.propose(proposer, kind, **motion)
    found = cadena.proposal(proposal_id)
    emit(
        as_json,
        "proposal",
        found,
        lambda: click.echo(
            f"proposal {proposal_id}: {kind.label}{' of ' + found.country if found.country else ''}; "
            f"it needs {counted(found.needed, 'vote')} by {found.expires:%Y-%m-%d %H:%M} UTC: "
            f"each member votes with `cadena governance vote {proposal_id} --country CC`"
        ),
    )


proposer_option = country_option("--proposer", help="Your administration's country (a member).")


@governance.command("propose-admission")
@click.argument("country")
@click.option("--name", required=True, help="The administration's name.")
@click.option("--admin", required=True, callback=address_callback, help="Its first admin's account.")
@proposer_option
@json_option
@pass_session
def propose_admission(session, country, name, admin, code, as_json):
    """Propose to admit the customs administration of COUNTRY with its first admin."""
    _proposed(session, as_json, code, ProposalKind.ADMISSION, country=country, name=name, account=admin)


def _standing_command(kind: ProposalKind, doc: str) -> None:
    @governance.command(f"propose-{kind.label}", help=doc)
    @click.argument("country")
    @proposer_option
    @json_option
    @pass_session
    def command(session, country, code, as_json):
        _proposed(session, as_json, code, kind, country=country)


_standing_command(
    ProposalKind.SUSPENSION, "Propose to suspend COUNTRY (its officers stop, its AEOs stop being recognised)."
)
_standing_command(ProposalKind.EXPULSION, "Propose to expel COUNTRY for good (its history stays).")
_standing_command(ProposalKind.REINSTATEMENT, "Propose to reinstate a suspended COUNTRY.")


@governance.command("propose-recovery")
@click.argument("country")
@click.option("--admin", required=True, callback=address_callback, help="The new first admin of COUNTRY.")
@proposer_option
@json_option
@pass_session
def propose_recovery(session, country, admin, code, as_json):
    """Propose a new first admin for COUNTRY, which lost every admin key (its admins can veto during a delay)."""
    _proposed(session, as_json, code, ProposalKind.RECOVERY, country=country, account=admin)


@governance.command("propose-quorum")
@click.option("--quorum", type=int, required=True, help="Basis points of the electorate to reinstate (5001-10000).")
@click.option("--supermajority", type=int, required=True, help="Basis points for every other decision (6666-10000).")
@click.option("--voting-days", type=int, required=True, help="Days a proposal stays open (1-90).")
@click.option("--veto-days", type=int, required=True, help="Days a key recovery waits for a veto (7 to voting days).")
@proposer_option
@json_option
@pass_session
def propose_quorum(session, quorum, supermajority, voting_days, veto_days, code, as_json):
    """Propose new governance rules (decided at the supermajority in force)."""
    rules = Rules(quorum, supermajority, voting_days * 86_400, veto_days * 86_400)
    _proposed(session, as_json, code, ProposalKind.RULES, rules=rules)


@governance.command("propose-upgrade")
@click.argument("implementation", callback=address_callback)
@click.option(
    "--code-hash", required=True, help="The runtime code hash `cadena network verify-code IMPLEMENTATION` printed."
)
@proposer_option
@json_option
@pass_session
def propose_upgrade(session, implementation, code_hash, code, as_json):
    """Propose to upgrade the CADENA contract to IMPLEMENTATION (supermajority, then a 7-day veto window)."""
    _proposed(session, as_json, code, ProposalKind.UPGRADE, account=implementation, code_hash=code_hash)


def _ballot_command(name: str, support: bool, doc: str, done: str) -> None:
    @governance.command(name, help=doc)
    @click.argument("proposal_id", type=int)
    @country_option("--country", help="Your administration's country (one vote per administration).")
    @json_option
    @pass_session
    def command(session, proposal_id, code, as_json):
        receipt = session.cadena(signing=True).vote(proposal_id, code, support)
        report_write(as_json, name, str(proposal_id), receipt, f"{code} {done} proposal {proposal_id}")


_ballot_command("vote", True, "Vote for proposal PROPOSAL_ID for your administration.", "voted for")
_ballot_command("unvote", False, "Withdraw your administration's vote before execution.", "withdrew its vote on")


@governance.command("veto")
@click.argument("proposal_id", type=int)
@country_option("--country", help="Your administration's country.")
@json_option
@pass_session
def veto(session, proposal_id, code, as_json):
    """Stop a key recovery of your own country (its keys were not lost), or any upgrade (as any member)."""
    receipt = session.cadena(signing=True).veto(proposal_id, code)
    report_write(as_json, "veto", str(proposal_id), receipt, f"{code} vetoed proposal {proposal_id}")


@governance.command("execute")
@click.argument("proposal_id", type=int)
@json_option
@pass_session
def execute(session, proposal_id, as_json):
    """Queue a proposal that has its votes, or carry out a queued one after its delay (anyone may)."""
    cadena = session.cadena(signing=True)
    receipt = cadena.execute(proposal_id)
    found = cadena.proposal(proposal_id)
    if found.state is ProposalState.QUEUED:
        done = (
            f"proposal {proposal_id} queued: run `cadena governance execute {proposal_id}` again from "
            f"{found.executable_from:%Y-%m-%d %H:%M} UTC"
        )
    else:
        done = f"proposal {proposal_id} executed"
    report_write(as_json, "execute", str(proposal_id), receipt, done)


@governance.command("show")
@click.argument("proposal_id", type=int)
@json_option
@pass_session
def show(session, proposal_id, as_json):
    """One proposal: who voted, how many votes it still needs, when it expires."""
    found = session.cadena().proposal(proposal_id)
    emit(as_json, "proposal", found, lambda: console().print(proposal_table([found], f"Proposal {proposal_id}")))


@governance.command("list")
@json_option
@pass_session
def list_(session, as_json):
    """Every proposal, with the rules and the members' count they are decided by."""
    cadena = session.cadena()
    rules, members, _ = cadena.consortium()
    found = cadena.proposals()

    def render():
        out = console()
        out.print(
            f"{members} active members; reinstatement needs {rules.quorum / 100:g}% of a proposal's electorate, "
            f"the rest {rules.supermajority / 100:g}%; proposals stay open {rules.voting_period // 86400} days"
        )
        out.print(proposal_table(found))

    emit(as_json, "proposals", found, render)
