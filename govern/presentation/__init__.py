"""The presentation layer: how every govern document is built and printed.

Documents (the model card, the validation report, explanation reports, the provenance of a
decision) are sections of typed blocks (``blocks``), rendered through one set of templates
(``templates``: a bank's ``--template-dir`` first), to PDF without fetching anything
(``pdf``), and to plain text for the terminal (``plain``); numbers, timestamps and "not
recorded" print one way everywhere (``formatting``), and people's Markdown is made safe to
print (``markdown``). docs/documents.md describes the documents and their templates.
"""

from govern.presentation.blocks import (
    Block,
    Section,
    alert,
    answers,
    code,
    fields,
    figure,
    items,
    missing,
    note,
    section,
    table,
    text,
)
from govern.presentation.document import (
    FORMATS,
    SUFFIXES,
    Document,
    Format,
    check_format,
    format_of,
)
from govern.presentation.formatting import day, fmt, shown
from govern.presentation.markdown import markdown_html, markdown_text, md_cell, md_inline
from govern.presentation.pdf import ResourceRefused, html_to_pdf
from govern.presentation.plain import render_plain
from govern.presentation.templates import (
    check_template_dir,
    packaged_template_dir,
    render_template,
)
from govern.records import NOT_RECORDED

__all__ = [
    "FORMATS",
    "NOT_RECORDED",
    "SUFFIXES",
    "Block",
    "Document",
    "Format",
    "ResourceRefused",
    "Section",
    "alert",
    "answers",
    "check_format",
    "check_template_dir",
    "code",
    "day",
    "fields",
    "figure",
    "fmt",
    "format_of",
    "html_to_pdf",
    "items",
    "markdown_html",
    "markdown_text",
    "md_cell",
    "md_inline",
    "missing",
    "note",
    "packaged_template_dir",
    "render_plain",
    "render_template",
    "section",
    "shown",
    "table",
    "text",
]
