"""The sealed envelope and the exchange key files: only a reader's key opens its copy, a tampered
envelope opens for no one, the salt makes equal data commit differently, and key files stay private."""

import os
import stat

import pytest

from cadena_client.confidential import ExchangeKeys, open_for, seal
from cadena_client.confidential.envelope import reader_countries
from cadena_client.domain.model import MasterData
from cadena_client.errors import InputError

MASTER = MasterData("MXENV000000001", "Sobre Cerrado SA", "Calle Lacrada 9", "importer", "2024-01-01")


def test_each_reader_opens_its_copy_and_no_one_else():
    keys = {code: ExchangeKeys.create(code) for code in ("MX", "PE", "CR")}
    sealed = seal(MASTER, {code: keys[code].public_key for code in ("MX", "PE")})
    assert reader_countries(sealed) == ["MX", "PE"]
    for code in ("MX", "PE"):
        opened = open_for(sealed, code, keys[code].private_key)
        assert opened == MASTER and opened.commitment == MASTER.commitment
    assert open_for(sealed, "CR", keys["CR"].private_key) is None  # not a reader
    assert open_for(sealed, "PE", keys["CR"].private_key) is None  # another key under PE's name
    assert MASTER.name.encode() not in sealed and MASTER.address.encode() not in sealed
    assert seal(MASTER, {}) == b""


def test_a_tampered_envelope_opens_for_no_one():
    key = ExchangeKeys.create("PE")
    sealed = bytearray(seal(MASTER, {"PE": key.public_key}))
    sealed[10] ^= 1  # inside the encrypted master data
    assert open_for(bytes(sealed), "PE", key.private_key) is None
    assert open_for(b"\x02garbage", "PE", key.private_key) is None


def test_the_salt_is_fresh_per_record_and_part_of_the_commitment():
    fields = dict(
        tin=MASTER.tin, name=MASTER.name, address=MASTER.address, aeo_types="importer", valid_from="2024-01-01"
    )
    one, two = MasterData(**fields), MasterData(**fields)
    assert len(one.salt) == 64 and one.salt != two.salt and one.commitment != two.commitment
    assert MasterData(**fields, salt=one.salt).commitment == one.commitment
    with pytest.raises(InputError, match="salt"):
        MasterData(**fields, salt="xyz")


def test_key_files_are_private_never_overwritten_and_checked_on_load(tmp_path):
    key = ExchangeKeys.create("MX")
    path = key.save(tmp_path / "exchange.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ExchangeKeys.load(path, "MX") == key
    with pytest.raises(InputError, match="never overwritten"):
        key.save(path)
    with pytest.raises(InputError, match="MX's, not PE's"):
        ExchangeKeys.load(path, "PE")
    os.chmod(path, 0o644)
    with pytest.raises(InputError, match="chmod 600"):
        ExchangeKeys.load(path)
    (tmp_path / "other").write_text("nonsense")
    os.chmod(tmp_path / "other", 0o600)
    with pytest.raises(InputError, match="no exchange key"):
        ExchangeKeys.load(tmp_path / "other")
