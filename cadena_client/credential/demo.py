"""The demo's credential chapter: Mexico issues its operator a verifiable credential, the operator
shows it without its name and address, and a Peruvian freight forwarder checks it against the chain
and then offline, from a cache of the status lists."""

from __future__ import annotations

from eth_account import Account
from rich.console import Console

from cadena_client.credential.issuance import issue_for, take_snapshot
from cadena_client.credential.sdjwt import present
from cadena_client.credential.verify import ChainEvidence, check
from cadena_client.mirror import Mirror


def credential_story(out: Console, mexico_admin, tin: str) -> None:
    """Told on `mexico_admin`'s network (a Cadena signing as Mexico's admin) about the certificate of `tin`."""
    cadena = mexico_admin
    key = Account.create()  # Mexico's credential key: it signs off chain, so it needs no funds
    receipt = mexico_admin.grant_credential_signer("MX", key.address)
    out.print(f"[dim]SAT binds its credential key {key.address} to Mexico on chain: block {receipt.block}[/]")
    mirror = Mirror(":memory:", cadena.chain.chain_id, cadena.address, cadena.deploy_block)
    credential = issue_for(cadena, mirror, key, tin, "https://aduanas.sat.example")
    shown = present(credential, {"name", "address", "recognition"})
    out.print(
        f"SAT issues {tin} a W3C verifiable credential (SD-JWT, ES256K, {len(credential):,} characters); "
        f"the operator shows only its types and status ({len(shown):,} characters)."
    )
    online = check(shown, ChainEvidence(cadena))
    out.print(f"A Peruvian freight forwarder checks it against the chain: [bold]{online.line()}[/]")
    offline = check(shown, take_snapshot(cadena, mirror, ["MX"]))
    out.print(f"... and offline, from its cache of Mexico's status lists: [bold]{offline.line()}[/]")
