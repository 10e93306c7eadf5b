"""The release gate: a candidate against the live version it would replace, decision by
decision (docs/comparison.md)."""

from __future__ import annotations

from govern.compare.run import Comparison, compare

__all__ = ["Comparison", "compare"]
