"""A dataset's profile, and drift against it: the population stability index.

The profile is a JSON-safe summary for the ledger and the model card (section 5, Data); its
binned shares are the baseline that ongoing monitoring compares new data against with `psi`
(docs/registry.md, "Datasets"). JSON-safe means the I-JSON subset the ledger's canonical JSON
accepts (RFC 7493): only dict, list, str, int, float, bool and None; no NaN or infinity;
integers within +-(2**53-1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from govern.errors import BadInput
from govern.registry._ijson import json_number
from govern.registry.schema import Schema, describe, kind_of
from govern.registry.tables import check_column_names, name_list

__all__ = [
    "PROFILE_VERSION",
    "PSI_EPSILON",
    "QUANTILES",
    "TOP_CATEGORIES",
    "bin_frame",
    "profile",
    "psi",
]

PROFILE_VERSION: Final = 1
QUANTILES: Final = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
TOP_CATEGORIES: Final = 20
PSI_EPSILON: Final = 1e-4


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def _bin_edges(finite: np.ndarray[Any, np.dtype[np.float64]], bins: int) -> list[float]:
    """Interior bin edges: the 1/bins .. (bins-1)/bins quantiles, deduplicated.

    Taken as observed values (inverted CDF), so on discrete data (a 1-4 rating) the edges are
    the values themselves and no closed bin sits between two of them holding nothing.
    """
    if finite.size == 0:
        return []
    qs = [i / bins for i in range(1, bins)]
    return [float(e) for e in np.unique(np.quantile(finite, qs, method="inverted_cdf"))]


def _numeric_counts(
    values: np.ndarray[Any, np.dtype[np.float64]], edges: Sequence[float]
) -> list[int]:
    """Counts in the bins (-inf, e1], (e1, e2], ..., (ek, +inf); infinities land in the ends."""
    # side="left" counts the edges strictly below a value, so a value equal to an edge falls in
    # the bin that edge closes (right-closed bins, as pandas.cut).
    idx = np.searchsorted(np.asarray(edges, dtype="float64"), values, side="left")
    return [int(c) for c in np.bincount(idx, minlength=len(edges) + 1)]


def _numeric_profile(s: pd.Series, n: int, bins: int) -> tuple[dict[str, Any], dict[str, Any]]:
    missing_mask = s.isna().to_numpy(dtype=bool)
    missing = int(missing_mask.sum())
    values = s[~missing_mask].to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    stats: dict[str, Any] = {
        "kind": "numeric",
        "dtype": str(s.dtype),
        "missing": missing,
        "missing_share": _share(missing, n),
        "infinite": int(values.size - finite.size),
        "min": None,
        "max": None,
        "mean": None,
        "std": None,
        "quantiles": {str(q): None for q in QUANTILES},
    }
    if finite.size:
        if pd.api.types.is_integer_dtype(s.dtype):
            # From the ints themselves: a float64 copy loses digits beyond 2**53.
            present = s[~missing_mask]
            stats["min"], stats["max"] = json_number(present.min()), json_number(present.max())
        else:
            stats["min"], stats["max"] = json_number(finite.min()), json_number(finite.max())
        stats["mean"] = json_number(finite.mean())
        # Sample standard deviation (ddof=1), as pandas' describe; undefined for one value.
        stats["std"] = json_number(finite.std(ddof=1)) if finite.size > 1 else None
        qv = np.quantile(finite, QUANTILES)
        stats["quantiles"] = {str(q): json_number(v) for q, v in zip(QUANTILES, qv, strict=True)}
    edges = _bin_edges(finite, bins)
    counts = _numeric_counts(values, edges)
    binned: dict[str, Any] = {
        "kind": "numeric",
        "edges": edges,
        "shares": [_share(c, n) for c in counts],
        "missing": _share(missing, n),
    }
    return stats, binned


def _labels(s: pd.Series) -> tuple[pd.Series, int]:
    """The non-missing values as text labels, and the count of missing values.

    Values that print alike (1 and "1" in one object column) share a label: JSON keys are text.
    """
    missing_mask = s.isna().to_numpy(dtype=bool)
    return s[~missing_mask].astype(str), int(missing_mask.sum())


def _categorical_profile(s: pd.Series, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    labels, missing = _labels(s)
    counts = labels.value_counts(sort=False)
    table = pd.DataFrame({"label": counts.index.astype(str), "count": counts.to_numpy()})
    # Most frequent first; ties by label, so the order never depends on hashing or input order.
    table = table.sort_values(["count", "label"], ascending=[False, True], kind="stable")
    top = table.head(TOP_CATEGORIES)
    top_labels = [str(v) for v in top["label"]]
    top_counts = [int(c) for c in top["count"]]
    other = int(labels.size) - sum(top_counts)
    stats: dict[str, Any] = {
        "kind": "categorical",
        "dtype": str(s.dtype),
        "missing": missing,
        "missing_share": _share(missing, n),
        "distinct": len(table),
        "top": [
            {"value": v, "count": c, "share": _share(c, n)}
            for v, c in zip(top_labels, top_counts, strict=True)
        ],
        "other": other,
    }
    binned: dict[str, Any] = {
        "kind": "categorical",
        "categories": top_labels,
        "shares": [_share(c, n) for c in top_counts],
        "other": _share(other, n),
        "missing": _share(missing, n),
    }
    return stats, binned


def profile(df: pd.DataFrame, *, target: str | None = None, bins: int = 10) -> dict[str, Any]:
    """A JSON-safe, deterministic summary of a table, and its drift-monitoring baseline.

    Returns {"version", "rows", "schema" (list of {name, dtype, kind} in column order), "target",
    "features" ({"numeric": [...], "categorical": [...]}, the columns other than the target),
    "columns" (name -> statistics), "bins" (name -> baseline shares)}. Numeric columns get
    missing and infinite counts, min, max, mean, sample std and the QUANTILES over their finite
    values; categorical ones (text, bool, dates, ...) the TOP_CATEGORIES most frequent values
    with count and share of all rows, the count of distinct values and of the rest. Bins: for a
    numeric column the deduplicated quantile edges (deciles when bins=10) with open-ended first
    and last bins; for a categorical one the top categories, an "other" bucket and a "missing"
    bucket; all shares are of all rows and sum to 1. NaN and infinity never appear: undefined
    values (statistics of an empty column, shares of a table with no rows) are None.
    """
    if bins < 2:
        raise BadInput(f"a profile needs at least 2 bins per numeric column, not {bins}")
    schema = Schema.from_frame(df)
    if target is not None and target not in schema.names:
        raise BadInput(
            f"the target column {target!r} is not in the data",
            hint=f"its columns are: {name_list(list(schema.names))}",
        )
    n = len(df)
    columns: dict[str, Any] = {}
    binned: dict[str, Any] = {}
    for name, _, kind in schema.columns:
        if kind == "numeric":
            columns[name], binned[name] = _numeric_profile(df[name], n, bins)
        else:
            columns[name], binned[name] = _categorical_profile(df[name], n)
    features = [c for c in schema.columns if c[0] != target]
    return {
        "version": PROFILE_VERSION,
        "rows": json_number(n),
        "schema": schema.to_list(),
        "target": target,
        "features": {
            "numeric": [name for name, _, kind in features if kind == "numeric"],
            "categorical": [name for name, _, kind in features if kind == "categorical"],
        },
        "columns": columns,
        "bins": binned,
        "settings": {"bins": bins, "quantiles": list(QUANTILES), "top_categories": TOP_CATEGORIES},
    }


def _share_vector(bins: dict[str, Any], which: str) -> list[float]:
    shares = list(bins.get("shares") or [])
    if bins.get("kind") == "categorical":
        shares.append(bins.get("other"))
    shares.append(bins.get("missing"))
    if any(s is None for s in shares):
        raise BadInput(f"the {which} shares are undefined (a table with no rows); PSI needs rows")
    return [float(s) for s in shares]


def psi(
    baseline_bins: dict[str, Any], current_bins: dict[str, Any], *, epsilon: float = PSI_EPSILON
) -> float:
    """Population stability index of one column: sum of (c - b) * ln(c / b) over its bins.

    Both arguments are one column's bins from `profile(...)["bins"]` and `bin_frame(...)`, and
    must be on the same bins (BadInput otherwise). A share below `epsilon` counts as `epsilon`,
    so an empty bin gives a large but finite term. Identical shares give exactly 0.0; the index
    grows as the shares move apart (rules of thumb: below 0.1 stable, above 0.25 a shift).
    """
    same = baseline_bins.get("kind") == current_bins.get("kind") and all(
        baseline_bins.get(k) == current_bins.get(k) for k in ("edges", "categories")
    )
    if not same:
        raise BadInput("the current shares are not on the baseline's bins; use bin_frame")
    base = _share_vector(baseline_bins, "baseline")
    cur = _share_vector(current_bins, "current")
    if len(base) != len(cur):
        raise BadInput("the current shares are not on the baseline's bins; use bin_frame")
    terms = []
    for b, c in zip(base, cur, strict=True):
        b, c = max(b, epsilon), max(c, epsilon)
        terms.append((c - b) * math.log(c / b))
    # fsum: exact summation, so the order of terms cannot change the last digit.
    return math.fsum(terms)


def bin_frame(
    df: pd.DataFrame, profile: dict[str, Any], *, columns: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The shares of `df` on a profile's baseline bins: {column: bins}, ready for `psi`.

    `columns` defaults to every profiled column but the target (production data often has no
    outcome yet). BadInput if a column is absent from `df` or from the profile, or its kind is
    not the baseline's. Values outside the baseline's categories count as "other".
    """
    baseline: dict[str, Any] = profile["bins"]
    if columns is None:
        columns = [c for c in baseline if c != profile.get("target")]
    unknown = [c for c in columns if c not in baseline]
    if unknown:
        raise BadInput(f"the profile has no baseline for column {name_list(unknown)}")
    check_column_names(df, "the data")
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise BadInput(f"the data lacks the monitored column {name_list(absent)}")
    n = len(df)
    out: dict[str, dict[str, Any]] = {}
    for name in columns:
        base = baseline[name]
        s = df[name]
        if kind_of(s.dtype) != base["kind"]:
            raise BadInput(
                f"column {name} holds {describe(kind_of(s.dtype), str(s.dtype))}, but its "
                f"baseline holds {'numbers' if base['kind'] == 'numeric' else 'categories'}"
            )
        if base["kind"] == "numeric":
            missing_mask = s.isna().to_numpy(dtype=bool)
            values = s[~missing_mask].to_numpy(dtype="float64")
            counts = _numeric_counts(values, base["edges"])
            out[name] = {
                "kind": "numeric",
                "edges": list(base["edges"]),
                "shares": [_share(c, n) for c in counts],
                "missing": _share(int(missing_mask.sum()), n),
            }
        else:
            labels, missing = _labels(s)
            seen = labels.value_counts(sort=False)
            cats = list(base["categories"])
            cat_counts = [int(seen.get(c, 0)) for c in cats]
            out[name] = {
                "kind": "categorical",
                "categories": cats,
                "shares": [_share(c, n) for c in cat_counts],
                "other": _share(int(labels.size) - sum(cat_counts), n),
                "missing": _share(missing, n),
            }
    return out


def outside_training(
    columns: Mapping[str, Mapping[str, Any]], frame: pd.DataFrame, features: Sequence[str]
) -> list[str]:
    """Per row of ``frame``, what lies outside the training data's profile (``columns``: the
    recorded per-column statistics), as one line ("" when nothing): a number below the
    training minimum or above its maximum, a category the training data never held (known
    only when the profile recorded every category). Missing values are not flagged."""
    flags: list[tuple[np.ndarray[Any, Any], Any]] = []
    for name in features:
        stats = columns.get(name)
        if stats is None or name not in frame.columns:
            continue
        if stats.get("kind") == "numeric":
            lo, hi = stats.get("min"), stats.get("max")
            if lo is None or hi is None:
                continue
            values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64")
            with np.errstate(invalid="ignore"):
                mask = (values < float(lo)) | (values > float(hi))
            if mask.any():
                flags.append(
                    (
                        mask,
                        lambda i, n=name, v=values, a=lo, b=hi: (
                            f"{n} {v[i]:g} outside the training range {a:g} to {b:g}"
                        ),
                    )
                )
        else:
            top = stats.get("top") or []
            if int(stats.get("distinct", 0)) > len(top):
                continue  # not every training category was recorded: "never seen" is unknown
            known = {str(t["value"]) for t in top}
            column = frame[name]
            present = column.notna().to_numpy(dtype=bool)
            labels = column.astype(str).to_numpy(dtype=object)
            mask = present & ~np.isin(labels, list(known))
            if mask.any():
                flags.append(
                    (
                        mask,
                        lambda i, n=name, v=labels: f"{n} {v[i]!r} never seen in the training data",
                    )
                )
    out = [""] * len(frame)
    if not flags:
        return out
    for i in np.flatnonzero(np.logical_or.reduce([m for m, _ in flags])):
        out[i] = "; ".join(say(i) for m, say in flags if m[i])
    return out
