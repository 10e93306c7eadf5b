"""The examples in docs/explain.md and docs/reason-codes.md run, and say what they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from govern.explain import parse_reason_table

DOCS = Path(__file__).resolve().parents[2] / "docs"


def blocks(name: str, language: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_reason_code_example_is_a_valid_table() -> None:
    (toml,) = blocks("reason-codes.md", "toml")
    table = parse_reason_table(toml.encode(), source="docs/reason-codes.md")
    assert (table.model, table.version) == ("german-credit", "2026.1")
    assert {g.code for g in table.groups} == {"O01", "P01"}
    # The test suite's copy says the same (its comments may differ).
    copy = parse_reason_table((Path(__file__).parent / "germancredit_reasons.toml").read_bytes())
    assert (copy.rules, copy.groups) == (table.rules, table.groups)


def test_docs_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (toml,) = blocks("reason-codes.md", "toml")
    Path("german-credit-reasons.toml").write_text(toml, encoding="utf-8")
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for code in blocks("explain.md", "python") + blocks("reason-codes.md", "python"):
            exec(compile(code, "docs", "exec"), namespace)  # the docs' own examples
    printed = out.getvalue()
    for expected in (
        "tree log-odds good",
        "(1000, 20)",
        "(1000, 61)",
        "True True",
        "permutation probability 2",
        "2026.1",
        "default-",
        "('duration_in_month', 'Duration in month', False)",
        "bad, an adverse outcome (the favourable outcome is good)",
        "True ()",
        "['favourable', 'favourable', 'favourable', 'favourable']",
    ):
        assert expected in printed
    reasons = [line for line in printed.splitlines() if re.match(r"^[1-4] \S+ .* adverse ", line)]
    assert 1 <= len(reasons) <= 4
    for name in ("global.html", "global.pdf", "global.json", "decision.pdf"):
        assert (tmp_path / name).stat().st_size > 0
    assert "Principal reasons" in PdfReader(tmp_path / "decision.pdf").pages[0].extract_text()
