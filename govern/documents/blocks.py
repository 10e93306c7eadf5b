"""Moved to ``govern.presentation`` (the blocks, the Document and the formatter); the old names
work for one release with a DeprecationWarning (docs/python-api.md, "Moved names")."""

from govern._moved import moved

__getattr__ = moved(
    __name__,
    {
        name: f"govern.presentation:{name}"
        for name in (
            "NOT_RECORDED",
            "FORMATS",
            "Format",
            "Block",
            "fields",
            "table",
            "text",
            "note",
            "code",
            "figure",
            "missing",
            "section",
            "fmt",
            "day",
            "markdown_html",
            "md_cell",
            "Document",
            "SUFFIXES",
            "format_of",
            "check_format",
        )
    },
)
