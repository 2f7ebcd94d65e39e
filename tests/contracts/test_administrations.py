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


def test_only_a_country_s_own_admins_appoint_its_admins_and_officers(net):
    for sender in ("governance", "pe_admin", "mx_officer"):  # the network admin, another country, an officer
        for role in (net.admin_role("MX"), net.officer_role("MX")):
            with reverts("AccessControlUnauthorizedAccount", account=net.a[sender], neededRole=net.admin_role("MX")):
                net.tx(net.fn("grantRole", role, net.a["stranger"]), sender)
        with reverts("AccessControlUnauthorizedAccount", account=net.a[sender], neededRole=net.admin_role("MX")):
            net.tx(net.fn("revokeRole", net.officer_role("MX"), net.a["mx_officer"]), sender)
    with reverts("AccessControlEnforcedDefaultAdminRules"):
        net.tx(net.fn("grantRole", b"\0" * 32, net.a["stranger"]), "governance")


def test_a_country_rotates_its_own_admin_key_but_never_removes_the_last(net):
    mx = net.admin_role("MX")
    with reverts("CustomsLastAdmin", country=b"MX"):
        net.tx(net.fn("renounceRole", mx, net.a["mx_admin"]), "mx_admin")
    net.tx(net.fn("grantRole", mx, net.a["stranger"]), "mx_admin")  # the new key
    assert net.fn("adminCount", b"MX").call() == 2
    net.tx(net.fn("revokeRole", mx, net.a["mx_admin"]), "stranger")  # which retires the old one
    assert not net.fn("hasRole", mx, net.a["mx_admin"]).call() and net.fn("adminCount", b"MX").call() == 1
    with reverts("CustomsLastAdmin", country=b"MX"):
        net.tx(net.fn("revokeRole", mx, net.a["stranger"]), "stranger")
    net.tx(net.fn("grantRole", net.officer_role("MX"), net.a["holder"]), "stranger")  # and it acts for MX


def test_no_role_of_a_country_exists_before_its_registration(net):
    for role in (net.officer_role("CO"), net.admin_role("CO")):
        with reverts("CustomsUnknownRole", role=role):
            net.tx(net.fn("grantRole", role, net.a["stranger"]), "governance")
    net.register("CO", "co_admin")
    assert net.fn("adminCount", b"CO").call() == 1
    assert not net.fn("hasRole", net.officer_role("CO"), net.a["stranger"]).call()


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
