"""Render govern's documents: jinja2 templates to HTML, HTML to PDF (weasyprint).

Templates are looked up in an override directory first (a bank's own house style), then in the
packaged templates (`govern._templates`, the repository's templates/ directory). Output is
deterministic: the same context gives the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from govern.errors import BadInput, NotFound

HTML_SUFFIXES = (".html", ".htm")


def packaged_template_dir() -> Path:
    """The directory of govern's own templates: ``govern/_templates`` in an installed wheel
    (package data mapped from the repository's ``templates/``), else the repository's."""
    installed = Path(__file__).resolve().parents[1] / "_templates"
    if (installed / "base.css").is_file():
        return installed
    return Path(__file__).resolve().parents[2] / "templates"


@functools.lru_cache(maxsize=8)
def _environment(override: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.FileSystemLoader(str(packaged_template_dir())))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(
    template_name: str, context: Mapping[str, Any], template_dir: Path | None = None
) -> str:
    """Render `template_name` with `context`; `template_dir` overrides the packaged templates."""
    if template_dir is not None and not Path(template_dir).is_dir():
        raise NotFound(f"template directory {template_dir} does not exist")
    env = _environment(None if template_dir is None else Path(template_dir).resolve())
    try:
        template = env.get_template(template_name)
    except jinja2.TemplateNotFound:
        raise NotFound(f"template {template_name!r} was not found") from None
    try:
        return template.render(**context)
    except jinja2.UndefinedError as exc:
        raise BadInput(
            f"template {template_name!r} needs a value it was not given: {exc}"
        ) from None


def html_to_pdf(html: str, path: Path) -> None:
    """Write `html` as a PDF at `path` (weasyprint; images must be embedded as data URIs)."""
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # optional HarfBuzz-Subset notice
        import weasyprint

    # weasyprint logs every CSS property it ignores; those are not the reader's concern.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=html, base_url=str(packaged_template_dir())).write_pdf(str(path))


def write_document(html: str, path: Path) -> None:
    """Write `html` to `path` as HTML (.html, .htm) or PDF (.pdf), chosen by the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        path.write_text(html, encoding="utf-8")
    elif suffix == ".pdf":
        html_to_pdf(html, path)
    else:
        raise BadInput(f"cannot write a document as {path.name!r}: use a .html or .pdf file name")
