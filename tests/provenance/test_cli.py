"""The provenance commands through the command line, on the demo's registry."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from govern.cli.main import app
from govern.demo import SERVICE
from govern.provenance.scorer import Scorer
from govern.registry import deployments
from tests.provenance.conftest import Demo
from tests.provenance.helpers import OVERRIDE, as_privacy_officer, state

runner = CliRunner()


def run(demo: Demo, *args: str, who: str | None = None) -> tuple[int, str, str]:
    """Run a command as ``who``: signed with their key, as `--sign-with` does."""
    full = (["--sign-with", str(demo.key_of(who))] if who else []) + list(args)
    full += ["--db", str(demo.db)]
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
        who=SERVICE,
    )
    assert code == 0, err
    assert "300 predictions by credit-risk@1 logged as entries" in out
    frame = pd.read_csv(scored)
    assert list(frame.columns) == ["application_id", "score", "decision", "entry", "warnings"]
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

    # within the retention period: the administrator alone may not erase it
    code, out, err = run(demo, "erase", pid, "--reason", "GDPR Art. 17", who="ada")
    assert code == 6 and "needs a privacy officer's signed override" in err
    demo.act("ada")
    as_privacy_officer(demo.reg, demo.folder / "keys")
    code, out, err = run(
        demo,
        "erase",
        pid,
        "--reason",
        "GDPR Art. 17",
        "--retention-override",
        OVERRIDE,
        who="priya",
    )
    assert code == 0, err
    assert "erased" in out and "within the retention period" in err
    code, out, _err = run(demo, "provenance", pid, "--no-explain")
    assert code == 0 and "Input: ERASED on " in out and "Final decision  good" in out
    assert run(demo, "erase", pid, "--reason", "again", who="ada")[0] == 8
    assert run(demo, "verify")[0] == 0


def test_refusals_and_their_exit_codes(demo: Demo, applications: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(applications)
    code, _out, err = run(demo, "score", "credit-risk@1", str(applications), who=SERVICE)
    assert code == 3 and "unexpected columns application_id, customer" in err
    bad = tmp_path / "bad.csv"
    frame.drop(columns=["customer", "housing"]).to_csv(bad, index=False)
    code, _out, err = run(
        demo, "score", "credit-risk@1", str(bad), "--id-col", "application_id", who=SERVICE
    )
    assert code == 3 and "missing column housing" in err
    frame.drop(columns=["customer"]).assign(age_in_years="old").to_csv(bad, index=False)
    code, _out, err = run(
        demo, "score", "credit-risk@1", str(bad), "--id-col", "application_id", who=SERVICE
    )
    assert code == 3 and "column age_in_years holds text" in err
    dup = frame.drop(columns=["customer"])
    dup.loc[5, "application_id"] = dup.loc[4, "application_id"]
    dup.to_csv(bad, index=False)
    code, _out, err = run(
        demo, "score", "credit-risk@1", str(bad), "--id-col", "application_id", who=SERVICE
    )
    assert code == 40 and "'A-0004' appears more than once" in err
    code, _out, err = run(demo, "score", "credit-risk@1", str(bad), "--id-col", "nope", who=SERVICE)
    assert code == 3 and "the id column 'nope' is not in bad.csv" in err
    size = demo.reg.ledger.size
    assert run(demo, "provenance", "A-0001")[0] == 4
    assert run(demo, "receipt", "A-0001")[0] == 4
    assert run(demo, "erase", "A-0001", "--reason", "request", who="ada")[0] == 4
    code, _out, err = run(
        demo, "override", "A-0001", "--decision", "good", "--reason", "x", who="otto"
    )
    assert code == 4 and "no prediction with id 'A-0001'" in err
    assert demo.reg.ledger.size == size  # every refusal above wrote nothing

    demo.act("otto")
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
    code, _out, err = run(demo, *args, who=SERVICE)
    assert code == 41 and "retired, not deployed" in err and "--override" in err
    assert demo.reg.ledger.size == size + 1  # only the retirement
    code, out, err = run(demo, *args, "--override", "back-test", "--json", who=SERVICE)
    assert code == 0 and json.loads(out)["override"] == {"reason": "back-test", "status": "retired"}
    code, out, _err = run(demo, "provenance", "A-0001", "--no-explain")
    assert code == 0 and "WARNING: credit-risk@1 was RETIRED when this decision was made" in out
    assert "explicit override: back-test" in out
    # written to a file, the warning is also shown to whoever ran the command
    pdf = tmp_path / "A-0001.pdf"
    code, out, err = run(demo, "provenance", "A-0001", "--format", "pdf", "-o", str(pdf))
    assert code == 0 and "WARNING: credit-risk@1 was RETIRED when this decision" in err
    assert "WARNING: credit-risk@1 was RETIRED" in " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(pdf).pages
    )


def test_score_draws_a_progress_bar_on_a_terminal(demo: Demo, applications: Path) -> None:
    """The installed `govern` command, its stderr a real pseudo-terminal: rich draws the bar
    (and, with stderr not a terminal, the CliRunner runs above show none)."""
    scored = demo.folder / "scored.csv"
    main_fd, term_fd = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    args = ["score", "credit-risk@1", str(applications), "--id-col", "application_id"]
    args += ["--subject-col", "customer", "-o", str(scored), "--db", str(demo.db)]
    with subprocess.Popen(
        [
            str(Path(sys.executable).with_name("govern")),
            "--sign-with",
            str(demo.key_of(SERVICE)),
            *args,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=term_fd,
        env=env,
    ) as proc:
        os.close(term_fd)
        drawn = b""
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the terminal closed: the command has exited
                break
            if not chunk:
                break
            drawn += chunk
        out = proc.stdout.read().decode() if proc.stdout else ""
        assert proc.wait(timeout=120) == 0, drawn.decode(errors="replace")
    os.close(main_fd)
    screen = drawn.decode("utf-8", errors="replace")
    # one count per row (the library counts each twice: scored, then written)
    assert "rows scored and logged" in screen and "300/300" in screen and "/600" not in screen
    assert "━" in screen  # the bar itself
    assert "300 predictions by credit-risk@1 logged" in out
    frame = pd.read_csv(scored)
    assert len(frame) == 300 and frame["application_id"].tolist()[:2] == ["A-0000", "A-0001"]


def test_every_format_to_a_file(demo: Demo, tmp_path: Path) -> None:
    # f3 is holdout row 21, declined (P(good) about 0.12): its report has reasons
    Scorer(demo.reg, "credit-risk@1").decide(
        demo.holdout.iloc[[0, 1, 21, 3]], ids=["f1", "f2", "f3", "f4"]
    )
    written = {}
    for fmt in ("text", "json", "html", "pdf"):
        path = tmp_path / f"f3.{fmt}"
        code, out, err = run(demo, "provenance", "f3", "--format", fmt, "-o", str(path))
        assert code == 0, err
        assert f"written: {path}" in out
        written[fmt] = path
    text = written["text"].read_text()
    doc = json.loads(written["json"].read_text())
    html = written["html"].read_text()
    pdf = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(written["pdf"]).pages
    )
    score, decision = doc["output"]["score"], doc["output"]["decision"]
    reasons = [r["statement"] for r in doc["explanation"]["reasons"]]
    assert doc["id"] == "f3" and doc["rescore"]["state"] == "same" and reasons
    for shown in (text, html, pdf):
        assert "Provenance of decision f3" in shown and "credit-risk@1" in shown
        assert score in shown and decision in shown and reasons[0] in " ".join(shown.split())
    # the text on stdout is the same report as the file, bar the generation time and that the
    # first look-up signed the checkpoint the second one reuses
    code, out, _err = run(demo, "provenance", "f3")

    def stable(report: str) -> list[str]:
        lines = report.splitlines()
        return lines[2 : lines.index("Integrity")]

    assert code == 0 and stable(out) == stable(text)
    code, _out, err = run(demo, "provenance", "f3", "--format", "xml")
    assert code == 3 and "--format must be one of text, json, html, pdf" in err


def test_a_file_scored_twice_is_refused_the_second_time(demo: Demo, applications: Path) -> None:
    args = ["score", "credit-risk@1", str(applications), "--id-col", "application_id"]
    args += ["--subject-col", "customer"]
    assert run(demo, *args, who=SERVICE)[0] == 0
    before = state(demo.reg)
    code, _out, err = run(demo, *args, who=SERVICE)
    assert code == 40 and "'A-0000' is already logged" in err and "nothing was logged" in err
    assert state(demo.reg) == before
