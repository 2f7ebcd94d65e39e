"""Governance by the member administrations: admission, suspension, expulsion, reinstatement, key
recovery, rule changes and upgrades by vote, and the attacks that must fail. MX, PE and CR are the
founders; reinstatement needs more than half of a proposal's electorate, everything else two thirds.
A decision with its votes is queued, and carried out after its delay."""

import pytest
from helpers import NO_RULES, expecting_refusal, found, master_data, reverts
from iso3166 import countries_by_alpha2

from cadena_client.contract.codec import codec, tin_to_bytes32
from cadena_client.domain.model import Verdict

TIN = "MXAAA010101AAA"
DAY = 86400
OPEN, EXECUTED, VETOED, QUEUED = 1, 2, 3, 4
VALID_RULES = (6000, 8000, 14 * DAY, 7 * DAY)


def queue(net, proposal):
    return net.tx(net.fn("execute", proposal), "stranger")


def test_admission_needs_the_supermajority_then_waits_its_delay(net):
    proposal = net.propose_motion("admission", "CO", "co_admin", "DIAN")
    assert net.needed(proposal) == 2  # two thirds of three, rounded up
    net.vote(proposal, "MX")
    with reverts("GovernanceBelowThreshold", id=proposal, votes=1, needed=2):
        queue(net, proposal)
    with reverts("GovernanceAlreadyVoted"):
        net.vote(proposal, "MX")
    net.vote(proposal, "PE")
    (queued,) = net.events(queue(net, proposal), "ProposalQueued")
    assert queued.args.executableFrom - net.now() >= 2 * DAY - 5  # DECISION_DELAY
    with reverts("GovernanceInVetoWindow"):
        queue(net, proposal)
    net.travel_days(2)
    receipt = queue(net, proposal)
    assert [e.args.country for e in net.events(receipt, "AdministrationRegistered")] == [b"CO"]
    assert net.fn("consortium").call()[1] == 4 and net.fn("adminCount", b"CO").call() == 1
    assert net.fn("hasRole", net.admin_role("CO"), net.a["co_admin"]).call()
    assert net.fn("getProposal", proposal).call()[1] == EXECUTED
    with reverts("GovernanceClosed"):
        queue(net, proposal)


def test_every_step_is_an_event_naming_the_country_and_the_account(net):
    motion = (0, b"CO", net.a["co_admin"], "DIAN", NO_RULES, bytes(32))
    receipt = net.tx(net.fn("propose", b"PE", motion), "pe_admin")
    (created,) = net.events(receipt, "ProposalCreated")
    assert (created.args.proposer, created.args.country, created.args.actor) == (b"PE", b"CO", net.a["pe_admin"])
    (cast,) = net.events(net.vote(created.args.id, "MX"), "VoteCast")
    assert (cast.args.country, cast.args.actor, cast.args.votes) == (b"MX", net.a["mx_admin"], 1)
    (withdrawn,) = net.events(net.vote(created.args.id, "MX", support=False), "VoteWithdrawn")
    assert withdrawn.args.votes == 0


@pytest.mark.slow
def test_a_vote_can_be_withdrawn_until_execution_and_proposals_expire(net):
    proposal = net.propose_motion("admission", "CO", "co_admin", "DIAN")
    net.vote(proposal, "MX")
    net.vote(proposal, "PE")
    net.vote(proposal, "PE", support=False)
    with reverts("GovernanceNotVoted"):
        net.vote(proposal, "PE", support=False)
    with reverts("GovernanceBelowThreshold"):
        queue(net, proposal)
    net.vote(proposal, "PE")
    queue(net, proposal)
    net.vote(proposal, "PE", support=False)  # a member changes its mind during the delay
    net.travel_days(2)
    with reverts("GovernanceBelowThreshold", votes=1, needed=2):
        queue(net, proposal)
    other = net.propose_motion("admission", "CL", "cl_admin", "Aduanas")
    net.travel_days(15)  # the voting period is two weeks
    with reverts("GovernanceExpired"):
        queue(net, other)
    with reverts("GovernanceExpired"):
        net.vote(other, "CR")


def test_one_vote_per_administration_cast_only_by_its_own_admins(net):
    net.tx(net.fn("grantRole", net.admin_role("MX"), net.a["stranger"]), "mx_admin")
    proposal = net.propose_motion("admission", "CO", "co_admin", "DIAN")
    net.vote(proposal, "MX")
    with reverts("GovernanceAlreadyVoted"):  # a second admin of Mexico is still Mexico
        net.vote(proposal, "MX", sender="stranger")
    for sender in ("governance", "pe_admin", "mx_officer"):
        with reverts("GovernanceNotAdmin"):
            net.vote(proposal, "MX", sender=sender)


def test_the_deployer_holds_no_power_after_bootstrap(net):
    deployer = net.a["governance"]
    proposal = net.propose_motion("recovery", "PE", "governance")
    for call in (
        net.fn("grantRole", net.admin_role("MX"), deployer),
        net.fn("grantRole", net.officer_role("MX"), deployer),
        net.fn("grantRole", b"\0" * 32, deployer),
        net.fn("setParticipation", 1, b"MX", 1, 2),
        net.fn("proposeMRA", b"MX", [b"MX", b"PE"], 1, 1, 0, "x", False),
    ):  # nobody holds the default admin role, nor the role that administers it
        with reverts("AccessControlUnauthorizedAccount"):
            net.tx(call, "governance")
    for call in (
        net.fn("propose", b"MX", (0, b"CO", deployer, "x", NO_RULES, bytes(32))),
        net.fn("vote", proposal, b"MX", True),
        net.fn("veto", proposal, b"PE"),
    ):
        with reverts("GovernanceNotAdmin"):
            net.tx(call, "governance")
    for call in (
        net.fn("admitAdministration", b"CO", "x", deployer, 0),
        net.fn("recoverAdministration", b"MX", deployer, 0),
        net.fn("setAdministrationStatus", b"MX", 2, 0),
        net.fn("upgradeToAndCall", net.implementation, b""),
    ):
        with reverts("CustomsUnauthorized", caller=deployer):
            net.tx(call, "governance")
    assert net.fn("getRoleAdmin", b"\0" * 32).call() == b"\0" * 32
    assert not net.fn("hasRole", b"\0" * 32, deployer).call()
    assert net.fn("authority").call() == net.consortium.address


def test_recovery_waits_seven_days_in_which_the_country_vetoes_it(net):
    with reverts("CustomsAdministrationExists"):  # re-admitting Mexico with another first admin
        net.propose_motion("admission", "MX", "stranger", "SAT")
    proposal = net.propose_motion("recovery", "MX", "stranger", proposer="PE")
    net.vote(proposal, "PE")
    net.vote(proposal, "CR")
    (queued,) = net.events(queue(net, proposal), "ProposalQueued")
    assert queued.args.executableFrom - net.now() >= 7 * DAY - 5
    with reverts("GovernanceNotVetoable"):  # only Mexico's own admins veto Mexico's recovery
        net.tx(net.fn("veto", proposal, b"PE"), "pe_admin")
    net.travel_days(6)
    net.tx(net.fn("veto", proposal, b"MX"), "mx_admin")  # Mexico had not lost its keys
    net.travel_days(2)
    with reverts("GovernanceClosed"):
        queue(net, proposal)
    assert not net.fn("hasRole", net.admin_role("MX"), net.a["stranger"]).call()


def test_an_executed_recovery_removes_the_country_s_previous_admins(net):
    """A lost key is harmless to remove; a stolen one must go, or it revokes the new admin."""
    net.tx(net.fn("grantRole", net.admin_role("PE"), net.a["other_holder"]), "pe_admin")  # a second old key
    net.decide("recovery", "PE", "stranger")
    pe = net.admin_role("PE")
    assert net.fn("hasRole", pe, net.a["stranger"]).call()
    for old in ("pe_admin", "other_holder"):
        assert not net.fn("hasRole", pe, net.a[old]).call()
        with reverts("AccessControlUnauthorizedAccount", account=net.a[old], neededRole=pe):
            net.tx(net.fn("revokeRole", pe, net.a["stranger"]), old)
        with reverts("GovernanceNotAdmin"):
            net.propose_motion("admission", "CO", "co_admin", "DIAN", proposer="PE", sender=old)
    assert net.fn("adminCount", b"PE").call() == 1
    net.tx(net.fn("grantRole", net.officer_role("PE"), net.a["holder"]), "stranger")  # the new admin acts for PE
    net.tx(net.fn("grantRole", pe, net.a["pe_admin"]), "stranger")  # and may re-appoint a key it trusts
    assert net.fn("hasRole", pe, net.a["pe_admin"]).call() and net.fn("adminCount", b"PE").call() == 2


@pytest.mark.slow
def test_a_suspended_administration_issues_and_changes_nothing_and_is_recognised_nowhere(net):
    net.issue(TIN, holder=net.a["holder"])
    net.issue("MXBBB020202BBB", holder=net.a["holder"])
    net.mra_in_force(["MX", "PE"])
    assert net.verify("PE", TIN)[2] == Verdict.RECOGNISED
    receipt = net.decide("suspension", "MX")
    assert [e.args.country for e in net.events(receipt, "AdministrationSuspended")] == [b"MX"]
    assert net.fn("administration", b"MX").call()[0] == 2  # Suspended; its record stays
    assert net.verify("PE", TIN) == (False, 0, Verdict.ISSUER_SUSPENDED)
    for call in (
        net.fn("suspendCertificate", tin_to_bytes32(TIN), 1),
        net.fn("cancelCertificate", tin_to_bytes32(TIN), 1),
        net.fn("issueCertificate", tin_to_bytes32("MXNEW1"), master_data("MXNEW1"), 1),
    ):
        with reverts("CustomsAdministrationSuspended", country=b"MX"):
            net.tx(call, "mx_officer")
    net.lifecycle("withdraw", "MXBBB020202BBB", "holder")  # the company still acts on its own certificate
    net.tx(net.fn("grantRole", net.officer_role("MX"), net.a["stranger"]), "mx_admin")  # sovereignty stays
    with reverts("CustomsAdministrationSuspended"):
        net.propose(["MX", "CR"])
    with reverts("GovernanceNotMember"):
        net.propose_motion("admission", "CO", "co_admin", "DIAN")
    assert net.fn("consortium").call()[1] == 2
    net.decide("reinstatement", "MX")
    assert net.verify("PE", TIN)[2] == Verdict.RECOGNISED
    net.lifecycle("suspend", TIN, "mx_officer")


def test_suspension_reaches_mras_signed_after_it(net):
    net.issue(TIN)
    mra_id = net.propose(["MX", "CR"], proposer="MX")
    net.mra_action("sign", mra_id, "MX")
    other = net.propose(["MX", "PE"], proposer="PE")
    net.decide("suspension", "MX")
    with reverts("CustomsAdministrationSuspended"):  # a suspended administration signs nothing
        net.mra_action("sign", other, "MX")
    net.mra_action("sign", mra_id, "CR")  # the pair is listed now, with Mexico marked suspended
    assert net.verify("CR", TIN)[2] == Verdict.ISSUER_SUSPENDED
    net.decide("reinstatement", "MX")
    assert net.verify("CR", TIN)[2] == Verdict.RECOGNISED


@pytest.mark.slow
def test_an_expelled_administration_is_readmitted_only_by_a_new_admission_with_its_history(net):
    net.issue(TIN)
    net.decide("expulsion", "MX")
    assert net.fn("administration", b"MX").call()[0] == 3  # Expelled
    with reverts("GovernanceInvalidStatus"):
        net.propose_motion("reinstatement", "MX", proposer="PE")
    assert net.fn("certificate", tin_to_bytes32(TIN)).call()[1] == 1  # its history stays readable
    receipt = net.decide("admission", "MX", "stranger", "SAT (readmitted)")
    assert [e.args.admin for e in net.events(receipt, "AdministrationRegistered")] == [net.a["stranger"]]
    assert tuple(net.fn("administration", b"MX").call()) == (1, "SAT (readmitted)")
    assert net.fn("administrations", 0, 10).call() == [b"MX", b"PE", b"CR"]  # seated once, at its old place
    assert not net.fn("hasRole", net.admin_role("MX"), net.a["mx_admin"]).call()  # the old admins stay out
    assert net.fn("certificate", tin_to_bytes32(TIN)).call()[5] == 1  # version 1 still
    net.lifecycle("suspend", TIN, "mx_officer")  # its officers act again on its certificates


def test_rules_change_only_at_the_supermajority_and_only_within_the_floors(net):
    for invalid in (
        (5000, 6666, 14 * DAY, 7 * DAY),  # half is no majority
        (5001, 6000, 14 * DAY, 7 * DAY),  # a supermajority below two thirds
        (5001, 6666, 14 * DAY, 0),  # no veto window
        (5001, 6666, 14 * DAY, 6 * DAY),  # shorter than the floor of 7 days
        (5001, 6666, 7 * DAY, 8 * DAY),  # longer than a proposal lives: every recovery would expire
        (5001, 6666, 91 * DAY, 7 * DAY),  # a voting period past the bound
    ):
        with reverts("GovernanceInvalidRules"):
            net.propose_motion("rules", rules=invalid)
    proposal = net.propose_motion("rules", rules=VALID_RULES)
    net.vote(proposal, "MX")
    with reverts("GovernanceBelowThreshold", id=proposal, votes=1, needed=2):
        queue(net, proposal)
    net.vote(proposal, "PE")
    (changed,) = net.events(net.carry_out(proposal), "RulesChanged")
    assert (changed.args.quorum, changed.args.supermajority) == (6000, 8000)
    assert net.fn("consortium").call()[0] == VALID_RULES


def test_the_delays_have_floors_no_rules_change_lowers(net):
    assert net.fn("DECISION_DELAY").call() == 2 * DAY
    assert net.fn("MIN_RECOVERY_DELAY").call() == 7 * DAY
    assert net.fn("UPGRADE_WINDOW").call() == 7 * DAY
    net.decide("rules", rules=(5001, 6666, 7 * DAY, 7 * DAY))  # the lowest rules allow
    assert [net.fn("delayOf", kind).call() for kind in range(7)] == [2 * DAY] * 4 + [7 * DAY, 2 * DAY, 7 * DAY]


@pytest.mark.slow
def test_the_electorate_is_fixed_when_a_proposal_is_made(net):
    """Members admitted later do not vote on it; votes of members suspended since do not count; the
    votes it needs are computed on it."""
    rules = net.propose_motion("rules", rules=VALID_RULES)  # electorate MX, PE, CR: needs 2
    net.register("CO", "co_admin")
    assert net.needed(rules) == 2
    with reverts("GovernanceNotElector", id=rules, country=b"CO"):
        net.vote(rules, "CO")
    net.vote(rules, "MX")
    net.vote(rules, "PE")
    suspension = net.propose_motion("suspension", "PE", proposer="CR")  # electorate MX, PE, CR, CO: needs 3
    for member in ("MX", "CR", "CO"):
        net.vote(suspension, member)
    net.carry_out(suspension)
    assert net.fn("countedVotes", rules).call() == 1  # Peru's vote no longer counts
    with reverts("GovernanceBelowThreshold", id=rules, votes=1, needed=2):
        queue(net, rules)


@pytest.mark.slow
def test_the_audit_s_findings_on_thresholds(net):
    """A rules proposal needing 4 votes of 5 passed with 3 once a voter was suspended; with no active
    member left, every proposal needed 0 votes. Now the threshold is fixed on the electorate, a
    suspended voter's vote is dropped, a threshold is never 0, and the last member stays."""
    for code in ("CO", "CL"):
        net.register(code, f"{code.lower()}_admin")
    rules = net.propose_motion("rules", rules=VALID_RULES)
    assert net.needed(rules) == 4  # two thirds of five
    for member in ("MX", "PE", "CR", "CO"):
        net.vote(rules, member)
    net.decide("suspension", "CO")
    with reverts("GovernanceBelowThreshold", votes=3, needed=4):
        queue(net, rules)
    for code in ("CL", "CR"):
        net.decide("suspension", code)
    last_but_one = net.propose_motion("suspension", "PE", proposer="MX")
    net.vote(last_but_one, "MX")
    net.vote(last_but_one, "PE")  # two of two: Peru agrees to step aside
    net.carry_out(last_but_one)
    assert net.fn("consortium").call()[1] == 1  # Mexico alone
    with reverts("GovernanceLastMember", country=b"MX"):
        net.propose_motion("suspension", "MX", proposer="MX")
    lone = net.propose_motion("rules", rules=VALID_RULES, proposer="MX")
    assert net.needed(lone) == 1  # never 0


def test_a_proposal_checks_what_it_asks_before_anyone_votes(net):
    cases = [
        (("admission", "C0", "co_admin", "x"), "CustomsInvalidCountry"),
        (("admission", "XA", "co_admin", "x"), "CustomsInvalidCountry"),
        (("admission", "CO", None, "x"), "CustomsInvalidAdmin"),
        (("suspension", "CO"), "GovernanceInvalidStatus"),
        (("reinstatement", "PE"), "GovernanceInvalidStatus"),
        (("recovery", "CO", "stranger"), "GovernanceInvalidStatus"),
        (("recovery", "PE", None), "CustomsInvalidAdmin"),
        (("upgrade", "", "stranger"), "GovernanceInvalidImplementation"),  # no code there
    ]
    for args, error in cases:
        with reverts(error):
            net.propose_motion(*args)
    with reverts("GovernanceUnknownProposal"):
        net.vote(99, "MX")


@pytest.mark.slow
def test_the_audit_s_capture_path_stops(net, capsys):
    """Five members (MX, PE, CR, CO, CL); MX, PE and CR try to admit two puppets at quorum, lower the
    veto window to 0, and recover Colombia's admin key to a stranger. Every step that once worked is
    tried; the test prints where the path stops."""
    for code in ("CO", "CL"):
        net.register(code, f"{code.lower()}_admin")
    coalition = ("MX", "PE", "CR")
    stops = []

    def attempt(step: str, action) -> bool:
        try:
            with expecting_refusal():
                action()
            return True
        except Exception as refused:  # noqa: BLE001 - a contract error, named in the print
            stops.append(f"{step}: {codec().refusal(refused)}")
            return False

    for puppet in ("BO", "EC"):
        net.new_account(f"{puppet.lower()}_puppet")
        admission = net.propose_motion("admission", puppet, f"{puppet.lower()}_puppet", "puppet")
        for member in coalition:
            net.vote(admission, member)
        assert not attempt(f"admit puppet {puppet} with 3 of 5", lambda proposal=admission: queue(net, proposal))
    assert not attempt(
        "lower the veto window to 0 days", lambda: net.propose_motion("rules", rules=(5001, 6666, 14 * DAY, 0))
    )
    recovery = net.propose_motion("recovery", "CO", "stranger")
    for member in coalition:
        net.vote(recovery, member)
    assert not attempt("recover Colombia's key with 3 of 5", lambda: queue(net, recovery))
    net.vote(recovery, "CL")  # even with a fourth member, Colombia has a week to veto
    queue(net, recovery)
    assert not attempt("execute the recovery at once", lambda: queue(net, recovery))
    net.tx(net.fn("veto", recovery, b"CO"), "co_admin")
    net.travel_days(8)
    assert not attempt("execute the recovery after Colombia's veto", lambda: queue(net, recovery))
    assert not net.fn("hasRole", net.admin_role("CO"), net.a["stranger"]).call()
    assert net.fn("administration", b"BO").call()[0] == 0 and net.fn("consortium").call()[1] == 5
    with capsys.disabled():
        print("\nthe audit's capture path stops:\n  " + "\n  ".join(stops))


@pytest.mark.slow
def test_thirty_administrations_admit_a_thirty_first_at_a_constant_cost_per_vote(net, capsys):
    """On a network founded by 30 administrations (one deployment: admission by vote is tested above)."""
    codes = [code for code in sorted(countries_by_alpha2) if code not in ("MX", "PE", "CR", "CO")][:27]  # 30 in all
    admins = {code: f"{code.lower()}_admin" for code in ["MX", "PE", "CR", *codes]}
    for code in codes:
        net.new_account(admins[code])
    net = found(net.w3, net.a, net.implementation, admins)
    assert net.fn("consortium").call()[1] == 30
    proposal = net.propose_motion("admission", "CO", "co_admin", "DIAN")
    voters = net.members()[: net.needed(proposal)]
    assert len(voters) == 20  # two thirds of 30
    gas = [net.vote(proposal, member, sender=net.admins[member]).gasUsed for member in voters]
    queued = queue(net, proposal).gasUsed
    net.travel_days(2)
    execution = queue(net, proposal).gasUsed
    assert net.fn("consortium").call()[1] == 31
    assert max(gas[1:]) - min(gas[1:]) < 100  # no vote costs more as members or votes grow
    with capsys.disabled():
        print(
            f"\n31st administration admitted by 20 of 30: vote {gas[1]:,} gas, queue {queued:,}, "
            f"execution {execution:,} gas"
        )


def test_an_upgrade_passes_by_supermajority_then_a_7_day_window_any_member_can_veto(net):
    implementation = net.implementation
    code_hash = net.w3.keccak(net.w3.eth.get_code(implementation))
    with reverts("GovernanceInvalidImplementation"):  # the hash members checked must be the code's
        net.propose_motion("upgrade", account=implementation, code_hash=bytes(32))
    upgrade = net.propose_motion("upgrade", account=implementation, code_hash=code_hash)
    net.vote(upgrade, "MX")
    with reverts("GovernanceBelowThreshold", votes=1, needed=2):
        queue(net, upgrade)
    net.vote(upgrade, "PE")
    (queued,) = net.events(queue(net, upgrade), "ProposalQueued")
    assert queued.args.executableFrom - net.now() >= 7 * DAY - 5  # the floor, whatever the rules
    net.travel_days(6)
    with reverts("GovernanceInVetoWindow"):
        queue(net, upgrade)
    net.decide("suspension", "CR")  # even a suspended member can stop an upgrade on its own
    with reverts("GovernanceNotAdmin"):
        net.tx(net.fn("veto", upgrade, b"CR"), "stranger")
    (vetoed,) = net.events(net.tx(net.fn("veto", upgrade, b"CR"), "cr_admin"), "ProposalVetoed")
    assert (vetoed.args.country, vetoed.args.actor) == (b"CR", net.a["cr_admin"])
    net.travel_days(2)
    with reverts("GovernanceClosed"):
        queue(net, upgrade)


def test_an_upgrade_that_passed_its_window_is_carried_out_by_the_consortium(net):
    implementation = net.implementation
    upgrade = net.propose_motion(
        "upgrade", account=implementation, code_hash=net.w3.keccak(net.w3.eth.get_code(implementation))
    )
    net.vote(upgrade, "MX")
    net.vote(upgrade, "PE")
    receipt = net.carry_out(upgrade)
    assert [e.args.implementation for e in net.contract.events.Upgraded().process_receipt(receipt)] == [implementation]
    assert net.fn("getProposal", upgrade).call()[1] == EXECUTED
