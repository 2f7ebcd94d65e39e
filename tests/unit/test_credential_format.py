"""The credential's format without a chain: SD-JWT signing and disclosure, Bitstring Status Lists, and
each verdict against a snapshot of an administration's statuses."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from cadena_client.credential import sdjwt
from cadena_client.credential.document import Anchor, issue_credential
from cadena_client.credential.signing import IssuerKey, open_jws
from cadena_client.credential.status import (
    MIN_BITS,
    CountryStatus,
    bit,
    bitstring,
    decode_list,
    encode_list,
    list_credential,
)
from cadena_client.credential.verify import CredentialVerdict, SnapshotEvidence, check
from cadena_client.domain.model import AEOType, Certificate, CertificateStatus

CHAIN, CONTRACT = 31337, "0x" + "ab" * 20
KEY = IssuerKey(bytes(range(1, 33)), CHAIN)
OTHER = IssuerKey(bytes(range(2, 34)), CHAIN)
TIN = "MXEPA180101AB1"


def certificate(version: int = 1, expiry: date | None = date(2034, 1, 15)) -> Certificate:
    return Certificate(
        TIN,
        CertificateStatus.ACTIVE,
        AEOType.parse("importer,exporter"),
        date(2024, 1, 15),
        expiry,
        None,
        version,
        bytes(32),
    )


def credential(key: IssuerKey = KEY, **fields) -> str:
    anchor = Anchor(CHAIN, CONTRACT, "SAT", "https://sat.example")
    shown = {"name": "Exportadora del Pacífico", "address": "Av. Reforma 505"}
    return issue_credential(key, anchor, certificate(**fields), 1, [], shown)


def evidence(revoked=(), suspended=(), version: int = 1, signers=(KEY.address,)) -> SnapshotEvidence:
    tins = ["MXAAA010101AAA", TIN]
    status = CountryStatus(
        "MX",
        tins,
        [1, version],
        ["0x" + "00" * 32] * 2,
        bitstring(revoked, 2),
        bitstring(suspended, 2),
        frozenset(signers),
    )
    return SnapshotEvidence(CHAIN, CONTRACT, {"MX": status})


def test_the_list_is_long_compressed_and_read_from_the_left():
    bits = bitstring([0, 9, 99_999], 100_000)
    assert len(bits) * 8 == MIN_BITS
    decoded = decode_list(encode_list(bits))
    assert [i for i in range(MIN_BITS) if bit(decoded, i)] == [0, 9, 99_999]
    assert decoded[0] == 0x80 and decoded[1] == 0x40


def test_a_status_list_credential_is_signed_by_the_administration():
    header, payload, signer = open_jws(list_credential(KEY, "https://sat.example/x", "revocation", bitstring([3], 1)))
    assert signer == KEY.address and header["typ"] == "vc+jwt"
    assert bit(decode_list(payload["credentialSubject"]["encodedList"]), 3)


def test_the_trader_hides_name_and_address_and_the_signature_holds():
    full = credential()
    shown = sdjwt.present(full, {"name", "address"})
    _, claims, _ = sdjwt.open_sd_jwt(full)
    assert claims["credentialSubject"]["name"] == "Exportadora del Pacífico"
    _, hidden, _ = sdjwt.open_sd_jwt(shown)
    assert "name" not in hidden["credentialSubject"] and hidden["credentialSubject"]["aeoTypes"] == [
        "importer",
        "exporter",
    ]
    assert check(shown, evidence()).verdict is CredentialVerdict.VALID


@pytest.mark.parametrize(
    ("evidence_of", "verdict"),
    [
        (lambda: evidence(), CredentialVerdict.VALID),
        (lambda: evidence(suspended=[1]), CredentialVerdict.SUSPENDED),
        (lambda: evidence(revoked=[1]), CredentialVerdict.REVOKED),
        (lambda: evidence(version=2), CredentialVerdict.SUPERSEDED),
        (lambda: evidence(signers=()), CredentialVerdict.UNKNOWN_ISSUER),
        (lambda: evidence(revoked=[0]), CredentialVerdict.VALID),  # another certificate's bit
    ],
)
def test_each_verdict_against_the_lists(evidence_of, verdict):
    assert check(credential(), evidence_of()).verdict is verdict


def test_an_expired_credential():
    old = credential(expiry=date(2025, 1, 1))
    assert check(old, evidence()).verdict is CredentialVerdict.EXPIRED
    assert check(old, evidence(), now=datetime(2024, 6, 1, tzinfo=timezone.utc)).verdict is CredentialVerdict.VALID


def test_forgeries():
    full = credential()
    token, *disclosures = full.split("~")
    head, body, signature = token.split(".")
    tampered = ".".join([head, body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB"), signature])
    assert check("~".join([tampered, *disclosures]), evidence()).verdict is CredentialVerdict.FORGED
    foreign = sdjwt.disclose({}, "name", "Someone Else")
    assert check(full + foreign + "~", evidence()).verdict is CredentialVerdict.FORGED
    assert check("not a credential", evidence()).verdict is CredentialVerdict.FORGED
    # signed by a key that is not the issuer DID's: the header's key is swapped for another's
    other = credential(key=OTHER)
    assert check(other, evidence()).verdict is CredentialVerdict.UNKNOWN_ISSUER


def test_a_verify_link_carries_the_credential():
    from urllib.parse import quote

    link = "https://sat.example/verify?credential=" + quote(credential())
    assert check(link, evidence()).verdict is CredentialVerdict.VALID


def test_another_network_is_an_unknown_issuer():
    elsewhere = SnapshotEvidence(CHAIN, "0x" + "cd" * 20, evidence().countries)
    assert check(credential(), elsewhere).verdict is CredentialVerdict.UNKNOWN_ISSUER


def test_the_pdf_qr_code_reads_back_as_the_credential(tmp_path):
    import pypdfium2
    import zxingcpp

    from cadena_client.credential.pdf import render

    full = credential()
    render(full, tmp_path / "aeo.pdf")
    page = pypdfium2.PdfDocument(tmp_path / "aeo.pdf")[0]
    text = page.get_textpage().get_text_range()
    assert "Operador Económico Autorizado" in text and "Authorized Economic Operator" in text and TIN in text
    found = zxingcpp.read_barcodes(page.render(scale=3).to_pil())
    assert [code.text for code in found] == [full]
    assert check(found[0].text, evidence()).verdict is CredentialVerdict.VALID


def test_a_credential_too_long_for_a_qr_code_is_shown_there_without_its_mras(tmp_path):
    import pypdfium2
    import zxingcpp

    from cadena_client.credential.pdf import render
    from cadena_client.domain.model import MRA, Benefit, MRAStatus, Party, PartyStatus

    parties = tuple(Party(code, PartyStatus.SIGNED) for code in ("MX", "PE", "CR", "CO", "CL", "GT"))
    mras = [
        MRA(
            i,
            f"Arreglo de Reconocimiento Mutuo número {i}",
            "MX",
            MRAStatus.IN_FORCE,
            Benefit(63),
            AEOType(3),
            date(2020, 1, 1),
            parties,
        )
        for i in range(1, 9)
    ]
    anchor = Anchor(CHAIN, CONTRACT, "SAT", "https://sat.example")
    full = issue_credential(
        KEY, anchor, certificate(), 1, mras, {"name": "Exportadora del Pacífico", "address": "Av. Reforma 505"}
    )
    assert len(full) > 2953  # a QR code's most bytes
    render(full, tmp_path / "aeo.pdf")
    pages = list(pypdfium2.PdfDocument(tmp_path / "aeo.pdf"))
    assert "número 8" in "".join(p.get_textpage().get_text_range() for p in pages)  # printed, not in the code
    (code,) = [found for p in pages for found in zxingcpp.read_barcodes(p.render(scale=3).to_pil())]
    assert "recognition" not in sdjwt.open_sd_jwt(code.text)[1]["credentialSubject"]
    assert check(code.text, evidence()).verdict is CredentialVerdict.VALID
