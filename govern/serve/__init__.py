"""Serving over HTTP: decisions for the bank's services, read-only pages for its auditors
(docs/serving.md, docs/auditor.md). Needs the ``serve`` extra (FastAPI and uvicorn)."""

from govern.serve.auditor import auditor_app
from govern.serve.decisions import decisions_app

__all__ = ["auditor_app", "decisions_app"]
