"""Automatic verification of a foreign AEO for an importing country, across the matrix."""

import pytest

from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.domain.model import AEOType as T
from cadena_client.domain.model import Benefit as B
from cadena_client.domain.model import Verdict as V
from cadena_client.domain.model import from_day

MX_TIN = "MXAAA010101AAA"
RPI, RDC, PRI = B.REDUCED_PHYSICAL_INSPECTION, B.REDUCED_DOCUMENTARY_CHECKS, B.PRIORITY_TREATMENT


def verdict(net, importer, tin=MX_TIN):
    recognised, benefits, why = net.verify(importer, tin)
    return recognised, benefits, V(why)


@pytest.fixture(scope="module")
def trilateral_state(deployed, w3):
    """MX, PE and CR in force, covering importers and exporters; one Mexican importer-exporter: built once
    for the module, as (its MRA id, a snapshot of it); the chain is put back as it was."""
    tester = w3.provider.ethereum_tester
    before = tester.take_snapshot()
    mra_id = deployed.mra_in_force(["MX", "PE", "CR"], benefits=RPI | PRI, covered=T.IMPORTER | T.EXPORTER)
    deployed.issue(MX_TIN, aeo_types="importer,exporter", holder=deployed.a["holder"])
    built = tester.take_snapshot()
    tester.revert_to_snapshot(before)
    return mra_id, built


@pytest.fixture
def trilateral(net, trilateral_state, w3):
    """The trilateral state, from its snapshot (`net` puts the chain back after the test)."""
    mra_id, built = trilateral_state
    w3.provider.ethereum_tester.revert_to_snapshot(built)
    return mra_id


def test_bilateral(net):
    net.mra_in_force(["MX", "PE"], benefits=RPI | RDC, covered=T.EXPORTER)
    net.issue(MX_TIN, aeo_types="exporter")
    assert verdict(net, "PE") == (True, RPI | RDC, V.RECOGNISED)
    assert verdict(net, "CR") == (False, 0, V.NO_MRA)
    net.issue("PE20100070970", sender="pe_officer", aeo_types="exporter")
    assert verdict(net, "MX", "PE20100070970") == (True, RPI | RDC, V.RECOGNISED)


def test_trilateral_recognises_in_every_direction(net, trilateral):
    net.issue("CR3101123456", sender="cr_officer", aeo_types="importer")
    assert verdict(net, "PE") == (True, RPI | PRI, V.RECOGNISED)
    assert verdict(net, "CR") == (True, RPI | PRI, V.RECOGNISED)
    assert verdict(net, "MX", "CR3101123456") == (True, RPI | PRI, V.RECOGNISED)
    assert verdict(net, "PE", "CR3101123456") == (True, RPI | PRI, V.RECOGNISED)


def test_same_country_and_unknown(net, trilateral):
    assert verdict(net, "MX") == (False, 0, V.SAME_COUNTRY)
    assert verdict(net, "PE", "MXNOBODY") == (False, 0, V.UNKNOWN_TIN)


def test_uncovered_type(net, trilateral):
    net.issue("MXBROKER1", aeo_types="customs-broker")
    assert verdict(net, "PE", "MXBROKER1") == (False, 0, V.TYPE_NOT_COVERED)


@pytest.mark.parametrize(
    "action,expected", [("suspend", V.NOT_ACTIVE), ("cancel", V.NOT_ACTIVE), ("withdraw", V.NOT_ACTIVE)]
)
def test_status_changes_take_effect_in_the_next_block(net, trilateral, action, expected):
    net.lifecycle(action, MX_TIN, "holder" if action == "withdraw" else "mx_officer")
    assert verdict(net, "PE") == (False, 0, expected)


def test_reinstated_and_reissued_are_recognised_again(net, trilateral):
    net.lifecycle("suspend", MX_TIN, "mx_officer")
    net.lifecycle("reinstate", MX_TIN, "mx_officer")
    assert verdict(net, "PE")[0] is True
    net.lifecycle("cancel", MX_TIN, "mx_officer")
    net.issue(MX_TIN, aeo_types="exporter")
    assert verdict(net, "CR") == (True, RPI | PRI, V.RECOGNISED)


def test_expiry_and_validity_start_follow_the_clock(net, trilateral):
    today = net.now() // 86400
    net.issue("MXEXPIRING", valid_from=from_day(today - 30), expiry=from_day(today + 2))
    net.issue("MXFUTURE", valid_from=from_day(today + 5))
    assert verdict(net, "PE", "MXEXPIRING")[0] is True
    assert verdict(net, "PE", "MXFUTURE") == (False, 0, V.NOT_YET_VALID)
    net.travel_days(2)
    assert verdict(net, "PE", "MXEXPIRING")[0] is True  # the expiry day itself is still valid
    net.travel_days(1)
    assert verdict(net, "PE", "MXEXPIRING") == (False, 0, V.EXPIRED)
    net.travel_days(3)
    assert verdict(net, "PE", "MXFUTURE")[0] is True


def test_mra_not_in_force_until_signed_and_effective(net):
    net.issue(MX_TIN)
    mra_id = net.propose(["MX", "PE"], effective=net.now() // 86400 + 3)
    assert verdict(net, "PE") == (False, 0, V.NO_MRA)  # a proposal nobody signed weighs nothing
    net.mra_action("sign", mra_id, "MX")
    assert verdict(net, "PE") == (False, 0, V.NO_MRA)  # nor one the importing country did not sign
    net.mra_action("sign", mra_id, "PE")
    assert verdict(net, "PE") == (False, 0, V.MRA_NOT_IN_FORCE)
    net.travel_days(3)
    assert verdict(net, "PE")[0] is True


def test_suspended_participation_only_affects_that_party(net, trilateral):
    net.issue("PE20100070970", sender="pe_officer")
    net.mra_action("suspend", trilateral, "PE")
    assert verdict(net, "PE") == (False, 0, V.MRA_NOT_IN_FORCE)
    assert verdict(net, "MX", "PE20100070970") == (False, 0, V.MRA_NOT_IN_FORCE)
    assert verdict(net, "CR")[0] is True
    net.mra_action("resume", trilateral, "PE")
    assert verdict(net, "PE")[0] is True


def test_a_party_that_left_is_no_longer_covered(net, trilateral):
    net.mra_action("leave", trilateral, "CR")
    assert verdict(net, "CR") == (False, 0, V.NO_MRA)  # an MRA a country left stops weighing on its pairs
    assert verdict(net, "PE")[0] is True
    net.mra_action("leave", trilateral, "PE")  # terminated: fewer than two remain
    assert verdict(net, "PE") == (False, 0, V.NO_MRA)


def test_benefits_are_the_union_over_mras_in_force_that_cover_the_type(net, trilateral):
    net.mra_in_force(["MX", "PE"], benefits=RDC, covered=T.EXPORTER)
    net.mra_in_force(["MX", "PE"], benefits=B.BUSINESS_CONTINUITY, covered=T.CARRIER)  # not covered
    assert verdict(net, "PE") == (True, RPI | PRI | RDC, V.RECOGNISED)
    assert verdict(net, "CR") == (True, RPI | PRI, V.RECOGNISED)
    net.mra_action("suspend", trilateral, "MX")
    assert verdict(net, "PE") == (True, RDC, V.RECOGNISED)


@pytest.mark.slow
def test_many_mras_between_two_countries_span_several_slots(net):
    net.issue(MX_TIN, aeo_types="carrier")
    for i in range(11):  # five entries a slot: three slots
        net.mra_in_force(["MX", "PE"], benefits=1 << (i % 6), covered=T.IMPORTER)
    assert verdict(net, "PE") == (False, 0, V.TYPE_NOT_COVERED)
    net.mra_in_force(["PE", "MX"], benefits=B.LOWER_RISK_SCORE, covered=T.CARRIER)
    assert verdict(net, "PE") == (True, B.LOWER_RISK_SCORE, V.RECOGNISED)


@pytest.mark.slow
def test_proposals_nobody_agreed_to_cannot_make_verify_dearer_nor_change_its_verdict(net):
    net.register("CO", "co_admin")
    tin = "CR3101123456"
    net.issue(tin, sender="cr_officer")
    call = net.fn("verify", b"CO", tin_to_bytes32(tin))
    before, gas_before = verdict(net, "CO", tin), call.estimate_gas()
    for _ in range(100):  # Mexico floods the pairs of CO and CR with proposals they never sign
        net.propose(["MX", "CO", "CR"])
    mra_id = net.propose(["MX", "CO", "CR"])
    net.mra_action("sign", mra_id, "MX")  # even signed by a third country
    assert verdict(net, "CO", tin) == before == (False, 0, V.NO_MRA)
    assert call.estimate_gas() == gas_before  # the same gas as before the flood (899,689 after it, before the fix)
