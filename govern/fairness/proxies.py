"""Proxy screening (docs/fairness.md, "Proxies"): how well each model feature, alone, tells the
designated groups apart, the strongest proxies first.

For each feature and designated attribute, two figures. The AUC: for each group against the
rest, the ROC AUC of the feature (a number as it is, a category by the group's share among the
rows of that category), folded to at least 0.5, the largest over the groups. The mutual
information (in bits) between the feature (a number cut at its deciles) and the group. A
feature that is itself a designated attribute is not screened: the model uses the attribute,
which the report says first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Proxy", "screen"]


@dataclass(frozen=True)
class Proxy:
    feature: str
    attribute: str
    auc: float | None  # the largest one-group-against-the-rest AUC, at least 0.5
    group: str | None  # the group it tells apart best
    mutual_information: float  # bits


def _codes(values: pd.Series) -> np.ndarray[Any, Any]:
    """The feature as integer codes: a number by its decile band, anything else by value."""
    if pd.api.types.is_numeric_dtype(values) and values.nunique(dropna=True) > 10:
        numbers = pd.to_numeric(values, errors="coerce")
        edges = np.unique(np.nanquantile(numbers, np.linspace(0.1, 0.9, 9)))
        codes = np.searchsorted(edges, numbers.to_numpy(dtype="float64"), side="right")
        return np.where(numbers.isna(), -1, codes)
    return np.asarray(pd.factorize(values.astype(str), use_na_sentinel=True)[0])


def _auc(values: pd.Series, member: np.ndarray[Any, Any]) -> float | None:
    from sklearn.metrics import roc_auc_score

    if member.all() or not member.any():
        return None
    if pd.api.types.is_numeric_dtype(values):
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        x = np.where(np.isnan(x), np.nanmedian(x) if (~np.isnan(x)).any() else 0.0, x)
    else:
        key = values.astype(str)
        x = key.map(pd.Series(member, index=values.index).groupby(key).mean()).to_numpy(
            dtype="float64"
        )
    auc = float(roc_auc_score(member, x))
    return max(auc, 1.0 - auc)


def screen(
    frame: pd.DataFrame, features: Sequence[str], groups: Mapping[str, pd.Series]
) -> list[Proxy]:
    """Every (feature, attribute) pair but an attribute with itself, the strongest first
    (by AUC, then mutual information)."""
    from sklearn.metrics import mutual_info_score

    out = []
    for attribute, labels in groups.items():
        has = labels.notna().to_numpy()
        if has.sum() < 2:
            continue
        g = labels[has].astype(str)
        names = sorted(set(g))
        for feature in features:
            if feature == attribute or feature not in frame.columns:
                continue
            values = frame[feature][has]
            best: tuple[float, str] | None = None
            for name in names:
                auc = _auc(values, (g == name).to_numpy())
                if auc is not None and (best is None or auc > best[0]):
                    best = (auc, name)
            mi = float(mutual_info_score(g.to_numpy(), _codes(values))) / math.log(2)
            out.append(
                Proxy(
                    feature,
                    attribute,
                    None if best is None else best[0],
                    None if best is None else best[1],
                    max(mi, 0.0),
                )
            )
    return sorted(out, key=lambda p: (-(p.auc or 0.0), -p.mutual_information, p.feature))
