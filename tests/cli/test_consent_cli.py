"""`cadena keys`, `cadena consent`, `cadena cert erase|share` and `cadena credential-signer` against the
pilot network on a real node: keys made 0600 and published, an issue sealed with them, the holder's
signed consent relayed by another account, and one clear line for each mistake."""

import json
import os
import stat

import pytest
from click.testing import CliRunner

from cadena_client.chain.connection import connect
from cadena_client.cli.main import cli

TIN = "MXCLICONSENT1"


@pytest.fixture
def run(reverting, pilot_record, tmp_path):
    node = reverting

    def invoke(*args, dev=None, expect=0, env=None):
        options = ["--rpc-url", node.url, "--deployment", str(pilot_record), "--mirror", str(tmp_path / "m.sqlite")]
        options += ["--dev-account", str(dev)] if dev is not None else []
        result = CliRunner().invoke(cli, [*options, *args], env=env)
        assert result.exit_code == expect, result.output
        return result.output

    invoke.holder = connect(node.url).dev_account(7).address
    return invoke


def test_keys_consent_share_and_erase_from_the_command_line(run, tmp_path):
    key = tmp_path / "mx-exchange.key"
    assert "public key 0x" in run("keys", "exchange", "new", "--country", "MX", "--out", str(key))
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    again = run("keys", "exchange", "new", "--country", "MX", "--out", str(key), expect=1)
    assert "is never overwritten" in again and len(again.strip().splitlines()) == 1
    run("keys", "exchange", "set", "--country", "MX", "--key", str(key), dev=1)
    env = {"CADENA_EXCHANGE_KEY": str(key)}
    issue = ["cert", "issue", TIN, "--name", "Sigilosa SA", "--address", "Calle 1", "--types", "exporter"]
    run(*issue, "--valid-from", "2024-01-01", "--holder", run.holder, dev=2, env=env)
    refused = run("consent", "set", TIN, "--visibility", "partners", dev=2, expect=1)
    assert "signed form" in refused and "--form" in refused and "Traceback" not in refused
    signed = run("consent", "sign", TIN, "--visibility", "partners", dev=7)
    (tmp_path / "consent.json").write_text(signed)
    assert "as its holder signed" in run("consent", "relay", str(tmp_path / "consent.json"), dev=4)
    replayed = run("consent", "relay", str(tmp_path / "consent.json"), dev=4, expect=1)
    assert "not signed by its holder" in replayed
    (tmp_path / "bad.json").write_text("{}")
    assert "is not a consent" in run("consent", "relay", str(tmp_path / "bad.json"), dev=4, expect=1)
    wrong = run("consent", "sign", TIN, "--visibility", "published", dev=8, expect=1)
    assert "is not the holder" in wrong
    assert "shared the master data of 1 certificate" in run("cert", "share", TIN, dev=2, env=env)
    assert "erased" in run("cert", "erase", TIN, dev=2, env=env)
    assert "visible to published" in run("consent", "set", TIN, "--visibility", "published", "--form", "F-1", dev=2)


def test_credential_signers_are_granted_next_to_officers(run):
    account = "0x" + "ab" * 20
    out = run("credential-signer", "grant", account, "--country", "MX", dev=1)
    assert "is now a credential signer of MX" in out
    refused = run("credential-signer", "grant", account, "--country", "PE", dev=1, expect=1)
    assert "is not an administration admin of PE" in refused
    revoked = json.loads(run("credential-signer", "revoke", account, "--country", "MX", "--json", dev=1))
    assert "revoke-credential_signer" in json.dumps(revoked)
