"""Webhooks against a real local receiver that is down for a while: every change arrives, signed, in
order, nothing lost; each attempt is in the delivery log."""

from __future__ import annotations

import time

import pytest
from helpers import SECRET, Receiver, free_port

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.domain.model import MasterData
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord
from cadena_client.service import Follower


@pytest.mark.slow
def test_a_receiver_that_is_down_for_a_while_gets_every_change_in_order(reverting, pilot_record, tmp_path):
    node = reverting
    record = DeploymentRecord.load(pilot_record)
    chain = connect(node.url)
    mirror = Mirror(tmp_path / "m.sqlite", record.chain_id, record.address, record.deploy_block)
    follower = Follower(mirror, record.open(chain), 0.1)
    port = free_port()
    hook = follower.add_webhook(f"http://127.0.0.1:{port}/cadena", SECRET)
    follower.start()
    officer = record.open(chain, Signer(chain, chain.dev_account(2)))
    receiver = None
    try:
        officer.issue(MasterData("MXHOOK1", "Operador", "Calle 1", "exporter", "2020-01-01"))
        officer.suspend("MXHOOK1")
        officer.reinstate("MXHOOK1")
        time.sleep(2.5)  # the receiver is down: nothing can be delivered
        assert any(a["error"] for a in hook.deliveries()) and not any(a["status"] for a in hook.deliveries())
        receiver = Receiver(port)
        officer.cancel("MXHOOK1")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not any(e["change"] == "cancelled" for _, e, _ in receiver.got):
            time.sleep(0.1)
        changes = [(e["change"], e["tin"]) for _, e, _ in receiver.got if e["tin"]]  # after the deployment's
        assert changes == [
            ("issued", "MXHOOK1"),
            ("suspended", "MXHOOK1"),
            ("reinstated", "MXHOOK1"),
            ("cancelled", "MXHOOK1"),
        ]
        numbers = [n for n, _, _ in receiver.got]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        log = hook.deliveries()
        first = [a for a in log if a["seq"] == numbers[0]]
        assert (
            first[0]["error"]
            and first[-1]["status"] == 204
            and [a["attempt"] for a in first] == list(range(1, len(first) + 1))
        )  # tried again with backoff until the receiver came up
        assert mirror.marked(hook.key) == numbers[-1]
    finally:
        follower.stop()
        if receiver:
            receiver.close()
