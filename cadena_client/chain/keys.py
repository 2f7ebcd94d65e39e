"""Encrypted keystores (Web3 Secret Storage, as geth and cast write them)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from cadena_client.errors import KeystoreError


def load_keystore(path: Path, password: str) -> LocalAccount:
    """The account of an encrypted keystore file (Web3 Secret Storage, as geth and cast write)."""
    try:
        keyfile = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise KeystoreError(f"keystore {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise KeystoreError(f"keystore {path} is not a readable keystore JSON file: {exc}") from None
    try:
        return Account.from_key(Account.decrypt(keyfile, password))
    except ValueError:
        raise KeystoreError(f"wrong password for keystore {path}") from None
    except (KeyError, TypeError):
        raise KeystoreError(f"keystore {path} is not a keystore file (no encrypted key in it)") from None


def create_keystore(path: Path, password: str) -> str:
    """Writes a new encrypted key (scrypt) to `path`, readable by its owner only; returns its address."""
    path = Path(path)
    if path.exists():
        raise KeystoreError(f"{path} exists; refusing to overwrite a keystore")
    if len(password) < 8:
        raise KeystoreError("the password must have at least 8 characters")
    account = Account.create()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(Account.encrypt(account.key, password), handle)
    return account.address
