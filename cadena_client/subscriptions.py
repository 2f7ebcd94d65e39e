"""The trader is told: a company subscribes an endpoint of its own to the changes of its TINs and of
the MRAs that cover them, by signing the request with its holder key (EIP-191 `personal_sign`, no
password). `cadena serve` checks the signature against each TIN's holder on chain and delivers the
chosen changes by its Standard Webhooks mechanism (signed, ordered, retried; `cadena_client.webhooks`),
with a secret of the endpoint's own.

The signed text, line by line:

    CADENA subscription
    url: https://company.example/cadena
    tins: MXAAA010101AAA,MXBBB020202BBB
    issued: 2026-12-03T13:20:00Z
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from cadena_client.domain.event import Event
from cadena_client.domain.model import parse_tin
from cadena_client.errors import InputError

HEADING = "CADENA subscription"
FRESH = 300  # seconds a signed request stays good (it is not replayed later by someone who saw it)


class NotHolder(InputError):
    """A subscription signed by a key that does not hold every TIN it names."""

    status, code = 403, "not-holder"


def request_text(url: str, tins: Iterable[str], issued: datetime | None = None) -> str:
    issued = (issued or datetime.now(timezone.utc)).replace(microsecond=0)
    return "\n".join(
        [
            HEADING,
            f"url: {url}",
            f"tins: {','.join(parse_tin(t) for t in tins)}",
            f"issued: {issued:%Y-%m-%dT%H:%M:%SZ}",
        ]
    )


def signed_request(account, url: str, tins: Iterable[str]) -> dict:
    """What a company POSTs to /v1/subscriptions: the text and its EIP-191 signature by `account`."""
    from eth_account.messages import encode_defunct

    text = request_text(url, tins)
    return {
        "message": text,
        "signature": "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x"),
    }


def read_request(message: str, signature: str, now: datetime | None = None) -> tuple[str, list[str], str]:
    """(url, TINs, signer's address) of a signed request; InputError if it is not one or is stale."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    lines = message.split("\n")
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    if lines[0] != HEADING or set(fields) != {"url", "tins", "issued"} or len(lines) != 4:
        raise InputError(f"a subscription is the text '{HEADING}' then url:, tins: and issued: lines")
    if not fields["url"].startswith(("https://", "http://")):
        raise InputError("the subscription's url must be an http(s) URL")
    try:
        issued = datetime.fromisoformat(fields["issued"].replace("Z", "+00:00"))
        signer = Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception:  # eth-account raises several kinds for a malformed signature
        raise InputError("the subscription's issued time or signature is malformed") from None
    age = ((now or datetime.now(timezone.utc)) - issued).total_seconds()
    if abs(age) > FRESH:
        raise InputError(f"the subscription was signed {age:.0f} s ago; sign it anew (it is good for {FRESH} s)")
    tins = [parse_tin(t) for t in fields["tins"].split(",") if t.strip()]
    if not tins:
        raise InputError("the subscription names no TIN")
    return fields["url"], tins, signer


class Wanted:
    """Which changes a subscription wants: those of its TINs, and those of the MRAs a party of which is
    one of its TINs' countries (MRAs proposed later included)."""

    def __init__(self, tins: list[str], mras: set[int]):
        self.tins, self.countries, self.mras = set(tins), {t[:2] for t in tins}, set(mras)

    def __call__(self, event: Event) -> bool:
        if event.tin is not None:
            return event.tin in self.tins
        if event.mra_id is None:
            return False
        if event.name == "MRAProposed" and self.countries & set(event.args.get("parties", [])):
            self.mras.add(event.mra_id)
        return event.mra_id in self.mras
