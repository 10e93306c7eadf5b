"""Prediction provenance: log every prediction, look one up, prove it, erase its input.

The public API; docs/provenance.md shows it in use and defines the formats. Scoring loads no
template, plot or PDF code: the renderings of a provenance record are in
``govern.provenance.report``.
"""

from govern._moved import moved as _moved
from govern.provenance.canonical import canonical_rows, commitment
from govern.provenance.erase import Erasure, erase
from govern.provenance.events import ERASED, LOGGED, OVERRIDDEN
from govern.provenance.lookup import Lookup, Provenance, provenance
from govern.provenance.overrides import record_override
from govern.provenance.receipt import receipt
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

__getattr__ = _moved(
    __name__,
    {
        name: f"govern.provenance.report:{name}"
        for name in ("render_html", "render_text", "to_json", "write")
    },
)
