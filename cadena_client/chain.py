"""Connections to a chain and local signing.

`connect()` gives the embedded eth-tester chain or any JSON-RPC node by URL, with the
proof-of-authority middleware where the node's blocks need it (QBFT, IBFT 2.0, Clique). A `Signer`
holds one local key (an encrypted keystore or a dev account), checks the chain id before it signs,
prices transactions for the network (EIP-1559, legacy, or free gas as on LACChain and permissioned
Besu) and sends them raw.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import EthereumTesterProvider, HTTPProvider, Web3
from web3.exceptions import TimeExhausted
from web3.middleware import ExtraDataToPOAMiddleware

from .errors import CadenaError, decode_revert

EMBEDDED = "embedded"
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 20


class ChainError(CadenaError):
    """The node is unreachable, on another chain, or refused a transaction for a non-contract reason."""


MAX_BATCH_BYTES = 1_000_000  # JSON-RPC request bodies stay under this size (anvil refuses much larger ones)


class RpcError(CadenaError):
    """A JSON-RPC request failed for a reason other than a contract revert."""


class Rpc:
    """Raw JSON-RPC: batches over one keep-alive HTTP session, or one call at a time through web3."""

    def __init__(self, w3, batch_size: int = 100):
        self.w3, self.batch_size = w3, batch_size
        provider = w3.provider
        self.url = provider.endpoint_uri if isinstance(provider, HTTPProvider) else None
        self._local = threading.local()
        self._ids = itertools.count(1)

    @property
    def batching(self) -> bool:
        return self.url is not None

    def many(self, calls: Sequence[tuple[str, list]], workers: int = 1) -> list[dict]:
        """Replies in call order, each {"result": ...} or {"error": {...}}; `workers` batches in flight at once."""
        if not self.batching:
            return [self._one(method, params) for method, params in calls]
        chunks = list(self._chunks(calls))
        if workers > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                return [reply for replies in pool.map(self._batch, chunks) for reply in replies]
        return [reply for chunk in chunks for reply in self._batch(chunk)]

    def _batch(self, chunk: list[tuple[str, list]]) -> list[dict]:
        payload = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in chunk]
        try:
            answer = self._session().post(self.url, json=payload, timeout=60).json()
        except requests.ConnectionError:  # a kept-alive connection the node closed: once more on a new one
            self._local.session = requests.Session()  # (safe: reads, and raw transactions known by their hash)
            answer = self._session().post(self.url, json=payload, timeout=60).json()
        if isinstance(answer, dict):  # the node refused the batch as a whole
            raise RpcError(f"the node refused a batch: {answer.get('error', answer)}")
        by_id = {reply["id"]: reply for reply in answer}
        return [by_id[request["id"]] for request in payload]

    def _chunks(self, calls: Sequence[tuple[str, list]]):
        """Batches of at most `batch_size` calls and about MAX_BATCH_BYTES (nodes cap request bodies)."""
        chunk, size = [], 0
        for call in calls:
            call_size = len(str(call[1]))
            if chunk and (len(chunk) == self.batch_size or size + call_size > MAX_BATCH_BYTES):
                yield chunk
                chunk, size = [], 0
            chunk.append(call)
            size += call_size
        if chunk:
            yield chunk

    def _one(self, method: str, params: list) -> dict:
        try:
            return {"result": self.w3.manager.request_blocking(method, params)}
        except Exception as exc:  # web3 raises errors (eth-tester: reverts too) instead of returning them
            return {"error": {"message": str(exc), "exception": exc}}

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session


def quantity(value) -> int:
    """A JSON-RPC quantity: hex on the wire, already an int through web3's eth-tester middleware."""
    return value if isinstance(value, int) else int(value, 16)



class KeystoreError(CadenaError):
    """A keystore or key could not be used (missing file, wrong password, unknown dev account)."""


@dataclass
class Chain:
    """A web3 connection and what the library learnt about the network."""

    w3: Web3
    url: str
    chain_id: int
    free_gas: bool = False
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
            tester = self.w3.provider.ethereum_tester
            funder = self.w3.eth.accounts[0]
            keys = [key.to_hex() for key in tester.backend.account_keys]
            for i in range(len(keys), DEV_ACCOUNTS):  # more funded accounts than eth-tester's ten
                key = Web3.keccak(text=f"cadena embedded dev account {i}").to_0x_hex()
                tester.add_account(key)
                self.w3.eth.send_transaction({"from": funder, "to": Account.from_key(key).address, "value": 10**21})
                keys.append(key)
        elif "anvil" in self.w3.client_version.lower():
            Account.enable_unaudited_hdwallet_features()
            keys = [
                Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").key.to_0x_hex()
                for i in range(len(self.w3.eth.accounts))
            ]
        else:
            raise KeystoreError("dev accounts exist only on the embedded chain and a local anvil node; use --keystore")
        self._dev_keys = keys
        return keys


def connect(url: str | None = None, expected_chain_id: int | None = None, timeout: float = 30) -> Chain:
    """Connects to `url` (None or "embedded": a new in-process eth-tester chain) and checks the chain id."""
    if url in (None, "", EMBEDDED):
        w3 = Web3(EthereumTesterProvider())
        url = EMBEDDED
    else:
        if not url.startswith(("http://", "https://")):
            raise ChainError(f"RPC URL {url!r} must start with http:// or https://")
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
    try:
        chain_id = w3.eth.chain_id
        latest = w3.eth.get_block("latest")
    except Exception as exc:
        if url != EMBEDDED and "extraData" in str(exc):
            w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
            chain_id, latest = w3.eth.chain_id, w3.eth.get_block("latest")
        else:
            raise ChainError(f"cannot reach a node at {url}: {cause(exc)}; is the node running? (check --rpc-url)") from None
    if len(latest.get("extraData", b"")) > 32 and ExtraDataToPOAMiddleware not in w3.middleware_onion:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    if expected_chain_id is not None and chain_id != expected_chain_id:
        raise ChainError(f"the node at {url} is on chain {chain_id}, not {expected_chain_id}; check --rpc-url")
    free_gas = url != EMBEDDED and w3.eth.gas_price == 0 and not latest.get("baseFeePerGas")
    return Chain(w3, url, chain_id, free_gas)


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
        inner = reason if isinstance(reason, BaseException) else (exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None)
        if inner is None:
            inner = exc.__cause__ or exc.__context__
        if inner is None:
            break
        exc = inner
    text = re.sub(r"^.*?: (?=[A-Z\[])", "", str(exc).split("\n")[0]) if exc is not None else ""
    match = re.search(r"\[Errno -?\d+\] ([^\"')]+)", text)
    return (match.group(1) if match else text)[:200] or type(exc).__name__


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


class Signer:
    """Signs and sends transactions from one local account, one at a time, with local nonces."""

    def __init__(self, chain: Chain, account: LocalAccount, receipt_timeout: float = 120):
        self.chain, self.account, self.receipt_timeout = chain, account, receipt_timeout
        self._lock = threading.Lock()
        self._nonce: int | None = None

    @property
    def address(self) -> str:
        return self.account.address

    def transact(self, call, operation: str | None = None):
        """Sends contract call `call`; returns the receipt, or raises the decoded contract error.

        The nonce is kept locally; if the node says it is stale (another program used the key, or
        the chain was reverted), it is read again from the node and the transaction retried once.
        """
        w3 = self.chain.w3
        with self._lock:
            if w3.eth.chain_id != self.chain.chain_id:
                raise ChainError(f"the node switched to chain {w3.eth.chain_id}; refusing to sign for it")
            for attempt in (1, 2):
                try:
                    tx, tx_hash = self._sign_and_send(call)
                    break
                except Exception as exc:
                    self._nonce = None
                    if attempt == 1 and "nonce" in str(exc).lower() and decode_revert(exc) is None:
                        continue
                    raise _as_error(exc, operation, self) from None
            self._nonce += 1
        try:
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout)
        except TimeExhausted:
            raise ChainError(f"transaction 0x{tx_hash.hex()} not mined within {self.receipt_timeout:.0f} s") from None
        if receipt.status != 1:
            _replay_failure(w3, tx, receipt, operation)
        return receipt

    def transfer(self, to: str, wei: int):
        """Sends `wei` to `to` (to fund an account's gas); returns the receipt."""
        w3 = self.chain.w3
        with self._lock:
            self._nonce = None
            tx = {"to": to, "value": wei, "gas": 21_000, "chainId": self.chain.chain_id,
                  "nonce": w3.eth.get_transaction_count(self.address, "pending"),
                  "gasPrice": 0 if self.chain.free_gas else w3.eth.gas_price}  # fmt: skip
            try:
                tx_hash = w3.eth.send_raw_transaction(self.account.sign_transaction(tx).raw_transaction)
            except Exception as exc:
                raise _as_error(exc, "transfer", self) from None
        return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout)

    def _sign_and_send(self, call):
        w3 = self.chain.w3
        if self._nonce is None:
            self._nonce = w3.eth.get_transaction_count(self.address, "pending")
        params = {"from": self.address, "nonce": self._nonce, "chainId": self.chain.chain_id}
        if self.chain.free_gas:
            params["gasPrice"] = 0
        tx = call.build_transaction(params)  # estimates gas: a revert surfaces here
        signed = self.account.sign_transaction(tx)
        return tx, w3.eth.send_raw_transaction(signed.raw_transaction)


def _as_error(exc: Exception, operation: str | None, signer: Signer | None = None) -> CadenaError:
    decoded = decode_revert(exc, operation)
    if decoded is not None:
        return decoded
    if "insufficient funds" in str(exc).lower() and signer is not None:
        fund = "" if signer.chain.embedded else " (on a local node: `cadena --dev-account 0 account fund ADDRESS`)"
        return ChainError(f"{signer.address} has no ether to pay for gas on chain {signer.chain.chain_id}: fund it from an "
                          f"account that has some{fund}, then run the command again; nothing was sent")  # fmt: skip
    return ChainError(f"the node refused the transaction: {cause(exc)}")


def _replay_failure(w3: Web3, tx: dict, receipt, operation: str | None):
    """Re-runs a failed transaction as a call at its block to recover the contract error."""
    call = {key: tx[key] for key in ("from", "to", "data", "value") if key in tx}
    try:
        w3.eth.call(call, receipt.blockNumber - 1 if receipt.blockNumber else "latest")
    except Exception as exc:
        raise _as_error(exc, operation) from None
    raise ChainError(f"transaction 0x{receipt.transactionHash.hex()} failed without a contract error")
