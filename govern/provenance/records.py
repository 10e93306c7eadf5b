"""Deprecated: this module is now ``govern.provenance.events`` (``govern.records`` holds the typed
ledger records); its names resolve here until govern 0.3 (docs/python-api.md, "Moved names")."""

from __future__ import annotations

import warnings
from typing import Any

from govern.provenance import events


def __getattr__(name: str) -> Any:
    if name in events.__all__ or name == "KINDS":
        warnings.warn(
            f"govern.provenance.records.{name} moved to govern.provenance.events.{name}; the old "
            "name goes in govern 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(events, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
