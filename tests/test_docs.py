"""The docs cannot lie: their govern commands run, the CLI reference is current, the example
registry verifies."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.cli.reference import cli_reference
from govern.ledger import Ledger, verify_ledger

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def govern_commands(doc: Path) -> list[list[str]]:
    """Every `$ govern ...` line of the doc's console blocks, in order."""
    out = []
    for block in BLOCK.findall(doc.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ govern "):
                out.append(shlex.split(line[2:])[1:])
    return out


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == cli_reference(), (
        "docs/cli.md is stale: run `python -m govern.cli.reference > docs/cli.md`"
    )


@pytest.mark.parametrize("doc", [d for d in DOCS if govern_commands(d)], ids=lambda d: d.name)
def test_doc_commands_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVERN_DB", raising=False)
    shutil.copy(ROOT / "registry.db.example", tmp_path / "registry.db.example")
    runner = CliRunner()
    for args in govern_commands(doc):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"`govern {' '.join(args)}` in {doc.name}: {result.stderr}"


def test_example_registry_verifies_clean(tmp_path: Path) -> None:
    copy = tmp_path / "example.db"
    shutil.copy(ROOT / "registry.db.example", copy)
    with Ledger.open("sqlite:///" + str(copy), readonly=True) as ledger:
        report = verify_ledger(ledger)
    assert report.size >= 8 and report.checkpoints == 1
    assert copy.read_bytes() == (ROOT / "registry.db.example").read_bytes()  # read-only open


PY_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize(
    "doc",
    [d for d in DOCS if PY_BLOCK.search(d.read_text(encoding="utf-8"))],
    ids=lambda d: d.name,
)
def test_doc_python_examples_run(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for block in PY_BLOCK.findall(doc.read_text(encoding="utf-8")):
        exec(compile(block, str(doc), "exec"), {"__name__": "__doc_example__"})
