"""The model card of the demo's German credit model: every format, determinism, the schema,
template overrides, the narrative, challengers and missing evidence."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.documents import narrative
from govern.documents.card import SECTIONS, build_card
from govern.documents.render import packaged_template_dir
from tests.documents.conftest import NARRATIVE, Demo, register_copy
from tests.documents.schema_check import errors

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "card.schema.json").read_text(encoding="utf-8"))
runner = CliRunner()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result.stdout


def _auc(demo: Demo) -> float:
    with demo.open() as reg:
        return float(reg.entry(7).payload["metrics"]["german-holdout@1"]["roc_auc"])


def test_card_in_every_format(demo: Demo, tmp_path: Path) -> None:
    db = str(demo.db)
    auc = f"{_auc(demo):.4f}"
    md = _invoke("card", "credit-risk@1", "--db", db, "--format", "md")
    as_json = json.loads(_invoke("card", "credit-risk@1", "--db", db, "--format", "json"))
    html = _invoke("card", "credit-risk@1", "--db", db, "--format", "html")
    pdf = tmp_path / "card.pdf"
    _invoke("card", "credit-risk@1", "--db", db, "--format", "pdf", "-o", str(pdf))
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    flat = " ".join(text.split())
    for number, _key, title in SECTIONS:
        heading = f"{number}. {title}"
        assert f"## {heading}" in md
        assert f"{heading}</h2>" in html
        assert heading in flat, f"the PDF lacks the heading {heading!r}"
    for doc in (md, html, flat):
        assert f"ROC AUC | {auc}" in doc or f"<td>{auc}</td>" in doc or f"ROC AUC {auc}" in doc
        assert "SR 11-7 V.3 (outcomes analysis)" in doc
    assert as_json["quantitative_analysis"]["performance_metrics"][0] == {
        "type": "roc_auc", "value": repr(_auc(demo)), "slice": "german-holdout@1",
        "description": "ROC AUC"}
    assert "data:image/png;base64," in html  # ROC, calibration, scores, SHAP importance
    assert html.count("<img src=") == 4


def test_card_is_deterministic_and_valid(demo: Demo) -> None:
    with demo.open() as reg:
        first = build_card(reg, "credit-risk@1")
        second = build_card(reg, "credit-risk@1")
        assert first.markdown.encode() == second.markdown.encode()
        assert first.json().encode() == second.json().encode()
        assert first.html.encode() == second.html.encode()
    data = json.loads(first.json())
    assert errors(SCHEMA, data) == []
    assert data["govern"]["ledger"]["size"] == 16 and data["govern"]["card_version"] == "1.1"
    assert [s["number"] for s in data["sections"]] == list(range(16))
    assert all(s["requirements"] for s in data["sections"])
    shap = next(s for s in data["sections"] if s["key"] == "explainability")
    method = next(b for b in shap["blocks"] if b.get("title") == "Method and fidelity")
    assert any("passed" in (r["value"] or "") for r in method["rows"])
    assert any("agrees with entry 14" in (r["value"] or "") for r in method["rows"])


def test_schema_with_jsonschema_when_installed(demo: Demo) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    with demo.open() as reg:
        data = json.loads(build_card(reg, "credit-risk@1", explain=False).json())
    jsonschema.validate(data, SCHEMA)


def test_schema_check_catches_a_bad_card(demo: Demo) -> None:
    with demo.open() as reg:
        data = json.loads(build_card(reg, "credit-risk@1", explain=False).json())
    data["sections"][7]["blocks"].append({"type": "figure", "caption": "no key"})
    del data["model_details"]["version"]
    found = errors(SCHEMA, data)
    assert any("version" in e for e in found) and any("oneOf" in e for e in found)


def test_template_override_changes_only_what_it_overrides(demo: Demo, tmp_path: Path) -> None:
    override = tmp_path / "templates"
    override.mkdir()
    css = "/* Bank house style */\nh1 { color: #0a3d62; }\n"
    (override / "card.css").write_text(css, encoding="utf-8")
    with demo.open() as reg:
        base = build_card(reg, "credit-risk@1", explain=False)
        mine = build_card(reg, "credit-risk@1", explain=False, template_dir=override)
        assert mine.html != base.html and "Bank house style" in mine.html
        packaged = (packaged_template_dir() / "card.css").read_text(encoding="utf-8")
        assert mine.html.replace(css, "") == base.html.replace(packaged, "")
        assert mine.markdown == base.markdown and mine.json() == base.json()
        # Overriding the Markdown block macros changes the Markdown only.
        blocks = (packaged_template_dir() / "document_blocks.md.j2").read_text(encoding="utf-8")
        (override / "document_blocks.md.j2").write_text(
            blocks.replace("*Not recorded:*", "**NOT RECORDED:**"), encoding="utf-8")
        again = build_card(reg, "credit-risk@1", explain=False, template_dir=override)
        assert "**NOT RECORDED:**" in again.markdown
        assert again.markdown.replace("**NOT RECORDED:**", "*Not recorded:*") == base.markdown
        assert again.html == mine.html


def test_narrative_fills_the_people_written_sections(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "narrative.md"
    path.write_text(NARRATIVE, encoding="utf-8")
    _invoke("--as", "dan", "card", "narrative", "credit-risk@1", str(path), "--db",
            str(demo.db))
    with demo.open() as reg:
        n = narrative.latest(reg, "credit-risk@1", "card.narrative")
        assert n is not None and n.seq == 16 and n.actor == "dan"
        entry = reg.entry(16)
        assert entry.kind == "card.narrative" and entry.payload["text"] == NARRATIVE
        md = build_card(reg, "credit-risk@1", explain=False).markdown
    assert "EUR 60m of new lending" in md
    assert "card narrative, ledger entry 16 (recorded by dan" in md
    assert "*Not recorded:* Outcome and error-rate disparity" in md  # no Fairness section


def test_bad_narrative_is_refused_and_nothing_recorded(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("## Purpose\nx\n## Colour\ny\n", encoding="utf-8")
    result = runner.invoke(app, ["--as", "dan", "card", "narrative", "credit-risk@1", str(path),
                                 "--db", str(demo.db)])
    assert result.exit_code == 3 and "not a section of the model card" in result.stderr
    with demo.open() as reg:
        assert reg.ledger.size == 16


def test_missing_evidence_says_not_recorded(demo: Demo) -> None:
    with demo.open() as reg:
        ref = register_copy(reg, "bare", holdout=False)
    db = str(demo.db)
    md = _invoke("card", ref, "--db", db)
    perf = md.split("## 7. Performance")[1].split("## 8. Explainability")[0]
    assert "*Not recorded:* holdout metrics (the version was registered without holdout data" in perf
    assert "*Not recorded:* challenger comparison" in perf
    gov = md.split("## 14. Governance and approvals")[1].split("## 15.")[0]
    assert "*Not recorded:* sign-offs" in gov and "*Not recorded:* findings" in gov
    assert "*Not recorded:* global SHAP importance (no holdout data" in md
    matrix = json.loads(_invoke("coverage", ref, "--db", db, "--json"))
    sr11 = next(c for c in matrix if c["pack"]["id"] == "sr11-7")
    assert not sr11["complete"]
    assert {"V.3", "V-independence", "VI-roles"} <= set(sr11["missing_mandatory"])
    v3 = next(r for r in sr11["requirements"] if r["id"] == "V.3")
    assert any("no outcomes analysis on data not used in development" in m for m in v3["missing"])
    table = _invoke("coverage", ref, "--db", db, "--pack", "sr26-2")
    assert "SR 26-2 outcomes analysis" in table and "MISSING" in table


def test_challenger_and_changes_since_previous_card(demo: Demo) -> None:
    with demo.open() as reg:
        ref = register_copy(reg, "credit-risk", holdout=True, threshold=0.4)
        assert ref == "credit-risk@2"
        data = json.loads(build_card(reg, ref, explain=False).json())
    perf = next(s for s in data["sections"] if s["key"] == "performance")
    challenge = next(b for b in perf["blocks"] if b.get("title") == "Challenger comparison")
    assert [r[0] for r in challenge["rows"]] == ["credit-risk@2 (this card)", "credit-risk@1"]
    control = data["sections"][0]
    diff = next(b for b in control["blocks"] if b.get("title") == "Changes since the previous card")
    changed = {r[0]: (r[1], r[2]) for r in diff["rows"]}
    assert changed["threshold"] == ("0.5", "0.4")
    assert changed["code commit"][1] == "0123456789abcdef0123456789abcdef01234567"
    assert "the card data of credit-risk@1" in diff["source"]
    assert errors(SCHEMA, data) == []
