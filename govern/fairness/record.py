"""Recording a fair-lending analysis (docs/fairness.md, "Recording"): a signed
``fairness.result`` entry, and on a breach of the policy's thresholds a finding, in one
transaction; and the latest recorded analysis a version's documents cite."""

from __future__ import annotations

from govern.ledger import Entry
from govern.records import FairnessResult, subjects
from govern.registry import models, trusted
from govern.registry.core import Registry

__all__ = ["latest"]


def latest(reg: Registry, ref: str) -> tuple[Entry, FairnessResult] | None:
    """The latest ``fairness.result`` of version ``ref`` (NAME@V) whose signature and author's
    authority verify, recorded against the version's registration as it is, if any."""
    mv = models.resolve(reg, ref)
    found = trusted.accepted(
        reg, reg.ledger.checked(subject=subjects.fairness(mv.ref), kinds=[FairnessResult.KIND])
    )
    for entry in reversed(found):
        result = FairnessResult.from_entry(entry)
        if result.model_entry == mv.leaf:
            return entry, result
    return None
