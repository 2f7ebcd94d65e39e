"""The gas LACChain's relay hub adds to a write, side by side with the same write sent directly (issue 25).

One Berlin-level anvil with the stand-in of LACChain's relay hub (tests/contracts/harness/LacchainHub.sol,
built from the hub's documented interface: RLP decoding of the signed transaction, signature recovery,
a nonce per node and actor, the actor kept for the recipient's getMsgSender()) and a recipient. The
same `record(bytes32)` is sent directly by its owner and relayed (the owner signs for its writer node,
the node relays): prints the gas of each, the first relay of an actor (its nonce slot is new) apart.
The real hub also accounts the gas each node uses (GasLimit): its overhead is higher than the stand-in's.

    .venv/bin/python bench/lacchain.py [--writes 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eth_utils import function_signature_to_4byte_selector

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from lacchain_hub import deploy_hub, deploy_recipient  # noqa: E402  (the stand-in lives with the tests)

from cadena_client.chain.connection import connect  # noqa: E402
from cadena_client.chain.lacchain import LacchainSubmitter  # noqa: E402
from cadena_client.chain.node import start_anvil  # noqa: E402
from cadena_client.chain.signer import Job, Signer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    with start_anvil(extra_args=("--hardfork", "berlin")) as node:
        chain = connect(node.url)
        deployer = Signer(chain, chain.dev_account(0))
        hub = deploy_hub(deployer)
        owner = chain.dev_account(1)
        recipient = deploy_recipient(deployer, hub, owner.address)
        direct = Signer(chain, owner)
        relayed = LacchainSubmitter(chain, owner, hub, Signer(chain, chain.dev_account(5)))
        gas: dict[str, list[int]] = {"direct": [], "relayed": []}
        for value in range(1, args.writes + 1):
            data = function_signature_to_4byte_selector("record(bytes32)") + value.to_bytes(32, "big")
            gas["direct"].append(direct.transact(Job(["d"], data, None, recipient)).gas_used)
            gas["relayed"].append(relayed.transact(Job(["r"], data, None, recipient)).gas_used)
    first, steady = gas["relayed"][0], gas["relayed"][1:]
    print(f"{args.writes} writes of record(bytes32), gas each")
    print(f"  direct                     {min(gas['direct']):>7,} to {max(gas['direct']):,}")
    print(f"  relayed, first of an actor {first:>7,}  (+{first - gas['direct'][0]:,})")
    print(f"  relayed, then              {min(steady):>7,} to {max(steady):,}  (+{max(steady) - max(gas['direct']):,})")


if __name__ == "__main__":
    main()
