"""An administration's exchange key pair (X25519, PyNaCl): the private key in a file only its owner
reads (mode 0600), the public key published on chain with `setExchangeKey`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cadena_client.errors import InputError

KEY_BYTES = 32


@dataclass(frozen=True)
class ExchangeKeys:
    """The exchange key pair of administration `country`."""

    country: str
    private_key: bytes

    @property
    def public_key(self) -> bytes:
        from nacl.public import PrivateKey

        return bytes(PrivateKey(self.private_key).public_key)

    @classmethod
    def create(cls, country: str) -> ExchangeKeys:
        from nacl.public import PrivateKey

        return cls(country, bytes(PrivateKey.generate()))

    def save(self, path: Path) -> Path:
        """Writes the private key as hex to a new file `path` that only its owner reads; never overwrites."""
        path = Path(path)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InputError(f"{path} exists; an exchange key is never overwritten (choose another --out)") from None
        except OSError as exc:
            raise InputError(f"cannot write the exchange key to {path}: {exc.strerror}") from None
        with os.fdopen(descriptor, "w") as out:
            out.write(f"{self.country}:{self.private_key.hex()}\n")
        return path

    @classmethod
    def load(cls, path: Path, country: str | None = None) -> ExchangeKeys:
        """The key pair in `path` (as `save` writes it); refused if others may read the file, or if it
        belongs to another country than `country`."""
        path = Path(path)
        try:
            mode = path.stat().st_mode
            text = path.read_text().strip()
        except OSError as exc:
            raise InputError(f"cannot read the exchange key {path}: {exc.strerror}") from None
        if mode & 0o077:
            raise InputError(f"the exchange key {path} is readable by others; run: chmod 600 {path}")
        owner, _, key = text.partition(":")
        try:
            private_key = bytes.fromhex(key)
        except ValueError:
            private_key = b""
        if len(owner) != 2 or len(private_key) != KEY_BYTES:
            raise InputError(f"{path} is no exchange key (made by `cadena keys exchange new`)")
        if country is not None and owner != country.upper():
            raise InputError(f"the exchange key {path} is {owner}'s, not {country.upper()}'s")
        return cls(owner, private_key)
