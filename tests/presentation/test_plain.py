"""Plain text for the terminal: the same sections and blocks as the HTML."""

from __future__ import annotations

import pytest

from govern.errors import BadInput
from govern.presentation import Document, render_plain, section
from tests.presentation.test_document import sample


def test_plain_text_for_the_terminal() -> None:
    lines = sample().plain.splitlines()
    assert lines[:8] == [
        "Provenance of decision A-1",
        "generated 2026-12-02 05:36:10 UTC",
        "",
        "!" * 78,
        "WARNING: not approved",
        "!" * 78,
        "",
        "!" * 78,
    ]
    assert lines[8:11] == ["CHECKS FAILED:", "  - input tampered", "!" * 78]
    at = lines.index("Decision")
    assert lines[at + 1 : at + 6] == [
        "========",
        "Answers: Reg B 12 CFR 1002.9",
        "Id           A-1",
        "Time         2026-12-02 05:36:10 UTC",
        "Subject key  not recorded",
    ]
    assert "Logged at 2026-12-02 05:36:10 UTC." in lines
    assert lines[lines.index("Sign-offs:") + 1 :][:3] == [
        "  Role       Signer",
        "  validator  vera",
        "  approver   not recorded",
    ]
    assert (
        "2. Principal reasons" in lines
        and "Answers:" not in lines[lines.index("2. Principal reasons") + 2]
    )
    assert (
        "  1. Checking account is overdrawn [code C01]" in lines and "  2. Short history" in lines
    )
    assert lines[lines.index("Open findings:") + 1] == "  none"
    assert "Reviewed <b>by</b> the *owner*." in lines  # the terminal shows what was written
    assert "Source: narrative, entry 9" in lines
    assert lines[lines.index("Proof:") + 1 :][:2] == ["  line one", "  line two"]
    assert "Figure: Waterfall of contributions (in HTML and PDF)." in lines
    assert "Not recorded: the explanation (--no-explain)." in lines
    assert lines[-1] == "Every value comes from the ledger."


def test_an_unknown_block_is_refused() -> None:
    doc = Document("layout", {"title": "t"}, sections=[section(1, "k", "K", [], [{"type": "x"}])])
    with pytest.raises(BadInput, match="unknown type 'x'"):
        render_plain(doc)
