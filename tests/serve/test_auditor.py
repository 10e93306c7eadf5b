"""The auditor's service over HTTP: a real uvicorn server, requests with httpx
(docs/auditor.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

from govern.cli.main import app as cli
from govern.ledger.receipt import open_receipt
from govern.registry import Registry, tokens
from govern.registry.tokens import Tokens
from govern.serve.auditor import COOKIE, auditor_app
from tests.serve.conftest import Served, running


def declined_id(served: Served) -> str:
    """The demo's declined applicant (its provenance PDF is in the demo's reports)."""
    (pdf,) = (served.folder / "reports").glob("provenance-*.pdf")
    return pdf.stem.removeprefix("provenance-")


@dataclass
class Auditor:
    base: str
    served: Served
    reg: Registry

    def get(self, path: str, token: str | None = None, **kw: object) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})  # type: ignore[call-overload]
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.get(self.base + path, headers=headers, timeout=120, **kw)  # type: ignore[arg-type]


@pytest.fixture
def auditor(served: Served) -> Iterator[Auditor]:
    with served.open() as reg, running(auditor_app(reg, Tokens(reg, refresh=0.0))) as base:
        yield Auditor(base, served, reg)


def test_provenance_as_json_html_and_pdf(auditor: Auditor) -> None:
    pid = declined_id(auditor.served)
    read = auditor.served.read
    as_json = auditor.get(f"/v1/provenance/{pid}", read)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    record = as_json.json()
    assert record["id"] == pid and record["output"]["decision"] == "bad"
    assert record["model"]["ref"] == "credit-risk@1"

    html = auditor.get(f"/v1/provenance/{pid}", read, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert f"Provenance of decision {pid}" in html.text

    pdf = auditor.get(f"/v1/provenance/{pid}?format=pdf", read)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    by_accept = auditor.get(f"/v1/provenance/{pid}", read, headers={"Accept": "application/pdf"})
    assert by_accept.content[:5] == b"%PDF-"

    bad = auditor.get(f"/v1/provenance/{pid}?format=exe", read)
    assert bad.status_code == 422 and bad.json()["type"] == "BadInput"


def test_the_receipt_verifies_offline(auditor: Auditor) -> None:
    pid = declined_id(auditor.served)
    got = auditor.get(f"/v1/provenance/{pid}/receipt", auditor.served.read)
    assert got.status_code == 200
    assert f'filename="receipt-{pid}.tlog-proof"' in got.headers["content-disposition"]
    opened = open_receipt(got.text, auditor.reg.ledger.verifier, auditor.reg.origin)
    entry = json.loads(opened.entry)
    assert entry["kind"] == "prediction.logged" and pid in opened.entry.decode("utf-8")
    assert (
        opened.index
        == auditor.get(f"/v1/provenance/{pid}", auditor.served.read).json()["decision"]["entry"]
    )


def test_the_card_in_three_formats(auditor: Auditor) -> None:
    read = auditor.served.read
    card = auditor.get("/v1/cards/credit-risk@1?format=json", read).json()
    assert card["govern"]["model"] == "credit-risk@1" and card["govern"]["risk_tier"] == "high"
    assert (
        "Model card: credit-risk@1"
        in auditor.get("/v1/cards/credit-risk@1", read, headers={"Accept": "text/html"}).text
    )
    missing = auditor.get("/v1/cards/no-such@9?format=json", read)
    assert missing.status_code == 404 and missing.json()["type"] == "NotFound"


ROUTES = [
    "/v1/provenance/x",
    "/v1/provenance/x/receipt",
    "/v1/cards/credit-risk@1",
    "/v1/access-log",
]


@pytest.mark.parametrize("path", ROUTES)
def test_no_token_is_401(auditor: Auditor, path: str) -> None:
    got = auditor.get(path)
    assert got.status_code == 401
    assert got.json()["type"] == "TokenRefused"
    assert got.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ROUTES)
def test_a_decide_token_is_403(auditor: Auditor, path: str) -> None:
    got = auditor.get(path, auditor.served.decide)
    assert got.status_code == 403 and got.json()["type"] == "PolicyViolation"


def test_a_forged_or_malformed_token_is_401(auditor: Auditor) -> None:
    read = auditor.served.read
    forged = read[:-4] + ("AAAA" if not read.endswith("AAAA") else "BBBB")
    assert auditor.get("/v1/access-log", forged).status_code == 401
    assert auditor.get("/v1/access-log", "not-a-token").status_code == 401
    basic = auditor.get("/v1/access-log", headers={"Authorization": f"Basic {read}"})
    assert basic.status_code == 401


def test_a_revoked_token_is_401(auditor: Auditor) -> None:
    read = auditor.served.read
    assert auditor.get("/v1/access-log", read).status_code == 200
    with auditor.served.open(as_="ada") as admin:
        tokens.revoke(admin, read[4:16], reason="ann left the audit team")
    got = auditor.get("/v1/access-log", read)
    assert got.status_code == 401 and "revoked" in got.json()["error"]
    # and the browser is sent back to sign in
    page = httpx.get(auditor.base + "/inventory", cookies={COOKIE: read}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_ids_with_html_or_path_characters_are_404_never_a_traceback(auditor: Auditor) -> None:
    read = auditor.served.read
    for raw in ["%3Cscript%3Ealert(1)%3C%2Fscript%3E", "..%2F..%2Fetc%2Fpasswd", "a%00b", "%27%22"]:
        got = auditor.get(f"/v1/provenance/{raw}", read)
        assert got.status_code == 404, raw
        assert "Traceback" not in got.text and "<script>" not in got.headers["content-type"]
        page = auditor.get(f"/provenance/{raw}", read)
        assert page.status_code == 404, raw
        assert "Traceback" not in page.text
        assert "<script>alert(1)" not in page.text
    page = auditor.get("/provenance/%3Cscript%3Ealert(1)%3C%2Fscript%3E", read)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    receipt = auditor.get("/v1/provenance/%3Cb%3E/receipt", read)
    assert receipt.status_code == 404 and receipt.json()["type"] == "NotFound"


def test_pages_send_the_browser_to_sign_in_and_the_cookie_opens_them(auditor: Auditor) -> None:
    base, read = auditor.base, auditor.served.read
    with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as client:
        first = client.get("/ledger")
        assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Fledger"
        form = client.get(first.headers["location"])
        assert form.status_code == 200 and 'name="token"' in form.text
        wrong = client.post(
            "/login", data={"token": "gvt_000000000000." + "A" * 43, "next": "/ledger"}
        )
        assert wrong.status_code == 401 and "not issued" in wrong.text
        signed = client.post("/login", data={"token": read, "next": "/ledger"})
        assert signed.status_code == 303 and signed.headers["location"] == "/ledger"
        cookie = signed.headers["set-cookie"]
        assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        page = client.get("/ledger")
        assert page.status_code == 200 and "signed in as ann" in page.text
        # another site is never where signing in leads
        away = client.post("/login", data={"token": read, "next": "//evil.example/"})
        assert away.headers["location"] == "/inventory"


def test_a_decide_token_in_the_browser_is_refused(auditor: Auditor) -> None:
    page = httpx.get(auditor.base + "/inventory", cookies={COOKIE: auditor.served.decide})
    assert page.status_code == 403 and "this route needs a read token" in page.text
    login = httpx.post(auditor.base + "/login", data={"token": auditor.served.decide})
    assert login.status_code == 403 and COOKIE not in login.headers.get("set-cookie", "")


def test_every_page_loads(auditor: Auditor) -> None:
    read = auditor.served.read
    pid = declined_id(auditor.served)
    for path in [
        "/inventory",
        "/inventory?sort=tier&order=desc",
        "/inventory?as_of=2000-01-01",
        "/models/credit-risk@1",
        f"/models/credit-risk@1?as_of={auditor.reg.status('credit-risk@1').as_of[:10]}",
        "/provenance",
        f"/provenance/{pid}",
        "/ledger",
        "/access-log",
    ]:
        got = auditor.get(path, read)
        assert got.status_code == 200, (path, got.text[:300])
        assert '<nav class="site">' in got.text and "@media print" in got.text
    search = auditor.get(f"/provenance?id={pid}", read, follow_redirects=False)
    assert search.status_code == 303 and search.headers["location"] == f"/provenance/{pid}"
    before = auditor.get("/models/credit-risk@1?as_of=2000-01-01", read)
    assert before.status_code == 404 and "error-page" in before.text
    bad_date = auditor.get("/inventory?as_of=yesterday", read)
    assert bad_date.status_code == 422 and "is not a date" in bad_date.text


def test_a_decision_by_an_unapproved_version_shows_the_warning_first(
    served: Served, tmp_path: Path
) -> None:
    rows = pd.read_csv(served.folder / "data" / "applications.csv").head(1)
    rows["application_id"] = "override-0001"
    file = tmp_path / "one.csv"
    rows.to_csv(file, index=False)
    key = served.key_of("loan-origination")
    scored = CliRunner().invoke(
        cli,
        [
            "--sign-with", str(key), "score", "credit-risk-challenger@1", str(file),
            "--id-col", "application_id", "--override", "shadow test", "--db", served.db,
        ],
    )  # fmt: skip
    assert scored.exit_code == 0, scored.stderr
    with served.open() as reg, running(auditor_app(reg)) as base:
        page = httpx.get(
            base + "/provenance/override-0001", cookies={COOKIE: served.read}, timeout=120
        )
    assert page.status_code == 200
    body = page.text[page.text.index("<body>") :]
    warning = body.index("WARNING: credit-risk-challenger@1 was NOT APPROVED")
    assert warning < body.index("<h2")  # before every section of the record
