"""The admin dashboard in a real headless Chromium (Debian chromium + chromium-driver, Selenium).

Signs in as admin, watches the overview, finds an order (with its events) and a withdrawal, releases a claim
through the confirm dialog, pages through the open orders, checks the ledger's conservation and the audit chain
(its latest records with their trace ids); signs in as auditor (audit and ledger); then signs in with a user
token and sees the API's 403s. A screenshot of each view goes to BUILD/test-artifacts/admin/MODE/. No console
errors are allowed (the user's session may only show the network errors of those 403s). Chromium missing is a
failure.
"""
import os
import re
import secrets
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import MODE, SERVER_BIN, Server, User, deposit, item, new_currency, seed_withdrawal

ADMIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "server", "admin")
ARTIFACTS = os.environ.get("W3W_TEST_ARTIFACTS") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(SERVER_BIN)))), "test-artifacts")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def dash(secret):
    s = Server(["--rate-limit", "off", "--admin-dir", ADMIN_DIR], secret=secret)
    yield s
    assert s.stop() == 0, "".join(s.raw_stderr[-20:])


@pytest.fixture(scope="module")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        assert os.access(path, os.X_OK), f"{path} is missing: scripts/install-deps.sh test installs chromium-driver"
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots():
    d = os.path.join(ARTIFACTS, "admin", MODE)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def severe(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_text(driver, by, what, text, timeout=20):
    WebDriverWait(driver, timeout).until(EC.text_to_be_present_in_element((by, what), text))


def sign_in(driver, url, token):
    driver.get(url + "/admin/")
    field = WebDriverWait(driver, 20).until(EC.visibility_of_element_located((By.ID, "token")))
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#sign-in-form button[type=submit]").click()
    WebDriverWait(driver, 20).until(EC.visibility_of_element_located((By.ID, "view-overview")))


def view(driver, name):
    driver.find_element(By.CSS_SELECTOR, f"nav button[data-view={name}]").click()
    WebDriverWait(driver, 10).until(EC.visibility_of_element_located((By.ID, "view-" + name)))


def test_dashboard_in_chromium(dash, browser, shots):
    currency = new_currency()
    service, buyer, shopper = User(dash, ("service",)), User(dash), User(dash)
    admin = User(dash, ("admin",))
    deposit(service, buyer, currency, "100")
    assert shopper.post("/v1/supplies", {"currency": currency, "amount": "500"}).status_code == 201
    order = buyer.post("/v1/orders", {"currency": currency, "items": [item("12.5", 2)]}).json()
    claim = shopper.post(f"/v1/orders/{order['id']}/claim").json()
    assert claim["status"] == "pending"

    # Sign in as admin: the overview fills from /metrics and /readyz and refreshes (two scrapes give rates).
    sign_in(browser, dash.url, admin.token)
    assert admin.id in browser.find_element(By.ID, "who").text
    wait_text(browser, By.ID, "m-ready", "ready")

    # Live: commands made now show up as a rate at a later refresh (every 2 s).
    def commands_per_second(driver):
        deposit(service, buyer, currency, "0.01")
        text = driver.find_element(By.ID, "m-cmd-ok").text
        return text not in ("", "–") and float(text) > 0

    WebDriverWait(browser, 30, poll_frequency=0.2).until(commands_per_second)
    assert browser.find_element(By.ID, "m-claim-rate").text.endswith("%")
    assert browser.find_element(By.ID, "m-backlog").text.endswith("events")
    assert "won" in browser.find_element(By.ID, "m-claim-counts").text
    browser.save_screenshot(os.path.join(shots, "1-overview.png"))

    # Search the order: its items, escrow hold, live claim and the buyer's accounts.
    view(browser, "search")
    Select(browser.find_element(By.ID, "search-kind")).select_by_value("order")
    browser.find_element(By.ID, "search-id").send_keys(order["id"])
    browser.find_element(By.CSS_SELECTOR, "#search-form button").click()
    wait_text(browser, By.ID, "search-result", "Events (2)")
    result = browser.find_element(By.ID, "search-result").text
    assert claim["id"] in result and "Hardware wallet" in result and "held from the buyer" in result
    assert "Buyer's accounts" in result and "order.created" in result and "order.claimed" in result
    # The lower half of the result: the live claim, the buyer's accounts and the order's events.
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.XPATH, "//h4[.='Live claim']"))
    browser.save_screenshot(os.path.join(shots, "2-search-order.png"))

    # Search a withdrawal (an on-chain one, as the wallet module records it).
    withdrawal_id = seed_withdrawal(dash, buyer.id)
    Select(browser.find_element(By.ID, "search-kind")).select_by_value("withdrawal")
    field = browser.find_element(By.ID, "search-id")
    field.clear()
    field.send_keys(withdrawal_id)
    browser.find_element(By.CSS_SELECTOR, "#search-form button").click()
    wait_text(browser, By.ID, "search-result", "broadcast")
    result = browser.find_element(By.ID, "search-result").text
    assert withdrawal_id in result and "0x" + "ef" * 32 in result and "evm:4242424" in result
    browser.save_screenshot(os.path.join(shots, "2b-search-withdrawal.png"))

    # Pending claims; release ours through the confirm dialog (the ordinary API route does it).
    view(browser, "lists")
    Select(browser.find_element(By.ID, "list-kind")).select_by_value("claims")
    Select(browser.find_element(By.ID, "list-status")).select_by_value("pending")
    browser.find_element(By.CSS_SELECTOR, "#list-form button[type=submit]").click()
    selector = f"button[data-claim='{claim['id']}'][data-action=release]"
    WebDriverWait(browser, 20).until(EC.element_to_be_clickable((By.CSS_SELECTOR, selector)))
    browser.save_screenshot(os.path.join(shots, "3-claims-pending.png"))
    browser.find_element(By.CSS_SELECTOR, selector).click()
    alert = WebDriverWait(browser, 10).until(EC.alert_is_present())
    assert claim["id"] in alert.text
    alert.accept()
    wait_text(browser, By.ID, "list-message", f"Claim {claim['id']} released.")
    assert admin.get(f"/v1/claims/{claim['id']}").json()["status"] == "released"
    assert buyer.get(f"/v1/orders/{order['id']}").json()["status"] == "open"
    browser.save_screenshot(os.path.join(shots, "4-claim-released.png"))

    # Paging: more open orders than one page (20) holds; the next page follows the API's cursor.
    for _ in range(21):
        assert buyer.post("/v1/orders", {"currency": currency, "items": [item("1", 1)]}).status_code == 201
    Select(browser.find_element(By.ID, "list-kind")).select_by_value("orders")
    Select(browser.find_element(By.ID, "list-status")).select_by_value("open")
    browser.find_element(By.CSS_SELECTOR, "#list-form button[type=submit]").click()
    wait_text(browser, By.ID, "list-result", "page 1: 20 orders")
    WebDriverWait(browser, 10).until(EC.element_to_be_clickable((By.ID, "list-next"))).click()
    wait_text(browser, By.ID, "list-result", "page 2: ")
    page2 = browser.find_element(By.ID, "list-result").text
    first_page = [o["id"] for o in buyer.get("/v1/orders", params={"status": "open", "limit": 20}).json()["items"]]
    assert not any(i in page2 for i in first_page), "page 2 repeats page 1"

    # Ledger: the conservation check of the test's currency.
    view(browser, "ledger")
    field = browser.find_element(By.ID, "ledger-currencies")
    field.clear()
    field.send_keys(currency)
    browser.find_element(By.CSS_SELECTOR, "#ledger-form button").click()
    wait_text(browser, By.ID, "conservation-" + currency, "OK")
    assert "OK" in browser.find_element(By.ID, "ledger-result").text
    browser.save_screenshot(os.path.join(shots, "5-ledger.png"))

    # Audit: the chain verifies, and the latest records show the trace of their request.
    trace_id = secrets.token_hex(16)
    r = buyer.post("/v1/orders", {"currency": currency, "items": [item("2", 1)]},
                   headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    assert r.status_code == 201, r.text
    view(browser, "audit")
    browser.find_element(By.ID, "audit-run").click()
    wait_text(browser, By.ID, "audit-status", "OK", timeout=120)
    assert "records" in browser.find_element(By.ID, "audit-result").text
    wait_text(browser, By.ID, "audit-records", trace_id)
    rows = browser.find_element(By.ID, "audit-records").text
    assert "order.create" in rows and len(re.findall(r"\b[0-9a-f]{32}\b", rows)) >= 2, rows
    browser.save_screenshot(os.path.join(shots, "6-audit.png"))

    assert severe(browser) == [], "console errors in the admin's session"

    # Nothing of the token was stored: no cookie, no web storage.
    assert browser.get_cookies() == []
    assert browser.execute_script("return localStorage.length + sessionStorage.length") == 0

    # An auditor signs in too, and sees the ledger and the audit check.
    browser.find_element(By.ID, "sign-out").click()
    auditor = User(dash, ("auditor",))
    sign_in(browser, dash.url, auditor.token)
    assert "(auditor)" in browser.find_element(By.ID, "who").text
    view(browser, "audit")
    assert browser.find_element(By.ID, "audit-result").text == "", "the admin's results outlived the sign-out"
    browser.find_element(By.ID, "audit-run").click()
    wait_text(browser, By.ID, "audit-status", "OK", timeout=120)
    view(browser, "ledger")
    field = browser.find_element(By.ID, "ledger-currencies")
    field.clear()
    field.send_keys(currency)
    browser.find_element(By.CSS_SELECTOR, "#ledger-form button").click()
    wait_text(browser, By.ID, "conservation-" + currency, "OK")
    assert severe(browser) == [], "console errors in the auditor's session"

    # A user's token: the dashboard shows the API's refusals and no admin data.
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, dash.url, buyer.token)
    view(browser, "ledger")
    field = browser.find_element(By.ID, "ledger-currencies")
    field.clear()
    field.send_keys(currency)
    browser.find_element(By.CSS_SELECTOR, "#ledger-form button").click()
    wait_text(browser, By.ID, "ledger-result", "HTTP 403 forbidden")
    assert "deposits" not in browser.find_element(By.ID, "ledger-result").text
    view(browser, "lists")
    Select(browser.find_element(By.ID, "list-kind")).select_by_value("claims")
    browser.find_element(By.CSS_SELECTOR, "#list-form button[type=submit]").click()
    wait_text(browser, By.ID, "list-result", "HTTP 403 forbidden")
    view(browser, "audit")
    browser.find_element(By.ID, "audit-run").click()
    wait_text(browser, By.ID, "audit-result", "HTTP 403 forbidden")
    assert "records" not in browser.find_element(By.ID, "audit-result").text
    browser.save_screenshot(os.path.join(shots, "7-user-forbidden.png"))
    errors = severe(browser)
    assert len(errors) == 3, errors
    assert all("status of 403" in e["message"] for e in errors), errors

    for name in ("1-overview", "2-search-order", "2b-search-withdrawal", "3-claims-pending", "4-claim-released", "5-ledger", "6-audit",
                 "7-user-forbidden"):
        with open(os.path.join(shots, name + ".png"), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
