"""The provenance of a decision is one document: its text, HTML, Markdown and PDF show the same
sections in the same order, the warnings first; its JSON is the record, unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from govern.demo import SERVICE
from govern.presentation import fmt, shown
from govern.provenance import provenance
from govern.provenance.report import document, render_html, render_text, to_json, write
from govern.provenance.scorer import Scorer
from govern.registry import deployments
from tests.provenance.conftest import Demo
from tests.provenance.test_lookup import pdf_text

SECTIONS = (
    "Decision",
    "Model",
    "Code and environment",
    "Data",
    "Output",
    "Explanation",
    "Re-scoring",
    "Retention",
    "Integrity",
)


def in_order(text: str, needles: tuple[str, ...]) -> bool:
    at = [text.find(n) for n in needles]
    return -1 not in at and at == sorted(at)


def test_one_structure_for_text_html_markdown_and_pdf(demo: Demo, tmp_path: Path) -> None:
    reg = demo.reg
    demo.act("otto")
    deployments.retire(reg, "credit-risk@1", reason="replaced")
    demo.act(SERVICE)
    Scorer(reg, "credit-risk@1", override="back-test").decide(
        demo.holdout.iloc[:2], ids=["o1", "o2"]
    )
    p = provenance(reg, "o1", key=demo.key)
    assert "RETIRED" in p.warnings[0]  # scored by a retired version: a loud warning
    doc = document(p)
    assert [s["title"] for s in doc.sections] == list(SECTIONS)
    text, html, md = render_text(p), render_html(p), doc.markdown
    pdf = pdf_text(write(p, tmp_path / "o1.pdf", "pdf"))
    assert html == doc.html and text == doc.plain
    warning = f"WARNING: {p.warnings[0]}"
    for shown_as, headings in (
        (text, tuple(f"\n{s}\n{'=' * len(s)}\n" for s in SECTIONS)),
        (html, tuple(f"<h2>{s}</h2>" for s in SECTIONS)),
        (md, tuple(f"\n## {s}\n" for s in SECTIONS)),
        (pdf, tuple(f"{s} Answers:" for s in SECTIONS)),
    ):
        assert in_order(shown_as, (warning[:60], *headings)), shown_as[:400]
    # the same numbers and timestamps, printed one way
    e = p.explanation
    base = fmt(e.base_value)
    assert base is not None and all(base in x for x in (text, html, md, pdf))
    first = e.contributions[0]
    signed = fmt(first.contribution, sign=True)
    assert signed is not None and all(signed in x for x in (text, html, md))
    when = shown(p.decision.time)
    assert when.endswith(" UTC") and all(when in x for x in (text, html, md, pdf))
    assert p.decision.time not in text + html + md  # the ledger's microseconds stay in the JSON


def test_json_is_the_record(demo: Demo, tmp_path: Path) -> None:
    reg = demo.reg
    reg.scorer("credit-risk@1").decide(demo.holdout.iloc[:1], ids=["j1"])
    p = provenance(reg, "j1", key=demo.key)
    expected = json.dumps(p.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert to_json(p) == expected
    assert write(p, tmp_path / "j1.json", "json").read_text(encoding="utf-8") == expected
    assert json.loads(expected)["decision"]["time"] == p.decision.time  # full timestamp


def test_the_template_directory_styles_html_and_pdf(demo: Demo, tmp_path: Path) -> None:
    reg = demo.reg
    reg.scorer("credit-risk@1").decide(demo.holdout.iloc[:1], ids=["t1"])
    p = provenance(reg, "t1", explain=False)
    house = tmp_path / "house"
    house.mkdir()
    (house / "base.css").write_text("h1 { color: #0a3d62 }\n", encoding="utf-8")
    assert "#0a3d62" in render_html(p, house) and "#0a3d62" not in render_html(p)
    written = write(p, tmp_path / "t1.html", "html", template_dir=house)
    assert "#0a3d62" in written.read_text(encoding="utf-8")
