"""Governance, administrations and their country-scoped roles."""

import pytest
from helpers import reverts

from cadena_client.domain.model import country_to_bytes2


def test_registered_administrations_are_listed(net):
    assert net.fn("administrationCount").call() == 3
    assert net.fn("administrations", 0, 10).call() == [b"MX", b"PE", b"CR"]
    assert net.fn("administrations", 1, 1).call() == [b"PE"]
    registered, name = net.fn("administration", b"MX").call()
    count, mras = net.fn("certificateCount", b"MX").call(), net.fn("mraCountOf", b"MX").call()
    assert (registered, count, mras, name) == (True, 0, 0, "Servicio de Administración Tributaria")
    assert net.fn("administration", b"BR").call()[0] is False


def test_registration_event_and_admin_role(net):
    receipt = net.register("CO", "co_admin")
    (event,) = net.events(receipt, "AdministrationRegistered")
    assert (event.args.country, event.args.admin, event.args.name) == (b"CO", net.a["co_admin"], "CO")
    assert net.fn("hasRole", net.admin_role("CO"), net.a["co_admin"]).call()
    assert net.fn("getRoleAdmin", net.officer_role("CO")).call() == net.admin_role("CO")


@pytest.mark.parametrize("sender", ["mx_admin", "mx_officer", "stranger", "holder"])
def test_only_governance_registers(net, sender):
    with reverts("AccessControlUnauthorizedAccount", account=net.a[sender], neededRole=b"\0" * 32):
        net.tx(net.fn("registerAdministration", b"CO", "Colombia", net.a["co_admin"]), sender)


@pytest.mark.parametrize("code", [b"mx", b"M1", b"\0\0", b"1A", b"A-"])
def test_country_must_be_two_letters(net, code):
    with reverts("CustomsInvalidCountry", country=code):
        net.tx(net.fn("registerAdministration", code, "x", net.a["co_admin"]), "governance")


def test_no_duplicate_and_no_zero_admin(net):
    with reverts("CustomsAdministrationExists", country=b"MX"):
        net.register("MX", "co_admin")
    with reverts("CustomsInvalidAdmin"):
        net.tx(net.fn("registerAdministration", b"CO", "x", "0x" + "00" * 20), "governance")


def test_country_admin_manages_own_officers_only(net):
    role_pe = net.officer_role("PE")
    with reverts("AccessControlUnauthorizedAccount", account=net.a["mx_admin"], neededRole=net.admin_role("PE")):
        net.tx(net.fn("grantRole", role_pe, net.a["stranger"]), "mx_admin")
    with reverts("AccessControlUnauthorizedAccount", account=net.a["mx_admin"], neededRole=net.admin_role("PE")):
        net.tx(net.fn("revokeRole", role_pe, net.a["pe_officer"]), "mx_admin")
    with reverts("AccessControlUnauthorizedAccount", account=net.a["mx_officer"], neededRole=net.admin_role("MX")):
        net.tx(net.fn("grantRole", net.officer_role("MX"), net.a["stranger"]), "mx_officer")
    receipt = net.tx(net.fn("grantRole", net.officer_role("MX"), net.a["stranger"]), "mx_admin")
    assert net.events(receipt, "RoleGranted")[0].args.sender == net.a["mx_admin"]
    net.issue("MXNEW1", sender="stranger")


def test_revoked_officer_loses_access(net):
    net.issue("MXREV1", sender="mx_officer")
    net.tx(net.fn("revokeRole", net.officer_role("MX"), net.a["mx_officer"]), "mx_admin")
    with reverts("AccessControlUnauthorizedAccount", account=net.a["mx_officer"]):
        net.lifecycle("suspend", "MXREV1", "mx_officer")


def test_governance_appoints_country_admins_but_cannot_skip_the_admin_transfer_rules(net):
    net.tx(net.fn("grantRole", net.admin_role("MX"), net.a["stranger"]), "governance")
    assert net.fn("hasRole", net.admin_role("MX"), net.a["stranger"]).call()
    with reverts("AccessControlEnforcedDefaultAdminRules"):
        net.tx(net.fn("grantRole", b"\0" * 32, net.a["stranger"]), "governance")


def test_network_admin_transfer_is_two_step_and_delayed(net):
    net.tx(net.fn("beginDefaultAdminTransfer", net.a["stranger"]), "governance")
    with reverts("AccessControlEnforcedDefaultAdminDelay"):
        net.tx(net.fn("acceptDefaultAdminTransfer"), "stranger")
    net.w3.provider.ethereum_tester.time_travel(net.now() + 3601)
    net.tx(net.fn("acceptDefaultAdminTransfer"), "stranger")
    assert net.fn("defaultAdmin").call() == net.a["stranger"]
    net.tx(net.fn("registerAdministration", b"CO", "Colombia", net.a["co_admin"]), "stranger")
    with reverts("AccessControlUnauthorizedAccount", account=net.a["governance"]):
        net.tx(net.fn("registerAdministration", country_to_bytes2("CL"), "Chile", net.a["cl_admin"]), "governance")
