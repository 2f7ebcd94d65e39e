"""Consent on chain: the holder's EIP-712 signature relayed by anyone, an officer with the signed form,
the NoConsent verdict of an MRA that requires consent (from the next block), the exchange keys and
their clearing by a recovery, sharing and erasure, and the gas of an issue with a sealed envelope."""

import pytest
from eth_utils import keccak
from helpers import HOLDER_KEY, master_data, reverts

from cadena_client.confidential.consent import sign_consent
from cadena_client.contract.codec import country_to_bytes2, tin_to_bytes32
from cadena_client.domain.model import Verdict, Visibility

TIN = "MXCONSENT0001"
RAW = tin_to_bytes32(TIN)
PE = country_to_bytes2("PE")


def signed(net, visibility=1, deadline_in=3600, key=HOLDER_KEY, tin=TIN, nonce=None):
    deadline = net.w3.eth.get_block("latest")["timestamp"] + deadline_in
    nonce = net.fn("consentNonce", net.a["holder"]).call() if nonce is None else nonce
    return deadline, sign_consent(key, net.w3.eth.chain_id, net.contract.address, tin, visibility, nonce, deadline)


def visibility(net) -> int:
    return net.certificate(TIN)[7]


def test_a_relayed_holder_signature_sets_the_visibility_once(net):
    net.issue(TIN, holder=net.a["holder"])
    deadline, signature = signed(net)
    receipt = net.tx(net.fn("setVisibilityBySig", RAW, 1, deadline, signature), "stranger")  # the holder pays nothing
    assert visibility(net) == Visibility.PARTNERS
    (event,) = net.events(receipt, "ConsentChanged")
    assert (event.args.actor, event.args.visibility, event.args.consentForm) == (net.a["holder"], 1, bytes(32))
    with reverts("AEOConsentInvalidSigner"):  # replayed: its nonce is spent
        net.tx(net.fn("setVisibilityBySig", RAW, 1, deadline, signature), "stranger")


@pytest.mark.parametrize(
    "fault",
    ["expired", "other key", "other visibility", "other tin", "garbage"],
)
def test_a_bad_consent_signature_is_refused_by_name(net, fault):
    net.issue(TIN, holder=net.a["holder"])
    net.issue("MXCONSENT0002", holder=net.a["holder"])
    key = keccak(text="cadena test stranger") if fault == "other key" else HOLDER_KEY
    deadline, signature = signed(net, deadline_in=-1 if fault == "expired" else 3600, key=key)
    tin = "MXCONSENT0002" if fault == "other tin" else TIN
    wanted = 2 if fault == "other visibility" else 1
    signature = b"\x01" * 65 if fault == "garbage" else signature
    error = "AEOConsentExpired" if fault == "expired" else "AEOConsentInvalidSigner"
    with reverts(error):
        net.tx(net.fn("setVisibilityBySig", tin_to_bytes32(tin), wanted, deadline, signature), "stranger")
    assert visibility(net) == Visibility.ISSUER_ONLY


def test_holder_or_officer_with_form_only(net):
    net.issue(TIN, holder=net.a["holder"])
    with reverts("AEOConsentFormRequired", tin=RAW):
        net.tx(net.fn("setVisibility", RAW, 2, bytes(32)), "mx_officer")
    with reverts("AEONotHolder"):
        net.tx(net.fn("setVisibility", RAW, 2, bytes(32)), "other_holder")
    with reverts("AEOInvalidVisibility", visibility=3):
        net.tx(net.fn("setVisibility", RAW, 3, bytes(32)), "holder")
    form = keccak(text="form MX-2026-7")
    receipt = net.tx(net.fn("setVisibility", RAW, 2, form), "mx_officer")
    assert visibility(net) == Visibility.PUBLISHED
    assert net.events(receipt, "ConsentChanged")[0].args.consentForm == form
    net.tx(net.fn("setVisibility", RAW, 0, bytes(32)), "holder")  # withdrawn by the holder
    assert visibility(net) == Visibility.ISSUER_ONLY


def test_an_mra_that_requires_consent_answers_no_consent_until_the_holder_gives_it(net):
    net.mra_in_force(["MX", "PE"], consent=True)
    net.issue(TIN, holder=net.a["holder"])
    verify = net.fn("verify", PE, RAW)
    assert Verdict(verify.call()[2]) is Verdict.NO_CONSENT and verify.call()[0] is False
    net.tx(net.fn("setVisibility", RAW, 1, bytes(32)), "holder")
    assert Verdict(verify.call()[2]) is Verdict.RECOGNISED  # from the next block
    net.tx(net.fn("setVisibility", RAW, 0, bytes(32)), "holder")
    assert Verdict(verify.call()[2]) is Verdict.NO_CONSENT
    net.mra_in_force(["MX", "PE"])  # another MRA between them without the requirement recognises it
    assert Verdict(verify.call()[2]) is Verdict.RECOGNISED
    assert net.fn("mra", 1).call()[9] is True and net.fn("mra", 2).call()[9] is False


def test_exchange_keys_are_set_by_the_admin_and_cleared_by_a_recovery(net):
    key = bytes(range(32))
    with reverts("AccessControlUnauthorizedAccount"):
        net.tx(net.fn("setExchangeKey", PE, key), "mx_admin")  # no key can act for another country
    net.tx(net.fn("setExchangeKey", PE, key), "pe_admin")
    assert net.fn("exchangeKey", PE).call() == key
    net.decide("recovery", "PE", "stranger")
    assert net.fn("exchangeKey", PE).call() == bytes(32)


def test_share_and_erase_are_officers_of_the_country_and_leave_the_certificate(net):
    net.issue(TIN, holder=net.a["holder"])
    before = net.certificate(TIN)
    with reverts("AccessControlUnauthorizedAccount"):
        net.tx(net.fn("eraseMasterData", RAW, 0), "pe_officer")
    receipt = net.tx(net.fn("shareMasterData", RAW, b"\x01sealed"), "mx_officer")
    assert net.events(receipt, "MasterDataShared")[0].args.version == 1
    receipt = net.tx(net.fn("eraseMasterData", RAW, 7), "mx_officer")
    assert net.events(receipt, "MasterDataErased")[0].args.reason == 7
    assert net.certificate(TIN) == before  # commitment, status and version stay
    with reverts("AEOUnknownCertificate"):
        net.tx(net.fn("eraseMasterData", tin_to_bytes32("MXNEVER1"), 0), "mx_officer")


def test_credential_signers_are_granted_like_officers(net):
    role = net.fn("credentialSignerRole", country_to_bytes2("MX")).call()
    with reverts("AccessControlUnauthorizedAccount"):
        net.tx(net.fn("grantRole", role, net.a["stranger"]), "pe_admin")
    net.tx(net.fn("grantRole", role, net.a["stranger"]), "mx_admin")
    assert net.fn("hasRole", role, net.a["stranger"]).call()


def test_gas_of_an_issue_sealed_to_three_readers(net, capsys):
    envelope = bytes(range(256)) * 2  # the size of a record sealed to three readers (about 500 bytes)
    receipt = net.tx(
        net.fn("issueCertificate", RAW, master_data(TIN, visibility=1, envelope=envelope), 1), "mx_officer"
    )
    allowance = 116_000 + 24 * len(envelope)  # 16 a byte of calldata, 8 a byte of log data
    with capsys.disabled():
        print(f"\nissue sealed to 3 readers ({len(envelope)} bytes): {receipt.gasUsed:,} gas (at most {allowance:,})")
    assert receipt.gasUsed <= allowance
