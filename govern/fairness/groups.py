"""Forming the designated groups from the policy's ``[fairness]`` section (docs/fairness.md,
"Designating groups"), and the group files a bank holds apart from the scoring data."""

from __future__ import annotations

from collections.abc import Sequence

from govern.registry.policy import FairnessRule

__all__ = ["designated_features"]


def designated_features(rule: FairnessRule, features: Sequence[str]) -> list[str]:
    """The model features (in their order) that are attributes the policy designates."""
    names = {a.name for a in rule.attributes}
    return [f for f in features if f in names]
