"""The docs cannot lie: their govern commands run, the CLI reference is current, the example
registry verifies."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.cli.reference import cli_reference
from govern.ledger import Ledger, verify_ledger
from govern.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == cli_reference(), (
        "docs/cli.md is stale: run `python -m govern.cli.reference > docs/cli.md`"
    )


FENCE = re.compile(r"```(console|python)\n(.*?)```", re.S)


# These two are one story across both files (the table written by one is read by the other);
# tests/explain/test_docs.py runs them together.
RUN_ELSEWHERE = {"explain.md", "reason-codes.md"}


def runnable(doc: Path) -> bool:
    return doc.name not in RUN_ELSEWHERE and bool(FENCE.search(doc.read_text(encoding="utf-8")))


@pytest.mark.parametrize("doc", [d for d in DOCS if runnable(d)], ids=lambda d: d.name)
def test_doc_runs(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every console block's `$ govern` lines and every python block, in document order."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVERN_DB", raising=False)
    monkeypatch.delenv("GOVERN_USER", raising=False)
    shutil.copy(ROOT / "registry.db.example", tmp_path / "registry.db.example")
    runner = CliRunner()
    for lang, body in FENCE.findall(doc.read_text(encoding="utf-8")):
        if lang == "python":
            exec(compile(body, str(doc), "exec"), {"__name__": "__doc_example__"})
            continue
        for line in body.splitlines():
            if line.startswith("$ ssh-keygen "):  # signing elsewhere (docs/identity.md)
                done = subprocess.run(shlex.split(line[2:]), capture_output=True, check=False)
                assert done.returncode == 0, f"`{line[2:]}` in {doc.name}: {done.stderr!r}"
            elif line.startswith("$ govern "):
                args = shlex.split(line[2:])[1:]
                result = runner.invoke(app, args)
                assert result.exit_code == 0, f"`{line[2:]}` in {doc.name}: {result.stderr}"


def test_example_registry_verifies_clean(tmp_path: Path) -> None:
    copy = tmp_path / "example.db"
    shutil.copy(ROOT / "registry.db.example", copy)
    with Ledger.open("sqlite:///" + str(copy), readonly=True) as ledger:
        report = verify_ledger(ledger)
    assert report.size >= 7 and report.checkpoints == 1
    with Registry.open(str(copy), readonly=True) as reg:
        verified = reg.verify()
    # every entry a person made is signed: the administrator's own enrolment, dan's, his data
    assert verified.authority.signed == 3 and verified.authority.unsigned_legacy == 0
    assert copy.read_bytes() == (ROOT / "registry.db.example").read_bytes()  # read-only open
