"""Relayed (ERC-2771) against direct writes on anvil, side by side in one run (issue 13).

One anvil with free gas and the pilot network deployed with a CadenaForwarder. The MX officer issues
certificates: directly (its own transactions), and relayed (it signs EIP-712 requests, a relayer sends
them in `executeBatch` transactions). For single issues and for the bulk path (`issue_all`, batches of
50 certificates a request), prints certificates/s and the gas per certificate of each path.

    .venv/bin/python bench/relay.py [--single 100] [--bulk 2000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from common import FREE_GAS, PILOT, machine, operators

from cadena_client.api.bulk import issue_all
from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.relay import ForwarderSubmitter
from cadena_client.chain.signer import Signer
from cadena_client.network.deploy import Accounts, DeploymentRecord, deploy_network, load_config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=100)
    parser.add_argument("--bulk", type=int, default=2000)
    args = parser.parse_args()
    with TemporaryDirectory() as folder, start_anvil(extra_args=FREE_GAS) as node:
        config = Path(folder) / "pilot.toml"
        config.write_text(
            PILOT.read_text().replace('deployer = "dev:0"', 'deployer = "dev:0"\nforwarder = "deploy"', 1)
        )
        chain = connect(node.url)
        deploy_network(chain, load_config(config), Accounts(chain, PILOT.parent), Path(folder) / "record.json")
        record = DeploymentRecord.load(Path(folder) / "record.json")
        officer = chain.dev_account(2)
        direct = record.open(chain, Signer(chain, officer))
        relayed = record.open(
            chain, ForwarderSubmitter(chain, officer, record.forwarder, Signer(chain, chain.dev_account(5)))
        )
        print(f"{machine()}; anvil, free gas; certificates of realistic master data")
        print(f"{'path':<34}{'certificates':>13}{'seconds':>9}{'cert/s':>9}{'gas/cert':>10}")
        start = 0
        for label, cadena, single in (
            ("direct, one at a time", direct, True),
            ("relayed, one at a time", relayed, True),
            ("direct, issue_all", direct, False),
            ("relayed, issue_all", relayed, False),
        ):
            count = args.single if single else args.bulk
            masters = operators(count, start=start)
            start += count
            began = time.perf_counter()
            if single:
                receipts = [cadena.issue(master) for master in masters]
                hashes = {r.tx_hash for r in receipts}
            else:
                outcomes = issue_all(cadena, masters)
                assert {o.result.value for o in outcomes} == {"done"}
                hashes = {o.tx_hash for o in outcomes if o.tx_hash}
            seconds = time.perf_counter() - began
            gas = sum(chain.w3.eth.get_transaction_receipt(h)["gasUsed"] for h in hashes)
            print(f"{label:<34}{count:>13,}{seconds:>9.2f}{count / seconds:>9.0f}{gas // count:>10,}")


if __name__ == "__main__":
    main()
