"""The subscription request a company signs with its holder key: what is accepted and what is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from eth_account import Account

from cadena_client.errors import InputError
from cadena_client.subscriptions import Wanted, read_request, request_text, signed_request

COMPANY = Account.from_key(b"\x11" * 32)


def test_the_signer_and_what_it_asks_for():
    signed = signed_request(COMPANY, "https://company.example/hook", ["mxaaa010101aaa"])
    assert read_request(signed["message"], signed["signature"]) == (
        "https://company.example/hook",
        ["MXAAA010101AAA"],
        COMPANY.address,
    )


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("hello", "url:, tins: and issued:"),
        (request_text("ftp://x", ["MXAAA010101AAA"]), "http(s) URL"),
        (
            request_text("https://x", ["MXAAA010101AAA"], datetime.now(timezone.utc) - timedelta(hours=1)),
            "sign it anew",
        ),
    ],
    ids=["no-fields", "not-http", "stale"],  # the same ids in every xdist worker (the texts carry the time)
)
def test_refusals_name_the_problem(message, said):
    signature = signed_request(COMPANY, "https://x", ["MXAAA010101AAA"])["signature"]
    with pytest.raises(InputError, match=said.replace("(", r"\(").replace(")", r"\)")):
        read_request(message, signature)


def test_a_tampered_text_recovers_another_signer():
    signed = signed_request(COMPANY, "https://x", ["MXAAA010101AAA"])
    _, _, signer = read_request(signed["message"].replace("MXAAA010101AAA", "MXBBB010101BBB"), signed["signature"])
    assert signer != COMPANY.address


def test_it_wants_its_tins_and_the_mras_of_their_country():
    from cadena_client.domain.event import Event

    wanted = Wanted(["MXAAA010101AAA"], {1})

    def event(name, tin=None, mra=None, **args):
        return Event(name, 1, 0, "0x", 0, tin, None, mra, None, None, args)

    assert wanted(event("CertificateSuspended", "MXAAA010101AAA"))
    assert not wanted(event("CertificateSuspended", "MXBBB010101BBB"))
    assert wanted(event("MRASigned", mra=1)) and not wanted(event("MRASigned", mra=2))
    assert wanted(event("MRAProposed", mra=3, parties=["PE", "MX"])) and wanted(event("MRASigned", mra=3))
    assert not wanted(event("AdministrationRegistered"))
