"""A document as plain text, for the terminal: the same sections and blocks as its HTML.

The title and subtitle, then the preface (alerts, framed in a row of "!"), then each section:
its heading underlined, the requirements it answers, and its blocks. Fields print as aligned
label/value pairs, tables as aligned columns, lists one entry a line. People's Markdown prints
as they wrote it; figures print as their caption (they are drawn in the HTML and PDF only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from govern.errors import BadInput
from govern.presentation.blocks import Block, Section
from govern.presentation.formatting import shown
from govern.records import NOT_RECORDED

if TYPE_CHECKING:
    from govern.presentation.document import Document

BAR = "!" * 78
INDENT = "  "


def render_plain(doc: Document) -> str:
    """``doc`` as plain text, ending with a newline."""
    lines = [shown(doc.title)]
    if doc.subtitle:
        lines.append(shown(doc.subtitle))
    for block in doc.preface:
        lines.append("")
        lines += _block(block)
    for s in doc.sections:
        lines += _section(s)
    if doc.footer:
        lines += ["", shown(doc.footer)]
    return "\n".join(lines) + "\n"


def _section(s: Section) -> list[str]:
    heading = s["title"] if s.get("number") is None else f"{s['number']}. {s['title']}"
    lines = ["", heading, "=" * len(heading)]
    if s.get("requirements"):
        lines.append("Answers: " + "; ".join(r["cite"] for r in s["requirements"]))
    for block in s["blocks"]:
        lines += _block(block)
    return lines


def _value(value: Any) -> str:
    return NOT_RECORDED if value is None else shown(str(value))


def _titled(block: Block) -> list[str]:
    return [f"{shown(block['title'])}:"] if block.get("title") else []


def _block(block: Block) -> list[str]:
    kind = block["type"]
    if kind == "fields":
        rows = block["rows"]
        width = max((len(r["label"]) for r in rows), default=0)
        indent = INDENT if block.get("title") else ""  # rows under a title are indented
        return _titled(block) + [
            f"{indent}{r['label'].ljust(width)}  {_value(r['value'])}"
            + (f"  ({shown(r['source'])})" if r.get("source") else "")
            for r in rows
        ]
    if kind == "table":
        lines = _titled(block) + _columns(block["columns"], block["rows"])
        if block.get("source"):
            lines.append(f"Source: {shown(block['source'])}")
        return lines
    if kind == "list":
        entries = block["items"]
        if not entries:
            return [*_titled(block), f"{INDENT}none"]
        return _titled(block) + [
            f"{INDENT}{f'{i}.' if block.get('ordered') else '-'} {shown(e['text'])}"
            + (f" [{shown(e['detail'])}]" if e.get("detail") else "")
            for i, e in enumerate(entries, start=1)
        ]
    if kind == "alert":
        heading = [f"{block['heading']}:"] if block.get("heading") else []
        bullet = f"{INDENT}- " if heading else ""
        return [BAR, *heading, *(f"{bullet}{shown(line)}" for line in block["lines"]), BAR]
    if kind == "text":
        lines = _titled(block) + block["markdown"].rstrip("\n").split("\n")
        return [*lines, f"Source: {shown(block['source'])}"]
    if kind == "note":
        return [shown(block["text"])]
    if kind == "code":
        lines = block["text"].rstrip("\n").split("\n")
        return _titled(block) + [f"{INDENT}{x}".rstrip() for x in lines]
    if kind == "figure":
        source = f". Source: {shown(block['source'])}" if block.get("source") else ""
        return [*_titled(block), f"Figure: {shown(block['caption'])}{source} (in HTML and PDF)."]
    if kind == "missing":
        detail = f" ({shown(block['detail'])})" if block.get("detail") else ""
        return [f"Not recorded: {shown(block['what'])}{detail}."]
    raise BadInput(f"a document holds a block of unknown type {kind!r}")


def _columns(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A header and rows, each column as wide as its widest cell, indented."""
    cells = [list(columns)] + [[_value(v) for v in row] for row in rows]
    if len(cells) == 1:
        return [f"{INDENT}none"]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return [
        (INDENT + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))).rstrip()
        for row in cells
    ]
