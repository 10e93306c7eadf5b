"""`govern explain` on the demo's registered German credit model, end to end."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from govern.cli.main import app
from govern.ledger import Ledger
from govern.registry import Registry, models

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    """A command as dan, the demo's developer: signed with his key when it writes."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def as_dan(demo: Path) -> list[str]:
    return ["--sign-with", str(demo / "keys" / "dan_ed25519")]


def size(db: Path) -> int:
    with Ledger.open("sqlite:///" + str(db), readonly=True) as ledger:
        return ledger.size


def test_global_report_is_recorded_with_its_digest(demo: Path) -> None:
    db = demo / "registry.db"
    out = demo / "explain.json"
    code, _, err = run(
        *as_dan(demo),
        "explain",
        "credit-risk@1",
        "--data",
        "german-holdout@1",
        "-o",
        str(out),
        "--db",
        str(db),
    )
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert doc["fidelity"]["passed"] and doc["fidelity"]["max_abs_error"] < 1e-6
    assert doc["fidelity"]["output_space"] == "log-odds"
    with Ledger.open("sqlite:///" + str(db), readonly=True) as ledger:
        entry = next(ledger.entries(kind="explanation.generated", newest_first=True))
    p = entry.payload
    assert p["report"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert p["data"]["ref"] == "german-holdout@1" and p["background"]["ref"] == "german-train@1"
    assert run("verify", "--db", str(db))[0] == 0


def most_declined(demo: Path) -> int:
    """The holdout row with the lowest probability of "good": a declined application."""
    holdout = pd.read_csv(demo / "data" / "german-holdout.csv")
    with Registry.open(str(demo / "registry.db"), actor="dan") as reg:
        model = models.load(reg, "credit-risk@1")
    good = list(model.classes_).index("good")
    scores = model.predict_proba(holdout.drop(columns=["creditability"]))[:, good]
    return int(scores.argmin())


def test_declined_applicant_reasons_follow_the_contributions(demo: Path) -> None:
    db = demo / "registry.db"
    worst = most_declined(demo)
    code, out, err = run(
        *as_dan(demo),
        "explain",
        "credit-risk@1",
        "--data",
        str(demo / "data" / "german-holdout.csv"),
        "--row",
        str(worst),
        "--json",
        "--db",
        str(db),
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["decision"]["adverse"] == "bad" and doc["decision"]["favourable"] == "good"
    assert doc["decision"]["outcome"] == "bad" and doc["decision"]["favourable_decision"] is False
    assert doc["factors"] == []
    reasons = doc["reasons"]
    assert 1 <= len(reasons) <= 4
    pushes = {c["feature"]: c["contribution"] for c in doc["contributions"]}
    adverse = sorted((f for f, v in pushes.items() if v < 0), key=lambda f: pushes[f])[:4]
    assert [r["features"][0] for r in reasons] == adverse  # the same features, in that order
    assert all(r["contribution"] < 0 for r in reasons)


def test_bad_input_writes_nothing(demo: Path, tmp_path: Path) -> None:
    db = demo / "registry.db"
    before = size(db)
    holdout = pd.read_csv(demo / "data" / "german-holdout.csv")
    missing = tmp_path / "missing.csv"
    holdout.drop(columns=["age_in_years"]).to_csv(missing, index=False)
    empty = tmp_path / "empty.csv"
    holdout.head(0).to_csv(empty, index=False)
    cases = [
        (("--data", str(missing), "-o", str(tmp_path / "a.html")), 3, "age_in_years"),
        (("--data", str(empty), "-o", str(tmp_path / "b.html")), 3, "no rows"),
        (
            (
                "--data",
                str(demo / "data" / "german-holdout.csv"),
                "--row",
                "99999",
                "-o",
                str(tmp_path / "c.html"),
            ),
            4,
            "99999",
        ),
        (("--data", "nope@1"), 4, "nope"),
    ]
    for args, expected, text in cases:
        code, _, err = run(*as_dan(demo), "explain", "credit-risk@1", *args, "--db", str(db))
        assert code == expected, (args, err)
        assert text in err and "Traceback" not in err
    assert size(db) == before
    assert not list(tmp_path.glob("*.html"))


def test_registered_reason_table_states_the_reasons(demo: Path, tmp_path: Path) -> None:
    db = demo / "registry.db"
    table = tmp_path / "reasons.toml"
    table.write_text(
        'format = 1\nmodel = "credit-risk"\nversion = "2026-11"\n\n'
        '[[reason]]\ncode = "R01"\nfeature = "status_of_existing_checking_account"\n'
        'statement = "Balance of your checking account"\n'
    )
    code, _, err = run(
        *as_dan(demo), "reasons", "add", "credit-risk@1", str(table), "--db", str(db)
    )
    assert code == 0, err
    code, out, err = run(
        *as_dan(demo),
        "explain",
        "credit-risk@1",
        "--data",
        str(demo / "data" / "german-holdout.csv"),
        "--row",
        str(most_declined(demo)),
        "--json",
        "--db",
        str(db),
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["reason_table"]["version"] == "2026-11"
    stated = {r["code"]: r["statement"] for r in doc["reasons"]}
    assert stated.get("R01") == "Balance of your checking account"
