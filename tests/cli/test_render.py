"""How the CLI words what it counts, and the exit codes of a verification."""

import pytest

from cadena_client.cli.render import ballot, counted, verdict_exit_code
from cadena_client.domain.model import Verdict


@pytest.mark.parametrize(
    ("number", "noun", "words"),
    [(0, "event", "0 events"), (1, "event", "1 event"), (1, "certificate", "1 certificate"), (2, "AEO", "2 AEOs")],
)
def test_a_count_takes_its_noun_in_the_right_number(number, noun, words):
    assert counted(number, noun) == words


def test_a_ballot_never_says_more_votes_than_it_needs_are_missing():
    assert ballot(1, 2) == "1 of the 2 votes it needs"
    assert ballot(0, 1) == "0 of the 1 vote it needs"
    assert ballot(3, 2) == "3 votes, 2 needed: enough to execute"


def test_every_verdict_has_its_own_exit_code_apart_from_success_and_failure():
    codes = {verdict: verdict_exit_code(verdict) for verdict in Verdict}
    assert codes[Verdict.RECOGNISED] == 0
    refused = [code for verdict, code in codes.items() if verdict is not Verdict.RECOGNISED]
    assert len(set(refused)) == len(refused) and all(10 < code <= 20 for code in refused)  # never 0 nor 1
    assert codes[Verdict.NOT_ACTIVE] == 13 and codes[Verdict.ISSUER_SUSPENDED] == 19  # as docs/commands.md says
