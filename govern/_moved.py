"""Names that moved: the old ones keep working for one release, with a DeprecationWarning.

A module whose names moved sets ``__getattr__ = moved(__name__, {...})``. The new place is
imported only when an old name is used (``importlib.import_module``), so the static import
graph keeps pointing one way: a lower layer never imports a higher one to forward a name.
docs/python-api.md ("Moved names") lists them.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def moved(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` forwarding each old name to ``"new.module:new_name"``."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        where, _, new_name = names[name].partition(":")
        warnings.warn(
            f"{module}.{name} has moved to {where}.{new_name}; the old name will be removed "
            "in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(where), new_name)

    return __getattr__
