"""Large files are committed in chunks, each one transaction; a re-run with --resume reports the
rows logged before (same version, same input) from the ledger and scores only the rest
(docs/provenance.md, "Large files and --resume")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.demo import SERVICE
from govern.errors import BadInput, DuplicatePrediction
from govern.provenance import read_scoring_file, score_input
from govern.provenance.scorer import Scorer
from govern.records import PredictionLogged
from tests.provenance.conftest import Demo
from tests.provenance.helpers import state

REF = "credit-risk@1"
runner = CliRunner()


def _file(demo: Demo, tmp_path: Path, n: int = 10) -> Path:
    frame = demo.holdout.head(n).copy()
    frame.insert(0, "id", [f"r-{i:02d}" for i in range(n)])
    path = tmp_path / "apps.csv"
    frame.to_csv(path, index=False)
    return path


def _logged_once(demo: Demo, ids: list[str]) -> dict[str, int]:
    entries = demo.reg.ledger.checked_subjects(ids, kind=PredictionLogged.KIND)
    seen = [PredictionLogged.from_entry(e).subject for e in entries]
    assert sorted(seen) == sorted(ids), "every id logged exactly once"
    return {PredictionLogged.from_entry(e).subject: e.seq for e in entries}


def test_a_file_is_committed_in_chunks(demo: Demo, tmp_path: Path) -> None:
    data = read_scoring_file(_file(demo, tmp_path), id_col="id")
    demo.act(SERVICE)
    batch = score_input(demo.reg, REF, data, chunk_rows=3)
    ids = [f"r-{i:02d}" for i in range(10)]
    assert list(batch.ids) == ids and batch.reported == 0
    at = _logged_once(demo, ids)
    assert list(batch.seqs) == [at[i] for i in ids]  # each row's own entry, in file order
    # four batches: each led by its signed statement, so the positions are not one run
    assert (
        len(
            {
                e.payload["batch"]
                for e in demo.reg.ledger.checked_subjects(ids, kind=PredictionLogged.KIND)
            }
        )
        == 4
    )
    demo.reg.verify()


def test_an_interrupted_run_is_resumed(demo: Demo, tmp_path: Path) -> None:
    """r-07 was logged by another call first: a plain run commits the chunks before it, then
    stops; --resume reports those and r-07 from the ledger and scores the rest, once each."""
    path = _file(demo, tmp_path)
    frame = pd.read_csv(path)
    demo.act(SERVICE)
    Scorer(demo.reg, REF).decide(frame.drop(columns=["id"]).iloc[[7]], ids=["r-07"])
    command = ["--sign-with", str(demo.key_of(SERVICE)), "score", REF, str(path), "--id-col"]
    command += ["id", "--chunk-rows", "3", "--db", str(demo.db)]
    stopped = runner.invoke(app, command)
    assert stopped.exit_code == 40 and "'r-07' is already logged" in stopped.stderr
    _logged_once(demo, ["r-00", "r-01", "r-02", "r-03", "r-04", "r-05", "r-07"])  # 2 chunks
    out = tmp_path / "scored.csv"
    done = runner.invoke(app, [*command, "--resume", "-o", str(out)])
    assert done.exit_code == 0, done.stderr
    assert "7 predictions were logged before" in done.stdout
    assert "3 predictions by credit-risk@1 logged" in done.stdout
    ids = [f"r-{i:02d}" for i in range(10)]
    at = _logged_once(demo, ids)
    scored = pd.read_csv(out)
    assert scored["id"].tolist() == ids
    assert scored["entry"].tolist() == [at[i] for i in ids]
    assert scored["resumed"].tolist() == [True] * 6 + [False, True, False, False]
    demo.reg.verify()


def test_a_resume_refuses_another_input_another_version_and_no_ids(
    demo: Demo, tmp_path: Path
) -> None:
    path = _file(demo, tmp_path, n=4)
    frame = pd.read_csv(path)
    demo.act(SERVICE)
    changed = frame.drop(columns=["id"]).iloc[[2]].copy()
    changed["duration_in_month"] = changed["duration_in_month"] + 1
    Scorer(demo.reg, REF).decide(changed, ids=["r-02"])  # the same id, another input
    before = state(demo.reg)
    data = read_scoring_file(path, id_col="id")
    with pytest.raises(DuplicatePrediction, match="'r-02' is logged already with another input"):
        score_input(demo.reg, REF, data, resume=True)
    with pytest.raises(BadInput, match="give the id column"):
        score_input(demo.reg, REF, read_scoring_file(path), resume=True)
    other = "credit-risk-challenger@1"  # registered, not approved: scored on an override
    Scorer(demo.reg, other, override="a pilot").decide(
        frame.drop(columns=["id"]).iloc[[1]], ids=["r-01"]
    )
    before = state(demo.reg)
    with pytest.raises(DuplicatePrediction, match=f"'r-01' is logged already by {other}"):
        score_input(demo.reg, REF, data, resume=True)
    assert state(demo.reg) == before
