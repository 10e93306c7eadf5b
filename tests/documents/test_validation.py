"""`govern report validation`: the second line of defence's report, from the ledger."""

from __future__ import annotations

import json
from pathlib import Path

from govern.documents.validation import SECTIONS, build_validation_report
from govern.registry import models
from tests.documents.conftest import Demo, govern, ok, one_line_error, register_copy
from tests.documents.test_card import pdf_text

VALIDATION_NARRATIVE = """## Rating
Satisfactory.

## Effective challenge
The validator asked why age is used at all; the owner removed it from the next version.
"""


def _section(md: str, number: int) -> str:
    """The Markdown of section ``number`` (up to the next one)."""
    title = next(t for n, _k, t, _r in SECTIONS if n == number)
    after = md.split(f"## {number}. {title}\n")[1]
    return after.split(f"\n## {number + 1}. ")[0]


def test_report_in_md_html_and_pdf(demo: Demo, tmp_path: Path) -> None:
    with demo.open() as reg:
        challenger = register_copy(reg, "credit-risk", holdout=True, threshold=0.4)
        # a challenger is designated, never inferred from a shared holdout
        models.designate_challenger(reg, challenger, "credit-risk@1", reason="threshold 0.4")
    db = str(demo.db)
    md = ok("report", "validation", "credit-risk@1", "--db", db)
    html_path, pdf_path = tmp_path / "validation.html", tmp_path / "validation.pdf"
    ok("report", "validation", "credit-risk@1", "--db", db, "-o", html_path)
    ok("report", "validation", "credit-risk@1", "--db", db, "--format", "pdf", "-o", pdf_path)
    html, flat = html_path.read_text(encoding="utf-8"), pdf_text(pdf_path)
    for number, _key, title, _reqs in SECTIONS:
        assert f"## {number}. {title}" in md
        assert f"{number}. {title}</h2>" in html
        assert f"{number}. {title}" in flat, title
    assert "**Conclusion: approve.**" in md

    finding_seq = demo.latest("finding.raised", "finding:credit-risk@1#1").seq
    findings = _section(md, 8)
    assert (
        "| #1 | validation issue | high | No stability analysis across age bands | dan | "
        "*not recorded* | closed | vera "
    ) in findings
    assert f"(entry {finding_seq})" in findings
    challenge = _section(md, 9)
    assert (
        "| #1: No stability analysis across age bands | vera | Score stability by age band "
        "reviewed; PSI < 0.1 | vera |" in challenge
    )
    signoffs = _section(md, 10)
    assert "| validator | approve | vera |" in signoffs
    assert "| approver | approve with conditions | otto |" in signoffs
    assert signoffs.count("| verified |") == 2
    assert "| Revalidation interval | 12 months |" in signoffs
    bench = _section(md, 5)
    assert "### Challenger comparison" in bench
    assert f"| {challenger} | german-holdout@1 |" in bench and "+0.0000" in bench
    replication = _section(md, 4)
    assert "every value is identical to the one recorded at registration" in replication
    assert "DIFFERS" not in replication
    for text in (
        "Findings register",
        "No stability analysis across age bands",
        "approve with conditions",
        "Challenger comparison",
        challenger,
    ):
        assert text in html and text in flat


def test_without_a_challenger_the_report_says_so(demo: Demo, tmp_path: Path) -> None:
    # The demo registers a challenger on german-holdout@1; a version validated on other bytes
    # (the first 200 holdout rows) has none.
    import pandas as pd

    from govern.registry import catalog, models
    from tests.credit import CODE

    part = tmp_path / "holdout-part.csv"
    pd.read_csv(demo.folder / "data" / "german-holdout.csv").head(200).to_csv(part, index=False)
    with demo.open() as reg:
        ho = catalog.add_dataset(reg, part, name="german-holdout-part", target="creditability")
        mv = models.register_model(
            reg,
            models.load(reg, "credit-risk@1"),
            name="solo",
            training_data=["german-train@1"],
            validation_data=[ho.ref],
            target="creditability",
            intended_use="A test registration.",
            owner="dan",
            risk_tier="high",
            positive_label="good",
            favorable_label="good",
            code=CODE,
        )
    md = ok("report", "validation", mv.ref, "--db", str(demo.db), "--no-replicate")
    bench = _section(md, 5)
    assert "*Not recorded:* a challenger (no other model version is registered" in bench
    assert "*Not recorded:* replication (not performed for this report (--no-replicate))" in md


def test_validator_narrative_and_json(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "validation.md"
    path.write_text(VALIDATION_NARRATIVE, encoding="utf-8")
    ok(
        "--sign-with",
        demo.key_of("vera"),
        "report",
        "narrative",
        "credit-risk@1",
        path,
        "--db",
        demo.db,
    )
    entry = demo.latest("validation.narrative")
    data = json.loads(
        ok(
            "report",
            "validation",
            "credit-risk@1",
            "--db",
            demo.db,
            "--format",
            "json",
            "--no-replicate",
        )
    )
    assert data["format"] == "govern.validation/1"
    assert data["govern"]["conclusion"] == "approve"
    conclusion = data["sections"][0]
    rating = next(r for r in conclusion["blocks"][0]["rows"] if r["label"] == "Rating")
    assert rating["value"] == "Satisfactory."
    assert rating["source"] == f"validation narrative, entry {entry.seq}"
    challenge = next(s for s in data["sections"] if s["key"] == "challenge")
    text = next(b for b in challenge["blocks"] if b["type"] == "text")
    assert "removed it from the next version" in text["markdown"]
    assert f"ledger entry {entry.seq} (recorded by vera" in text["source"]


def test_the_owner_cannot_write_the_validators_narrative(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "validation.md"
    path.write_text(VALIDATION_NARRATIVE, encoding="utf-8")
    before = demo.size
    result = govern(
        "--sign-with",
        demo.key_of("dan"),
        "report",
        "narrative",
        "credit-risk@1",
        path,
        "--db",
        demo.db,
    )
    one_line_error(result, 6, "dan is not enrolled as validator")
    assert demo.size == before


def test_report_is_deterministic(demo: Demo) -> None:
    with demo.open() as reg:
        a = build_validation_report(reg, "credit-risk@1")
        b = build_validation_report(reg, "credit-risk@1")
        assert (a.markdown, a.json(), a.html) == (b.markdown, b.json(), b.html)
