"""Template look-up: the bank's override directory first, then govern's; errors say which."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.errors import BadInput, NotFound
from govern.presentation import (
    Document,
    check_template_dir,
    packaged_template_dir,
    render_template,
)


def test_render_prefers_the_override_directory(tmp_path: Path) -> None:
    (tmp_path / "base.css").write_text("body { color: red }", encoding="utf-8")
    (tmp_path / "note.html.j2").write_text(
        "<style>{% include 'base.css' %}</style><p>{{ text }}</p>", encoding="utf-8"
    )
    html = render_template("note.html.j2", {"text": "<b>&"}, tmp_path)
    assert "body { color: red }" in html
    assert "<p>&lt;b&gt;&amp;</p>" in html  # autoescaped
    assert "body { color: red }" not in Document("layout", {"title": "t"}).html


def test_markdown_templates_are_not_html_escaped(tmp_path: Path) -> None:
    (tmp_path / "note.md.j2").write_text("{{ text }}", encoding="utf-8")
    assert render_template("note.md.j2", {"text": "a & b"}, tmp_path) == "a & b"


def test_the_packaged_templates(tmp_path: Path) -> None:
    names = {p.name for p in packaged_template_dir().iterdir()}
    for name in ("layout.html.j2", "layout.md.j2", "document_blocks.html.j2", "base.css"):
        assert name in names
    for doc in ("card", "validation", "explanation"):
        assert {f"{doc}.html.j2", f"{doc}.md.j2"} <= names
    assert not any(n.startswith("explain_") for n in names)  # merged into the shared ones


def test_render_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="was not found"):
        render_template("absent.html.j2", {})
    with pytest.raises(NotFound, match="does not exist"):
        render_template("x.html.j2", {}, tmp_path / "absent")
    with pytest.raises(NotFound, match="does not exist"):
        check_template_dir(tmp_path / "absent")
    (tmp_path / "needs.html.j2").write_text("{{ missing.value }}", encoding="utf-8")
    with pytest.raises(BadInput, match="needs a value"):
        render_template("needs.html.j2", {}, tmp_path)
    (tmp_path / "broken.html.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(BadInput, match="syntax error on line 1"):
        render_template("broken.html.j2", {}, tmp_path)
