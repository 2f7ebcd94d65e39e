"""The sealed envelope of a certificate's master data: its canonical JSON (salt included) encrypted
once under a random key K (XSalsa20-Poly1305, NaCl SecretBox), and K sealed to each reader's X25519
public key (NaCl SealedBox):

    version byte 1 | u32 length | SecretBox(K, canonical) | per reader: 2-byte country | SealedBox(K)

Only a reader's private key opens its copy of K; anyone else learns the number of readers and
their countries, nothing of the data."""

from __future__ import annotations

import struct

from cadena_client.domain.model import MasterData

VERSION = 1
SEALED_KEY_BYTES = 32 + 48  # K sealed: an ephemeral public key, K and a MAC


def seal(master: MasterData, readers: dict[str, bytes]) -> bytes:
    """`master` sealed to `readers` (country -> X25519 public key); empty if there are none."""
    from nacl.public import PublicKey, SealedBox
    from nacl.secret import SecretBox
    from nacl.utils import random

    if not readers:
        return b""
    key = random(SecretBox.KEY_SIZE)
    body = bytes(SecretBox(key).encrypt(master.canonical()))
    out = bytearray([VERSION]) + struct.pack(">I", len(body)) + body
    for country in sorted(readers):
        out += country.encode("ascii") + SealedBox(PublicKey(readers[country])).encrypt(key)
    return bytes(out)


def reader_countries(sealed: bytes) -> list[str]:
    """The countries `sealed` is sealed to (what anyone can see of it)."""
    return [country for country, _ in _slots(sealed)]


def open_for(sealed: bytes, country: str, private_key: bytes) -> MasterData | None:
    """The master data in `sealed` if it is sealed to `country` and `private_key` opens it; else None."""
    from nacl.exceptions import CryptoError
    from nacl.public import PrivateKey, SealedBox
    from nacl.secret import SecretBox

    for reader, sealed_key in _slots(sealed):
        if reader != country:
            continue
        try:
            key = SealedBox(PrivateKey(private_key)).decrypt(sealed_key)
            (length,) = struct.unpack(">I", sealed[1:5])
            return MasterData.from_canonical(SecretBox(key).decrypt(sealed[5 : 5 + length]))
        except (CryptoError, ValueError, struct.error):
            return None
    return None


def _slots(sealed: bytes) -> list[tuple[str, bytes]]:
    """(country, sealed key) of each reader; none for bytes that are no envelope."""
    if len(sealed) < 5 or sealed[0] != VERSION:
        return []
    (length,) = struct.unpack(">I", sealed[1:5])
    position, slots = 5 + length, []
    while position + 2 + SEALED_KEY_BYTES <= len(sealed):
        country = sealed[position : position + 2].decode("ascii", "replace")
        slots.append((country, sealed[position + 2 : position + 2 + SEALED_KEY_BYTES]))
        position += 2 + SEALED_KEY_BYTES
    return slots
