"""Looking up one decision: complete and correct, field by field; flagged when it must be."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from govern import presentation
from govern.demo import SERVICE, reason_table_path
from govern.documents.explanation import explain_row
from govern.errors import NotFound, ProvenanceCheckFailed
from govern.explain.registered import register_reason_table
from govern.ledger import merkle
from govern.provenance import Lookup, inputs, provenance, record_override
from govern.provenance.report import render_text, write
from govern.provenance.scorer import Scorer
from govern.records import DocumentGenerated, LogState
from govern.registry import catalog, models
from govern.registry.dates import add_months
from tests.provenance.conftest import Demo


def test_provenance_of_a_declined_applicant_field_by_field(demo: Demo) -> None:
    reg = demo.reg
    X, ids = demo.applications()
    keys = [f"cust-{i:04d}" for i in range(len(X))]
    batch = Scorer(reg, "credit-risk@1", product="retail-loan").decide(
        X, ids=ids, subject_keys=keys
    )
    worst = min(range(len(X)), key=lambda i: float(batch.scores[i]))
    pid, seq = ids[worst], batch.first_seq + worst
    assert batch.decisions[worst] == "bad"

    p = provenance(reg, pid, key=demo.key)
    assert p.ok and p.problems == () and p.warnings == ()
    p.check()
    entry = reg.entry(seq)
    model_row = models.resolve(reg, "credit-risk@1")
    mp = reg.entry(model_row.seq).payload

    # Decision
    d = p.decision
    assert (d.id, d.time, d.entry, d.logged_by) == (pid, entry.ts, seq, SERVICE)
    assert (d.subject_key, d.product, d.method) == (keys[worst], "retail-loan", "decide")
    assert "'good' at or above the threshold 0.5" in d.decision_type

    # Model, and what was in force at that moment
    m = p.model
    artifact = reg.artifacts.get_bytes(mp["artifact"]["sha256"])
    assert m.artifact_sha256 == hashlib.sha256(artifact).hexdigest()
    assert (m.ref, m.name, m.version, m.entry, m.entry_hash) == (
        "credit-risk@1",
        "credit-risk",
        1,
        model_row.seq,
        model_row.leaf,
    )
    assert m.entry_matches and (m.tier, m.owner) == ("high", "dan")
    assert (m.artifact_format, m.registered_at) == (mp["artifact"]["format"], reg.entry(m.entry).ts)
    assert m.intended_use == mp["intended_use"] and m.registered_at < d.time
    # The demo released card 1.1 before deploying; that card was in force at the decision.
    released = next(reg.ledger.entries(kind="document.generated", stop=d.entry, newest_first=True))
    assert m.card == f"card {released.payload['card_version']} (ledger entry {released.seq})"
    assert (m.status, m.approved, m.required_roles) == ("deployed", True, ("validator", "approver"))
    assert [(s.role, s.decision, s.signer, s.in_force) for s in m.signoffs] == [
        ("validator", "approve", "vera", True),
        ("approver", "conditional", "otto", True),
    ]
    assert m.signoffs[1].conditions == "Monitor population stability monthly"
    assert [(x.env, x.by, x.override) for x in m.deployments] == [("production", "otto", False)]
    assert m.open_findings == () and m.scoring_override is None

    # Code and environment
    assert p.code.commit == mp["code"]["commit"] and p.code.environment == mp["environment"]
    assert (p.code.threshold, p.code.positive_label) == ("0.5", "good")

    # Data: the datasets by digest, the input as scored and checked
    train = catalog.resolve(reg, "german-train@1")
    hold = catalog.resolve(reg, "german-holdout@1")
    assert [(r.name, r.version, r.sha256) for r in p.data.training] == [
        ("german-train", 1, train.sha256)
    ]
    assert [(r.name, r.version, r.sha256) for r in p.data.validation] == [
        ("german-holdout", 1, hold.sha256)
    ]
    i = p.data.input
    assert (i.state, i.matches, i.commitment) == (
        "present",
        True,
        entry.payload["input_commitment"],
    )
    assert i.values == {c: X[c].tolist()[worst] for c in X.columns}

    # Output, re-scoring
    assert (p.output.score, p.output.decision, p.output.threshold) == (
        batch.scores[worst],
        "bad",
        "0.5",
    )
    assert p.output.overrides == () and p.output.final_decision == "bad"
    assert (p.rescore.state, p.rescore.score, p.rescore.decision) == (
        "same",
        batch.scores[worst],
        "bad",
    )

    # Explanation: the same reasons as `govern explain` gives for that applicant
    e = p.explanation
    assert e.state == "explained" and e.method == "linear" and e.adverse == "bad"
    assert e.additivity["passed"] and e.additivity["max_abs_error"] < 1e-9
    total = e.base_value + sum(c.contribution for c in e.contributions)  # type: ignore[operator]
    assert total == pytest.approx(e.model_output, abs=1e-9)
    assert 1 <= len(e.reasons) <= 4
    assert all(r["direction"] == "adverse" for r in e.reasons)
    assert e.reason_table["version"] == "2026.11-demo"
    holdout_csv = str(demo.folder / "data" / "german-holdout.csv")
    expected, _report, _entry = explain_row(reg, "credit-risk@1", holdout_csv, str(worst))
    assert [r["code"] for r in e.reasons] == [r.code for r in expected.reasons]
    assert [r["statement"] for r in e.reasons] == [r.statement for r in expected.reasons]
    assert [r["rank"] for r in e.reasons] == list(range(1, len(e.reasons) + 1))
    assert e.base_value == pytest.approx(expected.base_value, abs=1e-12)
    assert e.model_output == pytest.approx(expected.model_output, abs=1e-12)
    assert {c.feature: c.contribution for c in e.contributions} == pytest.approx(
        {str(f): float(v) for f, v in expected.contributions.items()}, abs=1e-12
    )
    assert [c.feature for c in e.contributions] == list(X.columns)  # every feature, in order
    assert e.settings and e.method_name and e.output_space == "log-odds"

    # Retention
    decided = entry.ts[:10]
    assert p.retention.decided == decided
    assert p.retention.keep_until == p.retention.reg_b_until > p.retention.eu_ai_act_until
    day = date.fromisoformat(decided)
    assert p.retention.reg_b_until == add_months(day, 25).isoformat()
    assert p.retention.eu_ai_act_until == add_months(day, 6).isoformat()

    # Integrity: a checkpoint signed for the look-up, the proof checked again here
    g = p.integrity
    assert g.verified and g.leaf_ok and g.checkpoint_signed_now and g.entry_hash == entry.leaf.hex()
    cp = reg.ledger.open_checkpoint(g.checkpoint)  # type: ignore[arg-type]
    assert cp.size == g.tree_size and base64.b64encode(cp.root).decode() == g.root
    proof = [base64.b64decode(h) for h in g.proof]
    merkle.verify_inclusion(merkle.leaf_hash(entry.body), seq, cp.size, proof, cp.root)

    # a second look-up reuses that checkpoint
    again = Lookup(reg, key=None, explain=False)(pid)
    assert again.integrity.verified and not again.integrity.checkpoint_signed_now

    text_out = render_text(p)
    for needle in (
        pid,
        "credit-risk@1",
        "matches its commitment",
        "Same output:",
        "2026.11-demo",
        p.retention.keep_until,
        m.artifact_sha256,
    ):
        assert needle in text_out


def pdf_text(path: Path) -> str:
    """The PDF's text with runs of whitespace (line breaks included) as single spaces."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_documents_render_as_html_and_pdf(demo: Demo, tmp_path: Path) -> None:
    reg = demo.reg
    keys = ["cust-1", "cust-2", "cust-3"]
    # h2 (holdout row 21, P(good) about 0.12) is declined; h1 and h3 are approved
    batch = Scorer(reg, "credit-risk@1", product="retail-loan").decide(
        demo.holdout.iloc[[0, 21, 2]], ids=["h1", "h2", "h3"], subject_keys=keys
    )
    assert batch.decisions == ("good", "bad", "good")
    p = provenance(reg, "h2", key=demo.key)
    assert p.ok and p.explanation.reasons and p.explanation.factors == ()
    assert p.explanation.outcome == "bad" and p.explanation.favourable_decision is False
    html = write(p, tmp_path / "p.html", "html").read_text(encoding="utf-8")
    assert "Provenance of decision h2" in html and batch.scores[1] in html
    assert "Principal reasons" in html and "Answers: Reg B" in html
    # the decision comes before everything else: under the title, then first in its section
    lines = render_text(p).splitlines()
    # one line up front says whether every check passed, then the decision
    assert lines[1].startswith(
        "All checks passed. Decision: bad, an adverse outcome (the favourable outcome is good)"
    )
    first = lines.index("Decision") + 1
    assert "bad, an adverse outcome" in " ".join(lines[first : first + 3])
    write(p, tmp_path / "p.pdf", "pdf")
    text = pdf_text(tmp_path / "p.pdf")
    # the key fields of every section, as a reader of the PDF sees them
    train = p.data.training[0]
    for shown in (
        "Provenance of decision h2",
        f"Time {presentation.shown(p.decision.time)}",
        f"Ledger entry {batch.first_seq + 1}",
        "Pseudonymous subject key cust-2",
        "Product retail-loan",
        "Version credit-risk@1",
        "Status at the decision deployed",
        "validator approve vera",
        "approver conditional otto",
        "production",
        f"{train.name}@{train.version}",
        "Input as scored: matches its commitment",
        f"Score {batch.scores[1]}",
        "Threshold 0.5",
        f"Decision {batch.decisions[1]}",
        "Principal reasons (Reg B: at most four)",
        p.explanation.reasons[0]["statement"],
        f"toward the {p.explanation.reasons[0]['direction']} outcome",
        "Same output:",
        f"Keep the record until {p.retention.keep_until}",
        "Verified:",
    ):
        assert shown in text, shown
    # long digests may be broken across lines in the PDF: compare without spaces
    flat = text.replace(" ", "")
    assert p.model.artifact_sha256 in flat and p.integrity.entry_hash in flat
    assert p.data.input.commitment in flat and train.sha256 in flat
    assert "WARNING" not in text and "CHECKS FAILED" not in text
    assert "All checks passed." in " ".join(text.split())[:300]  # at the top of the PDF too


def test_card_reason_table_and_overrides_as_they_stood(demo: Demo, tmp_path: Path) -> None:
    reg = demo.reg

    def card(version: str) -> int:  # as `govern release` records a released model card
        state = LogState(size=reg.ledger.size, root="")
        record = DocumentGenerated(
            subject="document:credit-risk@1",
            model="credit-risk@1",
            model_entry=models.resolve(reg, "credit-risk@1").leaf,
            card_version=version,
            generator="test",
            ledger=state,
            checkpoint=state,
            status="deployed",
            packs=(),
            coverage={},
            files=(),
            key_fields={},
        )
        demo.act("dan")  # a developer releases the card; the service goes on scoring
        seq = reg.record(record).seq
        demo.act(SERVICE)
        return seq

    issued = card("1.1")
    Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:2], ids=["r1", "r2"])
    card("1.2")
    newer = tmp_path / "reasons.toml"
    newer.write_text(
        reason_table_path().read_text().replace('"2026.11-demo"', '"2027.01"'), encoding="utf-8"
    )
    demo.act("dan")
    register_reason_table(reg, "credit-risk@1", newer)
    demo.act("otto")
    record_override(reg, "r1", decision="good", reason="income verified by phone")
    p = provenance(reg, "r1", key=demo.key)
    assert p.explanation.reason_table["version"] == "2026.11-demo"  # the one in force then
    assert p.model.card == f"card 1.1 (ledger entry {issued})"
    (o,) = p.output.overrides
    assert (o.reviewer, o.decision, o.reason) == ("otto", "good", "income verified by phone")
    assert p.output.final_decision == "good" and p.output.decision == p.rescore.decision


def test_tampered_input_fails_the_check(demo: Demo) -> None:
    reg = demo.reg
    batch = Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:2], ids=["t1", "t2"])
    table = inputs.table
    with reg.ledger.engine.begin() as conn:
        row = conn.execute(select(table.c.input_row).where(table.c.seq == batch.first_seq)).one()
        changed = bytes(row.input_row).replace(b'"age_in_years":', b'"age_in_years":1')
        conn.execute(table.update().where(table.c.seq == batch.first_seq).values(input_row=changed))
    p = provenance(reg, "t1", key=demo.key)
    assert p.data.input.matches is False
    assert p.rescore.state == "not possible" and p.explanation.state == "not available"
    assert any("does not match its commitment" in x for x in p.problems)
    n = len(p.problems)
    first = render_text(p).splitlines()[1]
    assert first.startswith(f"{n} check{'s' if n > 1 else ''} failed: treat this record as")
    with pytest.raises(ProvenanceCheckFailed) as caught:
        p.check()
    assert caught.value.exit_code == 42
    assert provenance(reg, "t2", key=demo.key).ok


def test_unknown_id_and_no_key(demo: Demo) -> None:
    reg = demo.reg
    with pytest.raises(NotFound, match="no prediction with id 'nobody'"):
        provenance(reg, "nobody")
    Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:1], ids=["k1"])
    p = provenance(reg, "k1", explain=False)  # the demo's checkpoint predates it; no key
    assert not p.integrity.verified and "no signed checkpoint covers entry" in p.integrity.detail
    assert p.ok and any("integrity not verified" in w for w in p.warnings)
    assert p.explanation.state == "not available"


def test_retention_dates() -> None:
    from govern.provenance import retention

    r = retention("2026-03-31T10:00:00.000000Z")
    assert (r.decided, r.reg_b_until, r.eu_ai_act_until, r.keep_until) == (
        "2026-03-31",
        "2028-04-30",
        "2026-09-30",
        "2028-04-30",
    )


def test_a_tampered_artifact_is_reported_not_hidden(demo: Demo) -> None:
    reg = demo.reg
    Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:1], ids=["art-1"])
    digest = models.resolve(reg, "credit-risk@1").artifact.sha256
    path = reg.artifacts.path_of(digest)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"tampered")
    p = provenance(reg, "art-1", key=demo.key)
    assert p.rescore.state == "different" and p.explanation.state == "not available"
    assert any("artifact cannot be loaded" in x for x in p.problems) and not p.ok
    assert p.integrity.verified and p.data.input.matches
