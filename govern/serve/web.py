"""The pages of the auditor's web app (docs/auditor.md, "The pages"), rendered on the server.

Every page is the documents' own page (templates/layout.html.j2 and base.css) with
templates/web/web.css and a navigation bar that print hides. A model version's page is the
model card rendered by the card's template, and a decision's page the provenance record by
its template, each with the page's part added before it (``Document`` with another template
and a ``page`` key beside the document's data): what a card or a record says is written once.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from govern import presentation as b
from govern.registry.entities import DeploymentEvent, Finding, SignedApproval
from govern.registry.inventory import InventoryRow
from govern.registry.status import Status
from govern.registry.verification import RecordedVerification
from govern.serve.access import AccessListing

__all__ = [
    "SORT_KEYS",
    "CheckpointRow",
    "LedgerPage",
    "Nav",
    "VersionPage",
    "access_page",
    "b64",
    "card_page",
    "error_page",
    "inventory_page",
    "ledger_page",
    "login_page",
    "provenance_page",
    "search_page",
    "sort_rows",
]


@dataclass(frozen=True)
class Nav:
    """Who is signed in (none on the sign-in page) and the page's own link."""

    here: str
    person: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class VersionPage:
    """What the ledger says of a model version at a moment, shown above its card."""

    ref: str
    status: Status
    as_of_input: str  # the date asked for, YYYY-MM-DD, or "" for now
    approvals: Sequence[SignedApproval]
    findings: Sequence[Finding]
    deployments: Sequence[DeploymentEvent]

    def term(self, entry: int) -> tuple[str, bool | None]:
        """When the sign-off of ``entry`` lapses and whether it is in force, as the status
        counts it (an approval without its own expiry runs for the policy's term)."""
        for s in self.status.signoffs:
            if s.entry == entry:
                return s.expires, s.in_force
        return "", None


def b64(raw: bytes) -> str:
    """A hash as govern prints it for people (``govern verify``, ``govern log``)."""
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class CheckpointRow:
    n: int
    size: int
    root_b64: str
    ts: str


@dataclass(frozen=True)
class LedgerPage:
    origin: str
    size: int
    root: bytes
    verifier_key: str
    checkpoints: Sequence[CheckpointRow]
    verification: RecordedVerification | None

    @property
    def root_b64(self) -> str:
        return b64(self.root)

    @property
    def root_hex(self) -> str:
        return self.root.hex()


def _render(template: str, title: str, nav: Nav, subtitle: str = "", **values: Any) -> str:
    context = {
        "page": _page_of(nav, **values),
        "title": title,
        "subtitle": subtitle,
        "preface": (),
        "sections": (),
        "footer": "Read-only. Every read is recorded in the access log.",
        "shown": _shown,
        "fmt": b.fmt,
        "not_recorded": b.NOT_RECORDED,
    }
    return b.render_template(f"web/{template}.html.j2", context)


def _shown(value: object) -> object:
    return b.shown(value) if isinstance(value, str) else value


def _page_of(nav: Nav, **values: Any) -> dict[str, Any]:
    return {"here": nav.here, "person": nav.person, "token": nav.token, **values}


# ---- the inventory -------------------------------------------------------------------------

#: The inventory's sortable columns.
SORT_KEYS = (
    "model",
    "tier",
    "status",
    "next_review_due",
    "open_findings",
    "monitoring",
    "deployed_in",
    "owner",
)
_TIERS = {"high": 0, "medium": 1, "low": 2}


def _key(row: InventoryRow, sort: str) -> tuple[Any, ...]:
    if sort == "model":
        return (row.name, row.version)
    if sort == "tier":
        return (_TIERS.get(row.tier, len(_TIERS)), row.tier, row.name, row.version)
    if sort == "open_findings":
        return (row.open_findings, row.name, row.version)
    value = getattr(row, sort) or ""
    return (str(value), row.name, row.version)


def sort_rows(rows: Sequence[InventoryRow], sort: str, desc: bool) -> list[InventoryRow]:
    """The rows by ``sort`` (one of SORT_KEYS; the model otherwise), ties by model."""
    chosen = sort if sort in SORT_KEYS else "model"
    return sorted(rows, key=lambda r: _key(r, chosen), reverse=desc)


def inventory_page(
    nav: Nav, rows: Sequence[InventoryRow], *, sort: str, desc: bool, as_of_input: str
) -> str:
    chosen = sort if sort in SORT_KEYS else "model"
    subtitle = f"As of {as_of_input}" if as_of_input else "As the ledger stands now"
    return _render(
        "inventory",
        "Model inventory",
        nav,
        subtitle,
        rows=sort_rows(rows, chosen, desc),
        sort=chosen,
        desc=desc,
        as_of_input=as_of_input,
    )


# ---- documents with a page around them -------------------------------------------------------


def card_page(nav: Nav, card: b.Document, version: VersionPage) -> str:
    """The model card (its own template, card.html.j2) under the version's panel."""
    page = _page_of(nav, version=version)
    return replace(card, template="web/card", data={**card.data, "page": page}).html


def provenance_page(nav: Nav, record: b.Document, prediction_id: str) -> str:
    """The provenance record (its own template, provenance.html.j2: warnings first) under the
    search form, with the receipt to download."""
    page = _page_of(nav, query=prediction_id, quoted=quote(prediction_id, safe=""))
    return replace(record, template="web/provenance", data={**record.data, "page": page}).html


def search_page(nav: Nav, query: str = "", message: str = "") -> str:
    return _render("search_page", "Provenance of a decision", nav, query=query, message=message)


# ---- the ledger, the access log, sign-in, errors ---------------------------------------------


def ledger_page(nav: Nav, state: LedgerPage) -> str:
    return _render(
        "ledger",
        "The ledger",
        nav,
        f"{state.origin}: {state.size} entries",
        **{
            "origin": state.origin,
            "size": state.size,
            "root_b64": state.root_b64,
            "root_hex": state.root_hex,
            "verifier_key": state.verifier_key,
            "checkpoints": state.checkpoints,
            "verification": state.verification,
        },
    )


def access_page(nav: Nav, listing: AccessListing) -> str:
    return _render(
        "access", "Access log", nav, "Every authenticated read, newest first", listing=listing
    )


def login_page(next_url: str, message: str = "") -> str:
    return _render("login", "Sign in", Nav(here="/login"), next=next_url, message=message)


def error_page(nav: Nav, title: str, error: str, hint: str | None, *, search: bool = False) -> str:
    return _render("error", title, nav, error=error, hint=hint, search=search, query="")
