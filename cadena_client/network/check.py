"""A node inspected the way an operator would before deploying on it or joining it (`cadena network
check`): chain id, EVM level, fees, the log range it serves, the contract size it takes, how many
transactions of one sender its pool holds, its clock, and the deployment record's contracts. Each
check is one line: what was found, and what to fix where CADENA would not work as it should.

The node is probed with calls where calls tell: opcodes and code sizes by `eth_call` of creation code,
the log range by `eth_getLogs`. Where gas may be free, one empty transfer of a throwaway key (nothing,
to itself, at price 0) shows whether zero-price transactions are mined; the pool is probed with another
throwaway key's transfers at nonces it will never reach (refused, or left to expire).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_account import Account
from eth_utils import to_checksum_address

from cadena_client.chain import lacchain
from cadena_client.chain.connection import Chain
from cadena_client.chain.logs import DEFAULT_CHUNK
from cadena_client.chain.signer import DEFAULT_IN_FLIGHT
from cadena_client.contract.artifact import FORWARDER, deployed_code, load_artifact, without_metadata
from cadena_client.contract.codec import codec, quantity
from cadena_client.errors import CadenaError
from cadena_client.network.deploy import DeploymentRecord

CLOCK_AHEAD = 15  # seconds the latest block may be ahead of this machine's clock
FEE_PROBE_WAIT = 10  # seconds a zero-price transaction may take to be mined (a few block periods)
CLOCK_BEHIND = 60  # seconds it may be behind (QBFT makes a block every few seconds, empty or not)
# creation code probes: each returns nothing, and fails where the chain lacks the opcode
PUSH0_PROBE = "0x5f5ff3"  # PUSH0 PUSH0 RETURN (Shanghai)
MCOPY_PROBE = "0x60006000600060005e00"  # PUSH1 0 x3 MCOPY STOP (Cancun)
PRE_SHANGHAI = ("homestead", "byzantium", "constantinople", "petersburg", "istanbul", "berlin", "london", "paris")


@dataclass(frozen=True)
class Check:
    """One check of a node: its name, whether it passed, and what was found or what to fix."""

    name: str
    passed: bool
    detail: str


def check_node(chain: Chain, record: DeploymentRecord | None = None, chain_id: int | None = None) -> list[Check]:
    """Every check of the node `chain` is connected to, in order; `record` is the deployment it should
    hold, `chain_id` the chain it should be on."""
    latest = chain.rpc.call("eth_getBlockByNumber", ["latest", False])
    checks = [
        _chain_id(chain, record, chain_id),
        _evm(chain, latest),
        _fees(chain, latest),
        _log_range(chain, quantity(latest["number"])),
        _code_size(chain, latest),
        _pool(chain),
        _clock(latest),
    ]
    if record is not None:
        checks.append(_deployment(chain, record))
    return checks


def _chain_id(chain: Chain, record: DeploymentRecord | None, expected: int | None) -> Check:
    wanted = record.chain_id if record is not None else expected
    if wanted is not None and wanted != chain.chain_id:
        return Check("chain id", False, f"{chain.chain_id}, not {wanted}: connect to a node of chain {wanted}")
    return Check("chain id", True, str(chain.chain_id))


def _runs(chain: Chain, code: str, latest: dict) -> bool:
    """Whether creation code `code` runs on the node (an eth_call that creates nothing)."""
    reply = chain.rpc.many([("eth_call", [{"data": code, "gas": hex(quantity(latest["gasLimit"]))}, "latest"])])[0]
    return "result" in reply


def _evm(chain: Chain, latest: dict) -> Check:
    wanted = load_artifact()["compiler"]["settings"].get("evmVersion", "paris")
    push0 = _runs(chain, PUSH0_PROBE, latest)
    if _runs(chain, MCOPY_PROBE, latest):
        level = "Cancun or later (MCOPY runs)"
    elif push0:
        level = "Shanghai (PUSH0 runs, MCOPY does not)"
    elif latest.get("baseFeePerGas") is not None:
        level = "London to Paris (no PUSH0)"
    else:
        level = "Berlin-level (no PUSH0, no base fee)"
    if wanted not in PRE_SHANGHAI and not push0:
        return Check("EVM", False, f"{level}, but CADENA's contracts are compiled for {wanted}: compile them for paris")
    return Check("EVM", True, f"{level}: CADENA's contracts, compiled for {wanted}, run here")


def _fees(chain: Chain, latest: dict) -> Check:
    base = latest.get("baseFeePerGas")
    if base is not None and quantity(base) > 0:
        return Check(
            "fees",
            True,
            f"gas is paid (base fee {quantity(base)} wei): zero-price transactions are never mined, so every "
            "signer needs ether; for free gas a Besu network sets zeroBaseFee in its genesis",
        )
    fee = "no base fee" if base is None else "a zero base fee"
    throwaway = Account.create()
    transaction = {"nonce": 0, "gas": 21_000, "gasPrice": 0, "to": throwaway.address, "value": 0}
    raw = throwaway.sign_transaction({**transaction, "chainId": chain.chain_id}).raw_transaction
    reply = chain.rpc.many([("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])])[0]
    if "error" in reply:
        message = str(reply["error"].get("message", reply["error"]))[:160]
        return Check(
            "fees", True, f"{fee}; a zero-price transaction of a key the node does not know was refused ({message})"
        )
    deadline = time.monotonic() + FEE_PROBE_WAIT
    while time.monotonic() < deadline:
        receipt = chain.rpc.call("eth_getTransactionReceipt", [reply["result"]])
        if receipt:
            return Check("fees", True, f"gas is free ({fee}): a zero-price transaction was mined")
        time.sleep(0.2)
    return Check(
        "fees",
        False,
        f"{fee}, but a zero-price transaction was not mined within {FEE_PROBE_WAIT} s: every validator needs "
        "min-gas-price=0 (Besu drops zero-price transactions silently otherwise)",
    )


def _log_range(chain: Chain, head: int) -> Check:
    span = min(DEFAULT_CHUNK, head + 1)
    query = {"fromBlock": hex(head + 1 - span), "toBlock": hex(head), "address": "0x" + "00" * 20}
    reply = chain.rpc.many([("eth_getLogs", [query])])[0]
    if "error" in reply:
        message = str(reply["error"].get("message", reply["error"]))[:200]
        return Check(
            "log range",
            False,
            f"the node refuses logs over {span} blocks ({message}): CADENA asks its range again in halves, "
            "slowly; raise rpc-max-logs-range to 5000 (Besu's default), or give --chunk",
        )
    more = "" if span == DEFAULT_CHUNK else f" (the chain has {head + 1} blocks so far)"
    return Check("log range", True, f"serves logs over {span} blocks at once{more}")


def _code_size(chain: Chain, latest: dict) -> Check:
    size = len(bytes.fromhex(load_artifact()["deployedBytecode"][2:]))
    if _takes(chain, size, latest):
        return Check("contract size", True, f"takes CADENA's contract of {size:,} bytes (EIP-170's limit: 24,576)")
    low, high = 0, size  # the largest size taken is in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _takes(chain, middle, latest) else (low, middle)
    return Check(
        "contract size",
        False,
        f"takes contracts of at most {low:,} bytes, and CADENA's has {size:,}: raise contractSizeLimit in the "
        "genesis (Besu) or the node's code size limit",
    )


def _takes(chain: Chain, size: int, latest: dict) -> bool:
    """Whether the node creates a contract of `size` bytes: creation code returning that many zeros."""
    return _runs(chain, f"0x62{size:06x}6000f3", latest)  # PUSH3 size PUSH1 0 RETURN


def _pool(chain: Chain) -> Check:
    """Whether the pool holds DEFAULT_IN_FLIGHT transactions of one sender at once, probed with a
    throwaway key's zero-price transfers of nothing to itself at nonces from 1 on: its nonce 0 is never
    sent, so none of them can ever be mined."""
    throwaway = Account.create()

    def taken(nonce: int) -> tuple[bool, str]:
        transaction = {"nonce": nonce, "gas": 21_000, "gasPrice": 0, "to": throwaway.address, "value": 0}
        raw = throwaway.sign_transaction({**transaction, "chainId": chain.chain_id}).raw_transaction
        reply = chain.rpc.many([("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])])[0]
        return "result" in reply, str(reply.get("error", {}).get("message", ""))

    accepted, refusal = taken(DEFAULT_IN_FLIGHT - 1)
    if accepted:
        return Check(
            "sender pool", True, f"holds {DEFAULT_IN_FLIGHT} transactions of a sender at once, as CADENA sends"
        )
    if "distant" not in refusal.lower() and "too far" not in refusal.lower():
        return Check(
            "sender pool",
            True,
            f"not probed (a throwaway key's zero-price transaction was refused: {refusal[:120]}); CADENA's "
            "signer sends fewer at a time where the pool says it is full",
        )
    low, high = 0, DEFAULT_IN_FLIGHT - 1  # the highest nonce ahead it takes is in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if taken(middle)[0] else (low, middle)
    return Check(
        "sender pool",
        False,
        f"holds only {low + 1} transactions of a sender at once: give --max-in-flight {low + 1} (or raise "
        "Besu's tx-pool-max-future-by-sender)",
    )


def _clock(latest: dict) -> Check:
    drift = int(time.time()) - quantity(latest["timestamp"])
    if drift < -CLOCK_AHEAD:
        return Check(
            "clock",
            False,
            f"the latest block is {-drift} s ahead of this machine's clock: synchronise the clocks (NTP)",
        )
    if drift > CLOCK_BEHIND:
        return Check(
            "clock",
            False,
            f"the latest block is {drift} s old: the node is still syncing, the validators have stalled, or "
            "this machine's clock is wrong (NTP)",
        )
    return Check("clock", True, f"the latest block is {drift} s old")


def _deployment(chain: Chain, record: DeploymentRecord) -> Check:
    try:
        record.check(chain)
    except CadenaError as exc:
        return Check("deployment", False, str(exc))
    found = f"CADENA at {record.address} holds the expected code"
    if not record.forwarder:
        return Check("deployment", True, found)
    code = chain.code(to_checksum_address(record.forwarder))
    if not code:
        return Check("deployment", False, f"the record's forwarder {record.forwarder} holds no contract here")
    if lacchain.is_hub(chain, record.forwarder):
        if _relay_kind(chain, record.address) == lacchain.HUB_RELAY:
            return Check("deployment", True, f"{found}, asking LACChain's relay hub {record.forwarder} for its actors")
        return Check(
            "deployment",
            False,
            f"CADENA trusts LACChain's relay hub {record.forwarder} as its ERC-2771 forwarder, and reads its actors "
            "where the hub leaves the expiration each signer chooses: anyone can act as anyone. Deploy it anew "
            f'with forwarder_kind = "{lacchain.HUB_KIND}"',
        )
    forwarder = load_artifact(FORWARDER)
    if deployed_code(code, forwarder) != without_metadata(forwarder["deployedBytecode"]):
        return Check(
            "deployment",
            True,
            f"{found}; its forwarder {record.forwarder} is not CADENA's: make sure it is the one the network trusts",
        )
    return Check("deployment", True, f"{found}, relaying through CadenaForwarder at {record.forwarder}")


def _relay_kind(chain: Chain, address: str) -> int | None:
    """The contract's RelayKind (how it reads relayed actors), None if its code predates relay kinds."""
    call = {"to": address, "data": "0x" + codec().encode("relayKind").hex()}
    reply = chain.rpc.many([("eth_call", [call, "latest"])])[0]
    return codec().decode("relayKind", reply["result"])[0] if reply.get("result") not in (None, "0x") else None
