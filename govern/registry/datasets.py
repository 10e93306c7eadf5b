"""Deprecated: the names of this module moved to ``tables``, ``digests``, ``schema`` and
``profiles`` (docs/python-api.md, "Moved names"); they resolve here until govern 0.3."""

from __future__ import annotations

import warnings
from typing import Any

from govern.registry import digests, profiles, schema, tables

_HOMES = (tables, digests, schema, profiles)


def __getattr__(name: str) -> Any:
    for home in _HOMES:
        if name in home.__all__:
            warnings.warn(
                f"govern.registry.datasets.{name} moved to {home.__name__}.{name}; the old name "
                "goes in govern 0.3",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(home, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
