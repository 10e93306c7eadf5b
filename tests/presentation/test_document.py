"""A Document: the same sections as JSON, HTML, Markdown and PDF (plain text: test_plain.py)."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
from pypdf import PdfReader

import govern.presentation as presentation
from govern.errors import BadInput
from govern.presentation import (
    Document,
    alert,
    answers,
    check_format,
    code,
    fields,
    figure,
    format_of,
    items,
    missing,
    note,
    section,
    table,
    text,
)

TS = "2026-12-02T05:36:10.123456Z"


def sample(template_dir: Path | None = None) -> Document:
    sections = [
        section(
            None,
            "decision",
            "Decision",
            answers("Reg B 12 CFR 1002.9"),
            [
                fields([("Id", "A-1", None), ("Time", TS, None), ("Subject key", None, None)]),
                note(f"Logged at {TS}."),
                table(
                    ["Role", "Signer"],
                    [["validator", "vera"], ["approver", None]],
                    title="Sign-offs",
                ),
            ],
        ),
        section(
            2,
            "reasons",
            "Principal reasons",
            [],
            [
                items(
                    [("Checking account is overdrawn", "code C01"), ("Short history", None)],
                    title="Reasons",
                    ordered=True,
                ),
                items([], title="Open findings"),
                text("Reviewed <b>by</b> the *owner*.", "narrative, entry 9", "Owner's view"),
                code("line one\nline two", "Proof"),
                figure("waterfall", "Waterfall of contributions", None, title="Waterfall"),
                missing("the explanation", "--no-explain"),
            ],
        ),
    ]
    return Document(
        "layout",
        {"kind": "sample", "n": 1},
        template_dir,
        lambda: {"waterfall": "data:image/png;base64,AAAA"},
        title="Provenance of decision A-1",
        subtitle=f"generated {TS}",
        preface=[alert(["WARNING: not approved"]), alert(["input tampered"], "CHECKS FAILED")],
        sections=sections,
        footer="Every value comes from the ledger.",
    )


def test_html_from_the_shared_layout_and_blocks() -> None:
    html = sample().html
    assert html.index("WARNING: not approved") < html.index("<h2>Decision</h2>")
    assert '<div class="loud">\n<p>CHECKS FAILED</p>' in html
    assert "<h2>2. Principal reasons</h2>" in html
    assert '<p class="requirement">Answers: Reg B 12 CFR 1002.9</p>' in html
    assert "<td>2026-12-02 05:36:10 UTC</td>" in html and TS not in html
    assert '<td class="not-recorded">not recorded</td>' in html
    assert '<td class="src">' not in html  # no source column when no row has a source
    assert '<ol class="items">' in html and '<span class="statement">Checking account' in html
    assert "<p>None.</p>" in html  # the empty list
    assert "Reviewed &lt;b&gt;by&lt;/b&gt; the <em>owner</em>." in html
    assert "<h3>Waterfall</h3><figure>" in html
    assert '<img src="data:image/png;base64,AAAA" alt="Waterfall of contributions">' in html
    assert "<footer>Every value comes from the ledger.</footer>" in html


def test_markdown_from_the_shared_layout_and_blocks() -> None:
    md = sample().markdown
    assert md.startswith("# Provenance of decision A-1\n\ngenerated 2026-12-02 05:36:10 UTC\n")
    assert md.index("> **WARNING: not approved**") < md.index("## Decision")
    assert "> **CHECKS FAILED**" in md and "> **input tampered**" in md
    assert "| Time | 2026-12-02 05:36:10 UTC |  |" in md
    assert "1. **Checking account is overdrawn** (code C01)" in md and "2. Short history" in md
    assert "Reviewed &lt;b>by&lt;/b> the *owner*." in md  # raw HTML escaped
    assert "*Figure: Waterfall of contributions* (in the HTML and PDF documents)." in md
    assert "*Not recorded:* the explanation (--no-explain)." in md
    assert md.rstrip().endswith("Every value comes from the ledger.")


def test_json_is_the_data_alone_and_canonical() -> None:
    doc = sample()
    assert doc.json() == '{\n  "kind": "sample",\n  "n": 1\n}\n'
    with pytest.raises(ValueError):
        Document("layout", {"x": float("nan")}).json()


def test_title_and_sections_default_to_the_data() -> None:
    s = section(1, "k", "Only", [], [note("hello")])
    doc = Document("layout", {"title": "From the data", "sections": [s]})
    assert doc.title == "From the data" and list(doc.sections) == [s]
    assert "1. Only" in doc.plain and "<h2>1. Only</h2>" in doc.html


def test_write_by_suffix(tmp_path: Path) -> None:
    doc = sample()
    assert json.loads(doc.write(tmp_path / "d.json").read_text()) == {"kind": "sample", "n": 1}
    assert doc.write(tmp_path / "d.md").read_text() == doc.markdown
    assert doc.write(tmp_path / "d.htm").read_text() == doc.html
    assert doc.write(str(tmp_path / "d.txt"), "md").read_text() == doc.markdown
    pdf = " ".join(p.extract_text() for p in PdfReader(doc.write(tmp_path / "d.pdf")).pages)
    assert "WARNING: not approved" in pdf and "Checking account is overdrawn" in pdf
    with pytest.raises(BadInput, match=r"cannot tell the format of 'd\.docx'"):
        doc.write(tmp_path / "d.docx")
    with pytest.raises(BadInput, match="a PDF is written to a file"):
        doc.text("pdf")


def test_formats() -> None:
    assert format_of(Path("x.HTML")) == "html" and format_of(Path("x.markdown")) == "md"
    assert check_format("json") == "json"
    with pytest.raises(BadInput, match="not one of html, pdf, md, json"):
        check_format("docx")


def test_the_public_names_are_all_and_only_all() -> None:
    defined = {
        name
        for name, value in vars(presentation).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert defined == set(presentation.__all__)
