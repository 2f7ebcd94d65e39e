"""Connections to a chain: the embedded eth-tester chain or any JSON-RPC node by URL, with the
proof-of-authority middleware where the node's blocks need it (QBFT, IBFT 2.0, Clique), and what the
library learns about the network (chain id, whether gas is free)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import EthereumTesterProvider, Web3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import Wei

from cadena_client.chain.transport import Rpc
from cadena_client.errors import DevAccountsUnavailable, KeystoreError, NodeUnauthorized, NodeUnreachable, WrongChain

EMBEDDED = "embedded"
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 20


@dataclass
class Chain:
    """A web3 connection and what the library learnt about the network."""

    w3: Web3
    url: str
    chain_id: int
    rpc: Rpc
    free_gas: bool = False
    reader: str | None = None  # the sender named in reads where the node would otherwise look one up per call
    _dev_keys: list[str] | None = field(default=None, repr=False)

    @property
    def embedded(self) -> bool:
        return self.url == EMBEDDED

    def dev_account(self, index: int) -> LocalAccount:
        """Dev account `index` of the embedded chain or of a local anvil node, funded."""
        keys = self._dev_keys if self._dev_keys is not None else self._load_dev_keys()
        if not 0 <= index < len(keys):
            raise KeystoreError(f"dev account {index} does not exist; use 0 to {len(keys) - 1}")
        return Account.from_key(keys[index])

    def _load_dev_keys(self) -> list[str]:
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
        elif "anvil" in self.w3.client_version.lower():
            Account.enable_unaudited_hdwallet_features()
            keys = [
                Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").key.to_0x_hex()
                for i in range(len(self.w3.eth.accounts))
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
        w3 = Web3(EthereumTesterProvider())
        url, rpc = EMBEDDED, Rpc(w3)
    else:
        if not url.startswith(("http://", "https://")):
            raise NodeUnreachable(f"RPC URL {url!r} must start with http:// or https://")
        headers = {"Content-Type": "application/json", **(headers or {})}  # web3's own default is replaced, not merged
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout, "headers": headers}))
        rpc = Rpc(w3, url, headers, timeout)
    try:
        chain_id = w3.eth.chain_id
        latest = w3.eth.get_block("latest")
    except Exception as exc:
        response = getattr(exc, "response", None)
        bearer = str((headers or {}).get("Authorization", "")).startswith("Bearer ")
        if response is not None and response.status_code in (401, 403) and bearer:
            raise NodeUnauthorized(
                f"the node at {url} refused the JSON Web Token: HTTP {response.status_code} {response.reason}; "
                "it has expired, or another administration's key signed it"
            ) from None
        if response is not None and response.status_code in (401, 403):
            raise NodeUnauthorized(
                f"the node at {url} refused the request: HTTP {response.status_code} {response.reason}; "
                "it wants credentials"
            ) from None
        if url != EMBEDDED and "extraData" in str(exc):
            w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
            chain_id, latest = w3.eth.chain_id, w3.eth.get_block("latest")
        else:
            raise NodeUnreachable(f"cannot reach a node at {url}: {cause(exc)}; is the node running?") from None
    if len(latest.get("extraData", b"")) > 32 and ExtraDataToPOAMiddleware not in w3.middleware_onion:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    if expected_chain_id is not None and chain_id != expected_chain_id:
        raise WrongChain(f"the node at {url} is on chain {chain_id}, not {expected_chain_id}")
    free_gas = url != EMBEDDED and w3.eth.gas_price == 0 and not latest.get("baseFeePerGas")
    return Chain(w3, url, chain_id, rpc, free_gas, w3.eth.accounts[0] if url == EMBEDDED else None)


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
