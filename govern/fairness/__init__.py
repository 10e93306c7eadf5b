"""Fair-lending analysis of a model version against the groups the bank designates
(docs/fairness.md)."""

from govern.fairness.groups import designated_features
from govern.fairness.record import latest

__all__ = ["designated_features", "latest"]
