"""Administrations, their admission and their country-scoped roles."""

from string import ascii_uppercase

import pytest
from helpers import NO_RULES, ZERO_ADDRESS, reverts
from iso3166 import countries_by_alpha2

from cadena_client.contract.codec import codec


def admission(net, proposer: bytes, country: bytes, admin: str):
    """The call by which `proposer` proposes to admit `country` with its first `admin`."""
    return net.fn("propose", proposer, (0, country, admin, "x", NO_RULES, bytes(32)))


def test_registered_administrations_are_listed(net):
    assert net.fn("administrationCount").call() == 3
    assert net.fn("administrations", 0, 10).call() == [b"MX", b"PE", b"CR"]
    assert net.fn("administrations", 1, 1).call() == [b"PE"]
    status, name = net.fn("administration", b"MX").call()
    count, mras = net.fn("certificateCount", b"MX").call(), net.fn("mraCountOf", b"MX").call()
    assert (status, count, mras, name) == (1, 0, 0, "Servicio de Administración Tributaria")  # Active
    assert net.fn("administration", b"BR").call()[0] == 0  # None


@pytest.mark.slow
def test_the_chain_and_the_client_agree_on_country_codes(net):
    """The contract's bitmap of admissible codes is exactly the client's set of ISO 3166-1 codes."""
    admissible = set()
    for code in (a + b for a in ascii_uppercase for b in ascii_uppercase):
        try:
            admission(net, b"MX", code.encode(), net.a["co_admin"]).call({"from": net.a["mx_admin"]})
            admissible.add(code)
        except Exception as refused:  # CustomsInvalidCountry; CustomsAdministrationExists for MX, PE, CR
            if codec().refusal(refused).name == "CustomsAdministrationExists":
                admissible.add(code)
    assert admissible == set(countries_by_alpha2)


def test_registration_event_and_admin_role(net):
    receipt = net.register("CO", "co_admin")
    (event,) = net.events(receipt, "AdministrationRegistered")
    assert (event.args.country, event.args.admin, event.args.name) == (b"CO", net.a["co_admin"], "CO")
    assert net.fn("hasRole", net.admin_role("CO"), net.a["co_admin"]).call()
    assert net.fn("getRoleAdmin", net.officer_role("CO")).call() == net.admin_role("CO")


@pytest.mark.parametrize("sender", ["governance", "pe_admin", "mx_officer", "stranger"])
def test_only_an_admin_of_the_proposing_member_proposes_an_admission(net, sender):
    with reverts("GovernanceNotAdmin", country=b"MX", account=net.a[sender]):
        net.tx(admission(net, b"MX", b"CO", net.a["co_admin"]), sender)


@pytest.mark.parametrize("code", [b"mx", b"M1", b"\0\0", b"1A", b"A-", b"XA", b"ZZ", b"AA"])
def test_country_must_be_an_iso_3166_code(net, code):
    """Two letters are not enough: "XA" was admitted once, and then every reader of the network failed."""
    with reverts("CustomsInvalidCountry", country=code):
        net.tx(admission(net, b"MX", code, net.a["co_admin"]), "mx_admin")


def test_no_duplicate_and_no_zero_admin(net):
    with reverts("CustomsAdministrationExists", country=b"MX"):
        net.tx(admission(net, b"PE", b"MX", net.a["co_admin"]), "pe_admin")
    with reverts("CustomsInvalidAdmin"):
        net.tx(admission(net, b"MX", b"CO", ZERO_ADDRESS), "mx_admin")


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
    with reverts("AccessControlUnauthorizedAccount", account=net.a["governance"]):  # no one holds the default admin
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


def test_no_role_of_a_country_exists_before_its_admission(net):
    for sender in ("governance", "mx_admin"):
        for role in (net.officer_role("CO"), net.admin_role("CO")):
            with reverts("AccessControlUnauthorizedAccount", account=net.a[sender]):
                net.tx(net.fn("grantRole", role, net.a["stranger"]), sender)
    net.register("CO", "co_admin")
    assert net.fn("adminCount", b"CO").call() == 1
    assert not net.fn("hasRole", net.officer_role("CO"), net.a["stranger"]).call()
