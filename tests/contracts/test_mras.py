"""MRAs on-chain: proposal, signatures, entry into force, suspension, leaving, termination."""

import pytest
from helpers import found, reverts

from cadena_client.domain.model import MRAStatus as M
from cadena_client.domain.model import PartyStatus as P
from cadena_client.domain.model import to_day


def mra(net, mra_id):
    (id_, proposer, status, benefits, covered, effective, title, parties, statuses, consent) = net.fn(
        "mra", mra_id
    ).call()
    return dict(
        status=M(status),
        parties=[p.decode() for p in parties],
        statuses=[P(s) for s in statuses],
        benefits=benefits,
        covered=covered,
        effective=effective,
        title=title,
        proposer=proposer.decode(),
    )


def test_proposal_records_everything_and_lists_it(net):
    mra_id = net.propose(["MX", "PE", "CR"], benefits=0b101, covered=0b11, title="Alianza CADENA")
    m = mra(net, mra_id)
    assert m == dict(
        status=M.PROPOSED,
        parties=["MX", "PE", "CR"],
        statuses=[P.PENDING] * 3,
        benefits=0b101,
        covered=0b11,
        effective=0,
        title="Alianza CADENA",
        proposer="MX",
    )
    assert net.fn("mraCount").call() == 1
    for party in ("MX", "PE", "CR"):
        assert net.fn("mrasOf", party.encode(), 0, 10).call() == [mra_id]
        assert net.fn("mraCountOf", party.encode()).call() == 1


def test_in_force_only_when_the_last_party_signs(net):
    mra_id = net.propose(["MX", "PE", "CR"])
    net.mra_action("sign", mra_id, "MX")
    receipt = net.mra_action("sign", mra_id, "PE")
    assert net.events(receipt, "MRAConcluded") == ()
    assert mra(net, mra_id)["status"] == M.PROPOSED
    receipt = net.mra_action("sign", mra_id, "CR")
    (signed,) = net.events(receipt, "MRASigned")
    assert (signed.args.id, signed.args.party, signed.args.actor) == (mra_id, b"CR", net.a["cr_admin"])
    assert net.events(receipt, "MRAConcluded")[0].args.id == mra_id
    assert mra(net, mra_id)["status"] == M.IN_FORCE
    assert mra(net, mra_id)["statuses"] == [P.SIGNED] * 3


def test_effective_date_in_the_future(net):
    today = net.now() // 86400
    mra_id = net.mra_in_force(["MX", "PE"], effective=today + 10)
    assert mra(net, mra_id)["status"] == M.CONCLUDED
    net.travel_days(10)
    assert mra(net, mra_id)["status"] == M.IN_FORCE


@pytest.mark.slow
def test_suspend_resume_and_leave_a_multilateral_mra(net):
    net.register("CO", "co_admin")
    mra_id = net.mra_in_force(["MX", "PE", "CR", "CO"])
    receipt = net.mra_action("suspend", mra_id, "PE")
    assert net.events(receipt, "MRAParticipationSuspended")[0].args.party == b"PE"
    assert mra(net, mra_id)["statuses"] == [P.SIGNED, P.SUSPENDED, P.SIGNED, P.SIGNED]
    net.mra_action("resume", mra_id, "PE")
    assert mra(net, mra_id)["statuses"][1] == P.SIGNED
    net.mra_action("leave", mra_id, "CO")
    net.mra_action("leave", mra_id, "CR")
    assert mra(net, mra_id)["status"] == M.IN_FORCE  # MX and PE remain
    receipt = net.mra_action("leave", mra_id, "PE")
    assert net.events(receipt, "MRAPartyLeft")[0].args.party == b"PE"
    assert net.events(receipt, "MRATerminated")[0].args.id == mra_id
    assert mra(net, mra_id)["status"] == M.TERMINATED
    with reverts("MRAHasTerminated", id=mra_id):
        net.mra_action("leave", mra_id, "MX")


def test_a_pending_party_leaving_concludes_the_mra(net):
    mra_id = net.propose(["MX", "PE", "CR"])
    net.mra_action("sign", mra_id, "MX")
    net.mra_action("sign", mra_id, "PE")
    receipt = net.mra_action("leave", mra_id, "CR")
    assert net.events(receipt, "MRAConcluded")[0].args.id == mra_id
    assert mra(net, mra_id)["status"] == M.IN_FORCE


@pytest.mark.parametrize(
    "setup,action,current",
    [
        (["sign MX"], "sign", P.SIGNED),
        ([], "suspend", P.PENDING),
        ([], "resume", P.PENDING),
        (["sign MX"], "resume", P.SIGNED),
        (["sign MX", "suspend MX"], "suspend", P.SUSPENDED),
        (["sign MX", "suspend MX"], "sign", P.SUSPENDED),
        (["leave MX"], "sign", P.LEFT),
        (["leave MX"], "leave", P.LEFT),
    ],
)
def test_illegal_party_transitions(net, setup, action, current):
    mra_id = net.propose(["MX", "PE", "CR"])
    for step in setup:
        verb, party = step.split()
        net.mra_action(verb, mra_id, party)
    with reverts("MRAInvalidPartyStatus", id=mra_id, party=b"MX", current=current):
        net.mra_action(action, mra_id, "MX")


@pytest.mark.parametrize("action", ["sign", "suspend", "resume", "leave"])
@pytest.mark.parametrize("sender", ["pe_admin", "mx_officer", "stranger", "governance", "holder"])
def test_only_the_party_admin_acts_for_it(net, action, sender):
    mra_id = net.propose(["MX", "PE"])
    with reverts("AccessControlUnauthorizedAccount", account=net.a[sender], neededRole=net.admin_role("MX")):
        net.mra_action(action, mra_id, "MX", sender=sender)


@pytest.mark.parametrize("sender", ["pe_admin", "mx_officer", "stranger"])
def test_only_the_proposer_admin_proposes(net, sender):
    with reverts("AccessControlUnauthorizedAccount", account=net.a[sender], neededRole=net.admin_role("MX")):
        net.propose(["MX", "PE"], proposer="MX", sender=sender)


def test_non_party_and_unknown_mra(net):
    mra_id = net.propose(["MX", "PE"])
    with reverts("MRANotParty", id=mra_id, country=b"CR"):
        net.mra_action("sign", mra_id, "CR")
    with reverts("MRAUnknown", id=99):
        net.mra_action("sign", 99, "MX")
    with reverts("MRAUnknown", id=0):
        net.fn("mra", 0).call()


@pytest.mark.parametrize(
    "parties,kwargs,error,args",
    [
        (["MX"], {}, "MRAInvalidPartyCount", dict(count=1)),
        (["MX", "MX"], {}, "MRADuplicateParty", dict(country=b"MX")),
        (["MX", "BR"], {}, "CustomsUnknownAdministration", dict(country=b"BR")),
        (["PE", "CR"], dict(proposer="MX"), "MRAProposerNotParty", dict(country=b"MX")),
        (["MX", "PE"], dict(benefits=0), "MRAInvalidBenefits", dict(benefits=0)),
        (["MX", "PE"], dict(benefits=0x40), "MRAInvalidBenefits", dict(benefits=0x40)),
        (["MX", "PE"], dict(covered=0), "MRAInvalidCoveredTypes", dict(coveredTypes=0)),
        (["MX", "PE"], dict(covered=0x400), "MRAInvalidCoveredTypes", dict(coveredTypes=0x400)),
    ],
)
def test_invalid_proposals(net, parties, kwargs, error, args):
    with reverts(error, **args):
        net.propose(parties, **kwargs)


@pytest.mark.slow
def test_at_most_32_parties(net, accounts):
    """On a network founded by 33 administrations (one deployment, not 30 admission votes)."""
    codes = [
        "AR",
        "BO",
        "BR",
        "CL",
        "CO",
        "DO",
        "EC",
        "GT",
        "HN",
        "JM",
        "NI",
        "PA",
        "PY",
        "SV",
        "UY",
        "VE",
        "US",
        "CA",
        "JP",
        "KR",
        "CN",
        "SG",
        "NZ",
        "AU",
        "CH",
        "NO",
        "GB",
        "IN",
        "IL",
        "TH",
    ]
    admins = {code: f"{code.lower()}_admin" for code in ("MX", "PE", "CR")} | {code: "stranger" for code in codes}
    net = found(net.w3, accounts, net.implementation, admins)
    parties = ["MX", "PE", "CR"] + codes
    with reverts("MRAInvalidPartyCount", count=33):
        net.propose(parties)
    proposal = net.tx(net.fn("proposeMRA", b"MX", [c.encode() for c in parties[:32]], 7, 3, 0, "32", False), "mx_admin")
    mra_id = net.events(proposal, "MRAProposed")[0].args.id
    assert len(mra(net, mra_id)["parties"]) == 32
    gas = [proposal.gasUsed]
    for party in parties[:32]:  # the last signers link their pair with every party that signed before
        gas.append(net.mra_action("sign", mra_id, party, admins[party]).gasUsed)
    assert mra(net, mra_id)["status"] == M.IN_FORCE
    print(f"32-party MRA: proposal {gas[0]:,} gas, signatures up to {max(gas[1:]):,}")
    assert max(gas) < 10_000_000, gas  # a third of a 30M-gas block at most, on any chain that size


def test_an_mra_whose_remaining_parties_all_suspended_is_not_reported_in_force(net):
    mra_id = net.mra_in_force(["MX", "PE", "CR"])
    net.mra_action("leave", mra_id, "CR")
    net.mra_action("suspend", mra_id, "MX")
    assert mra(net, mra_id)["status"] == M.SUSPENDED  # verify already says: not in force
    net.mra_action("resume", mra_id, "MX")
    assert mra(net, mra_id)["status"] == M.IN_FORCE


def test_dates_are_days(net):
    mra_id = net.propose(["MX", "PE"], effective=to_day("2030-01-01"))
    assert mra(net, mra_id)["effective"] == to_day("2030-01-01")
