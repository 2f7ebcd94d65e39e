"""DRAFT: governance by the member administrations (branch `governance`)."""

from helpers import reverts


def propose_admission(net, country="CO", admin="co_admin", proposer="MX"):
    receipt = net.tx(
        net.fn("proposeAdmission", proposer.encode(), country.encode(), "DIAN", net.a[admin]),
        f"{proposer.lower()}_admin",
    )
    return net.events(receipt, "ProposalCreated")[0].args.id


def test_admission_needs_more_than_half_of_the_members_then_anyone_executes(net):
    proposal = propose_admission(net)
    net.tx(net.fn("vote", proposal, b"MX"), "mx_admin")
    with reverts("GovernanceBelowThreshold", id=proposal, votes=1, needed=2):
        net.tx(net.fn("execute", proposal), "stranger")
    with reverts("GovernanceAlreadyVoted"):
        net.tx(net.fn("vote", proposal, b"MX"), "mx_admin")
    net.tx(net.fn("vote", proposal, b"PE"), "pe_admin")
    net.tx(net.fn("execute", proposal), "stranger")
    assert net.fn("memberCount").call() == 4 and net.fn("adminCount", b"CO").call() == 1


def test_a_vote_can_be_withdrawn_and_proposals_expire(net):
    proposal = propose_admission(net)
    net.tx(net.fn("vote", proposal, b"MX"), "mx_admin")
    net.tx(net.fn("vote", proposal, b"PE"), "pe_admin")
    net.tx(net.fn("unvote", proposal, b"PE"), "pe_admin")
    with reverts("GovernanceBelowThreshold"):
        net.tx(net.fn("execute", proposal), "stranger")
    net.tx(net.fn("vote", proposal, b"PE"), "pe_admin")
    net.travel_days(8)
    with reverts("GovernanceExpired"):
        net.tx(net.fn("execute", proposal), "stranger")


def test_only_a_member_s_admin_votes_for_it(net):
    proposal = propose_admission(net)
    for sender in ("governance", "pe_admin", "mx_officer"):
        with reverts("AccessControlUnauthorizedAccount"):
            net.tx(net.fn("vote", proposal, b"MX"), sender)


def test_the_deployer_holds_no_power_after_bootstrap(net):
    deployer = "governance"
    attempts = [
        net.fn("grantRole", net.admin_role("MX"), net.a[deployer]),
        net.fn("grantRole", net.officer_role("MX"), net.a[deployer]),
        net.fn("grantRole", b"\0" * 32, net.a[deployer]),
        net.fn("proposeAdmission", b"MX", b"CO", "x", net.a[deployer]),
    ]
    for call in attempts:  # nobody holds the role that administers the default admin role either
        with reverts("AccessControlUnauthorizedAccount"):
            net.tx(call, deployer)


def test_recovery_waits_out_a_veto_window_the_country_s_own_admins_can_use(net):
    receipt = net.tx(net.fn("proposeRecovery", b"MX", b"PE", net.a["stranger"]), "mx_admin")
    proposal = net.events(receipt, "ProposalCreated")[0].args.id
    net.tx(net.fn("vote", proposal, b"MX"), "mx_admin")
    net.tx(net.fn("vote", proposal, b"CR"), "cr_admin")
    with reverts("GovernanceInVetoWindow"):
        net.tx(net.fn("execute", proposal), "stranger")
    net.tx(net.fn("veto", proposal), "pe_admin")  # Peru had not lost its keys
    net.travel_days(4)
    with reverts("GovernanceClosed"):
        net.tx(net.fn("execute", proposal), "stranger")
