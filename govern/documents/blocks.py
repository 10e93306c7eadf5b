"""What govern's documents are made of: sections of typed blocks, rendered four ways.

A document is JSON-able data: sections, each naming the requirements it answers and holding
blocks (``fields``, ``table``, ``text`` written by people, ``note``, ``figure``, ``code`` and
``missing``, the explicit "not recorded"). The same data renders to JSON (canonical: sorted keys),
Markdown and HTML through jinja2 templates (``render.render_html``, a bank's override directory
first), and HTML to PDF with weasyprint. Nothing here reads a clock: the same data gives the same
bytes.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from markupsafe import Markup

from govern.documents.render import html_to_pdf, render_html
from govern.errors import BadInput

NOT_RECORDED = "not recorded"
FORMATS = ("html", "pdf", "md", "json")
Format = Literal["html", "pdf", "md", "json"]
Block = dict[str, Any]


# ---- blocks ----------------------------------------------------------------------------------


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
    return {"type": "code", "title": title, "text": lines}


def figure(key: str, caption: str, source: str | None) -> Block:
    return {"type": "figure", "figure": key, "caption": caption, "source": source}


def missing(what: str, detail: str | None = None) -> Block:
    """Evidence the ledger does not hold: printed as "Not recorded: <what>"."""
    return {"type": "missing", "what": what, "detail": detail}


def section(
    number: int | str,
    key: str,
    title: str,
    requirements: Sequence[Mapping[str, str]],
    blocks: Sequence[Block],
) -> dict[str, Any]:
    return {
        "number": number,
        "key": key,
        "title": title,
        "requirements": [dict(r) for r in requirements],
        "blocks": list(blocks),
    }


# ---- numbers ---------------------------------------------------------------------------------


def fmt(value: object, digits: int = 4) -> str | None:
    """A number as documents print it: fixed ``digits`` decimals, integers with separators."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value != 0 and abs(value) < 10**-digits:
            return f"{value:.2e}"
        return f"{value:.{digits}f}"
    return str(value)


def day(ts: str | None) -> str | None:
    return None if ts is None else ts[:10]


def markdown_html(source: str) -> Markup:
    """People's Markdown as HTML (CommonMark and tables; raw HTML in it is escaped)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    return Markup(parser.render(source))


def md_cell(value: object) -> str:
    """A value for a Markdown table cell: one line, pipes escaped."""
    if value is None:
        return f"*{NOT_RECORDED}*"
    return " ".join(str(value).split()).replace("|", "\\|")


# ---- the document ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Document:
    """A rendered-on-demand document: ``data`` for machines, HTML/Markdown/PDF for people."""

    template: str  # "card" -> card.html.j2 and card.md.j2
    data: Mapping[str, Any]
    template_dir: Path | None = None
    _figures: Callable[[], dict[str, str]] = field(default=dict, repr=False)

    @functools.cached_property
    def figures(self) -> dict[str, str]:
        return self._figures()

    def json(self) -> str:
        """Canonical JSON: sorted keys, two-space indent, no NaN, a final newline."""
        return (
            json.dumps(self.data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
            + "\n"
        )

    def _context(self, figures: Mapping[str, str]) -> dict[str, Any]:
        return {
            "doc": self.data,
            "fig": figures,
            "markdown_html": markdown_html,
            "cell": md_cell,
            "not_recorded": NOT_RECORDED,
        }

    @functools.cached_property
    def html(self) -> str:
        return render_html(
            f"{self.template}.html.j2", self._context(self.figures), self.template_dir
        )

    @functools.cached_property
    def markdown(self) -> str:
        return render_html(f"{self.template}.md.j2", self._context({}), self.template_dir)

    def write(self, path: Path, fmt: Format | None = None) -> Path:
        """Write as ``fmt`` (default: from the suffix of ``path``)."""
        path = Path(path)
        chosen = fmt or format_of(path)
        if chosen == "pdf":
            html_to_pdf(self.html, path)
        else:
            path.write_text(self.text(chosen), encoding="utf-8")
        return path

    def text(self, fmt: Format) -> str:
        if fmt == "json":
            return self.json()
        if fmt == "md":
            return self.markdown
        if fmt == "html":
            return self.html
        raise BadInput("a PDF is written to a file: give -o PATH")


#: File-name suffixes and the format each means.
SUFFIXES: Mapping[str, Format] = {
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
}


def format_of(path: Path) -> Format:
    """The format a file name asks for (BadInput for an unknown suffix)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(
            f"cannot tell the format of {path.name!r} from its name",
            hint="name it .html, .pdf, .md or .json, or pass --format",
        )
    return SUFFIXES[suffix]


def check_format(value: str) -> Format:
    if value not in FORMATS:
        raise BadInput(f"format {value!r} is not one of {', '.join(FORMATS)}")
    chosen: Format = value  # type: ignore[assignment]
    return chosen
