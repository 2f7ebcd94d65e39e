"""Bulk issuance at node speed, measured side by side in one run (issue 6).

Prints certificates/s of the bulk path (10,000 certificates, confirmed, then checked on-chain), of the
naive web3.py transact() loop on a sample, and of the raw ceiling: the same issueCertificates x50
transactions, and single-certificate ones, pre-signed and sent with nothing else to do. Each path
starts on its own fresh anvil (zero fees, the pilot network). Then verify calls/s through the
library against raw batched eth_call, the gas of every operation against its target, and the
client's peak memory.

    .venv/bin/python bench/throughput.py [--count 10000] [--naive 300] [--raw 1000]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

from common import FREE_GAS, RawRpc, machine, operators, pilot_on, send_presigned
from eth_keys.backends import get_backend

from cadena_client.api.bulk import issue_all
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.contract.artifact import load_artifact
from cadena_client.contract.codec import master_struct, quantity, tin_to_bytes32
from cadena_client.domain.model import CertificateStatus


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main(count: int, naive_sample: int, raw_count: int) -> None:
    print(f"machine: {machine()}; signing backend: {type(get_backend()).__name__}")
    print(
        "each path starts on its own fresh anvil with the pilot network (anvil's blocks slow down as its state grows)"
    )
    records = operators(count)

    ceilings = {}  # what was sent -> certificates/s
    with fresh_pilot() as (chain, cadena, officer):
        encode = cadena.codec.encode
        calls = [
            (
                encode(
                    "issueCertificates",
                    [tin_to_bytes32(m.tin) for m in chunk],
                    [master_struct(m) for m in chunk],
                    1,
                    0,
                ),
                4_500_000,
            )
            for chunk in (records[i : i + 50] for i in range(0, count, 50))
        ]
        ceilings[f"issueCertificates x50 ({count:,})"] = raw_ceiling(chain, officer, cadena.address, calls, 50)
    with fresh_pilot() as (chain, cadena, officer):
        calls = [
            (cadena.codec.encode("issueCertificate", tin_to_bytes32(m.tin), master_struct(m), 1), 150_000)
            for m in operators(raw_count)
        ]
        ceilings[f"issueCertificate ({raw_count:,})"] = raw_ceiling(chain, officer, cadena.address, calls, 1)
    print("raw done: " + ", ".join(f"{name} {value:,.0f}/s" for name, value in ceilings.items()), flush=True)

    with fresh_pilot() as (chain, cadena, officer):
        function = chain.w3.eth.contract(address=cadena.address, abi=load_artifact()["abi"]).functions.issueCertificate
        started = time.perf_counter()
        for master in records[:naive_sample]:  # what most scripts do: transact() per record (estimate, send), then wait
            tx = function(tin_to_bytes32(master.tin), master_struct(master), 1).transact({"from": officer.address})
        chain.w3.eth.wait_for_transaction_receipt(tx)
        naive_rate = rate(naive_sample, time.perf_counter() - started)
        naive_gas = chain.w3.eth.get_transaction_receipt(tx).gasUsed
    print(f"naive done: {naive_rate:,.0f}/s", flush=True)

    with fresh_pilot() as (chain, cadena, officer):
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        outcomes = issue_all(cadena.as_signer(Signer(cadena.chain, officer)), records)
        bulk_seconds = time.perf_counter() - started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stored = cadena.read_certificates([m.tin for m in records])
        on_chain = sum(
            c.status == CertificateStatus.ACTIVE and c.commitment == m.commitment
            for m, c in zip(records, stored, strict=True)
        )
        assert all(o.result == "done" for o in outcomes) and on_chain == count, Counter(o.result for o in outcomes)
        bulk_rate = rate(count, bulk_seconds)
        print(f"bulk done: {bulk_rate:,.0f}/s", flush=True)

        tins = [m.tin for m in records]
        sample = 500
        started = time.perf_counter()
        for i in range(sample):
            cadena.verify("PE", tins[i])
        library_verify = rate(sample, time.perf_counter() - started)
        started = time.perf_counter()
        batched = cadena.verify_many("PE", tins)
        library_batch_verify = rate(len(tins), time.perf_counter() - started)
        assert all(answer.recognised for answer in batched)
        calls = [
            (
                "eth_call",
                [
                    {
                        "to": cadena.address,
                        "data": "0x" + cadena.codec.encode("verify", b"PE", tin_to_bytes32(t)).hex(),
                    },
                    "latest",
                ],
            )
            for t in tins
        ]
        raw = RawRpc(chain.url)
        started = time.perf_counter()
        answers = [answer for i in range(0, len(calls), 100) for answer in raw.batch(calls[i : i + 100])]
        raw_verify = rate(len(calls), time.perf_counter() - started)
        assert all(quantity("0x" + answer[2:66]) == 1 for answer in answers)

        gas = gas_table(chain, cadena, outcomes, naive_gas)

    print(
        f"\nbulk issue: {count:,} certificates confirmed in {bulk_seconds:.2f} s = {bulk_rate:,.0f}/s; {on_chain:,} checked on-chain"
    )
    print(f"{'path':<44}{'certificates/s':>16}{'bulk is':>12}")
    print(f"{'bulk (issueCertificates x50, batched RPC)':<44}{bulk_rate:>16,.0f}{'':>12}")
    print(
        f"{f'naive web3.py transact() loop ({naive_sample})':<44}{naive_rate:>16,.0f}{bulk_rate / naive_rate:>11.1f}x"
    )
    for name, value in ceilings.items():
        print(f"{'raw: pre-signed ' + name:<44}{value:>16,.0f}{bulk_rate / value:>11.0%}")
    print(
        "(raw: signed before the clock starts, sent in JSON-RPC batches as the node mines them, at most one block's gas unmined)"
    )
    best = max(ceilings.values())
    print(f"bulk path = {bulk_rate / best:.0%} of the best raw ceiling ({best:,.0f}/s)")
    print(
        f"\nverify ({count:,} TINs): library one call at a time {library_verify:,.0f}/s, library verify_all {library_batch_verify:,.0f}/s; "
        f"raw batched eth_call {raw_verify:,.0f}/s (verify_all = {library_batch_verify / raw_verify:.0%} of raw)"
    )
    print(f"\n{'operation':<36}{'gas':>10}{'target':>10}")
    for operation, (used, target) in gas.items():
        print(f"{operation:<36}{used:>10,}{(f'{target:,}' if target else '-'):>10}")
    print(
        f"\nclient peak memory (max RSS): {rss_before / 1024:.0f} MiB before the bulk run, {rss_peak / 1024:.0f} MiB after it"
    )


@contextmanager
def fresh_pilot():
    """(chain, cadena, officer) on a new anvil with the pilot network deployed."""
    with start_anvil(extra_args=FREE_GAS) as node:
        chain, cadena, _ = pilot_on(node.url)
        yield chain, cadena, chain.dev_account(2)


def raw_ceiling(chain, officer, to: str, calls: list[tuple[bytes, int]], per_tx: int) -> float:
    """Certificates/s of pre-signed transactions (calldata, gas limit) sent with nothing else to do: in
    plain JSON-RPC batches (none of the project's transport) as the node mines them, at most one block's
    gas unmined (anvil's automine leaves what a block cannot hold waiting, and a flood of thousands hangs
    it), receipts polled in batches."""
    rpc = RawRpc(chain.url)
    nonce = int(rpc.call("eth_getTransactionCount", officer.address, "latest"), 16)
    raw = [
        bytes(
            officer.sign_transaction(
                {
                    "to": to,
                    "data": data,
                    "gas": gas,
                    "nonce": nonce + i,
                    "chainId": chain.chain_id,
                    "value": 0,
                    "gasPrice": 0,
                }
            ).raw_transaction
        )
        for i, (data, gas) in enumerate(calls)
    ]
    window = int(rpc.call("eth_getBlockByNumber", "latest", False)["gasLimit"], 16) // calls[0][1]
    return rate(len(raw) * per_tx, send_presigned(chain.url, raw, window))


def gas_table(chain, cadena, outcomes, naive_gas) -> dict:
    """Gas of every certificate operation on this node, against the contract issue's targets."""
    officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
    tin = outcomes[0].key
    batch_receipt = chain.w3.eth.get_transaction_receipt(outcomes[0].tx_hash)
    renewed = replace(operators(1)[0], expiry=date(2035, 1, 1))
    holder = chain.dev_account(9)
    owned = replace(operators(1, start=len(outcomes))[0], holder=holder.address)
    table = {
        "issue (single)": (naive_gas, 110_000),
        "issue, batch of 50 (per certificate)": (batch_receipt.gasUsed // 50, None),
        "update (renewal)": (officer.update(renewed, "renewal").gas_used, None),
        "suspend": (officer.suspend(tin).gas_used, 35_000),
        "reinstate": (officer.reinstate(tin).gas_used, 35_000),
        "cancel": (officer.cancel(tin).gas_used, 35_000),
        "re-issue after cancellation": (officer.issue(renewed).gas_used, None),
    }
    officer.issue(owned)
    table["withdraw (by the holder)"] = (cadena.as_signer(Signer(chain, holder)).withdraw(owned.tin).gas_used, 35_000)
    call = {
        "to": cadena.address,
        "data": "0x" + cadena.codec.encode("verify", b"PE", tin_to_bytes32(outcomes[1].key)).hex(),
    }
    table["verify (as a call)"] = (quantity(chain.rpc.call("eth_estimateGas", [call])), 30_000)
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=300)
    parser.add_argument("--raw", type=int, default=1_000)
    args = parser.parse_args()
    main(args.count, args.naive, args.raw)
