"""The narrative file format: '## Heading' sections mapped to document sections."""

from __future__ import annotations

import pytest

from govern.documents.narrative import CARD_SECTIONS, VALIDATION_SECTIONS, parse
from govern.errors import BadInput


def test_sections_by_title_alias_and_case() -> None:
    text = "# My model\n\n## Purpose\nScores applicants.\n\n## restrictions\nNot for SMEs.\n"
    assert parse(text) == {"purpose": "Scores applicants.", "out_of_scope": "Not for SMEs."}


def test_subheadings_and_code_blocks_stay_in_their_section() -> None:
    text = "## Methodology\nText.\n\n### Alternatives\nGBM.\n```\n## Limitations\n```\n"
    sections = parse(text)
    assert list(sections) == ["methodology"]
    assert "### Alternatives" in sections["methodology"]
    assert "## Limitations" in sections["methodology"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Intro text\n## Purpose\nx\n", "text before the first"),
        ("## Purpose\nx\n## Colour scheme\ny\n", "not a section of the model card"),
        ("## Purpose\nx\n## purpose and intended use\ny\n", "appears twice"),
        ("## Purpose\n\n## Limitations\nx\n", "is empty"),
        ("# Only a title\n", "no '## Heading' sections"),
        ("## Purpose\n```\nnever closed\n", "never closed"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse(text)


def test_unknown_heading_hint_lists_the_sections() -> None:
    with pytest.raises(BadInput) as info:
        parse("## Summary\nx\n")
    assert info.value.hint is not None
    assert all(s.title in info.value.hint for s in CARD_SECTIONS)


def test_validation_sections() -> None:
    sections = parse(
        "## Rating\nSatisfactory.\n## Effective challenge\nQ and A.\n", "validation.narrative"
    )
    assert sections == {"rating": "Satisfactory.", "challenge": "Q and A."}
    assert {s.key for s in VALIDATION_SECTIONS} >= {"conclusion", "scope", "outcomes"}
