"""Connections to a chain: the embedded eth-tester chain or any JSON-RPC node by URL, with the
proof-of-authority middleware where the node's blocks need it (QBFT, IBFT 2.0, Clique), and what the
library learns about the network (chain id, whether gas is free).

A node by URL is reached through the transport alone: web3 (which brings the whole signing stack,
eth-account down to py_ecc's field arithmetic, about a second to import) is set up only for what
still asks for `chain.w3`, so that a command that reads and signs nothing imports none of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from cadena_client.chain.transport import Rpc
from cadena_client.errors import (
    DevAccountsUnavailable,
    KeystoreError,
    NodeUnauthorized,
    NodeUnreachable,
    RpcError,
    WrongChain,
)

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

EMBEDDED = "embedded"
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 20


@dataclass
class Chain:
    """A connection (the transport, and web3 when asked for) and what the library learnt about the network."""

    url: str
    chain_id: int
    rpc: Rpc
    free_gas: bool = False
    reader: str | None = None  # the sender named in reads where the node would otherwise look one up per call
    poa: bool = False  # blocks carry more extraData than Ethereum allows (QBFT, IBFT 2.0, Clique)
    timeout: float = 30
    _w3: Web3 | None = field(default=None, repr=False)
    _dev_keys: list[str] | None = field(default=None, repr=False)

    @property
    def embedded(self) -> bool:
        return self.url == EMBEDDED

    @property
    def w3(self) -> Web3:
        """web3 on the same node, headers and timeout, set up on first use."""
        if self._w3 is None:
            from web3 import Web3
            from web3.middleware import ExtraDataToPOAMiddleware

            kwargs = {"timeout": self.timeout, "headers": self.rpc.headers}
            self._w3 = Web3(Web3.HTTPProvider(self.url, request_kwargs=kwargs))
            if self.poa:
                self._w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        return self._w3

    def code(self, address: str) -> bytes:
        """The code deployed at `address` (empty where there is none), through the transport."""
        answer = self.rpc.call("eth_getCode", [address, "latest"])
        return bytes.fromhex(answer[2:]) if isinstance(answer, str) else bytes(answer)

    def dev_account(self, index: int) -> LocalAccount:
        """Dev account `index` of the embedded chain or of a local anvil node, funded."""
        from eth_account import Account

        keys = self._dev_keys if self._dev_keys is not None else self._load_dev_keys()
        if not 0 <= index < len(keys):
            raise KeystoreError(f"dev account {index} does not exist; use 0 to {len(keys) - 1}")
        return Account.from_key(keys[index])

    def _load_dev_keys(self) -> list[str]:
        from eth_account import Account
        from web3 import Web3
        from web3.types import Wei

        if self.embedded:
            tester = self.w3.provider.ethereum_tester  # type: ignore[attr-defined]
            funder = self.w3.eth.accounts[0]
            keys = [key.to_hex() for key in tester.backend.account_keys]
            for i in range(len(keys), DEV_ACCOUNTS):  # more funded accounts than eth-tester's ten
                key = Web3.keccak(text=f"cadena embedded dev account {i}").to_0x_hex()
                tester.add_account(key)
                self.w3.eth.send_transaction(
                    {"from": funder, "to": Account.from_key(key).address, "value": Wei(10**21)}
                )
                keys.append(key)
        elif "anvil" in str(self.rpc.call("web3_clientVersion", [])).lower():
            Account.enable_unaudited_hdwallet_features()
            keys = [
                Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").key.to_0x_hex()
                for i in range(len(self.rpc.call("eth_accounts", [])))
            ]
        else:
            raise DevAccountsUnavailable(
                "dev accounts exist only on the embedded chain and a local anvil node; sign with a keystore"
            )
        self._dev_keys = keys
        return keys


def connect(
    url: str | None = None,
    expected_chain_id: int | None = None,
    timeout: float = 30,
    headers: dict[str, str] | None = None,
    jwt: str | None = None,
) -> Chain:
    """Connects to `url` (None or "embedded": a new in-process eth-tester chain) and checks the chain id.
    `headers` (an API key, say), `jwt` (a JSON Web Token, for Besu's JWT authentication) and `timeout`
    go with every request to the node."""
    if jwt:
        headers = {**(headers or {}), "Authorization": f"Bearer {jwt.strip()}"}
    if url in (None, "", EMBEDDED):
        chain = _embedded()
        _check_chain_id(EMBEDDED, chain.chain_id, expected_chain_id)
        return chain
    if not url.startswith(("http://", "https://")):
        raise NodeUnreachable(f"RPC URL {url!r} must start with http:// or https://")
    headers = {"Content-Type": "application/json", **(headers or {})}
    rpc = Rpc(None, url, headers, timeout)
    try:
        calls = [("eth_chainId", []), ("eth_getBlockByNumber", ["latest", False]), ("eth_gasPrice", [])]
        chain_hex, latest, price = (_result(reply) for reply in rpc.many(calls))
    except NodeUnauthorized:
        raise
    except (requests.RequestException, RpcError, ValueError, TypeError) as exc:
        raise NodeUnreachable(f"cannot reach a node at {url}: {cause(exc)}; is the node running?") from None
    chain_id = int(chain_hex, 16)
    _check_chain_id(url, chain_id, expected_chain_id)
    poa = len(latest.get("extraData", "0x")) > 2 + 2 * 32
    free_gas = int(price, 16) == 0 and not latest.get("baseFeePerGas")
    return Chain(url, chain_id, rpc, free_gas, poa=poa, timeout=timeout)


def _check_chain_id(url: str, chain_id: int, expected: int | None) -> None:
    if expected is not None and chain_id != expected:
        raise WrongChain(f"the node at {url} is on chain {chain_id}, not {expected}")


def _result(reply: dict) -> Any:
    if "error" in reply:
        error = reply["error"]
        raise RpcError(str(error.get("message", error)) if isinstance(error, dict) else str(error))
    return reply["result"]


def _embedded() -> Chain:
    """A new in-process eth-tester chain."""
    from web3 import EthereumTesterProvider, Web3

    w3 = Web3(EthereumTesterProvider())
    chain = Chain(EMBEDDED, w3.eth.chain_id, Rpc(w3), reader=w3.eth.accounts[0])
    chain._w3 = w3
    return chain


def cause(exc: BaseException) -> str:
    """The root cause of a failure in a few words: "Connection refused", "timed out", a node's message."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if exc.args and isinstance(exc.args[0], dict) and "message" in exc.args[0]:  # a JSON-RPC error
            return str(exc.args[0]["message"])[:200]
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror
        reason = getattr(exc, "reason", None)
        inner = (
            reason
            if isinstance(reason, BaseException)
            else (exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None)
        )
        if inner is None:
            inner = exc.__cause__ or exc.__context__
        if inner is None:
            break
        exc = inner
    text = re.sub(r"^.*?: (?=[A-Z\[])", "", str(exc).split("\n")[0]) if exc is not None else ""
    match = re.search(r"\[Errno -?\d+\] ([^\"')]+)", text)
    return (match.group(1) if match else text)[:200] or type(exc).__name__
