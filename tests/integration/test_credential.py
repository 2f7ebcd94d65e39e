"""The trader's credential end to end on anvil: issued by Mexico's credential signer through the CLI,
verified online and offline (with the node stopped), by an independent verifier from npm against the
status lists `cadena serve` publishes, before and after each lifecycle change; printed as a PDF whose
QR code is read back; and checked on the page's /verify in chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from documents import check_document
from helpers import PILOT, ROOT, running
from test_page import browser, chromium  # noqa: F401  (the chromium fixtures)

from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import Signer
from cadena_client.cli.main import cli
from cadena_client.credential.issuance import credential_keys
from cadena_client.credential.signing import IssuerKey
from cadena_client.credential.verify import EXIT_BASE, CredentialVerdict
from cadena_client.domain.model import MasterData
from cadena_client.errors import SignerRequired
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord
from cadena_client.service import Follower, create_app
from cadena_client.service.routes.subscriptions import restore

WEBHOOK_KEY = b"the service's webhook key"
SIGNER, HOLDER = 7, 8  # dev accounts: Mexico's credential signer, and the operator's own key
TIN, OTHER = "MXCRED0001", "MXCRED0002"
VERIFIER = ROOT / "tests" / "integration" / "credential_verifier.mjs"


def master(tin: str = TIN, **fields) -> MasterData:
    values = dict(
        tin=tin,
        name="Exportadora del Pacífico S.A. de C.V.",
        address="Av. Paseo de la Reforma 505, Ciudad de México",
        aeo_types="importer,exporter",
        valid_from="2024-01-15",
        expiry="2034-01-15",
    )
    values.update(fields)
    return MasterData(**values)


@contextmanager
def credential_service(node_url: str, record_path: Path, tmp_path: Path):
    """`cadena serve`'s app with Mexico's credential key and a webhook key, on a free port; yields its URL."""
    record = DeploymentRecord.load(record_path)
    chain = connect(node_url)
    follower = Follower(
        Mirror(tmp_path / "service.sqlite", record.chain_id, record.address, record.deploy_block),
        record.open(chain),
        0.1,
    )
    app = create_app(follower)
    app.state.credential_keys = {"MX": IssuerKey(bytes(chain.dev_account(SIGNER).key), chain.chain_id)}
    app.state.webhook_key = WEBHOOK_KEY
    restore(follower, WEBHOOK_KEY)  # as `cadena serve` does: the subscriptions the mirror kept
    with running(app, follower) as url:
        yield url


class Network:
    """The pilot network on a node, Mexico's officer, admin and the operator, and the CLI over it."""

    def __init__(self, node_url: str, record: Path, tmp_path: Path):
        self.url, self.record, self.tmp = node_url, record, tmp_path
        chain = connect(node_url)
        cadena = DeploymentRecord.load(record).open(chain)
        self.officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
        self.admin = cadena.as_signer(Signer(chain, chain.dev_account(1)))
        self.holder = cadena.as_signer(Signer(chain, chain.dev_account(HOLDER)))
        self.signer = chain.dev_account(SIGNER).address

    def cadena(self, *args: str, stdin: str | None = None, dev: int | None = None):
        common = ["--rpc-url", self.url, "--deployment", str(self.record), "--mirror", str(self.tmp / "cli.sqlite")]
        if dev is not None:
            common += ["--dev-account", str(dev)]
        return CliRunner().invoke(cli, [*common, *args], input=stdin)

    def issue_credential(self, tin: str, status_url: str) -> str:
        result = self.cadena("credential", "issue", tin, "--status-url", status_url, dev=SIGNER)
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    def verify(self, credential: str, *options: str) -> tuple[CredentialVerdict, str]:
        result = self.cadena("credential", "verify", "-", *options, stdin=credential)
        assert result.exit_code in (0, *range(EXIT_BASE + 1, EXIT_BASE + 7)), result.output
        verdict = CredentialVerdict(result.exit_code - EXIT_BASE if result.exit_code else 0)
        assert result.stdout.startswith(verdict.label + ":"), result.stdout
        return verdict, result.stdout


@pytest.fixture
def network(reverting, pilot_record, tmp_path):
    net = Network(reverting.url, pilot_record, tmp_path)
    net.admin.grant_credential_signer("MX", net.signer)
    net.officer.issue(master(holder=net.holder.signer.account.address))
    net.officer.issue(master(OTHER, name="Almacenes del Golfo S.A."))
    return net


def independent(credential: str) -> dict:
    """What the npm verifier says of the credential and of the status lists at the URLs it names."""
    run = subprocess.run(
        ["node", str(VERIFIER)],
        input=json.dumps({"credential": credential}),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def wait_for(check, what: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s")


def answered(driver, selector: str):
    """The element `selector` of the page a form's submission loads: waited for, as the click returns
    before the new page is there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, selector))[0]


needs_node = pytest.mark.skipif(not shutil.which("node"), reason="the independent verifier runs on Node")


@needs_node
def test_each_lifecycle_change_online_offline_and_by_an_independent_verifier(network, tmp_path):
    with credential_service(network.url, network.record, tmp_path) as url:
        credential = network.issue_credential(TIN, url)
        assert network.verify(credential)[0] is CredentialVerdict.VALID
        seen = independent(credential)
        assert seen["valid"], seen
        assert seen["typ"] == "vc+sd-jwt" and seen["payload"]["credentialSubject"]["tin"] == TIN
        assert seen["payload"]["credentialSubject"]["certificate"]["contract"] == network.officer.address
        assert seen["statuses"] == {
            purpose: {
                "set": False,
                "length": 131_072,
                "listIssuer": f"did:pkh:eip155:31337:{network.signer}",
                "mediaType": "application/vc+jwt",
            }
            for purpose in ("revocation", "suspension")
        }
        tampered = credential.replace(credential.split(".")[1][:8], credential.split(".")[1][:7] + "A", 1)
        assert not independent(tampered)["valid"]
        assert network.verify(tampered)[0] is CredentialVerdict.FORGED

        network.officer.suspend(TIN)
        assert network.verify(credential)[0] is CredentialVerdict.SUSPENDED
        wait_for(lambda: independent(credential)["statuses"]["suspension"]["set"], "the suspension list shows it")
        as_json = json.loads(network.cadena("credential", "verify", "-", "--json", stdin=credential).stdout)
        answered = requests.post(f"{url}/v1/credentials/verify", data=credential, timeout=30).json()
        for document in (as_json, answered):  # the CLI and the service give one cadena/1 document
            check_document(document)
            assert (document["kind"], document["verdict"], document["reason"]) == (
                "credential-verification",
                "suspended",
                "suspended",
            )
            assert (document["tin"], document["version"]) == (TIN, 1)
        assert network.cadena("credential", "cache", "-o", str(tmp_path / "cache.json")).exit_code == 0
        assert (
            network.verify(credential, "--offline", "--cache", str(tmp_path / "cache.json"))[0]
            is CredentialVerdict.SUSPENDED
        )

        network.officer.reinstate(TIN)
        assert network.verify(credential)[0] is CredentialVerdict.VALID
        wait_for(lambda: not independent(credential)["statuses"]["suspension"]["set"], "the suspension clears")

        network.officer.update(master(expiry="2036-01-15", holder=network.holder.signer.account.address))
        assert network.verify(credential)[0] is CredentialVerdict.SUPERSEDED
        renewed = network.issue_credential(TIN, url)
        assert network.verify(renewed)[0] is CredentialVerdict.VALID

        network.holder.withdraw(TIN)
        assert network.verify(renewed)[0] is CredentialVerdict.REVOKED
        wait_for(lambda: independent(renewed)["statuses"]["revocation"]["set"], "the revocation list shows it")

        other = network.issue_credential(OTHER, url)
        assert network.verify(other)[0] is CredentialVerdict.VALID
        network.officer.cancel(OTHER)
        assert network.verify(other)[0] is CredentialVerdict.REVOKED
        assert network.cadena("credential", "cache", "-o", str(tmp_path / "cache.json")).exit_code == 0
        assert (
            network.verify(other, "--offline", "--cache", str(tmp_path / "cache.json"))[0] is CredentialVerdict.REVOKED
        )


def test_a_key_revoked_since_is_an_unknown_issuer_and_only_signers_issue(network, tmp_path):
    credential = network.issue_credential(OTHER, "https://sat.example")
    assert network.verify(credential)[0] is CredentialVerdict.VALID
    signer = network.officer.chain.dev_account(SIGNER)
    assert credential_keys(network.officer, [signer])["MX"].address == network.signer  # what serve signs lists with
    network.admin.revoke_credential_signer("MX", network.signer)
    with pytest.raises(SignerRequired, match="signs credentials for no administration"):
        credential_keys(network.officer, [signer])
    verdict, line = network.verify(credential)
    assert verdict is CredentialVerdict.UNKNOWN_ISSUER and network.signer in line
    refused = network.cadena("credential", "issue", OTHER, dev=SIGNER)
    assert refused.exit_code == 1 and "does not sign credentials for MX" in refused.output
    assert "Traceback" not in refused.output
    officer_only = network.cadena("credential", "issue", OTHER, dev=2)  # an officer, not a credential signer
    assert officer_only.exit_code == 1 and "does not sign credentials for MX" in officer_only.output


def test_the_pdf_qr_code_reads_back_and_verifies(network, tmp_path):
    import pypdfium2
    import zxingcpp

    pdf = tmp_path / "aeo.pdf"
    result = network.cadena(
        "credential", "pdf", OTHER, "-o", str(pdf), "--status-url", "https://sat.example", dev=SIGNER
    )
    assert result.exit_code == 0, result.output
    page = pypdfium2.PdfDocument(pdf)[0]
    assert "Certificado de Operador Económico Autorizado" in page.get_textpage().get_text_range()
    (code,) = zxingcpp.read_barcodes(page.render(scale=3).to_pil())
    assert network.verify(code.text)[0] is CredentialVerdict.VALID


def test_offline_verification_with_the_node_stopped(pilot_record, tmp_path):
    """A node of its own, stopped after the cache is taken: the offline verdicts stand; online, one clear line."""
    with start_anvil() as local:
        record = tmp_path / "deployment.json"

        deployed = CliRunner().invoke(
            cli, ["--rpc-url", local.url, "--deployment", str(record), "network", "deploy", str(PILOT)]
        )
        assert deployed.exit_code == 0, deployed.output
        net = Network(local.url, record, tmp_path)
        net.admin.grant_credential_signer("MX", net.signer)
        net.officer.issue(master())
        net.officer.issue(master(OTHER))
        good, gone = (
            net.issue_credential(TIN, "https://sat.example"),
            net.issue_credential(OTHER, "https://sat.example"),
        )
        net.officer.cancel(OTHER)
        assert net.cadena("credential", "cache", "-o", str(tmp_path / "cache.json")).exit_code == 0
    cache = ("--offline", "--cache", str(tmp_path / "cache.json"))
    assert net.verify(good, *cache)[0] is CredentialVerdict.VALID
    assert net.verify(gone, *cache)[0] is CredentialVerdict.REVOKED
    online = net.cadena("credential", "verify", "-", stdin=good)
    assert online.exit_code == 1 and "Traceback" not in online.output


@pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)
def test_the_verify_page_in_chromium_paste_upload_and_a_link(network, tmp_path, browser):  # noqa: F811
    from urllib.parse import quote

    from selenium.webdriver.common.by import By
    from test_page import shot

    with credential_service(network.url, network.record, tmp_path) as url:
        credential = network.issue_credential(TIN, url)

        def pasted() -> str:
            browser.get(f"{url}/verify")
            assert not browser.find_elements(By.TAG_NAME, "script")  # no JavaScript
            assert browser.find_element(By.CSS_SELECTOR, "label[for=credential]").text
            field = browser.find_element(By.ID, "credential")
            field.click()  # focused, then pasted: one insertion, as a paste is (typing it key by key took 5 s)
            browser.execute_cdp_cmd("Input.insertText", {"text": credential})
            assert field.get_attribute("value") == credential
            browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            return answered(browser, "#verdict").text

        wait_for(lambda: pasted() == "Valid", "the pasted credential is valid once the service's mirror has it")
        assert browser.find_element(By.ID, "credential-tin").text == TIN
        shot(browser, "credential-1-valid")

        network.officer.suspend(TIN)
        upload = tmp_path / "credential.txt"
        upload.write_text(credential)

        def suspended_on_upload() -> bool:
            browser.get(f"{url}/verify")
            browser.find_element(By.ID, "upload").send_keys(str(upload))
            browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            return answered(browser, "#verdict").text == "Suspended"

        wait_for(suspended_on_upload, "the uploaded credential shows the suspension")
        shot(browser, "credential-2-suspended")

        browser.get(f"{url}/verify?lang=es&credential={quote(credential)}")  # a verify link, as a QR code carries
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
        assert browser.find_element(By.ID, "verdict").text == "Suspendida"
        assert browser.find_element(By.ID, "detail").text == "el certificado está suspendido"  # the reason too
        forged = credential.replace(credential.split(".")[1][:8], credential.split(".")[1][:7] + "A", 1)
        browser.get(f"{url}/verify?lang=en&credential={quote(forged)}")
        assert browser.find_element(By.ID, "verdict").text == "Forged: the signature does not hold"
        browser.get(f"{url}/verify")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # nothing pasted: said so
        assert answered(browser, ".error").text


def test_name_and_address_only_where_the_visibility_lets_partners_see_them(network, tmp_path):
    """Partners: the credential names the operator, as disclosures the trader may leave out; IssuerOnly: never."""
    from cadena_client.confidential import ExchangeKeys
    from cadena_client.credential.issuance import issue_for
    from cadena_client.credential.sdjwt import open_sd_jwt, present
    from cadena_client.credential.verify import ChainEvidence, check
    from cadena_client.domain.model import Visibility

    keys = ExchangeKeys.create("MX")
    network.admin.set_exchange_key("MX", keys.public_key)
    sealing = network.officer.with_exchange(keys)
    sealing.issue(master("MXSHOWN0001", name="Transportes Visibles S.A."), visibility=Visibility.PARTNERS)
    sealing.issue(master("MXHIDDEN001", name="Reservada S.A."), visibility=Visibility.ISSUER_ONLY)
    cadena = network.officer
    mirror = Mirror(tmp_path / "mx.sqlite", cadena.chain.chain_id, cadena.address, cadena.deploy_block, exchange=keys)
    signer = cadena.chain.dev_account(SIGNER)
    shown = issue_for(cadena, mirror, signer, "MXSHOWN0001", "https://sat.example")
    hidden = issue_for(cadena, mirror, signer, "MXHIDDEN001", "https://sat.example")
    assert (
        mirror.certificate("MXHIDDEN001", mirror.officers()).name == "Reservada S.A."
    )  # the issuer reads it; the credential does not
    subject = open_sd_jwt(shown)[1]["credentialSubject"]
    assert subject["name"] == "Transportes Visibles S.A." and subject["address"].startswith("Av. Paseo")
    assert "Reservada" not in hidden and "name" not in open_sd_jwt(hidden)[1]["credentialSubject"]
    without = present(shown, {"name", "address"})
    assert "name" not in open_sd_jwt(without)[1]["credentialSubject"]
    assert check(without, ChainEvidence(cadena)).verdict is CredentialVerdict.VALID
