"""Reports: real PDFs whose text holds the sections and reasons; JSON stable to the byte."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from sklearn.pipeline import Pipeline

from govern.documents.render import packaged_template_dir, render_html, write_document
from govern.errors import BadInput, NotFound
from govern.explain import (
    ModelExplainer,
    Report,
    decision_report,
    global_report,
    load_reason_table,
)
from tests.explain.conftest import Data

TABLE = Path(__file__).parent / "germancredit_reasons.toml"
DIGESTS = {"model": "a" * 64, "data": "b" * 64}


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return " ".join(text.split())  # pypdf breaks lines where the layout does


def decision_of(model: Pipeline, german: Data) -> Report:
    explainer = ModelExplainer(model)
    scores = pd.Series(model.decision_function(german.X), index=german.X.index)
    decision = explainer.decision(
        german.X, int(scores.idxmin()), adverse="bad", table=load_reason_table(TABLE)
    )
    return decision_report(decision, title="German credit: decision review", digests=DIGESTS)


@pytest.fixture(scope="module")
def decision(german_boosting: Pipeline, german: Data) -> Report:
    return decision_of(german_boosting, german)


@pytest.fixture(scope="module")
def global_(german_boosting: Pipeline, german: Data) -> Report:
    explanation = ModelExplainer(german_boosting).explain(german.X.iloc[:400])
    return global_report(explanation, title="German credit: global explanation", digests=DIGESTS)


def test_decision_pdf_holds_sections_and_reasons(decision: Report, tmp_path: Path) -> None:
    path = decision.write(tmp_path / "decision.pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    text = pdf_text(path)
    for heading in (
        "Decision",
        "Principal reasons",
        "Waterfall",
        "Contributions",
        "Fidelity check",
        "Method",
        "Provenance",
    ):
        assert heading in text
    reasons = decision.data["reasons"]
    assert 1 <= len(reasons) <= 4
    for reason in reasons:
        assert reason["statement"] in text
    assert "12 CFR 1002.9(b)(2)" in text
    assert "german-credit version 2026.1" in text
    assert "Passed" in text


def test_global_pdf_holds_sections_and_digests(global_: Report, tmp_path: Path) -> None:
    path = global_.write(tmp_path / "global.pdf")
    text = pdf_text(path)
    for heading in (
        "Model and method",
        "Global importance",
        "Distribution of contributions",
        "Dependence on the top features",
        "Fidelity check",
        "Provenance",
    ):
        assert heading in text
    assert "a" * 64 in text.replace(" ", "")
    assert "not recorded" in text  # the background digest was not given
    assert "tree_path_dependent" in text
    top = global_.data["importance"][0]["feature"]
    assert top in text


def test_html_embeds_png_figures(global_: Report, decision: Report, tmp_path: Path) -> None:
    html = global_.write(tmp_path / "global.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 2 + len(global_.data["dependence"])
    assert "<script" not in html
    assert decision.html.count('src="data:image/png;base64,') == 1


def test_json_is_byte_identical_across_runs(
    german_boosting: Pipeline, german: Data, tmp_path: Path
) -> None:
    first = decision_of(german_boosting, german).write(tmp_path / "first.json").read_bytes()
    second = decision_of(german_boosting, german).write(tmp_path / "second.json").read_bytes()
    assert first == second
    data = json.loads(first)
    assert json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False).encode() + b"\n" == first
    assert data["kind"] == "govern.explain.decision"
    assert data["reason_table"]["version"] == "2026.1"
    assert data["fidelity"]["passed"] is True
    assert data["digests"]["background"] is None


def test_global_json_is_stable(german_boosting: Pipeline, german: Data) -> None:
    runs = [
        global_report(
            ModelExplainer(german_boosting).explain(german.X.iloc[:100]), title="t"
        ).json()
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert json.loads(runs[0])["explanation"]["output_space"] == "log-odds"


def test_unknown_output_suffix(decision: Report, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"use a \.html or \.pdf"):
        decision.write(tmp_path / "decision.docx")


def test_render_prefers_the_override_directory(tmp_path: Path) -> None:
    (tmp_path / "base.css").write_text("body { color: red }", encoding="utf-8")
    (tmp_path / "note.html.j2").write_text(
        "<style>{% include 'base.css' %}</style><p>{{ text }}</p>", encoding="utf-8"
    )
    html = render_html("note.html.j2", {"text": "<b>&"}, tmp_path)
    assert "body { color: red }" in html
    assert "<p>&lt;b&gt;&amp;</p>" in html  # autoescaped
    assert (packaged_template_dir() / "explain_global.html.j2").is_file()


def test_report_takes_the_bank_stylesheet(decision: Report, tmp_path: Path) -> None:
    (tmp_path / "base.css").write_text("h1 { color: #123456 }", encoding="utf-8")
    restyled = dataclasses.replace(decision, template_dir=tmp_path).html
    assert "#123456" in restyled and "Principal reasons" in restyled
    assert "#123456" not in decision.html


def test_render_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="was not found"):
        render_html("absent.html.j2", {})
    with pytest.raises(NotFound, match="does not exist"):
        render_html("x.html.j2", {}, tmp_path / "absent")
    (tmp_path / "needs.html.j2").write_text("{{ missing.value }}", encoding="utf-8")
    with pytest.raises(BadInput, match="needs a value"):
        render_html("needs.html.j2", {}, tmp_path)


def test_write_document_by_suffix(tmp_path: Path) -> None:
    write_document("<h1>Hello</h1>", tmp_path / "doc.html")
    assert (tmp_path / "doc.html").read_text(encoding="utf-8") == "<h1>Hello</h1>"
    write_document("<h1>Hello PDF</h1>", tmp_path / "doc.pdf")
    assert "Hello PDF" in pdf_text(tmp_path / "doc.pdf")
