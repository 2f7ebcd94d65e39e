"""Confidentiality's cost, side by side with plain in the same run on the same anvil: bulk issuance of
the same batches (`issue_all`, 50 a transaction) with and without sealing (visibility Partners: the
pilot's three administrations read it), a mirror's sync of the same events with the exchange key
(opening and checking every envelope sealed to it) and without; and the cost per certificate in gas,
calldata and log bytes with no envelope and with one sealed to 1, 3 and 10 readers.

    .venv/bin/python bench/confidential.py [--count 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import FREE_GAS, machine, operators, pilot_on

from cadena_client.api.bulk import issue_all
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.confidential import ExchangeKeys, seal
from cadena_client.contract.codec import master_struct, tin_to_bytes32
from cadena_client.domain.lifecycle import Operation
from cadena_client.domain.model import Visibility
from cadena_client.mirror import Mirror

READER_CODES = ["MX", "PE", "CR", "CO", "CL", "EC", "GT", "BO", "AR", "BR"]


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main(count: int) -> None:
    print(f"machine: {machine()}")
    with start_anvil(extra_args=FREE_GAS) as node, tempfile.TemporaryDirectory() as folder:
        chain, cadena, _ = pilot_on(node.url)
        keys = {code: ExchangeKeys.create(code) for code in ("MX", "PE", "CR")}
        for code, admin in (("MX", 1), ("PE", 3), ("CR", 5)):
            cadena.as_signer(Signer(chain, chain.dev_account(admin))).set_exchange_key(code, keys[code].public_key)
        plain = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        sealing = plain.with_exchange(keys["MX"])

        print(f"\nbulk issuance of {count:,} certificates, 50 a transaction (the same batches, one process)")
        plain_time, done = timed(lambda: issue_all(plain, operators(count, "MXP")))
        assert all(o.result == "done" for o in done)  # type: ignore[attr-defined]
        sealed_time, done = timed(lambda: issue_all(sealing, operators(count, "MXS"), visibility=Visibility.PARTNERS))
        assert all(o.result == "done" for o in done)  # type: ignore[attr-defined]
        print(f"  plain           {plain_time:8.2f} s  {count / plain_time:8.1f} certificates/s")
        print(f"  sealed to 3     {sealed_time:8.2f} s  {count / sealed_time:8.1f} certificates/s")
        print(f"  ratio sealed/plain throughput: {plain_time / sealed_time:.0%}")

        print(f"\nsync of the whole chain ({2 * count:,} certificates) into a new mirror")
        for label, exchange in (("without a key", None), ("with PE's key", keys["PE"])):
            mirror = Mirror(
                Path(folder) / f"{label}.sqlite", chain.chain_id, cadena.address, cadena.deploy_block, exchange=exchange
            )
            seconds, result = timed(lambda mirror=mirror: mirror.sync(cadena))
            kept = mirror.db.execute("SELECT COUNT(*) FROM master_data").fetchone()[0]
            events = len(result.events)  # type: ignore[attr-defined]
            print(f"  {label:<16}{seconds:8.2f} s  {events / seconds:8.0f} events/s  {kept:,} records opened")

        print("\ncost per certificate (one issueCertificate; calldata and log data bytes)")
        print(f"  {'readers':<10}{'gas':>10}{'calldata':>10}{'log data':>10}{'envelope':>10}")
        for i, readers in enumerate((0, 1, 3, 10)):
            master = sealing.salted(operators(1, "MXC", i)[0])
            envelope = seal(master, {c: ExchangeKeys.create(c).public_key for c in READER_CODES[:readers]})
            args = (tin_to_bytes32(master.tin), master_struct(master, Visibility.PARTNERS, envelope), 1)
            receipt = plain.signer.transact(plain.job(Operation.ISSUE, "issueCertificate", *args))  # type: ignore[union-attr]
            tx = chain.rpc.call("eth_getTransactionByHash", [receipt.tx_hash])
            logs = chain.rpc.call("eth_getTransactionReceipt", [receipt.tx_hash])["logs"]
            calldata = len(tx["input"]) // 2 - 1
            log_bytes = sum(len(log["data"]) // 2 - 1 for log in logs)
            print(f"  {readers:<10}{receipt.gas_used:>10,}{calldata:>10,}{log_bytes:>10,}{len(envelope):>10,}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    main(parser.parse_args().count)
