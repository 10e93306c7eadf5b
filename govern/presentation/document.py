"""A document: its data for machines, and the same sections for people in four renderings.

``Document.json()`` is the data (canonical: sorted keys). HTML and Markdown are rendered from
the templates ``<template>.html.j2`` and ``<template>.md.j2`` (a bank's override directory
first), PDF from the HTML, and plain text for the terminal from the same sections. Nothing here
reads a clock: the same document gives the same bytes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any, Literal

from govern.errors import BadInput
from govern.presentation.blocks import Block, Section
from govern.presentation.formatting import fmt, shown
from govern.presentation.markdown import markdown_html, markdown_text, md_cell, md_inline
from govern.presentation.pdf import html_to_pdf
from govern.presentation.plain import render_plain
from govern.presentation.templates import render_template
from govern.records import NOT_RECORDED

FORMATS = ("html", "pdf", "md", "json")
Format = Literal["html", "pdf", "md", "json"]

#: File-name suffixes and the format each means.
SUFFIXES: Mapping[str, Format] = {
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
}


@dataclass(frozen=True, eq=False)
class Document:
    """A document rendered on demand: ``data`` for machines, HTML/Markdown/PDF/text for people.

    ``title`` and ``sections`` default to the data's own (a model card carries its sections in
    its JSON); a document whose JSON is not its layout (an explanation, a provenance record)
    passes them, with the ``subtitle``, the ``preface`` (alerts printed before everything
    else) and the ``footer``.
    """

    template: str  # "card" -> card.html.j2 and card.md.j2
    data: Mapping[str, Any]
    template_dir: Path | None = None
    _figures: Callable[[], dict[str, str]] = field(default=dict, repr=False)
    _: KW_ONLY
    title: str = ""
    subtitle: str = ""
    preface: Sequence[Block] = ()
    sections: Sequence[Section] = ()
    footer: str = ""

    def __post_init__(self) -> None:
        if not self.title:
            object.__setattr__(self, "title", str(self.data.get("title", "")))
        if not self.sections:
            object.__setattr__(self, "sections", tuple(self.data.get("sections", ())))

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
            "title": self.title,
            "subtitle": self.subtitle,
            "preface": self.preface,
            "sections": self.sections,
            "footer": self.footer,
            "markdown_html": markdown_html,
            "markdown_text": markdown_text,
            "cell": md_cell,
            "md": md_inline,
            "shown": _shown,
            "fmt": fmt,
            "not_recorded": NOT_RECORDED,
        }

    @functools.cached_property
    def html(self) -> str:
        context = self._context(self.figures)
        return render_template(f"{self.template}.html.j2", context, self.template_dir)

    @functools.cached_property
    def markdown(self) -> str:
        context = self._context({})
        return render_template(f"{self.template}.md.j2", context, self.template_dir)

    @functools.cached_property
    def plain(self) -> str:
        """The document as plain text, for the terminal."""
        return render_plain(self)

    def write(self, path: Path | str, fmt: Format | None = None) -> Path:
        """Write as ``fmt`` (default: from the suffix of ``path``)."""
        path = Path(path)
        chosen = fmt or format_of(path)
        if chosen == "pdf":
            html_to_pdf(self.html, path, self.template_dir)
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


def _shown(value: object) -> object:
    """A template value with its ledger timestamps printed to the second (None stays None)."""
    return shown(value) if isinstance(value, str) else value


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
    """``value`` if it names a format (BadInput otherwise)."""
    if value not in FORMATS:
        raise BadInput(f"format {value!r} is not one of {', '.join(FORMATS)}")
    chosen: Format = value  # type: ignore[assignment]
    return chosen
