"""The holder's consent as an EIP-712 signature (domain "CADENA" version "1", the chain and the CADENA
proxy), which anyone relays to `setVisibilityBySig`: the holder needs no ether."""

from __future__ import annotations

from cadena_client.contract.codec import tin_to_bytes32
from cadena_client.domain.model import Visibility

CONSENT_TYPES = {
    "Consent": [
        {"name": "tin", "type": "bytes32"},
        {"name": "visibility", "type": "uint8"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def consent_message(
    chain_id: int, contract: str, tin: str, visibility: Visibility | int | str, nonce: int, deadline: int
):
    """The typed data of a consent, as a wallet shows it to the holder."""
    return {
        "domain": {"name": "CADENA", "version": "1", "chainId": chain_id, "verifyingContract": contract},
        "types": CONSENT_TYPES,
        "message": {
            "tin": tin_to_bytes32(tin),
            "visibility": int(Visibility.parse(visibility)),
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def sign_consent(
    private_key: bytes | str,
    chain_id: int,
    contract: str,
    tin: str,
    visibility: Visibility | int | str,
    nonce: int,
    deadline: int,
) -> bytes:
    """The holder's 65-byte signature of its consent to `visibility` for `tin` (with its `nonce`)."""
    from eth_account import Account

    typed = consent_message(chain_id, contract, tin, visibility, nonce, deadline)
    signed = Account.sign_typed_data(private_key, typed["domain"], typed["types"], typed["message"])
    return bytes(signed.signature)
