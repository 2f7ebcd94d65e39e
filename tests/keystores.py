"""Keystores written at a light scrypt cost in tests: still real Web3 Secret Storage files (scrypt, the
cost recorded in each file and read back by any keystore tool), at a 64th of the default work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import eth_keyfile.keyfile
import pytest

LIGHT_SCRYPT_N = 2**12  # geth's "light" cost; the default, 2**18, takes a second or more a keystore under load


@contextmanager
def light_scrypt() -> Iterator[None]:
    """Keystores written meanwhile in this process take the light scrypt cost."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(eth_keyfile.keyfile, "get_default_work_factor_for_kdf", lambda kdf: LIGHT_SCRYPT_N)
        yield


def scrypt_cost(keystore) -> int:
    """The scrypt cost a keystore file records (that it is a scrypt keystore is checked on the way)."""
    import json
    from pathlib import Path

    crypto = json.loads(Path(keystore).read_text())["crypto"]
    assert crypto["kdf"] == "scrypt", crypto["kdf"]
    return crypto["kdfparams"]["n"]
