"""The auditor's web app in a real headless browser (Debian's chromium and chromedriver): each
page loads and shows what the CLI shows for the same registry; screenshots of each page are
written under the test's tmp_path (docs/auditor.md, "The pages")."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govern.cli.main import app as cli
from govern.serve.auditor import auditor_app
from tests.serve.conftest import Served, running
from tests.serve.test_auditor import declined_id

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()) or shutil.which("chromium") is None,
        reason="needs chromium and chromedriver",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

runner = CliRunner()


def _cli(*args: str) -> str:
    done = runner.invoke(cli, list(args))
    assert done.exit_code == 0, done.stderr
    return done.stdout


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1280,1600")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(120)
    driver.implicitly_wait(20)  # an element of a page still loading is waited for
    try:
        yield driver
    finally:
        driver.quit()


def _arrives(driver: WebDriver, wanted: str, *, exact: bool = True) -> str:
    """The URL once the page a click or a redirect leads to has loaded (a page that renders a
    provenance record takes seconds on a loaded machine): a click returns before that."""
    WebDriverWait(driver, 90).until(
        lambda d: (d.current_url == wanted) if exact else (wanted in d.current_url)
    )
    WebDriverWait(driver, 90).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    return str(driver.current_url)


def _text(driver: WebDriver, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text).strip()


def test_the_web_app_shows_what_the_cli_shows(
    served: Served, browser: WebDriver, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    db = served.db
    # a recorded verification for the ledger page, then what the CLI says of the registry
    _cli("--sign-with", str(served.key_of("ada")), "verify", "--db", db, "--record")
    inventory = json.loads(_cli("inventory", "--db", db, "--json"))
    verified = json.loads(_cli("verify", "--db", db, "--json"))
    (recorded,) = json.loads(_cli("log", "--db", db, "--kind", "verify.completed", "--json"))
    pid = declined_id(served)

    with served.open() as reg, running(auditor_app(reg)) as base:
        # without a token the browser is sent to sign in; it signs in with the form
        browser.get(base + "/inventory")
        assert browser.current_url.startswith(base + "/login")
        browser.save_screenshot(str(shots / "login.png"))
        browser.find_element(By.ID, "token").send_keys(served.read)
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        assert _arrives(browser, base + "/inventory") == base + "/inventory"

        # the inventory: status and tier as `govern inventory --json` gives them
        rows = browser.find_elements(By.CSS_SELECTOR, "#inventory tbody tr")
        shown = {
            r.get_attribute("data-model"): (
                r.find_element(By.CSS_SELECTOR, ".status").text,
                r.find_element(By.CSS_SELECTOR, ".tier").text,
                r.find_element(By.CSS_SELECTOR, ".findings").text,
            )
            for r in rows
        }
        assert shown == {
            f"{m['name']}@{m['version']}": (m["status"], m["tier"], str(m["open_findings"]))
            for m in inventory
        }
        browser.save_screenshot(str(shots / "inventory.png"))
        # sorted by status, descending, through the column's link
        browser.find_element(By.LINK_TEXT, "Status").click()
        browser.find_element(By.LINK_TEXT, "Status").click()
        assert "sort=status&order=desc" in _arrives(browser, "sort=status&order=desc", exact=False)
        statuses = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#inventory .status")]
        assert statuses == sorted((m["status"] for m in inventory), reverse=True)

        # a model version: its status, approvals with key fingerprints, and its card
        browser.find_element(By.LINK_TEXT, "credit-risk@1").click()
        _arrives(browser, "/models/credit-risk%401", exact=False)
        assert _text(browser, "#status") == "deployed"
        approvals = browser.find_elements(By.CSS_SELECTOR, "#approvals tbody tr")
        assert len(approvals) == 2
        assert all("SHA256:" in a.text for a in approvals)
        assert "Model card: credit-risk@1" in browser.find_element(By.TAG_NAME, "body").text
        browser.save_screenshot(str(shots / "version.png"))

        # the provenance search finds the declined applicant; the receipt is offered
        browser.get(base + "/provenance")
        browser.save_screenshot(str(shots / "search.png"))
        browser.find_element(By.ID, "id").send_keys(pid)
        browser.find_element(By.CSS_SELECTOR, "form[role=search] button").click()
        assert _arrives(browser, f"{base}/provenance/{pid}") == f"{base}/provenance/{pid}"
        assert _text(browser, "h1") == f"Provenance of decision {pid}"
        assert "an adverse outcome" in _text(browser, ".subtitle")
        assert browser.find_element(By.LINK_TEXT, "the receipt").get_attribute("href") == (
            f"{base}/v1/provenance/{pid}/receipt"
        )
        browser.save_screenshot(str(shots / "provenance.png"))

        # the ledger: size and root as `govern verify` gives them, and the last verification
        browser.get(base + "/ledger")
        assert _text(browser, "#size") == str(verified["size"])
        assert _text(browser, "#root") == verified["root_hash"]
        assert "passed" in _text(browser, "#verify-result")
        assert _text(browser, "#verify-time") == recorded["ts"][:19].replace("T", " ") + " UTC"
        browser.save_screenshot(str(shots / "ledger.png"))

        # the access log lists the reads just made, by ann
        browser.get(base + "/access-log")
        assert "The chain holds" in _text(browser, "#chain")
        assert "/provenance/" + pid in _text(browser, "#access")
        browser.save_screenshot(str(shots / "access-log.png"))

    assert sorted(p.name for p in shots.iterdir()) == [
        "access-log.png",
        "inventory.png",
        "ledger.png",
        "login.png",
        "provenance.png",
        "search.png",
        "version.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in shots.iterdir())
