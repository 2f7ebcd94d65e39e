"""TIN validation: the library and the contract accept and refuse the same identifiers."""

import pytest
from helpers import master_data, reverts

from cadena_client.domain.model import InputError, parse_tin

GOOD = ["MXAAA010101AAA", "PE20100070970", "MX1", "MXABCDEFGHIJKLMNO", "CR3101123456", "MX0", "MXZ9"]
BAD_SHAPE = ["MX", "M", "", "MX-123", "MXABCDEFGHIJKLMNOP", "MXÑAA010101AAA", "1X123", "MX12_3"]


@pytest.mark.parametrize("value", GOOD)
def test_good_tins_are_issued(net, value):
    assert parse_tin(value) == value
    raw = value.encode().ljust(32, b"\0")
    net.tx(net.fn("issueCertificate", raw, master_data(value), 1), f"{value[:2].lower()}_officer")
    assert net.fn("certificate", raw).call()[1] == 1


@pytest.mark.parametrize("value", BAD_SHAPE)
def test_bad_tins_are_refused_by_library_and_contract(net, value):
    with pytest.raises(InputError, match="is not a TIN"):
        parse_tin(value)
    raw = value.encode("utf-8")[:32].ljust(32, b"\0")
    with reverts("AEOInvalidTIN", tin=raw):
        net.tx(net.fn("issueCertificate", raw, master_data("MX1"), 1), "mx_officer")


@pytest.mark.parametrize(
    "raw",
    [
        b"MXABC\0DEF".ljust(32, b"\0"),  # a character after the padding
        b"MXABC".ljust(31, b"\0") + b"A",  # a character in the last byte
        b"MX\x80\x81".ljust(32, b"\0"),  # bytes above 0x7f
        b"MX@[`{/:".ljust(32, b"\0"),  # the neighbours of A-Z and 0-9
        b"MXabc".ljust(32, b"\0"),  # lower case (the library upper-cases it first)
        b"MXAAA 010".ljust(32, b"\0"),  # a space (the library strips it first)
    ],
)
def test_contract_refuses_malformed_words(net, raw):
    with reverts("AEOInvalidTIN", tin=raw):
        net.tx(net.fn("issueCertificate", raw, master_data("MX1"), 1), "mx_officer")


def test_library_normalises_and_checks_the_country():
    assert parse_tin(" mxaaa010101aaa ") == "MXAAA010101AAA"
    with pytest.raises(InputError, match="is not an ISO 3166-1 alpha-2 country code"):
        parse_tin("XX12345")
    with pytest.raises(InputError, match="issuing country is PE"):
        parse_tin("MX12345", issuing_country="PE")
