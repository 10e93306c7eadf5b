"""What govern's documents are made of: sections of typed blocks.

A block is JSON-able data (it is what a model card's ``sections`` hold, docs/card.schema.json):
``fields`` (label, value, source rows), ``table``, ``text`` written by people, ``note`` (a
generated sentence), ``figure``, ``code``, ``list``, ``alert`` (a warning printed first, loud)
and ``missing``, the explicit "not recorded". Values are text already formatted
(``formatting.fmt``); None prints as "not recorded". Every renderer (HTML and Markdown through
the templates, plain text for the terminal) prints the same blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Block = dict[str, Any]
Section = dict[str, Any]


def fields(rows: Sequence[tuple[str, str | None, str | None]], title: str | None = None) -> Block:
    """Label / value / source rows; a value of None prints as "not recorded"."""
    return {
        "type": "fields",
        "title": title,
        "rows": [{"label": a, "value": b, "source": c} for a, b, c in rows],
    }


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    *,
    title: str | None = None,
    source: str | None = None,
) -> Block:
    """A table of text cells (None prints as "not recorded")."""
    return {
        "type": "table",
        "title": title,
        "columns": list(columns),
        "rows": [list(r) for r in rows],
        "source": source,
    }


def text(markdown: str, source: str, title: str | None = None) -> Block:
    """Markdown written by a person, with where it was recorded."""
    return {"type": "text", "title": title, "markdown": markdown, "source": source}


def note(sentence: str) -> Block:
    """A generated sentence (how a figure was obtained, what a rule is)."""
    return {"type": "note", "text": sentence}


def code(lines: str, title: str | None = None) -> Block:
    """Text printed verbatim, in a fixed-width font (commands, digests, a signed note)."""
    return {"type": "code", "title": title, "text": lines}


def figure(key: str, caption: str, source: str | None, title: str | None = None) -> Block:
    """The figure ``key`` of the document's figures (drawn only for HTML and PDF)."""
    block: Block = {"type": "figure", "figure": key, "caption": caption, "source": source}
    if title is not None:  # absent otherwise: a card's figures have no title
        block["title"] = title
    return block


def items(
    entries: Sequence[tuple[str, str | None]], *, title: str | None = None, ordered: bool = False
) -> Block:
    """A list of (text, detail) entries; ``ordered`` numbers them (principal reasons)."""
    return {
        "type": "list",
        "title": title,
        "ordered": ordered,
        "items": [{"text": t, "detail": d} for t, d in entries],
    }


def alert(lines: Sequence[str], heading: str | None = None) -> Block:
    """A warning the reader must not miss: framed, printed before the sections."""
    return {"type": "alert", "heading": heading, "lines": list(lines)}


def missing(what: str, detail: str | None = None) -> Block:
    """Evidence the ledger does not hold: printed as "Not recorded: <what>"."""
    return {"type": "missing", "what": what, "detail": detail}


def section(
    number: int | str | None,
    key: str,
    title: str,
    requirements: Sequence[Mapping[str, str]],
    blocks: Sequence[Block],
) -> Section:
    """A numbered (or, with ``number=None``, unnumbered) section; each requirement is a
    mapping with at least ``cite``, the text naming what the section answers."""
    return {
        "number": number,
        "key": key,
        "title": title,
        "requirements": [dict(r) for r in requirements],
        "blocks": list(blocks),
    }


def answers(*cites: str) -> list[dict[str, str]]:
    """The requirements of a section from their citations alone."""
    return [{"cite": c} for c in cites]
