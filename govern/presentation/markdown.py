"""Text written by people (narratives, findings), made safe to print in a document.

A narrative is Markdown (CommonMark and tables). In HTML and PDF it is rendered by markdown-it
with raw HTML escaped, and nothing in it can make the document fetch anything: an image prints
as its alt text and URL, a link as its text and URL. In a Markdown document the same text is
copied with raw HTML escaped and images turned to plain text, so no viewer of the ``.md`` file
runs markup or loads an image either.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

from govern.presentation.formatting import shown
from govern.records import NOT_RECORDED

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

#: The start of raw HTML in CommonMark (a tag, a closing tag, a comment, a declaration or a
#: processing instruction, spec 6.6 and 4.6): "<" followed by one of these.
_RAW_HTML = re.compile(r"<(?=[A-Za-z/!?])")
#: An image ("![alt](url)" or "![alt][ref]"): escaping the bracket leaves plain text.
_IMAGE = re.compile(r"!\[")
#: An inline code span (spec 6.1): a run of backticks, then the same run closing it.
_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)")


def markdown_html(source: str) -> Markup:
    """People's Markdown as HTML: raw HTML escaped, images and links printed as text and URL."""
    return Markup(_parser().render(source))


def markdown_text(source: str) -> str:
    """People's Markdown for a Markdown document: raw HTML escaped, images left as text.

    Code (fenced, indented and inline) is copied as it is: a viewer shows it verbatim anyway.
    """
    lines = source.split("\n")
    code_lines: set[int] = set()
    for token in _parser().parse(source):
        if token.type in ("fence", "code_block") and token.map is not None:
            code_lines.update(range(*token.map))
    return "\n".join(
        line if i in code_lines else _escape_inline(line) for i, line in enumerate(lines)
    )


def md_inline(value: object) -> str:
    """A generated value for Markdown text (not a table): timestamps shortened, raw HTML and
    images escaped; None prints as "not recorded"."""
    if value is None:
        return f"*{NOT_RECORDED}*"
    return _escape_inline(shown(str(value)))


def md_cell(value: object) -> str:
    """A value for a Markdown table cell: one line, pipes escaped, as ``md_inline``."""
    if value is None:
        return f"*{NOT_RECORDED}*"
    return md_inline(" ".join(str(value).split())).replace("|", "\\|")


def _escape_inline(line: str) -> str:
    out: list[str] = []
    at = 0
    for span in _CODE_SPAN.finditer(line):
        out.append(_escape(line[at : span.start()]))
        out.append(span.group(0))
        at = span.end()
    out.append(_escape(line[at:]))
    return "".join(out)


def _escape(text: str) -> str:
    return _IMAGE.sub(r"!\\[", _RAW_HTML.sub("&lt;", text))


@functools.cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.core.ruler.push("govern_plain_links", _plain_links_and_images)
    return parser


def _plain_links_and_images(state: StateCore) -> None:
    """Replace every image by its alt text and URL, and every link by its text and URL."""
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = _plain(block.children)


def _plain(children: Sequence[Token]) -> list[Token]:
    from markdown_it.token import Token

    out: list[Token] = []
    opened: list[tuple[str, int]] = []  # (href, where the link's text starts in out)
    for token in children:
        if token.type == "image":
            alt = token.content.strip()
            src = str(token.attrGet("src") or "")
            out.append(Token("text", "", 0, content=f"{alt} ({src})" if alt else src))
        elif token.type == "link_open":
            opened.append((str(token.attrGet("href") or ""), len(out)))
        elif token.type == "link_close" and opened:
            href, start = opened.pop()
            text = "".join(t.content for t in out[start:] if t.type in ("text", "code_inline"))
            if href and text.strip() not in (href, href.removeprefix("mailto:")):
                out.append(Token("text", "", 0, content=f" ({href})"))
        else:
            out.append(token)
    return out
