"""Prediction provenance: log every prediction, look one up, prove it, erase its input.

The public API; docs/provenance.md shows it in use and defines the formats. Scoring loads no
template, plot or PDF code: the look-up (``Lookup``, ``Provenance``, ``provenance``) is imported
when first used, and the renderings of a provenance record are in ``govern.provenance.report``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from govern._moved import moved
from govern.provenance.canonical import canonical_rows, commitment
from govern.provenance.erase import Erasure, erase
from govern.provenance.overrides import record_override
from govern.provenance.receipt import receipt
from govern.provenance.records import ERASED, LOGGED, OVERRIDDEN
from govern.provenance.retention import Retention, retention
from govern.provenance.scorer import (
    PAD,
    LoggedBatch,
    Scorer,
    ScoringInput,
    new_ids,
    read_scoring_file,
    score_file,
    score_input,
)

if TYPE_CHECKING:
    from govern.provenance.lookup import Lookup, Provenance, provenance

__all__ = [
    "ERASED",
    "LOGGED",
    "OVERRIDDEN",
    "PAD",
    "Erasure",
    "LoggedBatch",
    "Lookup",
    "Provenance",
    "Retention",
    "Scorer",
    "ScoringInput",
    "canonical_rows",
    "commitment",
    "erase",
    "new_ids",
    "provenance",
    "read_scoring_file",
    "receipt",
    "record_override",
    "retention",
    "score_file",
    "score_input",
]

#: Imported when first used: the look-up prints "not recorded" as documents do.
_LOOKUP = ("Lookup", "Provenance", "provenance")
_moved_names = moved(
    __name__,
    {
        name: f"govern.provenance.report:{name}"
        for name in ("render_html", "render_text", "to_json", "write")
    },
)


def __getattr__(name: str) -> Any:
    if name in _LOOKUP:
        value = getattr(importlib.import_module("govern.provenance.lookup"), name)
        globals()[name] = value
        return value
    return _moved_names(name)
