"""The favourable outcome is explicit: a probability-of-default model (label 1 = default),
registered with `--positive-label 1 --favorable-label 0`, explained with real SHAP.

The data is synthetic with known coefficients, so the drivers of a high-PD applicant are known:
its reasons must be exactly the largest contributions toward default, in order, and an approved
applicant must get none.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LinearRegression, LogisticRegression
from typer.testing import CliRunner

from govern.cli.main import app
from govern.errors import BadInput, FavourableOutcomeMissing
from govern.explain.registered import BACKGROUND_ROWS
from govern.ledger import Ledger
from govern.records import FAVOURABLE_NOT_STATED, ModelRegistered, subjects
from govern.registry import Registry, models
from govern.registry.codeversion import given
from tests.credit import COMMIT

runner = CliRunner()
ORIGIN = "bank.example/govern/pd"
TARGET = "default"
#: The true log-odds of default: debt and missed payments raise it, income and tenure lower it.
COEFFICIENTS = {
    "debt_to_income": 1.6,
    "missed_payments": 1.1,
    "utilisation": 0.7,
    "income": -1.3,
    "years_employed": -0.9,
}
INTERCEPT = -1.2


def synthetic(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f: rng.normal(size=n) for f in COEFFICIENTS})
    logit = INTERCEPT + sum(c * X[f] for f, c in COEFFICIENTS.items())
    X[TARGET] = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return X


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def size(db: Path) -> int:
    with Ledger.open("sqlite:///" + str(db), readonly=True) as ledger:
        return ledger.size


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A registry with dan (developer), the PD data registered, and the fitted model's file."""
    tmp = tmp_path_factory.mktemp("pd")
    db = tmp / "registry.db"
    assert run("init", "--origin", ORIGIN, "--db", str(db), "--admin", "ada")[0] == 0
    ada, dan = tmp / "ada_ed25519", tmp / "dan_ed25519"
    assert run("keys", "new", "dan", "-o", str(dan))[0] == 0
    code, _, err = run(
        *("--as", "ada", "--sign-with", str(ada)),
        *("people", "add", "dan", "--role", "developer", "--ssh-key", f"{dan}.pub"),
        *("--db", str(db)),
    )
    assert code == 0, err
    train, holdout = synthetic(4000, seed=1), synthetic(1000, seed=2)
    train.to_csv(tmp / "train.csv", index=False)
    holdout.to_csv(tmp / "holdout.csv", index=False)
    for name, file in (("pd-train", "train.csv"), ("pd-holdout", "holdout.csv")):
        code, _, err = run(
            *("--sign-with", str(dan), "data", "add", str(tmp / file)),
            *("--name", name, "--target", TARGET, "--db", str(db)),
        )
        assert code == 0, err
    model = LogisticRegression(C=1e6, max_iter=1000).fit(train[list(COEFFICIENTS)], train[TARGET])
    sio.dump(model, tmp / "pd.skops")
    return {"db": db, "dan": dan, "model": tmp / "pd.skops", "folder": tmp}


def add_model(w: dict[str, Path], *labels: str, name: str = "pd") -> tuple[int, str, str]:
    return run(
        *("--sign-with", str(w["dan"]), "model", "add", str(w["model"]), "--name", name),
        *("--train", "pd-train@1", "--holdout", "pd-holdout@1", "--target", TARGET),
        *("--intended-use", "Probability of default of retail loan applicants"),
        *("--owner", "dan", "--tier", "high", "--commit", COMMIT),
        *labels,
        *("--db", str(w["db"])),
    )


@pytest.fixture(scope="module")
def registered(world: dict[str, Path]) -> dict[str, Path]:
    code, out, err = add_model(world, "--positive-label", "1", "--favorable-label", "0")
    assert code == 0, err
    assert "pd@1 registered" in out and "favourable outcome: '0'" in out
    return world


def explain(w: dict[str, Path], row: int, ref: str = "pd@1") -> dict:  # type: ignore[type-arg]
    code, out, err = run(
        *("--sign-with", str(w["dan"]), "explain", ref, "--data", "pd-holdout@1"),
        *("--row", str(row), "--json", "--db", str(w["db"])),
    )
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def pd_of_holdout(w: dict[str, Path]) -> tuple[pd.DataFrame, np.ndarray]:
    holdout = pd.read_csv(w["folder"] / "holdout.csv")
    model = sio.load(w["model"], trusted=[])
    return holdout, model.predict_proba(holdout[list(COEFFICIENTS)])[:, 1]


def known_contributions(w: dict[str, Path], row: pd.Series) -> dict[str, float]:
    """coef * (x - background mean): the exact SHAP values of a linear model on the log-odds,
    over the background govern records (a seeded sample of the training data)."""
    model = sio.load(w["model"], trusted=[])
    train = pd.read_csv(w["folder"] / "train.csv")[list(COEFFICIENTS)]
    background = train.sample(n=BACKGROUND_ROWS, random_state=0)
    mean = background.mean()
    return {f: float(model.coef_[0][i] * (row[f] - mean[f])) for i, f in enumerate(COEFFICIENTS)}


def test_the_model_recovers_the_known_coefficients(registered: dict[str, Path]) -> None:
    model = sio.load(registered["model"], trusted=[])
    fitted = dict(zip(COEFFICIENTS, model.coef_[0], strict=True))
    assert fitted == pytest.approx(COEFFICIENTS, abs=0.2)


def test_registration_records_both_labels_and_metrics_count_defaults(
    registered: dict[str, Path],
) -> None:
    with Registry.open(str(registered["db"]), readonly=True) as reg:
        mv = models.resolve(reg, "pd@1")
        entry = reg.entry(mv.seq)
    r = mv.record
    assert (r.positive_label, r.favorable_label, r.favourable_outcome) == ("1", "0", "0")
    assert entry.payload["favorable_label"] == "0"
    metrics = r.classifier_metrics("pd-holdout@1")
    holdout = pd.read_csv(registered["folder"] / "holdout.csv")
    # the metrics still treat default (the positive label) as positive
    assert metrics.positive_label == 1 and metrics.positives == int(holdout[TARGET].sum())
    assert metrics.roc_auc is not None and metrics.roc_auc > 0.8


def test_a_high_pd_applicant_gets_the_drivers_of_default_as_reasons(
    registered: dict[str, Path],
) -> None:
    holdout, pd_scores = pd_of_holdout(registered)
    worst = int(np.argmax(pd_scores))
    assert pd_scores[worst] > 0.9
    doc = explain(registered, worst)
    d = doc["decision"]
    assert (d["outcome"], d["favourable"], d["adverse"]) == ("1", "0", "1")
    assert d["favourable_decision"] is False and d["favourable_stated"] is True
    assert d["statement"] == "1, an adverse outcome (the favourable outcome is 0)"
    known = known_contributions(registered, holdout.iloc[worst])
    shap = {c["feature"]: c["contribution"] for c in doc["contributions"]}
    assert shap == pytest.approx(known, abs=1e-9)
    toward_default = sorted((f for f in known if known[f] > 0), key=lambda f: -known[f])
    assert len(toward_default) >= 2
    reasons = doc["reasons"]
    assert [r["features"] for r in reasons] == [[f] for f in toward_default[:4]]
    assert [r["rank"] for r in reasons] == list(range(1, len(reasons) + 1))
    assert all(r["direction"] == "adverse" and r["contribution"] > 0 for r in reasons)
    stated = [r["statement"] for r in reasons]
    assert stated == [f.replace("_", " ").capitalize() for f in toward_default[:4]]
    assert doc["factors"] == []


def test_an_approved_applicant_gets_no_reasons(registered: dict[str, Path]) -> None:
    _holdout, pd_scores = pd_of_holdout(registered)
    best = int(np.argmin(pd_scores))
    assert pd_scores[best] < 0.05
    doc = explain(registered, best)
    d = doc["decision"]
    assert (d["outcome"], d["favourable_decision"]) == ("0", True)
    assert doc["reasons"] == []
    assert doc["factors"] and all(
        f["direction"] == "favourable" and f["contribution"] < 0 for f in doc["factors"]
    )


def test_the_terminal_states_the_decision_first(registered: dict[str, Path]) -> None:
    _holdout, pd_scores = pd_of_holdout(registered)
    for row, first, title in (
        (int(np.argmax(pd_scores)), "decision: 1, an adverse outcome", "principal reasons"),
        (int(np.argmin(pd_scores)), "decision: 0, the favourable outcome", "main factors"),
    ):
        code, out, err = run(
            *("--sign-with", str(registered["dan"]), "explain", "pd@1"),
            *("--data", "pd-holdout@1", "--row", str(row), "--db", str(registered["db"])),
        )
        assert code == 0, err
        assert out.splitlines()[0].startswith(first) and title in out


def test_missing_favourable_label_is_refused_and_nothing_is_written(
    world: dict[str, Path],
) -> None:
    before = size(world["db"])
    code, out, err = add_model(world, "--positive-label", "1", name="pd-unstated")
    assert code == FavourableOutcomeMissing.exit_code == 24
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: pd-unstated is a classifier: state its favourable outcome")
    assert lines[1].startswith("hint: pass --favorable-label") and len(lines) == 2
    assert "Traceback" not in err + out
    assert size(world["db"]) == before


def test_an_invalid_favourable_label_is_refused(world: dict[str, Path]) -> None:
    before = size(world["db"])
    code, _out, err = add_model(
        world, "--positive-label", "1", "--favorable-label", "good", name="pd-wrong"
    )
    assert code == BadInput.exit_code == 3
    assert "the favourable label 'good' is not one of the model's classes (0, 1)" in err
    assert "Traceback" not in err and size(world["db"]) == before


def test_the_library_asks_for_it_too_and_regressors_do_not_take_it(
    registered: dict[str, Path],
) -> None:
    db = registered["db"]
    before = size(db)
    train = pd.read_csv(registered["folder"] / "train.csv")
    model = sio.load(registered["model"], trusted=[])
    common = dict(
        training_data=["pd-train@1"],
        target=TARGET,
        intended_use="PD",
        owner="dan",
        risk_tier="low",
        code=given(COMMIT, None, None),
    )
    with Registry.open(str(db), key=registered["dan"]) as reg:
        with pytest.raises(FavourableOutcomeMissing, match="state its favourable outcome"):
            reg.register_model(model, name="pd-lib", positive_label=1, **common)  # type: ignore[arg-type]
        regressor = LinearRegression().fit(train[list(COEFFICIENTS)], train[TARGET])
        with pytest.raises(BadInput, match="regressor: it has no favourable class"):
            reg.register_model(regressor, name="pd-reg", favorable_label=0, **common)  # type: ignore[arg-type]
    assert size(db) == before


@pytest.fixture(scope="module")
def old_entry(registered: dict[str, Path]) -> dict[str, Path]:
    """pd@2 as govern wrote it before the favourable outcome was asked for: no such key."""
    with Registry.open(str(registered["db"]), key=registered["dan"]) as reg:
        now = models.resolve(reg, "pd@1").record
        old = dataclasses.replace(
            now,
            subject=subjects.model("pd@2"),
            version=2,
            favorable_label=None,
            signature=None,
        )
        reg.record(old)
    return registered


def test_an_old_entry_reads_as_favourable_equals_positive(old_entry: dict[str, Path]) -> None:
    with Registry.open(str(old_entry["db"]), readonly=True) as reg:
        mv = models.resolve(reg, "pd@2")
        entry = reg.entry(mv.seq)
        reg.verify()
    assert "favorable_label" not in entry.payload
    r = mv.record
    assert r.favorable_label is None and not r.favourable_stated
    assert r.favourable_outcome == r.positive_label == "1"  # today's reading, stated as such
    again = ModelRegistered.from_entry(entry)
    assert again.to_payload() == entry.payload  # re-serialised without the key
    assert "favorable_label" not in again.to_payload()


def test_an_old_entry_says_the_favourable_outcome_was_not_stated(
    old_entry: dict[str, Path],
) -> None:
    _holdout, pd_scores = pd_of_holdout(old_entry)
    # read as favourable = positive ("1"): the most likely defaulter is the "favourable" one
    doc = explain(old_entry, int(np.argmax(pd_scores)), ref="pd@2")
    d = doc["decision"]
    assert d["favourable_stated"] is False and d["favourable"] == "1"
    assert FAVOURABLE_NOT_STATED in d["statement"] and doc["reasons"] == []
    code, out, err = run("card", "render", "pd@2", "--db", str(old_entry["db"]))
    assert code == 0, err
    assert f"{FAVOURABLE_NOT_STATED}; read as the positive label '1'" in out
    code, out, err = run("card", "render", "pd@1", "--db", str(old_entry["db"]))
    assert code == 0, err
    assert FAVOURABLE_NOT_STATED not in out and "'0': the outcome that is good" in out
