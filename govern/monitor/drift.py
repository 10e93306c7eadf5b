"""Drift as effect sizes, computed from counts (docs/monitoring.md, "Input drift").

Everything here is pure and additive: a chunk of rows gives counts on fixed bins, counts of
chunks (or of windows, or of machines) add up, and the statistics are computed from the summed
counts at the end. That is what lets one million logged decisions be monitored in bounded
memory, and a later distributed run add the counts of its partitions instead of moving rows.

- PSI on the training profile's own bins: deciles for a numeric feature (right-closed, open at
  both ends) plus a missing bin; the top categories, "other" and missing for a categorical one.
  A share below ``EPSILON`` counts as ``EPSILON`` (the report states it).
- The Kolmogorov-Smirnov distance of a numeric feature: the largest gap between the empirical
  distribution functions of the training data and of the monitored rows, evaluated at the
  training data's distinct values (information only, beside the PSI).
- The Jensen-Shannon distance of a categorical feature (base 2, in [0, 1]) on the PSI's bins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govern.registry.profiles import PSI_EPSILON

__all__ = [
    "EPSILON",
    "Bins",
    "js_distance",
    "ks_distance",
    "psi",
]

EPSILON = PSI_EPSILON
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True)
class Bins:
    """One feature's bins, as the training profile recorded them, and how to count onto them.

    ``edges`` (numeric) or ``categories`` (categorical); the labels name the bins in order:
    ``<= e1``, ``(e1, e2]``, ..., ``> ek``, then ``missing`` (numeric), or each category, then
    ``other`` and ``missing`` (categorical)."""

    name: str
    kind: str
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    baseline: tuple[float, ...] = ()  # the training shares, one per bin

    @classmethod
    def from_profile(cls, name: str, bins: dict[str, Any]) -> Bins:
        shares = [float(s or 0.0) for s in bins.get("shares") or []]
        if bins.get("kind") == "numeric":
            return cls(
                name,
                "numeric",
                edges=tuple(float(e) for e in bins["edges"]),
                baseline=(*shares, float(bins.get("missing") or 0.0)),
            )
        return cls(
            name,
            "categorical",
            categories=tuple(str(c) for c in bins["categories"]),
            baseline=(*shares, float(bins.get("other") or 0.0), float(bins.get("missing") or 0.0)),
        )

    @property
    def size(self) -> int:
        return len(self.baseline)

    @property
    def labels(self) -> list[str]:
        if self.kind == "numeric":
            e = [_fmt(x) for x in self.edges]
            if not e:
                return ["all", "missing"]
            inner = [f"({e[i]}, {e[i + 1]}]" for i in range(len(e) - 1)]
            return [f"<= {e[0]}", *inner, f"> {e[-1]}", "missing"]
        return [*self.categories, "other", "missing"]

    def count(self, values: Any) -> IntArray:
        """Counts of ``values`` (a numpy array; None or NaN for missing) on these bins."""
        if self.kind == "numeric":
            x = np.asarray(values, dtype="float64")
            missing = np.isnan(x)
            idx = np.searchsorted(np.asarray(self.edges, dtype="float64"), x[~missing], side="left")
            counts = np.bincount(idx, minlength=len(self.edges) + 1).astype("int64")
            return np.append(counts, np.int64(missing.sum()))
        # Factorize once (each distinct value hashed once), then count codes: a sort of the
        # values as fixed-width text would cost a second per long-text column at a million rows.
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        lookup = {c: i for i, c in enumerate(self.categories)}
        other = len(self.categories)
        mapped = np.array([lookup.get(str(u), other) for u in uniques] + [other + 1], dtype="int64")
        counts = np.bincount(mapped[codes], minlength=other + 2).astype("int64")
        return counts


def _fmt(x: float) -> str:
    return f"{x:g}"


def shares(counts: Sequence[int] | IntArray) -> list[float]:
    total = float(np.sum(counts))
    return [float(c) / total if total else 0.0 for c in counts]


def psi(baseline: Sequence[float], current: Sequence[float], epsilon: float = EPSILON) -> float:
    """Sum of (c - b) * ln(c / b) over the bins, each share floored at ``epsilon``."""
    terms = []
    for b, c in zip(baseline, current, strict=True):
        b, c = max(b, epsilon), max(c, epsilon)
        terms.append((c - b) * math.log(c / b))
    return math.fsum(terms)


def js_distance(baseline: Sequence[float], current: Sequence[float]) -> float:
    """The Jensen-Shannon distance (base 2): the square root of the divergence, in [0, 1]."""
    p = np.asarray(baseline, dtype="float64")
    q = np.asarray(current, dtype="float64")
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: FloatArray, b: FloatArray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / b[mask])))

    return math.sqrt(max((kl(p, m) + kl(q, m)) / 2, 0.0))


@dataclass(frozen=True)
class KsGrid:
    """The training data's distinct values of one numeric feature and its distribution function
    at each: counting monitored values onto the grid gives theirs, and the KS distance."""

    grid: FloatArray
    train_cdf: FloatArray

    @classmethod
    def from_values(cls, values: Any) -> KsGrid:
        x = np.asarray(values, dtype="float64")
        x = np.sort(x[~np.isnan(x)])
        grid = np.unique(x)
        cdf = np.searchsorted(x, grid, side="right") / max(len(x), 1)
        return cls(grid, cdf.astype("float64"))

    def count(self, values: Any) -> IntArray:
        """Counts per grid cell: values <= g0, in (g0, g1], ..., > g_last (missing left out)."""
        x = np.asarray(values, dtype="float64")
        x = x[~np.isnan(x)]
        idx = np.searchsorted(self.grid, x, side="left")
        return np.bincount(idx, minlength=len(self.grid) + 1).astype("int64")


def ks_distance(grid: KsGrid, counts: Sequence[int] | IntArray) -> float | None:
    """The KS distance from grid counts (``KsGrid.count``, summed); None without values."""
    c = np.asarray(counts, dtype="float64")
    total = c.sum()
    if total == 0 or len(grid.grid) == 0:
        return None
    cur_cdf = np.cumsum(c[:-1]) / total
    return float(np.max(np.abs(cur_cdf - grid.train_cdf)))
