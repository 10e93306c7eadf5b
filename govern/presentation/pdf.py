"""HTML to PDF with weasyprint, fetching nothing from outside govern's templates.

A document's HTML may carry text written by people, and a bank's templates may refer to files
beside them (a logo). weasyprint would otherwise follow any URL in it: read any local file
(``file:``, an absolute path) or call any server (``http:``, ``https:``). Here it is given a
fetcher that serves only ``data:`` URIs and files inside the override template directory and
govern's packaged templates (a relative URL is looked up in the override directory first, as
templates are), and refuses everything else; weasyprint skips a refused resource.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from govern.errors import BadInput
from govern.presentation.templates import check_template_dir, packaged_template_dir

HTML_SUFFIXES = (".html", ".htm")


class ResourceRefused(ValueError):
    """A document referred to something govern does not fetch (weasyprint skips it)."""


def html_to_pdf(html: str, path: Path, template_dir: Path | None = None) -> None:
    """Write ``html`` as a PDF at ``path``; images must be ``data:`` URIs or files in the
    template directories (``template_dir``, then govern's)."""
    weasyprint = _weasyprint()
    packaged = packaged_template_dir().resolve()
    fetcher = _fetcher_class()(packaged, check_template_dir(template_dir))
    weasyprint.HTML(string=html, base_url=str(packaged), url_fetcher=fetcher).write_pdf(str(path))


def write_document(html: str, path: Path, template_dir: Path | None = None) -> None:
    """Write ``html`` to ``path`` as HTML (.html, .htm) or PDF (.pdf), chosen by the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        path.write_text(html, encoding="utf-8")
    elif suffix == ".pdf":
        html_to_pdf(html, path, template_dir)
    else:
        raise BadInput(f"cannot write a document as {path.name!r}: use a .html or .pdf file name")


def local_file(url: str, packaged: Path, override: Path | None) -> Path:
    """The file a ``file:`` URL names, if govern serves it; ResourceRefused otherwise.

    A path inside the packaged templates is looked up in ``override`` first (the same relative
    path), as the template loader does.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ResourceRefused(f"govern documents fetch no {parts.scheme or 'relative'} URL: {url}")
    path = Path(url2pathname(parts.path)).resolve()
    if override is not None and path.is_relative_to(packaged):
        candidate = (override / path.relative_to(packaged)).resolve()
        if candidate.is_relative_to(override) and candidate.is_file():
            return candidate
    roots = (packaged,) if override is None else (packaged, override)
    if any(path.is_relative_to(root) for root in roots) and path.is_file():
        return path
    raise ResourceRefused(f"govern documents read no file outside their templates: {url}")


def _weasyprint() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # optional HarfBuzz-Subset notice
        import weasyprint

    # weasyprint logs every CSS property it ignores and every resource refused; those are not
    # the reader's concern.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint


@functools.cache
def _fetcher_class() -> Any:
    """weasyprint's URLFetcher (weasyprint 68 and later), narrowed to what govern serves."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplateFilesOnly(URLFetcher):  # type: ignore[misc]
        def __init__(self, packaged: Path, override: Path | None) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.packaged = packaged
            self.override = override

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)  # decoded in memory (urllib's DataHandler)
            path = local_file(url, self.packaged, self.override)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return TemplateFilesOnly
