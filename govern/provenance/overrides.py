"""Human overrides of a logged decision (EU AI Act Art. 14(4)(d); SR 11-7 IV, overrides).

A reviewer who departs from the model's decision records it: the decision taken, the reason
and who took it. The logged prediction is never changed; provenance shows both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govern.errors import BadInput
from govern.ledger import Entry
from govern.provenance.events import events, logged
from govern.records import PredictionOverridden
from govern.registry import models

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["record_override"]


def record_override(reg: Registry, prediction_id: str, *, decision: str, reason: str) -> Entry:
    """Record that the acting person (an enrolled reviewer) decided ``decision`` instead."""
    if not reason or not reason.strip():
        raise BadInput("an override needs the reviewer's reason")
    entry, prediction = logged(events(reg, prediction_id), prediction_id)
    estimator = models.resolve(reg, prediction.model).record.estimator
    classes = [str(c) for c in estimator.classes or ()]
    if classes and decision not in classes:
        raise BadInput(
            f"{decision!r} is not a decision {prediction.model} can make ({', '.join(classes)})"
        )
    return reg.record(
        PredictionOverridden(
            subject=prediction_id,
            prediction_entry=entry.seq,
            model_decision=prediction.output.decision,
            decision=decision,
            reason=reason,
            reviewer=reg.actor,
        )
    )
