"""Bulk issuance at node speed, measured side by side on one fresh anvil (issue 6).

Prints certificates/s of the bulk path (10,000 certificates, confirmed, then checked on-chain), of the
naive web3.py transact() loop on a sample, and of the raw ceiling (pre-signed single-certificate
transactions in JSON-RPC batches of 100); verify calls/s through the library and as raw batched
eth_call; the gas of every operation against its target; the client's peak memory.

    .venv/bin/python bench/throughput.py [--count 10000]
"""

from __future__ import annotations

import argparse
import resource
import time

from eth_keys.backends import get_backend

from common import FREE_GAS, machine, operators, pilot_on
from cadena_client.bulk import BulkSender, Encoder, Rpc, issue_all, quantity, read_certificates
from cadena_client.chain import Signer
from cadena_client.model import CertificateStatus, tin_to_bytes32
from cadena_client.node import start_anvil


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main(count: int, naive_sample: int, raw_count: int) -> None:
    print(f"machine: {machine()}; signing backend: {type(get_backend()).__name__}")
    with start_anvil(extra_args=FREE_GAS) as node:
        chain, cadena, _ = pilot_on(node.url)
        officer = chain.dev_account(2)
        records = operators(count)

        rpc = Rpc(chain.w3, 100)
        sends = Rpc(chain.w3, 100)
        ceiling_records = operators(raw_count, prefix="MXC")
        encode = Encoder(cadena.contract, "issueCertificate")
        nonce = chain.w3.eth.get_transaction_count(officer.address)
        raw = [
            officer.sign_transaction({"to": cadena.address, "data": encode(tin_to_bytes32(m.tin), m.contract_tuple(), 1),
                                      "gas": 200_000, "nonce": nonce + i, "chainId": chain.chain_id, "value": 0,
                                      "gasPrice": 0}).raw_transaction
            for i, m in enumerate(ceiling_records)
        ]  # fmt: skip
        started = time.perf_counter()
        hashes = [r["result"] for r in sends.many([("eth_sendRawTransaction", ["0x" + bytes(t).hex()]) for t in raw])]
        confirmed, last, stalls = 0, (0, time.perf_counter()), 0
        while confirmed < len(hashes):
            confirmed = sum(bool(r.get("result")) for r in rpc.many([("eth_getTransactionReceipt", [h]) for h in hashes]))
            if confirmed == last[0] and time.perf_counter() - last[1] > 0.5:  # anvil's automine can stall
                rpc.many([("evm_mine", [])])
                stalls += 1
            if confirmed != last[0]:
                last = (confirmed, time.perf_counter())
        ceiling_rate = rate(raw_count, time.perf_counter() - started)

        print(f"ceiling done: {ceiling_rate:,.0f}/s", flush=True)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        outcomes = issue_all(BulkSender(cadena, officer), records)
        bulk_seconds = time.perf_counter() - started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stored = read_certificates(Rpc(cadena.chain.w3), cadena, [m.tin for m in records])
        on_chain = sum(s[1] == CertificateStatus.ACTIVE and bytes(s[6]) == m.commitment
                       for m, s in zip(records, stored.values(), strict=True))
        assert all(o.result == "done" for o in outcomes) and on_chain == count, (on_chain, count)
        bulk_rate = rate(count, bulk_seconds)
        print(f"bulk done: {bulk_rate:,.0f}/s", flush=True)

        naive = operators(naive_sample, start=count)
        function = cadena.contract.functions.issueCertificate
        started = time.perf_counter()
        for master in naive:  # what most scripts do: transact() per record (estimate, send), then wait
            tx = function(tin_to_bytes32(master.tin), master.contract_tuple(), 1).transact({"from": officer.address})
        chain.w3.eth.wait_for_transaction_receipt(tx)
        naive_rate = rate(naive_sample, time.perf_counter() - started)
        naive_gas = chain.w3.eth.get_transaction_receipt(tx).gasUsed
        print(f"naive done: {naive_rate:,.0f}/s", flush=True)

        tins = [m.tin for m in records]
        sample = 500
        started = time.perf_counter()
        for i in range(sample):
            cadena.verify("PE", tins[i])
        library_verify = rate(sample, time.perf_counter() - started)
        calls = [("eth_call", [{"to": cadena.address, "data": "0x" + Encoder(cadena.contract, "verify")(b"PE", tin_to_bytes32(t)).hex()},
                               "latest"]) for t in tins]  # fmt: skip
        started = time.perf_counter()
        answers = rpc.many(calls)
        raw_verify = rate(len(calls), time.perf_counter() - started)
        assert all(quantity("0x" + a["result"][2:66]) == 1 for a in answers)

        gas = gas_table(chain, cadena, outcomes, naive_gas)

    print(f"\nbulk issue: {count:,} certificates confirmed in {bulk_seconds:.2f} s = {bulk_rate:,.0f}/s; {on_chain:,} checked on-chain")
    print(f"{'path':<44}{'certificates/s':>16}{'bulk is':>12}")
    print(f"{'bulk (issueCertificates x50, batched RPC)':<44}{bulk_rate:>16,.0f}{'':>12}")
    print(f"{f'naive web3.py transact() loop ({naive_sample})':<44}{naive_rate:>16,.0f}{bulk_rate / naive_rate:>11.1f}x")
    print(f"{f'raw ceiling: pre-signed, batches of 100 ({raw_count})':<44}{ceiling_rate:>16,.0f}{bulk_rate / ceiling_rate:>11.0%}")
    print(f"(anvil's automine stalled {stalls} times during the ceiling run; each time evm_mine resumed it)")
    print(f"\nverify: library one call at a time {library_verify:,.0f}/s; raw batched eth_call {raw_verify:,.0f}/s "
          f"(library = {library_verify / raw_verify:.1%} of raw)")  # fmt: skip
    print(f"\n{'operation':<36}{'gas':>10}{'target':>10}")
    for operation, (used, target) in gas.items():
        print(f"{operation:<36}{used:>10,}{(f'{target:,}' if target else '-'):>10}")
    print(f"\nclient peak memory (max RSS): {rss_before / 1024:.0f} MiB before the bulk run, {rss_peak / 1024:.0f} MiB after it")


def gas_table(chain, cadena, outcomes, naive_gas) -> dict:
    """Gas of every operation on this node, against the contract issue's targets."""
    officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
    holder_tin = outcomes[0].key
    batch_receipt = chain.w3.eth.get_transaction_receipt(outcomes[0].tx_hash)
    table = {
        "issue (single)": (naive_gas, 110_000),
        "issue, batch of 50 (per certificate)": (batch_receipt.gasUsed // 50, None),
        "suspend": (officer.suspend(holder_tin).gasUsed, 35_000),
        "reinstate": (officer.reinstate(holder_tin).gasUsed, 35_000),
        "cancel": (officer.cancel(holder_tin).gasUsed, 35_000),
    }
    tin = outcomes[1].key
    verify = cadena.contract.functions.verify(b"PE", tin_to_bytes32(tin))
    table["verify (as a call)"] = (verify.estimate_gas(), 30_000)
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=300)
    parser.add_argument("--raw", type=int, default=3_000)
    args = parser.parse_args()
    main(args.count, args.naive, args.raw)
