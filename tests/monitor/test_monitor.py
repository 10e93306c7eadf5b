"""Outcomes and monitoring on the German credit demo (docs/monitoring.md): back-testing equals
scikit-learn's on the same joined rows, a shifted feature shows in its PSI and only there, a
red result raises the finding and makes revalidation due, and the card and coverage read it."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve
from typer.testing import CliRunner

from govern.cli.main import app
from govern.demo import SERVICE, TARGET, german_credit_path
from govern.documents.card import build_card
from govern.documents.coverage import coverage
from govern.errors import BadInput
from govern.ledger.entry import now_ts
from govern.monitor import monitor
from govern.monitor.record import record
from govern.provenance.scorer import Scorer
from govern.records import PolicySet, subjects
from govern.registry import catalog, status
from govern.registry import policy as policy_mod
from tests.provenance.conftest import Demo
from tests.provenance.helpers import state

REF = "credit-risk@1"
runner = CliRunner()


def _outcomes_at_once(demo: Demo) -> None:
    """A policy whose outcomes mature at once (fraud-like), so today's decisions count."""
    demo.act("ada")
    policy = policy_mod.DEFAULT.as_dict()
    policy["monitoring"]["high"]["outcome_window_months"] = 0
    demo.reg.record(PolicySet(subject=subjects.POLICY, policy=policy))


def _truth(demo: Demo) -> pd.DataFrame:
    """The demo scored every German credit application as demo-0000..0999; its outcomes are the
    data's own labels, a third of the good ones turned bad (a known shift in outcomes)."""
    data = pd.read_csv(german_credit_path())
    outcome = data[TARGET].astype(str).to_numpy().copy()
    rng = np.random.default_rng(7)
    flip = (outcome == "good") & (rng.random(len(outcome)) < 1 / 3)
    outcome[flip] = "bad"
    return pd.DataFrame({"id": [f"demo-{i:04d}" for i in range(len(data))], "outcome": outcome})


def test_back_testing_equals_scikit_learn_on_the_joined_rows(demo: Demo) -> None:
    _outcomes_at_once(demo)
    truth = _truth(demo)
    demo.act(SERVICE)
    done = demo.reg.outcomes(truth, id_col="id", outcome_col="outcome")
    assert done.rows == 1000 and done.models == (REF,) and done.corrections == 0
    report = monitor(demo.reg, REF)
    scored = pd.read_csv(demo.folder / "reports" / "scored.csv")
    joined = scored.merge(truth, left_on=scored.columns[0], right_on="id")
    y = (joined["outcome"] == "good").to_numpy()
    s = joined["score"].astype(float).to_numpy()
    fpr, tpr, _ = roc_curve(y, s)
    o = report.outcomes
    assert o["n"] == 1000
    assert o["roc_auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert o["gini"] == pytest.approx(2 * roc_auc_score(y, s) - 1, abs=1e-12)
    assert o["ks"] == pytest.approx(float(np.max(tpr - fpr)), abs=1e-12)
    assert o["brier"] == pytest.approx(brier_score_loss(y, s), abs=1e-12)
    # the flipped outcomes make the model look worse than on its development sample
    assert o["auc_drop"] == pytest.approx(report.development["roc_auc"] - o["roc_auc"])
    assert {c.metric for c in report.checks} >= {"auc_drop", "calibration_gap", "score_psi"}
    assert sum(b.count for b in report.bands) == 1000
    # a correction supersedes, never overwrites: the latest outcome counts
    again = demo.reg.outcomes(
        truth.iloc[:5].assign(outcome="good"), id_col="id", outcome_col="outcome"
    )
    assert again.corrections == 5
    assert monitor(demo.reg, REF).outcomes["n"] == 1000
    rows = {r.requirement.id: r for r in coverage(demo.reg, REF, "sr11-7").rows}
    assert not rows["V.3-backtesting"].satisfied
    demo.act("vera")
    record(demo.reg, report)
    rows = {r.requirement.id: r for r in coverage(demo.reg, REF, "sr11-7").rows}
    assert rows["V.3-backtesting"].satisfied
    demo.reg.verify()


def _independent_psi(
    values: np.ndarray, edges: list[float], shares: list[float], missing: float
) -> float:
    """PSI on right-closed bins (-inf, e1], ..., (ek, inf) and a missing bin, with numpy."""
    present = values[~np.isnan(values)]
    idx = np.digitize(present, np.asarray(edges), right=True)
    counts = np.bincount(idx, minlength=len(edges) + 1)
    cur = np.append(counts, np.isnan(values).sum()) / len(values)
    base = np.asarray([*shares, missing])
    b, c = np.maximum(base, 1e-4), np.maximum(cur, 1e-4)
    return math.fsum((c - b) * np.log(c / b))


def test_a_shifted_feature_turns_red_raises_the_finding_and_fills_the_evidence(
    demo: Demo,
) -> None:
    reg = demo.reg
    start = now_ts()
    X, _ = demo.applications()
    shifted = X.copy()
    third = np.arange(len(shifted)) % 3 == 0
    shifted.loc[third, "duration_in_month"] = shifted.loc[third, "duration_in_month"] * 3
    demo.act(SERVICE)
    Scorer(reg, REF).decide(shifted, ids=[f"shift-{i:04d}" for i in range(len(shifted))])
    report = monitor(reg, REF, start=start)
    assert report.rows == len(shifted)
    by = {d.name: d for d in report.features}
    assert by["duration_in_month"].status in ("amber", "red")
    assert by["duration_in_month"].psi >= 0.10
    others = [d for d in report.features if d.name != "duration_in_month"]
    assert all(d.status == "green" for d in others), [(d.name, d.psi) for d in others]
    # the PSI equals an independent computation on the stated bins
    profile = catalog.profile_of(reg, "german-train@1")
    bins = dict(profile.bins["duration_in_month"])
    values = shifted["duration_in_month"].to_numpy(dtype="float64")
    expected = _independent_psi(values, bins["edges"], bins["shares"], bins["missing"])
    assert abs(by["duration_in_month"].psi - expected) < 1e-12
    assert by["duration_in_month"].second == "ks" and by["duration_in_month"].second_value > 0.1
    assert by["purpose"].second == "js"

    before = status.status(reg, REF)
    assert before.status == status.DEPLOYED
    cov_before = coverage(reg, REF, "sr26-2")
    demo.act("vera")
    done = record(reg, report)
    assert done.result.kind == "monitoring.result"
    assert report.status == "red" and by["duration_in_month"].status == "red"
    assert done.finding is not None
    after = status.status(reg, REF)
    # flagged, not stopped: the monitoring finding is automatic
    assert after.status == status.DEPLOYED
    assert any(f.kind == "automatic finding" for f in after.flags)
    (finding,) = [f for f in after.open_findings if f.type == "monitoring"]
    assert finding.severity == "high" and "duration_in_month" in finding.text
    assert after.next_review_due == finding.due
    assert finding.due is not None and finding.due < (before.next_review_due or "9")
    st = status.status(reg, REF)
    assert st.monitoring is not None and st.monitoring.last_status == report.status
    card = build_card(reg, REF).markdown
    assert "Latest monitoring: " + report.status in card and "duration_in_month" in card
    cov = coverage(reg, REF, "sr26-2")
    missing_before = {r.requirement.id for r in cov_before.missing}
    missing_after = {r.requirement.id for r in cov.missing}
    assert missing_after <= missing_before
    assert "monitoring-results" in missing_before and "monitoring-results" not in missing_after
    rows = {r.requirement.id: r for r in coverage(reg, REF, "sr11-7").rows}
    assert rows["V.3-backtesting"].satisfied is False  # no outcomes recorded in this test
    reg.verify()


def test_the_report_files_and_the_command(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(demo.db)
    out = tmp_path / "monitoring.json"
    result = runner.invoke(app, ["monitor", REF, "--db", db, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "score_psi" in result.stdout
    first = out.read_bytes()
    data = json.loads(first)
    assert data["model"] == REF and data["rows"] == 1000
    # the same ledger state gives the same bytes (and the file is replaced only with --force)
    assert runner.invoke(app, ["monitor", REF, "--db", db, "-o", str(out)]).exit_code == 3
    assert (
        runner.invoke(app, ["monitor", REF, "--db", db, "-o", str(out), "--force"]).exit_code == 0
    )
    assert out.read_bytes() == first
    for suffix in ("html", "pdf"):
        path = tmp_path / f"monitoring.{suffix}"
        assert runner.invoke(app, ["monitor", REF, "--db", db, "-o", str(path)]).exit_code == 0
        assert path.stat().st_size > 10_000
    html = (tmp_path / "monitoring.html").read_bytes()
    assert b"<img" in html
    assert (
        runner.invoke(
            app, ["monitor", REF, "--db", db, "-o", str(tmp_path / "again.html")]
        ).exit_code
        == 0
    )
    assert (tmp_path / "again.html").read_bytes() == html


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"id": ["never-logged"], "outcome": ["good"]}, "were never logged"),
        ({"id": ["demo-0001"], "outcome": ["maybe"]}, "is not one of credit-risk@1's labels"),
        ({"id": ["demo-0001", "demo-0001"], "outcome": ["good", "bad"]}, "both give an outcome"),
        ({"id": ["demo-0001"], "result": ["good"]}, "has no column outcome"),
    ],
)
def test_bad_outcomes_are_refused_with_nothing_written(
    demo: Demo,
    tmp_path,
    rows: dict[str, list[str]],
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "outcomes.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    before = state(demo.reg)
    result = runner.invoke(
        app,
        [
            "--sign-with",
            str(demo.key_of(SERVICE)),
            "outcomes",
            "add",
            str(path),
            "--id-col",
            "id",
            "--outcome-col",
            "outcome",
            "--db",
            str(demo.db),
        ],
    )
    assert result.exit_code == 3, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert state(demo.reg) == before


def test_an_empty_window_and_a_file_without_the_features_are_refused(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput, match="no decisions of credit-risk@1 are logged"):
        monitor(
            demo.reg, REF, start="2030-01-01T00:00:00.000000Z", end="2030-02-01T00:00:00.000000Z"
        )
    path = tmp_path / "thin.csv"
    demo.holdout.drop(columns=["duration_in_month"]).to_csv(path, index=False)
    result = runner.invoke(app, ["monitor", REF, "--data", str(path), "--db", str(demo.db)])
    assert (
        result.exit_code == 3 and "lacks credit-risk@1's feature duration_in_month" in result.stderr
    )
    # a given file with its target: scored here, outcomes from the target column
    full = tmp_path / "holdout.csv"
    pd.read_csv(demo.folder / "data" / "german-holdout.csv").to_csv(full, index=False)
    result = runner.invoke(
        app, ["monitor", REF, "--data", str(full), "--db", str(demo.db), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == "holdout.csv" and data["outcomes"]["n"] == len(demo.holdout)
    # on its own holdout the model has not drifted from its development figures
    assert abs(data["outcomes"]["auc_drop"]) < 1e-9
