"""The one rule for who reads an operator's name and address, and the page's sign-in challenge."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account import Account

from cadena_client.domain.disclosure import PUBLIC, Audience, Copy, disclose, why_hidden
from cadena_client.domain.model import AEOType, Certificate, CertificateStatus, Visibility
from cadena_client.errors import InputError
from cadena_client.service.signin import SignIn, sign

HOLDER = Account.create()
CERT = Certificate(
    "MXZAFIRO0001",
    CertificateStatus.ACTIVE,
    AEOType.EXPORTER,
    None,
    None,
    HOLDER.address,
    1,
    b"\x01" * 32,
    "Zafiro Confidencial Exportadora SA",
    "Calle Secreta 7788",
)
PERU = Audience(officers_of="PE")
MEXICO = Audience(officers_of="MX")
HELD = Copy(readable=True)


def test_a_member_without_consent_or_mra_reads_no_name():
    assert why_hidden(CERT, PERU, Copy(False)) == "the operator has not consented to share its data with Peru"
    partners = replace(CERT, visibility=Visibility.PARTNERS)
    assert why_hidden(partners, PERU, Copy(False)) == (
        "Peru is not a partner of Mexico under an MRA covering this certificate"
    )
    shown = disclose(partners, PERU, Copy(False))
    assert (shown.name, shown.address, shown.status) == (None, None, CertificateStatus.ACTIVE)


def test_the_officers_read_what_their_mirror_holds():
    assert disclose(CERT, MEXICO, HELD).name == CERT.name
    assert disclose(replace(CERT, visibility=Visibility.PARTNERS), PERU, Copy(True, partner=True)).name == CERT.name


def test_the_public_reads_only_published_operators():
    assert disclose(CERT, PUBLIC, HELD).name is None
    assert why_hidden(CERT, PUBLIC, HELD, "es") == "el operador no ha consentido publicar su nombre y dirección"
    assert disclose(replace(CERT, visibility=Visibility.PUBLISHED), PUBLIC, HELD).address == CERT.address


def test_the_signed_in_holder_reads_its_own_record_only():
    assert disclose(CERT, Audience(holder=HOLDER.address.lower()), HELD).name == CERT.name
    assert disclose(CERT, Audience(holder=Account.create().address), HELD).name is None


def test_erased_data_says_so_and_nothing_unreadable_shows():
    assert why_hidden(CERT, MEXICO, Copy(False, erased=True)) == "erased by the issuing administration"
    published = replace(CERT, visibility=Visibility.PUBLISHED)
    assert why_hidden(published, PUBLIC, Copy(False)) == "this mirror holds no readable copy of the operator's data"


def test_a_signed_challenge_signs_in_once_and_the_cookie_cannot_be_forged():
    now = [1_000_000.0]
    signin = SignIn(clock=lambda: now[0])
    challenge = signin.challenge("http://localhost")
    signature = sign(challenge, HOLDER)
    assert signin.holder(challenge, signature) == HOLDER.address
    with pytest.raises(InputError, match="unknown, used or expired"):
        signin.holder(challenge, signature)  # single use
    late = signin.challenge("http://localhost")
    now[0] += 301
    with pytest.raises(InputError, match="expired"):
        signin.holder(late, sign(late, HOLDER))
    cookie = signin.cookie(HOLDER.address)
    assert signin.session(cookie) == HOLDER.address
    other = Account.create().address
    assert signin.session(cookie.replace(HOLDER.address, other)) is None
    assert SignIn().session(cookie) is None  # another server's secret
    now[0] += 3601
    assert signin.session(cookie) is None


def test_a_signature_of_something_else_is_refused():
    signin = SignIn()
    challenge = signin.challenge("http://localhost")
    with pytest.raises(InputError, match="not a signature"):
        signin.holder(challenge, "0x1234")
    assert signin.holder(challenge, sign("another text", HOLDER)) != HOLDER.address
