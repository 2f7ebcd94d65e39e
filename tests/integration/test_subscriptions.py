"""The trader is told: a company subscribes its own endpoint to the changes of its TINs and of the
MRAs covering them by signing with its holder key (EIP-191); deliveries are Standard Webhooks, checked
here by the independent `standardwebhooks` library with the secret the subscription answered."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from click.testing import CliRunner
from helpers import free_port
from test_credential import HOLDER, credential_service, master

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.network.deploy import DeploymentRecord
from cadena_client.subscriptions import request_text, signed_request

OWN, NOT_OWN = "MXSUBS00001", "MXSUBS00002"


class Inbox:
    """An endpoint that keeps the deliveries whose signature the `standardwebhooks` library accepts."""

    def __init__(self):
        self.secret: str | None = None
        self.got: list[dict] = []
        self.refused = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                from standardwebhooks import Webhook, WebhookVerificationError

                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    outer.got.append(Webhook(outer.secret).verify(body, dict(self.headers)))
                    self.send_response(204)
                except (WebhookVerificationError, TypeError):
                    outer.refused += 1
                    self.send_response(401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_company_subscribes_with_its_holder_key_and_hears_only_its_own(reverting, pilot_record, tmp_path):
    chain = connect(reverting.url)
    cadena = DeploymentRecord.load(pilot_record).open(chain)
    officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
    admin = cadena.as_signer(Signer(chain, chain.dev_account(1)))
    company = chain.dev_account(HOLDER)
    officer.issue(master(OWN, holder=company.address))
    officer.issue(master(NOT_OWN))
    inbox = Inbox()
    with credential_service(reverting.url, pilot_record, tmp_path) as url:
        for _ in range(100):  # the mirror catches up with the issues
            mine = requests.post(f"{url}/v1/subscriptions", json=signed_request(company, inbox.url, [OWN]), timeout=10)
            if mine.status_code != 404:
                break
            time.sleep(0.1)
        assert mine.status_code == 201, mine.text
        inbox.secret = mine.json()["secret"]
        assert mine.json()["holder"] == company.address and mine.json()["tins"] == [OWN]

        by_cli = CliRunner().invoke(
            cli,
            ["--rpc-url", reverting.url, "--deployment", str(pilot_record), "--dev-account", str(HOLDER)]
            + ["credential", "subscribe", NOT_OWN, "--service", url, "--endpoint", inbox.url],
        )
        assert by_cli.exit_code == 1 and "not the holder of MXSUBS00002" in by_cli.output

        theirs = requests.post(
            f"{url}/v1/subscriptions", json=signed_request(company, inbox.url, [NOT_OWN]), timeout=10
        )
        assert theirs.status_code == 403 and "not the holder of MXSUBS00002" in theirs.json()["error"]["message"]
        stale = request_text(inbox.url, [OWN], datetime.now(timezone.utc) - timedelta(hours=1))
        old = signed_request(company, inbox.url, [OWN]) | {"message": stale}
        assert requests.post(f"{url}/v1/subscriptions", json=old, timeout=10).status_code == 400
        forged = signed_request(company, inbox.url, [OWN])
        forged["message"] = forged["message"].replace(OWN, NOT_OWN)  # the signature was over another text
        assert requests.post(f"{url}/v1/subscriptions", json=forged, timeout=10).status_code == 403

        officer.suspend(NOT_OWN)  # not its own: never delivered
        officer.suspend(OWN)
        mra = admin.propose_mra("MX", ["MX", "PE"], "priority-treatment", "exporter")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(inbox.got) < 2:
            time.sleep(0.1)
    names = [(change["event"], change.get("tin"), change.get("mra_id")) for change in inbox.got]
    assert names[:2] == [("CertificateSuspended", OWN, None), ("MRAProposed", None, mra)], json.dumps(inbox.got)[:500]
    assert inbox.refused == 0

    officer.reinstate(OWN)  # while no service runs
    with credential_service(reverting.url, pilot_record, tmp_path):  # restarted on the same mirror
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(inbox.got) < 3:
            time.sleep(0.1)
    assert [(change["event"], change.get("tin")) for change in inbox.got[2:]] == [("CertificateReinstated", OWN)]
    assert inbox.refused == 0
