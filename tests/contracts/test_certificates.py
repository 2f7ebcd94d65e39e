"""The certificate lifecycle on-chain: transitions, illegal transitions, roles, events."""

import pytest
from helpers import master_data, reverts

from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.domain.model import CertificateStatus as S

TIN = "MXAAA010101AAA"
RAW = tin_to_bytes32(TIN)


def status(net, tin=TIN):
    return S(net.certificate(tin)[1])


def test_issue_stores_the_record_and_indexes_it(net):
    receipt = net.issue(TIN, holder=net.a["holder"])
    holder, st, types, valid_from, expiry, version, commitment, visibility = net.certificate(TIN)
    expected = master_data(TIN, holder=net.a["holder"])
    assert (holder, types, valid_from, expiry, visibility, commitment) == expected[:6]
    assert (S(st), version) == (S.ACTIVE, 1)
    assert net.fn("certificatesOf", b"MX", 0, 10).call() == [RAW]
    assert net.fn("certificateCount", b"MX").call() == 1
    event = net.events(receipt, "CertificateIssued")[0].args
    assert (event.tin, event.actor, event.reason, event.version) == (RAW, net.a["mx_officer"], 1, 1)
    assert (event.visibility, event.commitment, event.envelope) == (0, expected[5], b"")  # no name, no address
    assert event.time == net.w3.eth.get_block(receipt.blockNumber)["timestamp"]


def test_full_lifecycle_with_events(net):
    net.issue(TIN, holder=net.a["holder"])
    steps = [
        ("suspend", "mx_officer", 10, S.SUSPENDED, "CertificateSuspended"),
        ("reinstate", "mx_officer", 4, S.ACTIVE, "CertificateReinstated"),
        ("suspend", "mx_officer", 11, S.SUSPENDED, "CertificateSuspended"),
        ("cancel", "mx_officer", 20, S.CANCELLED, "CertificateCancelled"),
    ]
    for action, sender, reason, expected, event_name in steps:
        receipt = net.lifecycle(action, TIN, sender, reason)
        assert status(net) == expected
        (event,) = net.events(receipt, event_name)
        assert (event.args.tin, event.args.actor, event.args.reason) == (RAW, net.a[sender], reason)
        assert event.args.time == net.w3.eth.get_block(receipt.blockNumber)["timestamp"]


def test_holder_withdraws_active_or_suspended(net):
    net.issue(TIN, holder=net.a["holder"])
    receipt = net.lifecycle("withdraw", TIN, "holder", 31)
    assert status(net) == S.WITHDRAWN
    (event,) = net.events(receipt, "CertificateWithdrawn")
    assert (event.args.actor, event.args.reason) == (net.a["holder"], 31)
    other = "MXBBB020202BBB"
    net.issue(other, holder=net.a["holder"])
    net.lifecycle("suspend", other, "mx_officer")
    net.lifecycle("withdraw", other, "holder")
    assert status(net, other) == S.WITHDRAWN


@pytest.mark.parametrize("ended_by", ["cancel", "withdraw"])
def test_reissue_after_cancel_or_withdraw_is_a_new_version(net, ended_by):
    net.issue(TIN, holder=net.a["holder"])
    net.lifecycle(ended_by, TIN, "mx_officer" if ended_by == "cancel" else "holder")
    receipt = net.issue(TIN, name="Exportadora del Pacífico (nueva)", holder=net.a["other_holder"])
    cert = net.certificate(TIN)
    assert (S(cert[1]), cert[5], cert[0]) == (S.ACTIVE, 2, net.a["other_holder"])
    assert net.events(receipt, "CertificateIssued")[0].args.version == 2
    assert net.fn("certificatesOf", b"MX", 0, 10).call() == [RAW]  # history kept, listed once


def test_update_renews_and_keeps_status_and_version(net):
    net.issue(TIN)
    net.lifecycle("suspend", TIN, "mx_officer")
    fields = dict(aeo_types="importer,exporter,aeo-s", address="Calle Nueva 1, Monterrey", expiry="2040-01-01")
    receipt = net.tx(net.fn("updateCertificate", RAW, master_data(TIN, **fields), 2), "mx_officer")
    cert = net.certificate(TIN)
    expected = master_data(TIN, **fields)
    assert (cert[2], cert[4], cert[6]) == (expected[1], expected[3], expected[5])
    assert (S(cert[1]), cert[5]) == (S.SUSPENDED, 1)
    event = net.events(receipt, "CertificateUpdated")[0].args
    assert (event.reason, event.commitment, event.expiry) == (2, expected[5], expected[3])


ILLEGAL = [
    # (status reached by, action, its status in the error)
    ([], "suspend", S.NONE),
    (["suspend"], "suspend", S.SUSPENDED),
    ([], "reinstate", S.ACTIVE),
    (["cancel"], "reinstate", S.CANCELLED),
    (["cancel"], "suspend", S.CANCELLED),
    (["cancel"], "cancel", S.CANCELLED),
    (["withdraw", "cancel"], "cancel", S.CANCELLED),
    (["withdraw"], "withdraw", S.WITHDRAWN),
    (["cancel"], "withdraw", S.CANCELLED),
    (["withdraw"], "reinstate", S.WITHDRAWN),
]


@pytest.mark.parametrize("path,action,current", ILLEGAL)
def test_illegal_transitions_name_the_current_status(net, path, action, current):
    net.issue(TIN, holder=net.a["holder"])
    for step in path:
        net.lifecycle(step, TIN, "holder" if step == "withdraw" else "mx_officer")
    sender = "holder" if action == "withdraw" else "mx_officer"
    if current == S.NONE:
        with reverts("AEOUnknownCertificate", tin=tin_to_bytes32("MXZZZ")):
            net.lifecycle(action, "MXZZZ", sender)
        return
    with reverts("AEOInvalidStatus", tin=RAW, current=current):
        net.lifecycle(action, TIN, sender)


@pytest.mark.parametrize("before", [[], ["suspend"]])
def test_a_withdrawal_does_not_pre_empt_the_customs_cancellation(net, before):
    net.issue(TIN, holder=net.a["holder"])
    for step in before:
        net.lifecycle(step, TIN, "mx_officer")
    withdrawn = net.lifecycle("withdraw", TIN, "holder", 31)
    cancelled = net.lifecycle("cancel", TIN, "mx_officer", 21)  # a suspended company withdrew; customs still cancels
    assert S(net.certificate(TIN)[1]) == S.CANCELLED
    assert net.events(withdrawn, "CertificateWithdrawn")[0].args.reason == 31  # the history keeps both
    assert net.events(cancelled, "CertificateCancelled")[0].args.reason == 21
    with reverts("AccessControlUnauthorizedAccount"):
        net.lifecycle("cancel", TIN, "pe_officer")


@pytest.mark.parametrize("current_path", [[], ["suspend"]])
def test_issue_of_a_live_certificate_is_refused(net, current_path):
    net.issue(TIN)
    for step in current_path:
        net.lifecycle(step, TIN, "mx_officer")
    with reverts("AEOInvalidStatus", current=S.SUSPENDED if current_path else S.ACTIVE):
        net.issue(TIN)


@pytest.mark.parametrize("ended_by", ["cancel", "withdraw"])
def test_update_of_an_ended_certificate_is_refused(net, ended_by):
    net.issue(TIN, holder=net.a["holder"])
    net.lifecycle(ended_by, TIN, "mx_officer" if ended_by == "cancel" else "holder")
    with reverts("AEOInvalidStatus", current=S.CANCELLED if ended_by == "cancel" else S.WITHDRAWN):
        net.tx(net.fn("updateCertificate", RAW, master_data(TIN), 2), "mx_officer")


def test_update_of_unknown_certificate(net):
    with reverts("AEOUnknownCertificate", tin=RAW):
        net.tx(net.fn("updateCertificate", RAW, master_data(TIN), 2), "mx_officer")


OFFICER_ACTIONS = ["issue", "update", "suspend", "reinstate", "cancel"]
NOT_MX_OFFICERS = ["pe_officer", "pe_admin", "mx_admin", "holder", "stranger", "revoked_officer", "governance"]


def _attempt(net, action, sender):
    if action == "issue":
        return net.issue("MXCCC030303CCC", sender=sender)
    if action == "update":
        return net.tx(net.fn("updateCertificate", RAW, master_data(TIN), 3), sender)
    return net.lifecycle(action, TIN, sender)


@pytest.mark.parametrize("sender", NOT_MX_OFFICERS)
@pytest.mark.parametrize("action", OFFICER_ACTIONS)
def test_only_an_officer_of_the_tin_country_manages_it(net, action, sender):
    net.issue(TIN, holder=net.a["holder"])
    if action == "reinstate":
        net.lifecycle("suspend", TIN, "mx_officer")
    with reverts("AccessControlUnauthorizedAccount", account=net.a[sender], neededRole=net.officer_role("MX")):
        _attempt(net, action, sender)
    assert status(net) in (S.ACTIVE, S.SUSPENDED)


@pytest.mark.parametrize("sender", ["mx_officer", "mx_admin", "pe_officer", "stranger", "other_holder"])
def test_only_the_holder_withdraws(net, sender):
    net.issue(TIN, holder=net.a["holder"])
    with reverts("AEONotHolder", tin=RAW, account=net.a[sender]):
        net.lifecycle("withdraw", TIN, sender)


def test_without_holder_nobody_withdraws(net):
    net.issue(TIN)
    with reverts("AEONotHolder", account=net.a["holder"]):
        net.lifecycle("withdraw", TIN, "holder")


def test_an_officer_cannot_issue_for_another_country(net):
    with reverts("AccessControlUnauthorizedAccount", neededRole=net.officer_role("PE")):
        net.issue("PE20100070970", sender="mx_officer")
    net.issue("PE20100070970", sender="pe_officer")
    with reverts("AccessControlUnauthorizedAccount", neededRole=net.officer_role("PE")):
        net.lifecycle("suspend", "PE20100070970", "mx_officer")


def test_unregistered_country_cannot_certify(net):
    role = net.officer_role("BR")
    for sender in ("governance", "mx_admin"):  # no one can make an officer of a country not admitted
        with reverts("AccessControlUnauthorizedAccount", neededRole=b"\0" * 32):
            net.tx(net.fn("grantRole", role, net.a["stranger"]), sender)
    with reverts("AccessControlUnauthorizedAccount", account=net.a["stranger"], neededRole=role):
        net.issue("BR12345678000199", sender="stranger")


@pytest.mark.parametrize(
    "fields,error",
    [
        (dict(aeo_types=0), "AEOInvalidTypes"),
        (dict(aeo_types=0x200), "AEOInvalidTypes"),
        (dict(valid_from=100, expiry=100), "AEOInvalidValidity"),
        (dict(valid_from=100, expiry=99), "AEOInvalidValidity"),
    ],
)
def test_master_data_is_validated_on_chain(net, fields, error):
    data = list(master_data(TIN))
    data[1] = fields.get("aeo_types", data[1])
    data[2] = fields.get("valid_from", data[2])
    data[3] = fields.get("expiry", data[3])
    with reverts(error):
        net.tx(net.fn("issueCertificate", RAW, tuple(data), 1), "mx_officer")


def test_paged_listing(net):
    tins = [f"MX{i:04d}" for i in range(7)]
    for tin in tins:
        net.issue(tin)
    raw = [tin_to_bytes32(t) for t in tins]
    assert net.fn("certificatesOf", b"MX", 0, 3).call() == raw[:3]
    assert net.fn("certificatesOf", b"MX", 3, 3).call() == raw[3:6]
    assert net.fn("certificatesOf", b"MX", 6, 3).call() == raw[6:]
    assert net.fn("certificatesOf", b"MX", 7, 3).call() == []
    assert net.fn("certificatesOf", b"PE", 0, 3).call() == []
    with reverts("CustomsUnknownAdministration"):
        net.fn("certificatesOf", b"BR", 0, 3).call()


def test_batch_issue_is_all_or_nothing(net):
    tins = [f"MXB{i:03d}" for i in range(5)]
    receipt = net.tx(
        net.fn("issueCertificates", [tin_to_bytes32(t) for t in tins], [master_data(t) for t in tins], 1, 0),
        "mx_officer",
    )
    assert [e.args.tin for e in net.events(receipt, "CertificateIssued")] == [tin_to_bytes32(t) for t in tins]
    assert net.fn("certificatesOf", b"MX", 0, 10).call() == [tin_to_bytes32(t) for t in tins]
    again = ["MXNEW1", "MXB002"]  # the second is live: the whole batch reverts
    with reverts("AEOInvalidStatus", tin=tin_to_bytes32("MXB002"), current=S.ACTIVE):
        net.tx(
            net.fn("issueCertificates", [tin_to_bytes32(t) for t in again], [master_data(t) for t in again], 1, 0),
            "mx_officer",
        )
    assert status(net, "MXNEW1") == S.NONE
    with reverts("AccessControlUnauthorizedAccount", neededRole=net.officer_role("PE")):
        mixed = ["MXNEW1", "PE20100070970"]
        net.tx(
            net.fn("issueCertificates", [tin_to_bytes32(t) for t in mixed], [master_data(t) for t in mixed], 1, 0),
            "mx_officer",
        )


@pytest.mark.parametrize("tins,records", [(0, 0), (2, 1), (101, 101)])
def test_batch_size_is_bounded(net, tins, records):
    names = [f"MX{i:04d}" for i in range(max(tins, records))]
    with reverts("AEOInvalidBatch", tins=tins, records=records):
        net.tx(
            net.fn(
                "issueCertificates",
                [tin_to_bytes32(t) for t in names[:tins]],
                [master_data(t) for t in names[:records]],
                1,
                0,
            ),
            "mx_officer",
        )


def test_batch_issues_marked_certificates_already_suspended_in_the_same_transaction(net):
    tins = [f"MXS{i:03d}" for i in range(4)]
    net.mra_in_force(["MX", "PE"])
    receipt = net.tx(
        net.fn("issueCertificates", [tin_to_bytes32(t) for t in tins], [master_data(t) for t in tins], 1, 0b1010),
        "mx_officer",
    )
    suspended = [e.args.tin for e in net.events(receipt, "CertificateSuspended")]
    assert suspended == [tin_to_bytes32(tins[1]), tin_to_bytes32(tins[3])]
    assert [status(net, t) for t in tins] == [S.ACTIVE, S.SUSPENDED, S.ACTIVE, S.SUSPENDED]
    assert [net.verify("PE", t)[0] for t in tins] == [True, False, True, False]
    with reverts("AccessControlUnauthorizedAccount"):
        net.tx(net.fn("issueCertificates", [tin_to_bytes32("MXS999")], [master_data("MXS999")], 1, 1), "pe_officer")
