"""The provenance commands through the command line, on the demo's registry."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from govern.cli.main import app
from govern.registry import deployments
from tests.provenance.conftest import Demo

runner = CliRunner()


def run(demo: Demo, *args: str, who: str | None = None) -> tuple[int, str, str]:
    full = (["--as", who] if who else []) + list(args) + ["--db", str(demo.db)]
    result = runner.invoke(app, full)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def applications(demo: Demo) -> Path:
    frame = demo.holdout.copy()
    frame.insert(0, "application_id", [f"A-{i:04d}" for i in range(len(frame))])
    frame.insert(1, "customer", [f"c{i}" for i in range(len(frame))])
    path = demo.folder / "applications.csv"
    frame.to_csv(path, index=False)
    return path


def test_score_then_look_up_receipt_erase(demo: Demo, applications: Path, tmp_path: Path) -> None:
    scored = tmp_path / "scored.csv"
    code, out, err = run(
        demo,
        "score",
        "credit-risk@1",
        str(applications),
        "--id-col",
        "application_id",
        "--subject-col",
        "customer",
        "--product",
        "retail-loan",
        "-o",
        str(scored),
        who="svc",
    )
    assert code == 0, err
    assert "300 predictions by credit-risk@1 logged as entries" in out
    frame = pd.read_csv(scored)
    assert list(frame.columns) == ["application_id", "score", "decision", "entry"]
    worst = frame.loc[frame["score"].idxmin()]
    pid = str(worst["application_id"])
    assert worst["decision"] == "bad"

    code, out, err = run(demo, "provenance", pid)
    assert code == 0, err
    assert f"Provenance of decision {pid}" in out and "matches its commitment" in out
    assert "subject key" in out and "retail-loan" in out

    code, out, err = run(demo, "provenance", pid, "--format", "json", "--no-explain")
    doc = json.loads(out)
    assert code == 0 and doc["decision"]["entry"] == int(worst["entry"])
    assert doc["output"]["score"] == repr(float(worst["score"]))
    assert doc["rescore"]["state"] == "same" and doc["integrity"]["verified"] is True
    assert doc["explanation"]["state"] == "not available"

    pdf = tmp_path / "p.pdf"
    assert run(demo, "provenance", pid, "--format", "pdf", "-o", str(pdf))[0] == 0
    assert "Principal reasons" in "".join(p.extract_text() for p in PdfReader(pdf).pages)
    code, _out, err = run(demo, "provenance", pid, "--format", "pdf")
    assert code == 3 and "-o FILE.pdf" in err

    receipt = tmp_path / "receipt.txt"
    code, out, err = run(demo, "receipt", pid, "-o", str(receipt))
    assert code == 0 and receipt.read_text().startswith("c2sp.org/tlog-proof@v1\n")

    code, out, err = run(
        demo, "override", pid, "--decision", "good", "--reason", "collateral offered", who="otto"
    )
    assert code == 0 and "bad -> good by otto" in out

    code, out, err = run(demo, "erase", pid, "--reason", "GDPR Art. 17", who="ada")
    assert code == 0, err
    assert "erased" in out and "within the retention period" in err
    code, out, _err = run(demo, "provenance", pid, "--no-explain")
    assert code == 0 and "input: ERASED" in out and "final decision  good" in out
    assert run(demo, "erase", pid, "--reason", "again", who="ada")[0] == 8
    assert run(demo, "verify")[0] == 0


def test_refusals_and_their_exit_codes(demo: Demo, applications: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(applications)
    code, _out, err = run(demo, "score", "credit-risk@1", str(applications))
    assert code == 3 and "unexpected columns application_id, customer" in err
    bad = tmp_path / "bad.csv"
    frame.drop(columns=["customer", "housing"]).to_csv(bad, index=False)
    code, _out, err = run(demo, "score", "credit-risk@1", str(bad), "--id-col", "application_id")
    assert code == 3 and "missing column housing" in err
    frame.drop(columns=["customer"]).assign(age_in_years="old").to_csv(bad, index=False)
    code, _out, err = run(demo, "score", "credit-risk@1", str(bad), "--id-col", "application_id")
    assert code == 3 and "column age_in_years holds text" in err
    dup = frame.drop(columns=["customer"])
    dup.loc[5, "application_id"] = dup.loc[4, "application_id"]
    dup.to_csv(bad, index=False)
    code, _out, err = run(demo, "score", "credit-risk@1", str(bad), "--id-col", "application_id")
    assert code == 40 and "'A-0004' appears more than once" in err
    code, _out, err = run(demo, "score", "credit-risk@1", str(bad), "--id-col", "nope")
    assert code == 3 and "the id column 'nope' is not in bad.csv" in err
    size = demo.reg.ledger.size
    assert run(demo, "provenance", "A-0001")[0] == 4
    assert run(demo, "receipt", "A-0001")[0] == 4

    demo.reg.actor = "otto"
    deployments.retire(demo.reg, "credit-risk@1", reason="replaced")
    args = [
        "score",
        "credit-risk@1",
        str(applications),
        "--id-col",
        "application_id",
        "--subject-col",
        "customer",
    ]
    code, _out, err = run(demo, *args)
    assert code == 41 and "retired, not deployed" in err and "--override" in err
    assert demo.reg.ledger.size == size + 1  # only the retirement
    code, out, err = run(demo, *args, "--override", "back-test", "--json")
    assert code == 0 and json.loads(out)["override"] == {"reason": "back-test", "status": "retired"}
    code, out, _err = run(demo, "provenance", "A-0001", "--no-explain")
    assert code == 0 and "WARNING: credit-risk@1 was RETIRED when this decision was made" in out
    assert "explicit override: back-test" in out
