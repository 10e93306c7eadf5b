"""Names that moved keep working for one release, each with a DeprecationWarning naming its new
place (docs/python-api.md, "Moved names")."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MOVED = [
    ("govern.explain", "Report", "govern.presentation", "Document"),
    ("govern.explain", "global_report", "govern.documents.explanation", "global_report"),
    ("govern.explain", "decision_report", "govern.documents.explanation", "decision_report"),
    ("govern.explain.report", "Report", "govern.presentation", "Document"),
    ("govern.explain.report", "global_report", "govern.documents.explanation", "global_report"),
    ("govern.explain.report", "decision_report", "govern.documents.explanation", "decision_report"),
    ("govern.explain.report", "REQUIREMENTS", "govern.documents.explanation", "REQUIREMENTS"),
    ("govern.explain.report", "fmt", "govern.presentation", "fmt"),
    ("govern.explain.report", "NOT_RECORDED", "govern.presentation", "NOT_RECORDED"),
    (
        "govern.explain.registered",
        "explain_global",
        "govern.documents.explanation",
        "explain_global",
    ),
    ("govern.explain.registered", "explain_row", "govern.documents.explanation", "explain_row"),
    ("govern.documents.render", "render_html", "govern.presentation", "render_template"),
    ("govern.documents.render", "html_to_pdf", "govern.presentation", "html_to_pdf"),
    (
        "govern.documents.render",
        "packaged_template_dir",
        "govern.presentation",
        "packaged_template_dir",
    ),
    ("govern.documents.render", "check_template_dir", "govern.presentation", "check_template_dir"),
    ("govern.documents.render", "write_document", "govern.presentation.pdf", "write_document"),
    ("govern.documents.blocks", "Document", "govern.presentation", "Document"),
    ("govern.documents.blocks", "fields", "govern.presentation", "fields"),
    ("govern.documents.blocks", "fmt", "govern.presentation", "fmt"),
    ("govern.documents.blocks", "NOT_RECORDED", "govern.presentation", "NOT_RECORDED"),
    ("govern.documents.blocks", "format_of", "govern.presentation", "format_of"),
    ("govern.provenance", "render_text", "govern.provenance.report", "render_text"),
    ("govern.provenance", "render_html", "govern.provenance.report", "render_html"),
    ("govern.provenance", "to_json", "govern.provenance.report", "to_json"),
    ("govern.provenance", "write", "govern.provenance.report", "write"),
]


@pytest.mark.parametrize(("old", "name", "new", "new_name"), MOVED)
def test_an_old_name_warns_and_gives_the_new_object(
    old: str, name: str, new: str, new_name: str
) -> None:
    module = importlib.import_module(old)
    with pytest.warns(
        DeprecationWarning, match=re.escape(f"{old}.{name} has moved to {new}.{new_name}")
    ):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), new_name)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        importlib.import_module("govern.explain").nope  # noqa: B018
    with pytest.raises(ImportError):
        exec("from govern.documents.render import nope", {})


def test_the_docs_list_every_moved_name() -> None:
    doc = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    section = doc.split("## Moved names", 1)[1]
    for old, name, new, new_name in MOVED:
        assert f"| `{old}.{name}` | `{new}.{new_name}` |" in section, (old, name)
