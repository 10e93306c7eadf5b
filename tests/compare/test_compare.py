"""The release gate's comparison on the German credit demo (docs/comparison.md)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.compare import compare
from govern.compare.output import record
from govern.demo import TARGET, train_pipeline
from govern.errors import BadInput, NotFound
from govern.provenance import erase
from govern.registry import catalog, models
from tests.credit import CODE
from tests.provenance.conftest import Demo
from tests.provenance.helpers import OVERRIDE, as_privacy_officer, state

LIVE = "credit-risk@1"
runner = CliRunner()


def _candidate(demo: Demo, model: object, *, threshold: float = 0.5) -> str:
    demo.act("dan")
    return models.register_model(
        demo.reg,
        model,
        name="credit-risk-next",
        training_data=["german-train@1"],
        validation_data=["german-holdout@1"],
        target=TARGET,
        intended_use="Candidate to replace credit-risk@1.",
        owner="dan",
        risk_tier="high",
        positive_label="good",
        favorable_label="good",
        threshold=threshold,
        code=CODE,
        challenger_of=LIVE,
    ).ref


def _holdout(demo: Demo) -> pd.DataFrame:
    return catalog.load(demo.reg, "german-holdout@1")


def test_an_equal_candidate_passes_with_no_action_changes(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ref = _candidate(demo, models.load(demo.reg, LIVE))
    result = compare(demo.reg, ref, LIVE, data=_holdout(demo), data_name="german-holdout@1")
    by = {c.check: c for c in result.checks}
    assert by["action_changes"].candidate == 0.0 and by["action_changes"].status == "pass"
    assert by["discrimination"].candidate == by["discrimination"].live
    assert by["rank_agreement"].candidate == pytest.approx(1.0)
    # the same model gives the declined applicants the same principal reasons
    assert (
        by["reason_changes"].candidate == 0.0 and "rows both decline" in by["reason_changes"].detail
    )
    assert result.passed
    # the files, and rows.csv equal to both models' own predict_proba row by row
    folder = tmp_path / "cmp"
    folder.mkdir()
    done = runner.invoke(
        app,
        [
            "compare",
            ref,
            LIVE,
            "--data",
            "german-holdout@1",
            "-o",
            str(folder),
            "--db",
            str(demo.db),
        ],
    )
    assert done.exit_code == 0, done.stderr
    assert {p.name for p in folder.iterdir()} == {
        "summary.json",
        "summary.md",
        "rows.csv",
        "report.html",
    }
    assert json.loads((folder / "summary.json").read_text())["passed"] is True
    rows = pd.read_csv(folder / "rows.csv")
    assert (
        rows["reasons_changed"].dropna().eq(False).all() and rows["reasons_changed"].notna().any()
    )
    holdout = _holdout(demo)
    model = models.load(demo.reg, LIVE)
    p = model.predict_proba(holdout[model.feature_names_in_])[:, list(model.classes_).index("good")]
    index = rows["id"].str.removeprefix("row-").astype(int)
    assert np.allclose(rows["live_score"].to_numpy(), p[index], rtol=0, atol=1e-9)
    assert np.allclose(rows["score"].to_numpy(), p[index], rtol=0, atol=1e-9)


def test_shuffled_labels_fail_and_a_moved_threshold_changes_a_known_share(demo: Demo) -> None:
    train = catalog.load(demo.reg, "german-train@1")
    shuffled = train.copy()
    shuffled[TARGET] = np.random.default_rng(3).permutation(shuffled[TARGET].to_numpy())
    bad = _candidate(demo, train_pipeline(shuffled))
    result = compare(demo.reg, bad, LIVE, data=_holdout(demo))
    by = {c.check: c for c in result.checks}
    assert by["discrimination"].status == "fail" and not result.passed
    assert by["reason_changes"].candidate is not None and by["reason_changes"].candidate > 0.2
    # the live model with its threshold moved to 0.6
    moved = _candidate(demo, models.load(demo.reg, LIVE), threshold=0.6)
    result = compare(demo.reg, moved, LIVE, data=_holdout(demo))
    model = models.load(demo.reg, LIVE)
    holdout = _holdout(demo)
    p = model.predict_proba(holdout[model.feature_names_in_])[:, list(model.classes_).index("good")]
    expected = int(((p >= 0.5) & (p < 0.6)).sum())
    by = {c.check: c for c in result.checks}
    assert by["action_changes"].candidate == pytest.approx(expected / len(holdout), abs=1e-12)
    assert result.transitions["bad"]["good"] == expected
    assert result.harsher_share == pytest.approx(expected / len(holdout), abs=1e-12)


def test_a_replay_reproduces_the_logged_scores_and_leaves_erased_inputs_out(demo: Demo) -> None:
    ref = _candidate(demo, models.load(demo.reg, LIVE))
    demo.act("ada")
    as_privacy_officer(demo.reg, demo.folder)
    erase(demo.reg, "demo-0007", reason="erasure request 3", retention_override=OVERRIDE)
    result = compare(demo.reg, ref, LIVE, replay=True)
    assert result.rows == 999 and result.erased == 1
    assert "demo-0007" not in set(result.table["id"])
    assert (result.table["live_score"] == result.table["logged_live_score"]).all()
    by = {c.check: c for c in result.checks}
    assert by["discrimination"].status == "not measured" and not result.passed  # no outcomes
    demo.act("vera")
    entry = record(demo.reg, result)
    assert entry.kind == "comparison.result"
    # the card of each side shows it
    from govern.documents.card import build_card

    for ref_ in (ref, LIVE):
        md = build_card(demo.reg, ref_, explain=False).markdown
        assert "Recorded comparisons" in md and f"| {entry.seq} | {ref} | {LIVE} |" in md
    demo.reg.verify()


def test_bad_input_is_refused_with_nothing_written(demo: Demo) -> None:
    ref = _candidate(demo, models.load(demo.reg, LIVE))
    before = state(demo.reg)
    with pytest.raises(BadInput, match="lacks feature duration_in_month"):
        compare(demo.reg, ref, LIVE, data=_holdout(demo).drop(columns=["duration_in_month"]))
    with pytest.raises(BadInput, match="nothing to replay"):
        compare(demo.reg, ref, LIVE, replay=True, start="2030-01-01T00:00:00.000000Z")
    with pytest.raises(NotFound):
        compare(demo.reg, "credit-risk@9", LIVE, replay=True)
    with pytest.raises(BadInput, match="one of them"):
        compare(demo.reg, ref, LIVE)
    done = runner.invoke(
        app,
        [
            "compare",
            ref,
            LIVE,
            "--data",
            "german-holdout@1",
            "-o",
            "/no/such/dir",
            "--db",
            str(demo.db),
        ],
    )
    assert (
        done.exit_code == 3 and "does not exist" in done.stderr and "Traceback" not in done.stderr
    )
    # without the target, discrimination is not measured, never a pass
    result = compare(demo.reg, ref, LIVE, data=_holdout(demo).drop(columns=[TARGET]))
    assert {c.check: c for c in result.checks}["discrimination"].status == "not measured"
    assert not result.passed
    assert state(demo.reg) == before


def test_an_id_written_as_a_formula_stays_text_in_rows_csv(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The ids of a replay are the bank's own: one that a spreadsheet would run as a formula
    is written as text."""
    from govern.compare.output import rows_csv
    from govern.demo import SERVICE
    from govern.provenance.scorer import Scorer

    ref = _candidate(demo, models.load(demo.reg, LIVE))
    demo.act(SERVICE)
    evil = '=HYPERLINK("http://evil.example","x")'
    Scorer(demo.reg, LIVE).decide(demo.holdout.iloc[:2], ids=[evil, "+1-2"])
    result = compare(demo.reg, ref, LIVE, replay=True, with_reasons=False)
    text = rows_csv(result).decode("utf-8")
    assert "'=HYPERLINK" in text and '"\'+1-2"' in text
    assert '"=HYPERLINK' not in text


def test_score_writes_formula_ids_as_text(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`govern score -o`: an id a spreadsheet would run as a formula is written as text."""
    from govern.demo import SERVICE

    rows = demo.holdout.iloc[:2].copy()
    rows.insert(0, "application", ['=HYPERLINK("http://evil.example","x")', "@SUM(1)"])
    source = tmp_path / "apps.csv"
    rows.to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    done = runner.invoke(
        app,
        [
            "--sign-with",
            str(demo.key_of(SERVICE)),
            "score",
            LIVE,
            str(source),
            "--id-col",
            "application",
            "-o",
            str(out),
            "--db",
            str(demo.db),
        ],
    )
    assert done.exit_code == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert "\n=HYPERLINK" not in text and "\n@SUM" not in text


def test_the_replay_pads_rows_as_the_scorer_does() -> None:
    from govern.compare import run
    from govern.provenance import PAD

    assert run.PAD == PAD


def test_each_designated_group_has_its_transition_matrix(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With groups designated (docs/fairness.md), a moved threshold's action changes are
    counted per group, equal to the count from the live model's own predictions in each."""
    from tests.fairness.conftest import FEMALE, SEX, set_policy

    set_policy(demo.act("ada"))
    moved = _candidate(demo, models.load(demo.reg, LIVE), threshold=0.6)
    holdout = _holdout(demo)
    result = compare(demo.reg, moved, LIVE, data=holdout, data_name="german-holdout@1")
    model = models.load(demo.reg, LIVE)
    p = model.predict_proba(holdout[model.feature_names_in_])[:, list(model.classes_).index("good")]
    moves = (p >= 0.5) & (p < 0.6)
    female = (holdout[SEX] == FEMALE).to_numpy()
    by = {(g.attribute, g.group): g for g in result.by_group}
    for group, mask in (("female", female), ("male", ~female)):
        g = by[(SEX, group)]
        assert g.rows == int(mask.sum())
        assert g.transitions["bad"].get("good", 0) == int((moves & mask).sum())
        assert sum(sum(row.values()) for row in g.transitions.values()) == g.rows
        assert g.changed_share == pytest.approx((moves & mask).sum() / mask.sum(), abs=1e-12)
        assert g.harsher_share == g.changed_share  # every change is toward the decline
    assert result.ungrouped[SEX] == 0
    # the files show each group's matrix
    folder = tmp_path / "cmp"
    folder.mkdir()
    from govern.compare.output import write

    write(result, folder)
    md = (folder / "summary.md").read_text()
    assert f"{SEX}: female ({int(female.sum()):,} rows" in md
    assert f"Transitions of {SEX}: female" in (folder / "report.html").read_text()
    # a replay forms the groups from the logged inputs the same way
    replayed = compare(demo.reg, moved, LIVE, replay=True, with_reasons=False)
    shares = {(g.attribute, g.group): g.rows for g in replayed.by_group}
    assert shares[(SEX, "female")] + shares[(SEX, "male")] == replayed.rows
