"""The auditor's service, ``govern serve auditor`` (docs/auditor.md): read-only routes for
provenance, receipts, cards and the access log, and the auditor's web app on the same server.

It runs in its own process, apart from the decision service, because rendering a PDF takes
seconds of CPU. Every route needs a ``read`` token, from the ``Authorization`` header or, for
the browser, the ``govern_token`` cookie set by the sign-in form; every authenticated read is
appended to the access log (``govern.serve.access``). JSON routes answer a missing token with
401; pages send the browser to ``/login``.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from govern import presentation as b
from govern.documents.card import build_card
from govern.errors import BadInput, GovernError, PolicyViolation, TokenRefused
from govern.ledger.entry import now_ts
from govern.provenance import Lookup, Provenance, receipt
from govern.provenance import report as provenance_report
from govern.registry import approvals, findings, models, verification
from govern.registry.core import Registry
from govern.registry.dates import parse_date
from govern.registry.status import deployment_history
from govern.registry.tokens import Caller, Tokens
from govern.serve import web
from govern.serve._http import install_errors, status_of
from govern.serve.access import AccessLog

__all__ = ["COOKIE", "SCOPE", "auditor_app"]

#: The cookie the sign-in form sets (HttpOnly, SameSite=Strict).
COOKIE = "govern_token"
SCOPE = "read"
FORMATS = ("json", "html", "pdf")
_CARDS_KEPT = 8
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class _Auditor:
    """What the routes share: the registry (read under one lock: its caches are not made for
    threads), the tokens, the access log, and the cards built at a ledger size."""

    def __init__(self, reg: Registry, tokens: Tokens) -> None:
        self.reg = reg
        self.tokens = tokens
        self.access = AccessLog(reg.ledger.engine)
        self.lock = threading.RLock()
        self.lookup = Lookup(reg)
        self._cards: OrderedDict[tuple[str, int], b.Document] = OrderedDict()

    def caller(self, request: Request) -> Caller:
        """The read token's caller, from the header or else the cookie; remembered on the
        request for the access log."""
        header = request.headers.get("authorization")
        if not header and request.cookies.get(COOKIE):
            header = f"Bearer {request.cookies[COOKIE]}"
        caller = self.tokens.authenticate(header, SCOPE)
        request.state.caller = caller
        return caller

    def provenance(self, prediction_id: str) -> Provenance:
        with self.lock:
            return self.lookup(prediction_id)

    def card(self, ref: str) -> b.Document:
        """The card of ``ref`` as the ledger stands; the same one until the ledger grows."""
        with self.lock:
            ref = models.resolve(self.reg, ref).ref
            key = (ref, self.reg.ledger.size)
            if key not in self._cards:
                self._cards[key] = build_card(self.reg, ref)
                if len(self._cards) > _CARDS_KEPT:
                    self._cards.popitem(last=False)
            return self._cards[key]


def _pdf(document: b.Document) -> bytes:
    with tempfile.TemporaryDirectory(prefix="govern-auditor-") as tmp:
        path = Path(tmp) / "document.pdf"
        document.write(path, "pdf")
        return path.read_bytes()


def _chosen_format(request: Request, fmt: str | None) -> str:
    """``?format=`` if given, else what ``Accept`` asks for first among PDF, HTML and JSON."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise BadInput(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
        return fmt
    accept = request.headers.get("accept", "")
    if "application/pdf" in accept:
        return "pdf"
    if "text/html" in accept:
        return "html"
    return "json"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{_UNSAFE_NAME.sub("_", name)}"'}


def _document_response(document: b.Document, fmt: str, name: str) -> Response:
    if fmt == "pdf":
        return Response(_pdf(document), media_type="application/pdf", headers=_attachment(name))
    if fmt == "html":
        return HTMLResponse(document.html)
    return Response(document.json(), media_type="application/json")


def _safe_next(value: str | None) -> str:
    """A local path to go back to after signing in (never another site)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/inventory"


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def auditor_app(reg: Registry, tokens: Tokens | None = None) -> FastAPI:
    """The auditor's service over ``reg`` (opened by the caller, writable: the access log is
    appended to its database)."""
    aud = _Auditor(reg, tokens or Tokens(reg))
    app = FastAPI(
        title="govern auditor",
        summary="Read-only: provenance, receipts, cards, the access log, and the web app",
        docs_url=None,
        redoc_url=None,
    )
    install_errors(app)
    reader = Depends(aud.caller)

    @app.middleware("http")
    async def _log_reads(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        caller: Caller | None = getattr(request.state, "caller", None)
        if caller is not None:
            await run_in_threadpool(
                aud.access.append,
                ts=now_ts(),
                token=caller.token,
                person=caller.person,
                method=request.method,
                path=_here(request),
                status=response.status_code,
            )
        return response

    # ---- the routes for programs ----------------------------------------------------------

    @app.get("/v1/provenance/{prediction_id}", response_model=None)
    def provenance_route(
        request: Request,
        prediction_id: str,
        fmt: str | None = Query(None, alias="format"),
        _caller: Caller = reader,
    ) -> Response:
        """The provenance of one decision: JSON, HTML or PDF by ``Accept`` or ``?format=``."""
        chosen = _chosen_format(request, fmt)
        prov = aud.provenance(prediction_id)
        if chosen == "json":
            return Response(provenance_report.to_json(prov), media_type="application/json")
        document = provenance_report.document(prov)
        return _document_response(document, chosen, f"provenance-{prediction_id}.pdf")

    @app.get("/v1/provenance/{prediction_id}/receipt", response_model=None)
    def receipt_route(prediction_id: str, _caller: Caller = reader) -> Response:
        """The receipt of one decision (a C2SP tlog-proof; docs/receipts.md)."""
        with aud.lock:
            text = receipt(aud.reg, prediction_id)
        return PlainTextResponse(text, headers=_attachment(f"receipt-{prediction_id}.tlog-proof"))

    @app.get("/v1/cards/{ref}", response_model=None)
    def card_route(
        request: Request,
        ref: str,
        fmt: str | None = Query(None, alias="format"),
        _caller: Caller = reader,
    ) -> Response:
        """A model version's card as the ledger stands: JSON, HTML or PDF."""
        chosen = _chosen_format(request, fmt)
        card = aud.card(ref)
        return _document_response(card, chosen, f"card-{ref}.pdf")

    @app.get("/v1/access-log")
    def access_log_route(
        limit: int | None = Query(None, ge=1), _caller: Caller = reader
    ) -> JSONResponse:
        """The access log, newest first, with whether its chain holds."""
        return JSONResponse(aud.access.listing(limit).to_json())

    # ---- the web app ------------------------------------------------------------------------

    def page(request: Request, build: Callable[[web.Nav], str | Response]) -> Response:
        """A page for the signed-in reader: to /login without a live token, an error page
        (never a traceback) for a refusal or a govern error."""
        here = _here(request)
        try:
            caller = aud.caller(request)
        except TokenRefused:
            target = "/login?" + urlencode({"next": here})
            response = RedirectResponse(target, status_code=303)
            if request.cookies.get(COOKIE):
                response.delete_cookie(COOKIE, path="/")
            return response
        except PolicyViolation as err:
            nav = web.Nav(here=request.url.path)
            html = web.error_page(nav, "Refused", err.message, err.hint)
            return HTMLResponse(html, status_code=403)
        nav = web.Nav(here=request.url.path, person=caller.person, token=caller.token)
        try:
            built = build(nav)
        except GovernError as err:
            html = web.error_page(
                nav,
                "Not found" if status_of(err) == 404 else "Not shown",
                err.message,
                err.hint,
                search=request.url.path.startswith("/provenance"),
            )
            return HTMLResponse(html, status_code=status_of(err))
        return HTMLResponse(built) if isinstance(built, str) else built

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/inventory", status_code=303)

    @app.get("/login", include_in_schema=False)
    def login_form(next_url: str | None = Query(None, alias="next")) -> HTMLResponse:
        return HTMLResponse(web.login_page(_safe_next(next_url)))

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (form.get("token") or [""])[0].strip()
        target = _safe_next((form.get("next") or [""])[0])
        try:
            await run_in_threadpool(aud.tokens.authenticate, f"Bearer {token}", SCOPE)
        except PolicyViolation as err:
            html = web.login_page(target, err.message)
            return HTMLResponse(html, status_code=status_of(err))
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @app.get("/logout", include_in_schema=False)
    def logout() -> RedirectResponse:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/inventory", include_in_schema=False)
    def inventory_page(
        request: Request,
        sort: str = "model",
        order: str = "asc",
        as_of: str | None = None,
    ) -> Response:
        def build(nav: web.Nav) -> str:
            at = parse_date(as_of) if as_of else None
            with aud.lock:
                rows = aud.reg.inventory(at)
            return web.inventory_page(
                nav, rows, sort=sort, desc=order == "desc", as_of_input=as_of or ""
            )

        return page(request, build)

    @app.get("/models/{ref}", include_in_schema=False)
    def version_page(request: Request, ref: str, as_of: str | None = None) -> Response:
        def build(nav: web.Nav) -> str:
            at = parse_date(as_of) if as_of else None
            with aud.lock:
                mv = models.resolve(aud.reg, ref)
                version = web.VersionPage(
                    ref=mv.ref,
                    status=aud.reg.status(mv.ref, at),
                    as_of_input=as_of or "",
                    approvals=[
                        a
                        for a in approvals.signed(aud.reg, mv.ref)
                        if at is None or a.signed_at <= at
                    ],
                    findings=[
                        f
                        for f in findings.all_findings(aud.reg, mv.ref)
                        if at is None or f.raised_at <= at
                    ],
                    deployments=[
                        d for d in deployment_history(aud.reg, mv.ref) if at is None or d.ts <= at
                    ],
                )
            return web.card_page(nav, aud.card(mv.ref), version)

        return page(request, build)

    @app.get("/provenance", include_in_schema=False)
    def search(request: Request, prediction_id: str | None = Query(None, alias="id")) -> Response:
        def build(nav: web.Nav) -> str | Response:
            wanted = (prediction_id or "").strip()
            if wanted:
                return RedirectResponse(f"/provenance/{quote(wanted, safe='')}", status_code=303)
            return web.search_page(nav)

        return page(request, build)

    @app.get("/provenance/{prediction_id:path}", include_in_schema=False)
    def provenance_page(request: Request, prediction_id: str) -> Response:
        def build(nav: web.Nav) -> str:
            prov = aud.provenance(prediction_id)
            return web.provenance_page(nav, provenance_report.document(prov), prediction_id)

        return page(request, build)

    @app.get("/ledger", include_in_schema=False)
    def ledger_page(request: Request) -> Response:
        def build(nav: web.Nav) -> str:
            with aud.lock:
                ledger = aud.reg.ledger
                head = ledger.head()
                kept = ledger.checkpoints()[-5:][::-1]
                state = web.LedgerPage(
                    origin=head.origin,
                    size=head.size,
                    root=head.root,
                    verifier_key=str(ledger.log_created()["verifier_key"]),
                    checkpoints=[
                        web.CheckpointRow(n, size, web.b64(root), ts)
                        for n, size, root, ts, _note in kept
                    ],
                    verification=verification.latest(aud.reg),
                )
            return web.ledger_page(nav, state)

        return page(request, build)

    @app.get("/access-log", include_in_schema=False)
    def access_page(request: Request, limit: int = 200) -> Response:
        def build(nav: web.Nav) -> str:
            return web.access_page(nav, aud.access.listing(max(1, limit)))

        return page(request, build)

    return app
