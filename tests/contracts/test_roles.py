"""The role x function matrix: every state-changing function of the contract, called by every role; the
roles that may call it succeed, every other reverts with the named error. The table is checked against
the ABI, so a new function cannot be left out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from eth_utils import keccak
from helpers import HOLDER_KEY, NO_RULES, ROLES, ZERO_ADDRESS, master_data, reverts

from cadena_client.confidential.consent import sign_consent
from cadena_client.contract.artifact import CONSORTIUM, CONTRACT, load_artifact
from cadena_client.contract.codec import country_to_bytes2, tin_to_bytes32

TIN = tin_to_bytes32("MXROLE000001")
MX = country_to_bytes2("MX")
UNAUTHORIZED = "AccessControlUnauthorizedAccount"


@dataclass(frozen=True)
class Rule:
    call: Callable  # (net) -> the contract call, once `prepare` ran
    allowed: frozenset[str]
    error: str = UNAUTHORIZED  # what every other role gets
    prepare: Callable = lambda net: None


def certificate(net, **fields):
    net.issue("MXROLE000001", holder=net.a["holder"], **fields)


FORM = keccak(b"consent form MX-2026-0042")


def consent(net) -> tuple[int, bytes]:
    """A deadline and the holder's EIP-712 signature of its consent to visibility Partners for TIN."""
    deadline = net.w3.eth.get_block("latest")["timestamp"] + 3600
    nonce = net.fn("consentNonce", net.a["holder"]).call()
    signature = sign_consent(HOLDER_KEY, net.w3.eth.chain_id, net.contract.address, "MXROLE000001", 1, nonce, deadline)
    return deadline, signature


def in_force(net) -> int:
    return net.mra_in_force(["MX", "PE"])


def admission(net) -> int:
    return net.propose_motion("admission", "CO", "co_admin", "DIAN", proposer="PE")


def voted_by_mx(net) -> int:
    proposal = admission(net)
    net.vote(proposal, "MX")
    return proposal


def voted_admission(net) -> int:
    proposal = voted_by_mx(net)
    net.vote(proposal, "PE")
    return proposal


def recovery_of_mx(net) -> int:
    return net.propose_motion("recovery", "MX", "stranger", proposer="PE")


STATE: dict = {}


def remember(make):
    return lambda net: STATE.__setitem__("id", make(net))


OFFICER, ADMIN, NOBODY = frozenset({"mx_officer"}), frozenset({"mx_admin"}), frozenset()
NOT_ADMIN, BY_CONSORTIUM = "GovernanceNotAdmin", "CustomsUnauthorized"
MATRIX = {
    "issueCertificate": Rule(lambda net: net.fn("issueCertificate", TIN, master_data("MXROLE000001"), 1), OFFICER),
    "issueCertificates": Rule(
        lambda net: net.fn("issueCertificates", [TIN], [master_data("MXROLE000001")], 1, 0), OFFICER
    ),
    "updateCertificate": Rule(
        lambda net: net.fn("updateCertificate", TIN, master_data("MXROLE000001", name="Nuevo"), 3),
        OFFICER,
        prepare=certificate,
    ),
    "setVisibility": Rule(lambda net: net.fn("setVisibility", TIN, 1, FORM), OFFICER, prepare=certificate),
    "setVisibilityBySig": Rule(
        lambda net: net.fn("setVisibilityBySig", TIN, 1, *consent(net)), frozenset(ROLES), prepare=certificate
    ),
    "shareMasterData": Rule(lambda net: net.fn("shareMasterData", TIN, b"\x01sealed"), OFFICER, prepare=certificate),
    "eraseMasterData": Rule(lambda net: net.fn("eraseMasterData", TIN, 0), OFFICER, prepare=certificate),
    "setExchangeKey": Rule(lambda net: net.fn("setExchangeKey", MX, b"\x07" * 32), ADMIN),
    "suspendCertificate": Rule(lambda net: net.fn("suspendCertificate", TIN, 10), OFFICER, prepare=certificate),
    "reinstateCertificate": Rule(
        lambda net: net.fn("reinstateCertificate", TIN, 0),
        OFFICER,
        prepare=lambda net: (certificate(net), net.lifecycle("suspend", "MXROLE000001", "mx_officer")),
    ),
    "cancelCertificate": Rule(lambda net: net.fn("cancelCertificate", TIN, 20), OFFICER, prepare=certificate),
    "withdrawCertificate": Rule(
        lambda net: net.fn("withdrawCertificate", TIN, 31), frozenset({"holder"}), "AEONotHolder", prepare=certificate
    ),
    "grantRole": Rule(lambda net: net.fn("grantRole", net.officer_role("MX"), net.a["stranger"]), ADMIN),
    "revokeRole": Rule(lambda net: net.fn("revokeRole", net.officer_role("MX"), net.a["mx_officer"]), ADMIN),
    "renounceRole": Rule(
        lambda net: net.fn("renounceRole", net.officer_role("MX"), net.a["mx_officer"]),
        OFFICER,
        "AccessControlBadConfirmation",
    ),
    "proposeMRA": Rule(lambda net: net.fn("proposeMRA", MX, [MX, b"CR"], 1, 1, 0, "MX-CR", False), ADMIN),
    "setParticipation": Rule(
        lambda net: net.fn("setParticipation", STATE["id"], MX, 1, 2),
        ADMIN,
        prepare=remember(lambda net: net.propose(["PE", "MX"])),
    ),
    "propose": Rule(
        lambda net: net.fn("propose", MX, (1, b"PE", ZERO_ADDRESS, "", NO_RULES, bytes(32))), ADMIN, NOT_ADMIN
    ),
    "vote": Rule(lambda net: net.fn("vote", STATE["id"], MX, True), ADMIN, NOT_ADMIN, prepare=remember(admission)),
    "veto": Rule(lambda net: net.fn("veto", STATE["id"], MX), ADMIN, NOT_ADMIN, prepare=remember(recovery_of_mx)),
    "execute": Rule(lambda net: net.fn("execute", STATE["id"]), frozenset(ROLES), prepare=remember(voted_admission)),
    # only the consortium, carrying out a decision of the members, seats, suspends, recovers and upgrades
    "admitAdministration": Rule(
        lambda net: net.fn("admitAdministration", b"CO", "DIAN", net.a["co_admin"], 1), NOBODY, BY_CONSORTIUM
    ),
    "setAdministrationStatus": Rule(lambda net: net.fn("setAdministrationStatus", b"PE", 2, 1), NOBODY, BY_CONSORTIUM),
    "recoverAdministration": Rule(
        lambda net: net.fn("recoverAdministration", b"PE", net.a["stranger"], 1), NOBODY, BY_CONSORTIUM
    ),
    "upgradeToAndCall": Rule(lambda net: net.fn("upgradeToAndCall", net.implementation, b""), NOBODY, BY_CONSORTIUM),
    "initialize": Rule(lambda net: net.fn("initialize", net.a["stranger"]), NOBODY, "InvalidInitialization"),
}


def test_the_matrix_names_every_state_changing_function():
    functions = {
        entry["name"]
        for name in (CONTRACT, CONSORTIUM)
        for entry in load_artifact(name)["abi"]
        if entry["type"] == "function" and entry["stateMutability"] not in ("view", "pure")
    }
    assert functions == set(MATRIX), (
        f"missing from the matrix: {functions - set(MATRIX)}; unknown: {set(MATRIX) - functions}"
    )


PREPARED: dict[tuple[str, bytes], tuple[int, object]] = {}  # (function, state before) -> (snapshot, STATE id)


@pytest.fixture
def prepared(net, function):
    """`net` with `function`'s rule prepared. The preparation runs once per function and starting state;
    the other roles start from the snapshot taken after it (the same state, without its transactions)."""
    tester = net.w3.provider.ethereum_tester
    key = (function, net.w3.eth.get_block("latest")["hash"])
    if key in PREPARED:
        snapshot, STATE["id"] = PREPARED[key]
        tester.revert_to_snapshot(snapshot)
    else:
        MATRIX[function].prepare(net)
        PREPARED[key] = tester.take_snapshot(), STATE.get("id")
    return net


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("function", sorted(MATRIX))  # each function's roles in a row, to share its preparation
def test_each_role_may_call_only_what_it_is_allowed_to(prepared, function, role):
    rule, net = MATRIX[function], prepared
    if role in rule.allowed:
        assert net.tx(rule.call(net), role).status == 1
    else:
        with reverts(rule.error):
            net.tx(rule.call(net), role)
