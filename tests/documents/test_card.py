"""The model card of the demo's German credit model: every format, determinism, the schema,
template overrides, the narrative, challengers and missing evidence."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pypdf
import pytest

from govern.documents.card import SECTIONS, build_card
from govern.presentation import packaged_template_dir
from govern.registry import models
from tests.documents.conftest import NARRATIVE, Demo, govern, ok, one_line_error, register_copy

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "card.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_errors(data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)
    ]


def pdf_text(path: Path) -> str:
    """The PDF's text as pypdf extracts it, whitespace collapsed."""
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def _metrics(demo: Demo) -> dict[str, Any]:
    with demo.open() as reg:
        metrics: dict[str, Any] = models.entry_of(reg, "credit-risk@1").payload["metrics"]
    return metrics["german-holdout@1"]


def test_card_in_every_format(demo: Demo, tmp_path: Path) -> None:
    db = str(demo.db)
    m = _metrics(demo)
    md = ok("card", "credit-risk@1", "--db", db, "--format", "md")
    as_json = json.loads(ok("card", "credit-risk@1", "--db", db, "--format", "json"))
    html = ok("card", "credit-risk@1", "--db", db, "--format", "html")
    pdf = tmp_path / "card.pdf"
    ok("card", "credit-risk@1", "--db", db, "-o", str(pdf))  # the format from the suffix
    assert pdf.read_bytes().startswith(b"%PDF-")
    flat = pdf_text(pdf)
    for number, _key, title in SECTIONS:
        heading = f"{number}. {title}"
        assert f"## {heading}" in md
        assert f"{heading}</h2>" in html
        assert heading in flat, f"the PDF lacks the heading {heading!r}"
    # the contents give each section's page, and the section starts on it
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages]
    contents = " ".join(pages[0].split())
    for number, _key, title in SECTIONS:
        found = re.search(rf"{number}\. {re.escape(title.split()[0])}[^.]*? p\. (\d+)", contents)
        assert found, f"the contents give no page for section {number}"
        page = int(found.group(1))
        assert f"{number}. {title.split()[0]}" in " ".join(pages[page - 1].split()), (number, page)
    # The key figures, as the card prints them, in every human format.
    figures = {
        label: f"{m[key]:.4f}"
        for label, key in (
            ("ROC AUC", "roc_auc"),
            ("Gini", "gini"),
            ("KS", "ks"),
            ("Brier score", "brier"),
        )
    }
    for label, value in figures.items():
        assert f"| {label} | {value} |" in md
        assert f"<td>{label}</td><td>{value}</td>" in html
        assert f"{label} {value}" in flat, f"the PDF lacks {label} {value}"
    for doc in (md, html, flat):
        assert "SR 11-7 V.3 (outcomes analysis)" in doc  # each section names its requirements
        assert "SR 26-2 outcomes analysis" in doc
    assert as_json["quantitative_analysis"]["performance_metrics"][0] == {
        "type": "roc_auc",
        "value": repr(m["roc_auc"]),
        "slice": "german-holdout@1",
        "description": "ROC AUC",
    }
    # ROC, calibration, score distributions and SHAP importance, embedded as PNG.
    assert html.count('<img src="data:image/png;base64,') == 4
    for caption in (
        "ROC curve on german-holdout@1",
        "Calibration on german-holdout@1",
        "Score distribution by observed class",
        "Global importance on",
    ):
        assert caption in html and caption in flat


def test_card_is_deterministic_and_valid(demo: Demo) -> None:
    with demo.open() as reg:
        first = build_card(reg, "credit-risk@1")
        second = build_card(reg, "credit-risk@1")
        assert first.markdown.encode() == second.markdown.encode()
        assert first.json().encode() == second.json().encode()
        assert first.html.encode() == second.html.encode()
        size = reg.ledger.size
        issued = [
            e
            for e in reg.ledger.entries(kind="document.generated")
            if e.payload.get("model") == "credit-risk@1"
        ]
    data = json.loads(first.json())
    assert schema_errors(data) == []
    assert data["govern"]["ledger"]["size"] == size
    assert data["govern"]["card_version"] == f"1.{len(issued) + 1}"
    assert [s["number"] for s in data["sections"]] == list(range(16))
    assert all(s["requirements"] for s in data["sections"])
    shap = next(s for s in data["sections"] if s["key"] == "explainability")
    method = next(b for b in shap["blocks"] if b.get("title") == "Method and fidelity")
    with demo.open() as reg:
        recorded = [
            e
            for e in reg.ledger.entries(
                kind="explanation.generated", subject="explanation:credit-risk@1"
            )
            if e.payload.get("kind") == "global"
        ]
    assert recorded, "the demo records a global explanation"
    values = [r["value"] or "" for r in method["rows"]]
    assert any(v.startswith("passed:") for v in values)
    assert (
        f"agrees with entry {recorded[-1].seq} (explanation.generated) (same base value)" in values
    )


def test_same_state_same_bytes_in_another_process(demo: Demo, tmp_path: Path) -> None:
    """No clock, random id or hash seed leaks in: another process renders identical bytes."""
    with demo.open() as reg:
        card = build_card(reg, "credit-risk@1")
        expected = {"html": card.html, "md": card.markdown, "json": card.json()}
    govern_exe = Path(sys.executable).with_name("govern")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = tmp_path / "card.html"
    subprocess.run(
        [str(govern_exe), "card", "credit-risk@1", "--db", str(demo.db), "-o", str(out)],
        check=True,
        env=env,
        capture_output=True,
    )
    assert out.read_bytes() == expected["html"].encode("utf-8")
    for fmt in ("md", "json"):
        again = ok("card", "credit-risk@1", "--db", str(demo.db), "--format", fmt)
        assert again.encode("utf-8") == expected[fmt].encode("utf-8"), fmt


def test_schema_rejects_a_bad_card(demo: Demo) -> None:
    with demo.open() as reg:
        data = json.loads(build_card(reg, "credit-risk@1", explain=False).json())
    assert schema_errors(data) == []
    data["sections"][7]["blocks"].append({"type": "figure", "caption": "no key"})
    del data["model_details"]["version"]
    found = schema_errors(data)
    assert any("'version' is a required property" in e for e in found)
    assert any(e.startswith("sections/7/blocks/") for e in found)


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
        assert "Bank house style" not in mine.markdown
        assert mine.markdown == base.markdown and mine.json() == base.json()
        # Overriding the Markdown block macros (a file added to the same folder, in the same
        # process) changes the Markdown only.
        blocks = (packaged_template_dir() / "document_blocks.md.j2").read_text(encoding="utf-8")
        assert "*Not recorded:*" in blocks
        (override / "document_blocks.md.j2").write_text(
            blocks.replace("*Not recorded:*", "**NOT RECORDED:**"), encoding="utf-8"
        )
        again = build_card(reg, "credit-risk@1", explain=False, template_dir=override)
        assert "**NOT RECORDED:**" in again.markdown
        assert again.markdown.replace("**NOT RECORDED:**", "*Not recorded:*") == base.markdown
        assert again.html == mine.html and again.json() == base.json()
        # The packaged templates are untouched for everyone else.
        assert build_card(reg, "credit-risk@1", explain=False).markdown == base.markdown


def test_template_override_through_the_cli(demo: Demo, tmp_path: Path) -> None:
    override = tmp_path / "house"
    override.mkdir()
    page = (packaged_template_dir() / "card.html.j2").read_text(encoding="utf-8")
    (override / "card.html.j2").write_text(
        page.replace("<h1>{{ doc.title }}</h1>", "<h1>Acme Bank | {{ doc.title }}</h1>"),
        encoding="utf-8",
    )
    out = tmp_path / "card.html"
    ok("card", "credit-risk@1", "--db", demo.db, "--template-dir", override, "-o", out)
    html = out.read_text(encoding="utf-8")
    assert "<h1>Acme Bank | Model card: credit-risk@1</h1>" in html
    assert "4. Methodology</h2>" in html  # the blocks still come from govern's templates


def test_a_standalone_card_template_still_works(demo: Demo, tmp_path: Path) -> None:
    """A bank's own page that does not extend layout.html.j2 (as every card template did
    before the shared layout) still gets govern's blocks and helpers."""
    override = tmp_path / "own"
    override.mkdir()
    (override / "card.html.j2").write_text(
        '{% import "document_blocks.html.j2" as blocks with context %}'
        "<html><head><style>{% include 'base.css' %}</style></head><body>"
        "<h1>Acme | {{ doc.title }}</h1>{% for s in doc.sections %}{{ blocks.section(s) }}"
        '{% endfor %}<footer>"{{ not_recorded }}"</footer></body></html>',
        encoding="utf-8",
    )
    with demo.open() as reg:
        html = build_card(reg, "credit-risk@1", explain=False, template_dir=override).html
    assert (
        html.startswith("<html><head><style>")
        and "<h1>Acme | Model card: credit-risk@1</h1>" in html
    )
    assert "4. Methodology</h2>" in html and '<footer>"not recorded"</footer>' in html
    assert "<nav" not in html  # the page is the bank's: no contents unless it asks


def test_narrative_fills_the_people_written_sections(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "narrative.md"
    path.write_text(NARRATIVE, encoding="utf-8")
    before = demo.size
    ok(
        "--sign-with",
        demo.key_of("dan"),
        "card",
        "narrative",
        "credit-risk@1",
        str(path),
        "--db",
        str(demo.db),
    )
    with demo.open() as reg:
        assert reg.ledger.size == before + 1
        entry = reg.entry(before)
        assert entry.kind == "card.narrative" and entry.actor == "dan"
        assert entry.payload["text"] == NARRATIVE and entry.payload["model"] == "credit-risk@1"
        md = build_card(reg, "credit-risk@1", explain=False).markdown
    assert "EUR 60m of new lending" in md
    assert f"card narrative, ledger entry {before} (recorded by dan" in md
    assert "*Not recorded:* Outcome and error-rate disparity" in md  # no Fairness section
    # Generated sections stay generated: the narrative cannot replace the metrics.
    perf = md.split("## 7. Performance")[1].split("## 8. Explainability")[0]
    assert "### Holdout metrics" in perf and "Compared with the bank's scorecard" in perf


def test_a_new_narrative_version_shows_in_the_next_card(demo: Demo, tmp_path: Path) -> None:
    first = demo.narrate(tmp_path)
    second = demo.narrate(
        tmp_path,
        NARRATIVE + "\n## Fairness\nApproval rates by age band differ by at most 4 points.\n",
    )
    assert second.seq > first.seq
    with demo.open() as reg:
        md = build_card(reg, "credit-risk@1", explain=False).markdown
    assert "Approval rates by age band differ by at most 4 points." in md
    assert f"card narrative, ledger entry {second.seq}" in md
    assert f"card narrative, ledger entry {first.seq}" not in md


def test_bad_narrative_is_refused_and_nothing_recorded(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("## Purpose\nx\n## Colour\ny\n", encoding="utf-8")
    before = demo.size
    result = govern(
        "--sign-with",
        demo.key_of("dan"),
        "card",
        "narrative",
        "credit-risk@1",
        str(path),
        "--db",
        str(demo.db),
    )
    assert result.exit_code == 3 and "not a section of the model card" in result.stderr
    assert demo.size == before


def test_missing_evidence_says_not_recorded(demo: Demo) -> None:
    with demo.open() as reg:
        ref = register_copy(reg, "bare", holdout=False)
    db = str(demo.db)
    md = ok("card", ref, "--db", db)
    perf = md.split("## 7. Performance")[1].split("## 8. Explainability")[0]
    assert (
        "*Not recorded:* holdout metrics (the version was registered without holdout data" in perf
    )
    assert "*Not recorded:* challenger comparison" in perf
    gov = md.split("## 14. Governance and approvals")[1].split("## 15.")[0]
    assert "*Not recorded:* sign-offs" in gov and "*Not recorded:* findings" in gov
    assert "*Not recorded:* global SHAP importance (no holdout data" in md
    purpose = md.split("## 2. Purpose and intended use")[1].split("## 3.")[0]
    assert "*Not recorded:* Decisions supported" in purpose  # no narrative recorded
    matrix = json.loads(ok("coverage", ref, "--db", db, "--json"))
    sr11 = next(c for c in matrix if c["pack"]["id"] == "sr11-7")
    assert not sr11["complete"]
    assert {"V.3", "V-independence", "VI-roles", "IV-purpose"} <= set(sr11["missing_mandatory"])
    v3 = next(r for r in sr11["requirements"] if r["id"] == "V.3")
    assert any("no outcomes analysis on data not used in development" in m for m in v3["missing"])
    # The human table of SR 26-2 lists the same gaps, by the requirement's citation.
    table = ok("coverage", ref, "--db", db, "--pack", "sr26-2")
    verdict = next(line for line in table.splitlines() if line.startswith("SR 26-2: "))
    assert "mandatory requirement(s) missing for tier high" in verdict
    for cite in (
        "SR 26-2 outcomes analysis",
        "SR 26-2 validation",
        "SR 26-2 materiality and tiering",
    ):
        assert cite in verdict
    assert "MISSING" in table
    # The card's own coverage summary names them too.
    control = md.split("## 0. Document control")[1].split("## 1.")[0]
    assert "SR 26-2 outcomes analysis" in control


def test_challenger_and_changes_since_previous_card(demo: Demo) -> None:
    with demo.open() as reg:
        ref = register_copy(reg, "credit-risk", holdout=True, threshold=0.4)
        assert ref == "credit-risk@2"
        # a version on the same holdout is no challenger until someone designates it
        undesignated = json.loads(build_card(reg, ref, explain=False).json())
        perf = next(s for s in undesignated["sections"] if s["key"] == "performance")
        assert not any(b.get("title") == "Challenger comparison" for b in perf["blocks"])
        models.designate_challenger(
            reg, "credit-risk-challenger@1", ref, reason="the gradient-boosted benchmark"
        )
        data = json.loads(build_card(reg, ref, explain=False).json())
        html = build_card(reg, ref).html
    perf = next(s for s in data["sections"] if s["key"] == "performance")
    challenge = next(b for b in perf["blocks"] if b.get("title") == "Challenger comparison")
    # the designated challenger, on a holdout of the same bytes; credit-risk@1 is its
    # predecessor, not a challenger
    assert [r[0] for r in challenge["rows"]] == [
        "credit-risk@2 (this card)",
        "credit-risk-challenger@1",
    ]
    assert "ROC curve on german-holdout@1 with challengers" in html
    control = data["sections"][0]
    diff = next(b for b in control["blocks"] if b.get("title") == "Changes since the previous card")
    changed = {r[0]: (r[1], r[2]) for r in diff["rows"]}
    assert changed["threshold"] == ("0.5", "0.4")
    assert changed["code commit"][1] == "0123456789abcdef0123456789abcdef01234567"
    assert "model" in changed and changed["model"] == ("credit-risk@1", "credit-risk@2")
    # The demo released card 1.1 of credit-risk@1: the changes are counted from that card.
    assert diff["source"].startswith("card 1.1 of credit-risk@1, issued in ledger entry ")
    assert "threshold changed" in data["model_details"]["version"]["diff"]
    assert schema_errors(data) == []


def test_only_the_owner_records_the_card_narrative(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "narrative.md"
    path.write_text(NARRATIVE, encoding="utf-8")
    before = demo.size
    result = govern(
        "--sign-with",
        demo.key_of("vera"),
        "card",
        "narrative",
        "credit-risk@1",
        path,
        "--db",
        demo.db,
    )
    one_line_error(result, 6, "vera may not record the card narrative of credit-risk@1")
    assert demo.size == before


IMAGES = (
    "![chart](/etc/hostname)",
    "![diagram](figure.svg)",
    "![logo](http://127.0.0.1:9/logo.png)",
    "![scan](file:///etc/passwd)",
    "![ref][img]\n\n[img]: /etc/hostname",
)


@pytest.mark.parametrize("image", IMAGES)
def test_a_narrative_image_is_refused_and_nothing_recorded(
    demo: Demo, tmp_path: Path, image: str
) -> None:
    path = tmp_path / "narrative.md"
    path.write_text(NARRATIVE + f"\n## Limitations\nSee the figure.\n\n{image}\n", "utf-8")
    before = demo.size
    result = govern(
        "--sign-with",
        demo.key_of("dan"),
        "card",
        "narrative",
        "credit-risk@1",
        str(path),
        "--db",
        str(demo.db),
    )
    assert result.exit_code == 3, result.output
    assert "an image" in result.stderr and "narrative.md, line" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    with demo.open() as reg:
        assert reg.ledger.size == before


def test_links_in_a_narrative_are_printed_and_never_fetched(demo: Demo, tmp_path: Path) -> None:
    import http.server
    import threading

    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"FETCHED-BY-THE-RENDERER")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.txt"
    secret.write_text("LOG-KEY-MATERIAL-DO-NOT-SHIP", "utf-8")
    url = f"http://127.0.0.1:{httpd.server_address[1]}/x.png"
    text = NARRATIVE + (
        f"\n## Limitations\nSee [the chart]({url}) and [the key](file://{secret}).\n"
        f'<img src="{url}"> <link rel="attachment" href="file://{secret}">\n'
    )
    try:
        demo.narrate(tmp_path, text)
        out = tmp_path / "card"
        with demo.open() as reg:
            card = build_card(reg, "credit-risk@1", explain=False)
            for suffix in (".md", ".html", ".pdf"):
                card.write(out.with_suffix(suffix))
    finally:
        httpd.shutdown()
    assert hits == []
    for suffix in (".md", ".html", ".pdf"):
        data = out.with_suffix(suffix).read_bytes()
        assert b"LOG-KEY-MATERIAL" not in data and b"FETCHED-BY-THE-RENDERER" not in data
    html = out.with_suffix(".html").read_text("utf-8")
    assert f"the chart ({url})" in html and "<img" not in html.split("Limitations")[-1]
    md = out.with_suffix(".md").read_text("utf-8")
    assert "&lt;img" in md and "&lt;link" in md
