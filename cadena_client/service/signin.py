"""A company signs in to the page with its holder key, no password: the server hands out a challenge (a
single-use nonce with an expiry), the company signs it with EIP-191 `personal_sign` (`cadena sign-in
CHALLENGE --keystore FILE`, or any Ethereum wallet), and the server recovers the signer with
eth-account and sets a session cookie signed with its own secret (HttpOnly, SameSite=Lax)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timezone

from eth_utils.exceptions import ValidationError

from cadena_client.errors import InputError

COOKIE = "cadena_holder"
CHALLENGE_SECONDS = 300
SESSION_SECONDS = 3600
MAX_PENDING = 10_000  # challenges handed out and not yet used or expired


class SignIn:
    """The challenges this server handed out and the sessions it signs (a secret per process: a restart
    signs everyone out)."""

    def __init__(self, secret: bytes | None = None, clock=time.time):
        self._secret = secret or secrets.token_bytes(32)
        self._pending: dict[str, float] = {}  # nonce -> expiry
        self._clock = clock

    def challenge(self, site: str) -> str:
        """A new challenge for the page at `site`, valid for CHALLENGE_SECONDS."""
        now = self._clock()
        self._pending = {n: e for n, e in self._pending.items() if e > now}
        if len(self._pending) >= MAX_PENDING:
            self._pending.pop(min(self._pending, key=self._pending.__getitem__))
        nonce, expiry = secrets.token_hex(16), now + CHALLENGE_SECONDS
        self._pending[nonce] = expiry
        until = datetime.fromtimestamp(int(expiry), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"Sign in to CADENA at {site}\nNonce: {nonce}\nExpires: {until}"

    def holder(self, challenge: str, signature: str) -> str:
        """The account that signed `challenge` (once, before it expires); InputError otherwise."""
        nonce = next((line[7:] for line in challenge.splitlines() if line.startswith("Nonce: ")), "")
        expiry = self._pending.get(nonce)
        if expiry is None or expiry <= self._clock():
            raise InputError("this challenge is unknown, used or expired: ask for a new one")
        from eth_account import Account  # here: the signing stack takes a second to import, and few sign in
        from eth_account.messages import encode_defunct

        try:
            account = Account.recover_message(encode_defunct(text=challenge.replace("\r\n", "\n")), signature=signature)
        except (ValueError, TypeError, ValidationError):
            raise InputError("that is not a signature of the challenge (65 bytes in hex, from personal_sign)") from None
        del self._pending[nonce]
        return account

    def cookie(self, account: str) -> str:
        """A session cookie's value for `account`, valid for SESSION_SECONDS."""
        body = f"{account}.{int(self._clock()) + SESSION_SECONDS}"
        return f"{body}.{self._tag(body)}"

    def session(self, value: str | None) -> str | None:
        """The account a session cookie signs in, or None (absent, forged or expired)."""
        body, _, tag = (value or "").rpartition(".")
        account, _, expiry = body.partition(".")
        if not (body and hmac.compare_digest(tag, self._tag(body)) and expiry.isdigit()):
            return None
        return account if int(expiry) > self._clock() else None

    def _tag(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()


def sign(challenge: str, account) -> str:
    """`account`'s EIP-191 personal_sign signature of `challenge`, in hex (what a wallet answers)."""
    from eth_account.messages import encode_defunct

    return "0x" + account.sign_message(encode_defunct(text=challenge)).signature.hex().removeprefix("0x")
