"""The library against raw transactions on the embedded eth-tester chain, side by side in one run (issue 11).

Four paths, each on its own fresh embedded chain with the pilot network: `Cadena.issue` one
certificate at a time, and the same `issueCertificate` transactions pre-signed before the clock
starts and sent raw (eth_sendRawTransaction, then the receipt) one by one; `issue_all` in batches of
50, and the same `issueCertificates` x50 transactions pre-signed and sent raw through web3. Prints
certificates/s and the library's rate as a share of raw (target for issue_all: 85%). The paths run in
turn, --rounds times, and each path's best rate counts (the machine is shared: its other load lowers
rates, never raises them).

    .venv/bin/python bench/embedded.py [--single 200] [--batched 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

from common import PILOT, machine, operators

from cadena_client.api.bulk import issue_all
from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.contract.codec import master_struct, tin_to_bytes32
from cadena_client.network.deploy import Accounts, deploy_network, load_config


def fresh():
    """(chain, officer signer's Cadena, officer account) on a new embedded chain with the pilot network."""
    chain = connect()
    cadena = deploy_network(chain, load_config(PILOT), Accounts(chain, PILOT.parent), None).cadena
    account = chain.dev_account(2)
    return chain, cadena.as_signer(Signer(chain, account)), account


def raw_rate(chunks: list, per_tx: int, encode) -> float:
    """Certificates/s of pre-signed transactions sent raw one by one, each receipt read back."""
    chain, cadena, account = fresh()
    nonce = chain.w3.eth.get_transaction_count(account.address)
    signed = [
        bytes(
            account.sign_transaction(
                {
                    "to": cadena.address,
                    "data": encode(cadena, chunk),
                    "gas": 150_000 * per_tx,
                    "nonce": nonce + i,
                    "chainId": chain.chain_id,
                    "value": 0,
                    "gasPrice": chain.w3.eth.gas_price,
                }
            ).raw_transaction
        )
        for i, chunk in enumerate(chunks)
    ]
    started = time.perf_counter()
    for raw in signed:
        receipt = chain.w3.eth.wait_for_transaction_receipt(chain.w3.eth.send_raw_transaction(raw))
        assert receipt["status"] == 1
    return len(chunks) * per_tx / (time.perf_counter() - started)


def main(single: int, batched: int, rounds: int) -> None:
    print(f"machine: {machine()}; embedded eth-tester chain (py-evm), each path on a fresh one")
    records = operators(batched)
    chunks = [records[i : i + 50] for i in range(0, batched, 50)]
    rates: dict[str, list[float]] = {"library single": [], "raw single": [], "library batched": [], "raw batched": []}
    for _ in range(rounds):  # the four paths in turn, so that the machine's other load falls on all alike
        _, officer, _ = fresh()
        started = time.perf_counter()
        for master in records[:single]:
            officer.issue(master)
        rates["library single"].append(single / (time.perf_counter() - started))
        rates["raw single"].append(
            raw_rate(
                [[m] for m in records[:single]],
                1,
                lambda c, chunk: c.codec.encode(
                    "issueCertificate", tin_to_bytes32(chunk[0].tin), master_struct(chunk[0]), 1
                ),
            )
        )
        _, officer, _ = fresh()
        started = time.perf_counter()
        outcomes = issue_all(officer, records, batch_size=50)
        rates["library batched"].append(batched / (time.perf_counter() - started))
        assert all(o.result == "done" for o in outcomes)
        rates["raw batched"].append(
            raw_rate(
                chunks,
                50,
                lambda c, chunk: c.codec.encode(
                    "issueCertificates", [tin_to_bytes32(m.tin) for m in chunk], [master_struct(m) for m in chunk], 1, 0
                ),
            )
        )
    best = {path: max(values) for path, values in rates.items()}
    print(f"best of {rounds} rounds")
    print(f"{'path':<40}{'library/s':>12}{'raw/s':>12}{'of raw':>9}")
    for name, kind in (
        (f"issue one at a time ({single:,})", "single"),
        (f"issue_all, batches of 50 ({batched:,})", "batched"),
    ):
        library, raw = best[f"library {kind}"], best[f"raw {kind}"]
        print(f"{name:<40}{library:>12,.1f}{raw:>12,.1f}{library / raw:>9.0%}")
    print("(raw: signed before the clock starts, sent with eth_sendRawTransaction one by one, receipt read back)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--batched", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3, help="the paths in turn this many times; the best of each")
    args = parser.parse_args()
    main(args.single, args.batched, args.rounds)
