"""Bad input to the document commands: one `error:` line, the documented exit code, no
traceback, nothing written and nothing recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents.conftest import Demo, govern, listing, one_line_error

MISSING_DIR = "no-such-templates"

# (arguments after --db, exit code, words of the error line); {out} is the output file.
CASES = [
    (["card", "nope@1", "-o", "{out}"], 4, "there is no model version nope@1"),
    (["card", "credit-risk@7", "-o", "{out}"], 4, "there is no model version credit-risk@7"),
    (["card", "credit-risk@1", "--format", "docx", "-o", "{out}"], 3, "format 'docx' is not"),
    (["card", "credit-risk@1", "-o", "{out}.docx"], 3, "cannot tell the format"),
    (
        ["card", "credit-risk@1", "--format", "md", "-o", "{out}"],
        3,
        "--format md does not match the file name 'out.html'",
    ),
    (["card", "credit-risk@1", "--format", "pdf"], 3, "a PDF is written to a file"),
    (
        ["card", "credit-risk@1", "--template-dir", MISSING_DIR, "-o", "{out}"],
        4,
        "template directory",
        "does not exist",
    ),
    (["report", "validation", "nope@1", "-o", "{out}"], 4, "there is no model version nope@1"),
    (
        ["report", "validation", "credit-risk@1", "--format", "rtf", "-o", "{out}"],
        3,
        "format 'rtf' is not",
    ),
    (
        ["report", "validation", "credit-risk@1", "--template-dir", MISSING_DIR, "-o", "{out}"],
        4,
        "template directory",
    ),
    (["coverage", "nope@1"], 4, "there is no model version nope@1"),
    (["coverage", "credit-risk@1", "--pack", "basel-9"], 4, "there is no regulation pack"),
    (["release", "nope@1", "-o", "{out}"], 4, "there is no model version nope@1"),
    (
        ["release", "credit-risk@1", "-o", "{out}", "--pack", "basel-9"],
        4,
        "there is no regulation pack",
    ),
    (
        ["release", "credit-risk@1", "-o", "{out}", "--template-dir", MISSING_DIR],
        4,
        "template directory",
    ),
    (
        ["release", "credit-risk@1", "-o", "missing-parent/{out}"],
        3,
        "parent directory",
        "does not exist",
    ),
    (
        ["card", "narrative", "credit-risk@1", "no-such-file.md"],
        3,
        "cannot read the narrative file",
    ),
]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [(c[0], c[1], c[2:]) for c in CASES],
    ids=[" ".join(c[0][:2]) + f" -> {c[1]}" for c in CASES],
)
def test_bad_input(
    demo: Demo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    words: tuple[str, ...],
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = demo.size
    argv = [a.replace("{out}", "out.html" if "release" not in args else "release") for a in args]
    one_line_error(govern("--sign-with", demo.key_of("dan"), *argv, "--db", demo.db), code, *words)
    assert listing(work) == []
    assert demo.size == before


def test_unknown_option_is_a_usage_error(demo: Demo) -> None:
    result = govern("card", "credit-risk@1", "--colour", "blue", "--db", demo.db)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_release_exit_codes_are_documented() -> None:
    from govern import errors

    root = Path(__file__).resolve().parents[2]
    table = (root / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    ci = (root / "docs" / "ci.md").read_text(encoding="utf-8")
    for name, code in (
        ("ReleaseRefused", 30),
        ("NotApproved", 31),
        ("ApprovalLapsed", 32),
        ("OpenFinding", 33),
        ("CoverageIncomplete", 34),
    ):
        cls = getattr(errors, name)
        assert cls.exit_code == code and issubclass(cls, errors.ReleaseRefused)
        assert f"| {code} | `{name}` |" in table
        if code != 30:
            assert f"| {code} |" in ci and f"{code}) echo" in ci
