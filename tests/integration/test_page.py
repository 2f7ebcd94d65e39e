"""The page in a real browser (Debian's chromium through Selenium): look up a TIN, see a suspension
appear without restarting the server, switch language, use the keyboard; screenshots are saved in
test-screenshots/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from helpers import ROOT

from cadena_client.domain.model import MasterData

SCREENSHOTS = ROOT / "test-screenshots"
TIN = "MXPAGE00001"

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium for the module's tests (it takes a second or two to start)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium):
    """The module's chromium as a fresh visitor: no cookie (a language chosen, a sign-in) from an earlier test."""
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    assert chromium.execute_cdp_cmd("Network.getAllCookies", {})["cookies"] == []
    return chromium


def shot(browser, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def test_look_up_a_tin_see_its_suspension_and_switch_language(browser, service):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, officer = service
    officer.issue(
        MasterData(
            TIN, "Exportadora Andina S.A.", "Av. Reforma 1, CDMX", "exporter,importer", "2020-01-01", "2035-01-01"
        )
    )
    browser.get(url)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    field = browser.find_element(By.ID, "tin")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=tin]").text  # the field has a label
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the service's mirror catches up within a poll or two
        browser.get(url)
        field = browser.find_element(By.ID, "tin")
        field.send_keys(TIN, Keys.ENTER)  # the keyboard alone submits
        if browser.find_elements(By.ID, "status"):
            break
        time.sleep(0.2)
    assert browser.find_element(By.ID, "status").text == "Active"
    rows = browser.find_elements(By.CSS_SELECTOR, "#recognition tbody tr")
    assert any("PE" in r.text and "reduced physical inspection" in r.text for r in rows)
    shot(browser, "1-active")
    officer.suspend(TIN)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and browser.find_element(By.ID, "status").text != "Suspended":
        time.sleep(0.2)
        browser.refresh()
    assert browser.find_element(By.ID, "status").text == "Suspended"  # the same server, no restart
    assert "not active" in browser.find_element(By.ID, "recognition").text
    shot(browser, "2-suspended")
    browser.find_element(By.LINK_TEXT, "Español").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert browser.find_element(By.ID, "status").text == "Suspendido"
    assert "no vigente" in browser.find_element(By.ID, "recognition").text
    shot(browser, "3-suspendido")
    browser.get(url + "/administrations/PE")  # the choice is kept
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert TIN in browser.page_source
    assert "(no mostrado)" in browser.page_source and "consintieron publicarlos" in browser.page_source
    shot(browser, "4-administration")


def wait_for(browser, url: str, element_id: str) -> None:
    """Loads `url` until the element `element_id` is there (the service's mirror catches up within a poll or two)."""
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        browser.get(url)
        if browser.find_elements(By.ID, element_id):
            return
        time.sleep(0.2)
    raise AssertionError(f"{url} never showed #{element_id}")


def test_a_hidden_name_is_explained_and_the_holder_signs_in_to_see_its_record(browser, service):
    from eth_account import Account
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from cadena_client.service.signin import sign

    url, officer = service
    holder = Account.create()
    tin = "MXPAGE00002"
    officer.issue(
        MasterData(
            tin,
            "Zafiro Confidencial Exportadora SA",
            "Calle Secreta 7788",
            "exporter",
            "2020-01-01",
            holder=holder.address,
        )
    )
    wait_for(browser, f"{url}/tin/{tin}", "status")
    assert "Zafiro" not in browser.page_source  # the public sees the TIN and the status only
    assert "has not consented to publish" in browser.find_element(By.ID, "hidden").text
    browser.get(f"{url}/tin/{tin}?lang=es")
    assert "no ha consentido publicar" in browser.find_element(By.ID, "hidden").text
    shot(browser, "5-nombre-oculto")

    browser.get(f"{url}/sign-in?lang=en")
    challenge = browser.find_element(By.ID, "challenge").get_attribute("value")
    browser.find_element(By.ID, "signature").send_keys(sign(challenge, Account.create()))  # another company's key
    browser.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "holder"))
    assert "No certificate names this account" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "tin"))  # home, signed out

    browser.get(f"{url}/sign-in")
    challenge = browser.find_element(By.ID, "challenge").get_attribute("value")
    browser.find_element(By.ID, "signature").send_keys(sign(challenge, holder))
    browser.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, f"record-{tin}"))
    assert browser.find_element(By.ID, "holder").text == holder.address
    record = browser.find_element(By.ID, f"record-{tin}")
    assert "Zafiro Confidencial Exportadora SA, Calle Secreta 7788" in record.text
    assert record.find_element(By.CLASS_NAME, "visibility").text == "the issuing administration only"
    assert record.find_element(By.CLASS_NAME, "readers").text == "MX (Mexico)"
    cookie = browser.get_cookie("cadena_holder")
    assert cookie is not None and cookie["httpOnly"]
    shot(browser, "6-my-record")
    browser.get(f"{url}/tin/{tin}")  # the holder sees its own name on the certificate's page too
    assert "Zafiro" in browser.find_element(By.ID, "operator").text
