"""References to versioned things: ``NAME@V`` and ``NAME@latest``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from govern.errors import BadInput

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Ref:
    """A parsed reference; ``version`` is None for ``@latest``."""

    name: str
    version: int | None

    def __str__(self) -> str:
        return f"{self.name}@{'latest' if self.version is None else self.version}"


def check_name(name: str, what: str) -> str:
    if not NAME_RE.match(name):
        raise BadInput(
            f"{name!r} is not a usable {what} name",
            hint="use letters, digits, '.', '-' and '_', starting with a letter or digit",
        )
    return name


def parse_ref(text: str, what: str = "model") -> Ref:
    """Parse ``NAME@V`` (V a positive integer) or ``NAME@latest``; a bare NAME means latest."""
    name, sep, version = text.partition("@")
    check_name(name, what)
    if not sep or version == "latest":
        return Ref(name, None)
    if not version.isascii() or not version.isdigit() or int(version) < 1:
        raise BadInput(
            f"{text!r} is not a {what} reference",
            hint=f"write {name}@1, {name}@2, ... or {name}@latest",
        )
    if len(version) > 9:  # more versions than anyone registers; beyond a database integer
        raise BadInput(
            f"{text!r}: version {version[:12]}... is out of range",
            hint=f"write {name}@1, {name}@2, ... or {name}@latest",
        )
    return Ref(name, int(version))
