"""Moved to ``govern.presentation`` (templates and PDF writing); the old names work for one
release with a DeprecationWarning (docs/python-api.md, "Moved names")."""

from govern._moved import moved

__getattr__ = moved(
    __name__,
    {
        "HTML_SUFFIXES": "govern.presentation.pdf:HTML_SUFFIXES",
        "packaged_template_dir": "govern.presentation:packaged_template_dir",
        "check_template_dir": "govern.presentation:check_template_dir",
        "render_html": "govern.presentation:render_template",
        "html_to_pdf": "govern.presentation:html_to_pdf",
        "write_document": "govern.presentation.pdf:write_document",
    },
)
