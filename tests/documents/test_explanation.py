"""Explanation reports are documents: real PDFs whose text holds the sections and reasons, the
shared templates and formatter, JSON stable to the byte, and what `govern explain` records."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import Pipeline

from govern.demo import german_credit_path
from govern.documents.explanation import decision_report, explain_row, global_report
from govern.errors import BadInput
from govern.explain import ModelExplainer, load_reason_table
from govern.explain.registered import BACKGROUND_ROWS, prepare
from govern.presentation import Document, fmt
from govern.registry import catalog, models
from tests.documents.conftest import Demo
from tests.explain.conftest import TARGET, Data, one_hot_pipeline

TABLE = Path(__file__).parents[1] / "explain" / "germancredit_reasons.toml"
DIGESTS = {"model": "a" * 64, "data": "b" * 64}


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return " ".join(text.split())  # pypdf breaks lines where the layout does


@pytest.fixture(scope="module")
def credit() -> Data:
    frame = pd.read_csv(german_credit_path())
    return Data(frame.drop(columns=[TARGET]), frame[TARGET])


@pytest.fixture(scope="module")
def boosting(credit: Data) -> Pipeline:
    model = GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=0)
    return one_hot_pipeline(credit.X, model).fit(credit.X, credit.y)


def decision_of(model: Pipeline, credit: Data) -> Document:
    explainer = ModelExplainer(model)
    scores = pd.Series(model.decision_function(credit.X), index=credit.X.index)
    decision = explainer.decision(
        credit.X, int(scores.idxmin()), adverse="bad", table=load_reason_table(TABLE)
    )
    return decision_report(decision, title="German credit: decision review", digests=DIGESTS)


@pytest.fixture(scope="module")
def decision(boosting: Pipeline, credit: Data) -> Document:
    return decision_of(boosting, credit)


@pytest.fixture(scope="module")
def global_(boosting: Pipeline, credit: Data) -> Document:
    explanation = ModelExplainer(boosting).explain(credit.X.iloc[:400])
    return global_report(explanation, title="German credit: global explanation", digests=DIGESTS)


def test_decision_pdf_holds_sections_and_reasons(decision: Document, tmp_path: Path) -> None:
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
    # the decision is stated first, before its reasons
    stated = "bad, an adverse outcome (the favourable outcome is good)"
    assert decision.data["decision"]["statement"] == stated
    assert (
        text.index(stated) < text.index("Principal reasons") < text.index(reasons[0]["statement"])
    )


def test_an_approved_applicant_gets_main_factors_not_reasons(
    boosting: Pipeline, credit: Data, tmp_path: Path
) -> None:
    scores = pd.Series(boosting.decision_function(credit.X), index=credit.X.index)
    best = int(scores.idxmax())  # the most strongly approved applicant
    decision = ModelExplainer(boosting).decision(
        credit.X, best, adverse="bad", table=load_reason_table(TABLE)
    )
    assert decision.outcome == "good" and decision.is_favourable
    assert decision.reasons == () and 1 <= len(decision.factors) <= 4
    contributions = decision.contributions
    assert all(contributions[f.features[0]] > 0 for f in decision.factors if len(f.features) == 1)
    assert all(f.direction == "favourable" for f in decision.factors)
    report = decision_report(decision, title="approved", digests=DIGESTS)
    assert report.data["reasons"] == [] and report.data["decision"]["favourable_decision"]
    text = pdf_text(report.write(tmp_path / "approved.pdf"))
    assert "Principal reasons" not in text
    assert text.index("good, the favourable outcome: there are no adverse-action reasons") < (
        text.index("Main factors (not reasons for denial)")
    )
    assert decision.factors[0].statement in text


def test_global_pdf_holds_sections_and_digests(global_: Document, tmp_path: Path) -> None:
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


def test_html_embeds_png_figures(global_: Document, decision: Document, tmp_path: Path) -> None:
    html = global_.write(tmp_path / "global.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 2 + len(global_.data["dependence"])
    assert "<script" not in html
    assert decision.html.count('src="data:image/png;base64,') == 1
    for feature in global_.data["dependence"]:  # each dependence plot under its feature
        assert f"<h3>{feature}</h3><figure>" in html


def test_the_card_layout_blocks_and_numbers(decision: Document, global_: Document) -> None:
    """The same page, blocks and number format as the model card."""
    for doc in (decision, global_):
        assert '<section id="s-fidelity">' in doc.html and '<p class="requirement">' in doc.html
        assert "<footer>Generated by govern" in doc.html
    d = decision.data["decision"]
    assert f"<td>{fmt(d['base_value'])}</td>" in decision.html
    first = decision.data["contributions"][0]
    signed = fmt(first["contribution"], sign=True)
    assert signed is not None and signed[0] in "+-" and len(signed.split(".")[1]) == 4
    assert f"<td>{first['feature']}</td><td>{first['value']}</td><td>{signed}</td>" in decision.html
    assert '<ol class="items">' in decision.html
    rank = global_.data["importance"][0]
    assert f"<td>{fmt(rank['mean_abs_contribution'])}</td>" in global_.html
    # and the same sections as plain text and Markdown
    assert "Principal reasons\n=================" in decision.plain
    assert "## Principal reasons" in decision.markdown
    assert decision.data["reasons"][0]["statement"] in decision.markdown


def test_json_is_byte_identical_across_runs(
    boosting: Pipeline, credit: Data, tmp_path: Path
) -> None:
    first = decision_of(boosting, credit).write(tmp_path / "first.json").read_bytes()
    second = decision_of(boosting, credit).write(tmp_path / "second.json").read_bytes()
    assert first == second
    data = json.loads(first)
    assert json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False).encode() + b"\n" == first
    assert data["kind"] == "govern.explain.decision"
    assert data["reason_table"]["version"] == "2026.1"
    assert data["fidelity"]["passed"] is True
    assert data["digests"]["background"] is None
    assert "sections" not in data  # the JSON is the explanation's data, not its layout


def test_global_json_is_stable(boosting: Pipeline, credit: Data) -> None:
    runs = [
        global_report(ModelExplainer(boosting).explain(credit.X.iloc[:100]), title="t").json()
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert json.loads(runs[0])["explanation"]["output_space"] == "log-odds"


def test_unknown_output_suffix(decision: Document, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"cannot tell the format of 'decision\.docx'"):
        decision.write(tmp_path / "decision.docx")
    assert not (tmp_path / "decision.docx").exists()


def test_report_takes_the_bank_stylesheet(decision: Document, tmp_path: Path) -> None:
    (tmp_path / "base.css").write_text("h1 { color: #123456 }", encoding="utf-8")
    restyled = dataclasses.replace(decision, template_dir=tmp_path).html
    assert "#123456" in restyled and "Principal reasons" in restyled
    assert "#123456" not in decision.html


def test_the_recorded_entry(demo: Demo, tmp_path: Path) -> None:
    """explanation.generated: the report's digest and how it was made, as before the move."""
    out = tmp_path / "decision-7.json"
    with demo.open() as reg:
        decision, report, entry = explain_row(
            reg, "credit-risk@1", "german-holdout@1", "7", output=out
        )
        assert entry is not None
        prep = prepare(reg, "credit-risk@1")
        holdout = catalog.resolve(reg, "german-holdout@1")
        leaf = models.resolve(reg, "credit-risk@1").leaf
    assert prep.background is not None
    assert entry.kind == "explanation.generated" and entry.actor == "dan"
    payload = dict(entry.payload)
    signature = payload.pop("signature")  # dan's, over the rest: checked by verify
    assert signature.startswith("-----BEGIN SSH SIGNATURE-----")
    assert payload == {
        "subject": "explanation:credit-risk@1",
        "model": "credit-risk@1",
        "model_entry": leaf,
        "kind": "decision",
        "data": {"ref": "german-holdout@1", "sha256": holdout.sha256, "rows": 300, "file": None},
        "background": {
            "ref": prep.background.ref,
            "sha256": prep.background.sha256,
            "rows": BACKGROUND_ROWS,
            "file": None,
            "sample": f"{BACKGROUND_ROWS} rows, random_state=0",
        },
        "method": report.data["explanation"],
        "fidelity": report.data["fidelity"],
        "report": {
            "format": "json",
            "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
            "file": "decision-7.json",
        },
        "row": "7",
        "reasons": [],  # row 7 is approved: a favourable decision has no adverse-action reasons
        "reason_table": {"version": prep.table.version, "digest": prep.table.digest},
        "outcome": "good",
    }
    assert decision.outcome == "good" and decision.reasons == () and decision.factors
    assert json.loads(out.read_text()) == report.data
