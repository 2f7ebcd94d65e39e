"""The relay kind fixed at deployment next to the trusted forwarder: a forwarder without a kind, or a
kind without a forwarder, deploys nothing (what each kind reads is tested on anvil: test_relay.py for
the ERC-2771 forwarder, test_lacchain.py for LACChain's hub)."""

import pytest
from helpers import RULES, ZERO_ADDRESS, deploy, reverts

from cadena_client.contract.artifact import CONSORTIUM, CONTRACT

NONE, ERC2771, LACCHAIN_HUB = 0, 1, 2
SOMEONE = "0x" + "11" * 20


@pytest.mark.parametrize("forwarder, kind", [(ZERO_ADDRESS, ERC2771), (ZERO_ADDRESS, LACCHAIN_HUB), (SOMEONE, NONE)])
def test_a_forwarder_and_its_kind_come_together(w3, accounts, deployed, forwarder, kind):
    deployer = accounts["governance"]
    with reverts("RelayKindMismatch", kind=kind):
        deploy(w3, CONTRACT, forwarder, kind, sender=deployer)
    founders = ([b"MX"], ["SAT"], [accounts["mx_admin"]])
    with reverts("RelayKindMismatch", kind=kind):
        deploy(w3, CONSORTIUM, deployed.implementation, *founders, RULES, forwarder, kind, sender=deployer)


def test_the_deployed_kind_is_told(deployed):
    assert deployed.contract.functions.relayKind().call() == NONE
    assert deployed.consortium.functions.relayKind().call() == NONE
