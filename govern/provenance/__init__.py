"""Prediction provenance: log every prediction, look one up, prove it, erase its input.

The public API; docs/provenance.md shows it in use.
"""

from govern.provenance.scorer import KIND, PAD, LoggedBatch, Scorer, score_file

__all__ = ["KIND", "PAD", "LoggedBatch", "Scorer", "score_file"]
