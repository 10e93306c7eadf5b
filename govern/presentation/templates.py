"""The templates of govern's documents: a bank's override directory first, then govern's own.

Templates are looked up in an override directory first (a bank's own house style,
``--template-dir``), then in the packaged templates (``govern._templates``, the repository's
``templates/`` directory), so a bank copies only the files it changes (docs/documents.md,
"Templates"). HTML templates are autoescaped, Markdown and CSS are not. Rendering is
deterministic: the same context gives the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from govern.errors import BadInput, NotFound

#: Template names that are not HTML, so not autoescaped (Markdown is escaped by its filters).
_VERBATIM = (".md.j2", ".css")


def packaged_template_dir() -> Path:
    """The directory of govern's own templates: ``govern/_templates`` in an installed wheel
    (package data mapped from the repository's ``templates/``), else the repository's."""
    installed = Path(__file__).resolve().parents[1] / "_templates"
    if (installed / "base.css").is_file():
        return installed
    return Path(__file__).resolve().parents[2] / "templates"


def check_template_dir(template_dir: Path | None) -> Path | None:
    """``template_dir`` resolved, or NotFound when it is not a directory (checked before any
    work is done, so a typo costs nothing)."""
    if template_dir is None:
        return None
    path = Path(template_dir)
    if not path.is_dir():
        raise NotFound(
            f"template directory {template_dir} does not exist",
            hint="give --template-dir a folder holding only the templates you override",
        )
    return path.resolve()


def render_template(
    template_name: str, context: Mapping[str, Any], template_dir: Path | None = None
) -> str:
    """Render ``template_name`` with ``context``; ``template_dir`` overrides the packaged
    templates."""
    env = _environment(check_template_dir(template_dir))
    try:
        return env.get_template(template_name).render(**context)
    except jinja2.UndefinedError as exc:
        raise BadInput(
            f"template {template_name!r} needs a value it was not given: {exc}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        included = "" if exc.name == template_name else f" (included by {template_name!r})"
        raise NotFound(f"template {exc.name!r}{included} was not found") from None
    except jinja2.TemplateSyntaxError as exc:
        raise BadInput(
            f"template {exc.filename or exc.name} has a syntax error on line {exc.lineno}: "
            f"{exc.message}"
        ) from None


def _listing(override: Path) -> tuple[tuple[str, int, int], ...]:
    """The override directory's files (name, size, mtime): a new or changed file there must
    win over a template already cached from the packaged directory."""
    return tuple(
        sorted(
            (p.relative_to(override).as_posix(), st.st_size, st.st_mtime_ns)
            for p in override.rglob("*")
            if p.is_file()
            for st in (p.stat(),)
        )
    )


def _environment(override: Path | None) -> jinja2.Environment:
    return _cached_environment(override, _listing(override) if override is not None else ())


def _autoescape(name: str | None) -> bool:
    return not (name or "").endswith(_VERBATIM)


@functools.lru_cache(maxsize=8)
def _cached_environment(
    override: Path | None, _listing: tuple[tuple[str, int, int], ...]
) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.FileSystemLoader(str(packaged_template_dir())))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
