"""Webhooks against a real local receiver that is down for a while: every change arrives, signed as
Standard Webhooks says (checked by the independent `standardwebhooks` library), in order, nothing
lost; each attempt is in the delivery log; what the service shows of a webhook names no URL."""

from __future__ import annotations

import base64
import time

import pytest
from fastapi.testclient import TestClient
from helpers import SECRET, Receiver, free_port
from standardwebhooks import Webhook, WebhookVerificationError

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.domain.model import MasterData
from cadena_client.errors import InputError
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord
from cadena_client.service import Follower, create_app
from cadena_client.webhooks import Endpoint, endpoint_secret, sign, verify


@pytest.mark.slow
def test_a_receiver_that_is_down_for_a_while_gets_every_change_in_order(reverting, pilot_record, tmp_path):
    node = reverting
    record = DeploymentRecord.load(pilot_record)
    chain = connect(node.url)
    mirror = Mirror(tmp_path / "m.sqlite", record.chain_id, record.address, record.deploy_block)
    follower = Follower(mirror, record.open(chain), 0.1)
    port = free_port()
    url = f"http://127.0.0.1:{port}/cadena"
    hook = follower.add_webhook(Endpoint(url, endpoint_secret(SECRET, url)))
    follower.start()
    officer = record.open(chain, Signer(chain, chain.dev_account(2)))
    receiver = None
    try:
        officer.issue(MasterData("MXHOOK1", "Operador", "Calle 1", "exporter", "2020-01-01"))
        officer.suspend("MXHOOK1")
        officer.reinstate("MXHOOK1")
        deadline = time.monotonic() + 30  # the receiver is down: attempts fail, and are made again
        while time.monotonic() < deadline and sum(1 for a in hook.deliveries() if a["error"]) < 2:
            time.sleep(0.05)
        assert sum(1 for a in hook.deliveries() if a["error"]) >= 2 and not any(a["status"] for a in hook.deliveries())
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
        assert mirror.marked(hook.key) == numbers[-1] and receiver.refused == 0
        shown = TestClient(create_app(follower))  # (no lifespan: the follower runs already)
        for path in ("/metrics", "/v1/webhooks"):  # progress by the webhook's key and host, never its URL
            text = shown.get(path).text
            assert hook.key in text and "/cadena" not in text
        assert shown.get("/v1/webhooks").json()["webhooks"][0]["accepted_up_to"] == numbers[-1]
    finally:
        follower.stop()
        if receiver:
            receiver.close()


def test_signatures_follow_standard_webhooks_per_endpoint_and_stale_ones_are_refused():
    """The signature of a delivery, checked by the independent library; each endpoint's secret is its
    own; the receiver side (ours and the library's) refuses a timestamp too old, or another's secret."""
    first, second = endpoint_secret(SECRET, "https://a.example/hook"), endpoint_secret(SECRET, "https://b.example/hook")
    assert first.startswith("whsec_") and len(base64.b64decode(first[6:])) == 32 and first != second
    body, now = b'{"change": "suspended", "tin": "MXAAA010101AAA"}', int(time.time())
    headers = {"webhook-id": "7", "webhook-timestamp": str(now), "webhook-signature": sign(first, "7", now, body)}
    assert Webhook(first).verify(body, headers)["change"] == "suspended"
    assert verify(first, headers, body)["tin"] == "MXAAA010101AAA"
    with pytest.raises(WebhookVerificationError):
        Webhook(second).verify(body, headers)  # another endpoint's secret cannot sign for this one
    stale = {**headers, "webhook-timestamp": str(now - 600), "webhook-signature": sign(first, "7", now - 600, body)}
    with pytest.raises(WebhookVerificationError):
        Webhook(first).verify(body, stale)
    with pytest.raises(InputError, match="refused as a replay"):
        verify(first, stale, body)
    with pytest.raises(InputError, match="not this endpoint's"):
        verify(second, headers, body)


def test_deliveries_and_syncs_share_the_mirror_without_tripping_on_each_other(reverting, pilot_record, tmp_path):
    """A burst of 120 changes synced while the webhook delivers them: every one arrives, in order (the
    syncer and the webhook write the same SQLite connection, each under the lock, never at once)."""
    from cadena_client.api.bulk import issue_all

    record = DeploymentRecord.load(pilot_record)
    chain = connect(reverting.url)
    follower = Follower(
        Mirror(tmp_path / "m.sqlite", record.chain_id, record.address, record.deploy_block), record.open(chain), 0.05
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/cadena"
    hook = follower.add_webhook(Endpoint(url, endpoint_secret(SECRET, url)))
    receiver = Receiver(port)
    follower.start()
    try:
        officer = record.open(chain, Signer(chain, chain.dev_account(2)))
        issue_all(
            officer,
            [MasterData(f"MXBURST{i:03d}", "Operador", "Calle 1", "exporter", "2020-01-01") for i in range(120)],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len([e for _, e, _ in receiver.got if e["tin"]]) < 120:
            assert hook.thread.is_alive(), "the webhook's thread died"
            time.sleep(0.1)
        tins = [e["tin"] for _, e, _ in receiver.got if e["tin"]]
        assert tins == [f"MXBURST{i:03d}" for i in range(120)]
    finally:
        follower.stop()
        receiver.close()


def test_the_cli_prints_an_endpoint_s_secret_for_its_receiver(tmp_path):
    from click.testing import CliRunner

    from cadena_client.cli.main import cli

    key = tmp_path / "key.txt"
    key.write_bytes(SECRET)
    said = CliRunner().invoke(
        cli, ["serve", "--webhook-secret-file", str(key), "--webhook-secret-of", "https://a.example/h"]
    )
    assert said.exit_code == 0 and said.output.strip() == endpoint_secret(SECRET, "https://a.example/h")
