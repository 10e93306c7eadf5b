"""Fair-lending analysis of a model version against the groups the bank designates
(docs/fairness.md)."""

from govern.fairness.analysis import (
    Alternative,
    Calibration,
    FairnessReport,
    ReasonShare,
    adverse_impact_ratio,
    analyse,
    smd,
)
from govern.fairness.proxies import Proxy, screen
from govern.fairness.record import Recorded, latest, record
from govern.registry.groups import (
    GroupsAdded,
    add_groups,
    designated_features,
    erase_groups,
    form,
    groups_of,
)

__all__ = [
    "Alternative",
    "Calibration",
    "FairnessReport",
    "GroupsAdded",
    "Proxy",
    "ReasonShare",
    "Recorded",
    "add_groups",
    "adverse_impact_ratio",
    "analyse",
    "designated_features",
    "erase_groups",
    "form",
    "groups_of",
    "latest",
    "record",
    "screen",
    "smd",
]
