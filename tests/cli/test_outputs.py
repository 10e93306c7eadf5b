"""Every `-o` is checked before any work (docs/cli.md, "Output"): a missing folder, a folder, the
command's own input, another suffix, or an existing file without --force is one line and exit 3,
with nothing written, logged, signed or kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.registry import Registry
from tests.provenance.conftest import Demo

runner = CliRunner()
REF = "credit-risk@1"


def _state(demo: Demo) -> tuple[int, int]:
    """The ledger's size and the checkpoints kept."""
    with Registry.open(str(demo.db), readonly=True) as reg:
        return reg.ledger.head().size, len(reg.ledger.checkpoints())


def _refused(demo: Demo, args: list[str], says: str) -> None:
    before = _state(demo)
    done = runner.invoke(app, [*args, "--db", str(demo.db)])
    assert done.exit_code == 3, done.output
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and says in lines[0], lines
    assert "Traceback" not in done.output
    assert _state(demo) == before


@pytest.fixture
def holdout(demo: Demo, tmp_path: Path) -> Path:
    path = tmp_path / "apps.csv"
    frame = demo.holdout.head(5).copy()
    frame.insert(0, "id", [f"o-{i}" for i in range(5)])
    frame.to_csv(path, index=False)
    return path


def test_score_checks_its_output_before_logging_anything(
    demo: Demo, holdout: Path, tmp_path: Path
) -> None:
    score = ["--sign-with", str(demo.key_of("loan-origination")), "score", REF, str(holdout)]
    score += ["--id-col", "id"]
    _refused(demo, [*score, "-o", str(tmp_path / "nowhere" / "out.csv")], "does not exist")
    _refused(demo, [*score, "-o", str(tmp_path)], "is a folder")
    _refused(demo, [*score, "-o", str(holdout)], "own input")
    _refused(demo, [*score, "-o", str(tmp_path / "out.parquet")], "writes .csv")
    existing = tmp_path / "out.csv"
    existing.write_text("keep me\n")
    _refused(demo, [*score, "-o", str(existing)], "exists")
    assert existing.read_text() == "keep me\n"
    # --force replaces it, and the predictions are logged once
    done = runner.invoke(app, [*score, "-o", str(existing), "--force", "--db", str(demo.db)])
    assert done.exit_code == 0, done.stderr
    assert existing.read_text().startswith("id,") and len(existing.read_text().splitlines()) == 6


def test_checkpoint_signs_and_keeps_nothing_when_it_cannot_write(
    demo: Demo, tmp_path: Path
) -> None:
    key = ["--key", str(demo.folder / "registry.key")]
    _refused(demo, ["checkpoint", *key, "-o", str(tmp_path / "no" / "cp.txt")], "does not exist")
    existing = tmp_path / "cp.txt"
    existing.write_text("an earlier checkpoint\n")
    _refused(demo, ["checkpoint", *key, "-o", str(existing)], "exists")
    assert existing.read_text() == "an earlier checkpoint\n"


@pytest.mark.parametrize(
    "command",
    [
        ["card", REF],
        ["report", "validation", REF],
        ["provenance", "demo-0001", "--format", "json"],
        ["receipt", "demo-0001"],
        ["monitor", REF],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_documents_refuse_a_missing_folder_and_an_existing_file(
    demo: Demo, tmp_path: Path, command: list[str]
) -> None:
    suffix = ".txt" if command[0] == "receipt" else ".json"
    _refused(demo, [*command, "-o", str(tmp_path / "no" / f"out{suffix}")], "does not exist")
    existing = tmp_path / f"out{suffix}"
    existing.write_text("keep\n")
    _refused(demo, [*command, "-o", str(existing)], "exists")
    assert existing.read_text() == "keep\n"


def test_explain_and_fairness_refuse_before_any_work(demo: Demo, tmp_path: Path) -> None:
    _refused(
        demo,
        ["explain", REF, "--data", "german-holdout@1", "-o", str(tmp_path / "no" / "e.html")],
        "does not exist",
    )
    _refused(
        demo,
        ["fairness", REF, "--data", "german-holdout@1", "-o", str(tmp_path / "f.csv")],
        "writes .html",
    )


def test_a_key_is_never_replaced_by_accident(tmp_path: Path) -> None:
    path = tmp_path / "dan_ed25519"
    assert runner.invoke(app, ["keys", "new", "dan", "-o", str(path)]).exit_code == 0
    first = path.read_bytes()
    again = runner.invoke(app, ["keys", "new", "dan", "-o", str(path)])
    assert again.exit_code == 3 and "exists" in again.stderr
    assert path.read_bytes() == first


def test_inputs_outside_the_training_data_are_scored_and_flagged(
    demo: Demo, holdout: Path, tmp_path: Path
) -> None:
    import pandas as pd

    frame = pd.read_csv(holdout)
    frame.loc[1, "age_in_years"] = 150  # above every training applicant
    frame.loc[3, "purpose"] = "spaceship"  # a category the training data never held
    frame.to_csv(holdout, index=False)
    out = tmp_path / "scored.csv"
    done = runner.invoke(
        app,
        [
            "--sign-with",
            str(demo.key_of("loan-origination")),
            "score",
            REF,
            str(holdout),
            "--id-col",
            "id",
            "-o",
            str(out),
            "--db",
            str(demo.db),
        ],
    )
    assert done.exit_code == 0, done.stderr
    assert "2 of 5 predictions had an input outside the training data" in done.stderr
    scored = pd.read_csv(out, keep_default_na=False)
    assert len(scored) == 5  # scored all the same
    warnings = dict(zip(scored["id"], scored["warnings"], strict=True))
    assert warnings["o-1"].startswith("age_in_years 150 outside the training range")
    assert warnings["o-3"] == "purpose 'spaceship' never seen in the training data"
    assert warnings["o-0"] == warnings["o-2"] == warnings["o-4"] == ""
