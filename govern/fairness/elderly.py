"""Reg B 12 CFR 1002.6(b)(2): in an empirically derived credit system age may be a factor, but
an applicant aged 62 or over may not be assigned a negative value for it. Where the bank marks
a designated attribute as the applicant's age (``age = true``), the declined applicants of that
age whose score age pushed toward the decline are counted (docs/fairness.md, "Age")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govern.registry.entities import ModelVersion

__all__ = ["ELDERLY", "Elderly", "elderly_adverse"]

#: The age from which Reg B forbids a negative value for age (12 CFR 1002.6(b)(2)(ii)).
ELDERLY = 62


@dataclass(frozen=True)
class Elderly:
    attribute: str
    declined: int  # declined applicants aged 62 or over
    adverse: int  # of them, those to whose score age contributed toward the decline

    def line(self) -> str:
        return (
            f"Reg B 1002.6(b)(2): {self.attribute} contributed toward the decline of "
            f"{self.adverse} of {self.declined} declined applicants aged {ELDERLY} or over"
        )


def elderly_adverse(
    mv: ModelVersion,
    model: Any,
    frame: pd.DataFrame,
    approved: np.ndarray[Any, Any],
    attribute: str,
) -> Elderly | None:
    """The count for ``attribute`` (None when the model does not use it as a feature)."""
    from govern.explain import ModelExplainer

    features = mv.record.feature_names
    if attribute not in features:
        return None
    ages = pd.to_numeric(frame[attribute], errors="coerce").to_numpy()
    rows = np.flatnonzero(~approved & (ages >= ELDERLY))
    if rows.size == 0:
        return Elderly(attribute, 0, 0)
    background = frame.sample(n=min(100, len(frame)), random_state=0)[features]
    explained = ModelExplainer(model, background=background).explain(frame.iloc[rows][features])
    # the score is the probability of the positive label: toward a decline is down when the
    # positive label is the favourable one, up otherwise
    record = mv.record
    sign = -1.0 if record.favourable_outcome == record.positive_label else 1.0
    pushed = (explained.contributions[attribute].to_numpy() * sign) > 0
    return Elderly(attribute, int(rows.size), int(pushed.sum()))
