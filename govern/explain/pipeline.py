"""A fitted Pipeline split into its preprocessing and the estimator that is explained.

Each encoded column the preprocessing gives is traced back to the original feature it came from,
so the contributions of a one-hot group can be summed into the contribution of its feature
(docs/explain.md, "Pipelines: contributions on the original features"). Preprocessing that mixes
features has no such map: `Unwrapped.sources` is then None.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from govern.errors import BadInput, ExplainerUnsupported

__all__ = ["Unwrapped", "dense", "to_features", "unwrap"]

# Transformers whose output column j depends on input column j alone.
_ELEMENTWISE = {
    "StandardScaler",
    "MinMaxScaler",
    "MaxAbsScaler",
    "RobustScaler",
    "QuantileTransformer",
    "PowerTransformer",
    "OrdinalEncoder",
    "TargetEncoder",
    "Binarizer",
    "FunctionTransformer",  # assumed element-wise (log, clip, ...) when it keeps the width
}


@dataclass(frozen=True)
class Unwrapped:
    """A model split into fitted preprocessing and the estimator that is explained."""

    pre: Any | None
    final: Any
    sources: tuple[int, ...] | None  # original feature index of each encoded column


def unwrap(model: Any) -> Unwrapped:
    """``model`` itself when it is not a Pipeline; else its preprocessing and final step."""
    from sklearn.pipeline import Pipeline

    if not isinstance(model, Pipeline):
        return Unwrapped(pre=None, final=model, sources=None)
    final = model.steps[-1][1]
    if final in (None, "passthrough"):
        raise ExplainerUnsupported("the Pipeline has no final estimator to explain")
    pre = model[:-1]
    width = getattr(final, "n_features_in_", None)
    sources = _pipeline_sources(
        pre,
        len(model.feature_names_in_)
        if hasattr(model, "feature_names_in_")
        else model.n_features_in_,
        width,
    )
    return Unwrapped(pre=pre, final=final, sources=sources)


def dense(matrix: Any) -> np.ndarray:
    """``matrix`` (dense or sparse) as a float64 array; BadInput if it is not numeric."""
    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    try:
        return np.asarray(matrix, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise BadInput(
            f"the data reaching the estimator is not numeric ({exc})",
            hint="non-numeric columns need an encoder in the model's Pipeline",
        ) from None


def to_features(
    encoded: np.ndarray, X: pd.DataFrame, unwrapped: Unwrapped
) -> tuple[np.ndarray, pd.DataFrame | None, Mapping[str, str] | None]:
    """Sum each original feature's encoded columns (a one-hot group) into one contribution.

    Returns the contributions per feature of ``X``, and for a Pipeline the per-column values
    and which feature each column belongs to (None and None without preprocessing).
    """
    sources = unwrapped.sources
    if unwrapped.pre is None or sources is None:
        if encoded.shape[1] != X.shape[1]:
            raise ExplainerUnsupported(
                f"the explainer returned {encoded.shape[1]} columns for {X.shape[1]} features"
            )
        return encoded, None, None
    if len(sources) != encoded.shape[1]:
        raise ExplainerUnsupported(
            f"the preprocessing gives {encoded.shape[1]} columns but govern mapped "
            f"{len(sources)} of them back to the original features",
            hint="explain with method='permutation' and a background",
        )
    names = _encoded_names(unwrapped.pre, len(sources))
    features = list(X.columns)
    out = np.zeros((encoded.shape[0], len(features)), dtype=np.float64)
    for j in range(len(features)):
        idx = [k for k, s in enumerate(sources) if s == j]
        if idx:
            out[:, j] = encoded[:, idx].sum(axis=1)
    column_map = {names[k]: str(features[s]) for k, s in enumerate(sources)}
    enc_frame = pd.DataFrame(encoded, index=X.index, columns=names)
    return out, enc_frame, types.MappingProxyType(column_map)


def _pipeline_sources(pipe: Any, n_in: int, n_out: int | None) -> tuple[int, ...] | None:
    """Original input index of each output column of a fitted Pipeline, or None if mixed."""
    mapping: list[int] | None = list(range(n_in))
    steps = [t for _, t in pipe.steps if t not in (None, "passthrough")]
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        width = n_out if last else getattr(steps[i + 1], "n_features_in_", None)
        assert mapping is not None
        local = _sources(step, len(mapping), width)
        if local is None:
            return None
        mapping = [mapping[k] for k in local]
    return tuple(mapping) if mapping is not None else None


def _sources(trans: Any, n_in: int, n_out: int | None) -> list[int] | None:
    """For each output column of a fitted transformer, the input column it comes from."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    name = type(trans).__name__
    if isinstance(trans, str):
        return list(range(n_in)) if trans == "passthrough" else []
    if isinstance(trans, Pipeline):
        sub = _pipeline_sources(trans, n_in, n_out)
        return None if sub is None else list(sub)
    if isinstance(trans, ColumnTransformer):
        return _column_transformer_sources(trans, n_in)
    if name == "OneHotEncoder":
        return _one_hot_sources(trans, n_out)
    if name == "SimpleImputer":
        kept = _imputer_kept(trans, n_in)
        if kept is None:
            return None
        indicator = getattr(trans, "indicator_", None)
        extra = [] if indicator is None else [int(i) for i in indicator.features_]
        result = kept + extra
        return result if n_out is None or len(result) == n_out else None
    if name == "KBinsDiscretizer":
        if trans.encode == "ordinal":
            return list(range(n_in))
        return [i for i, b in enumerate(trans.n_bins_) for _ in range(int(b))]
    if name in _ELEMENTWISE:
        width = n_out if n_out is not None else _width(trans)
        return list(range(n_in)) if width in (None, n_in) else None
    return None


def _width(trans: Any) -> int | None:
    try:
        return len(trans.get_feature_names_out())
    except Exception:  # a transformer without names: width unknown
        return None


def _imputer_kept(trans: Any, n_in: int) -> list[int] | None:
    if getattr(trans, "keep_empty_features", False):
        return list(range(n_in))
    stats = np.asarray(trans.statistics_)
    kept = []
    for i, value in enumerate(stats):
        if not (isinstance(value, float) and math.isnan(value)):
            kept.append(i)
    return kept


def _one_hot_sources(enc: Any, n_out: int | None) -> list[int] | None:
    counts = []
    infrequent = getattr(enc, "infrequent_categories_", None)
    drop = getattr(enc, "drop_idx_", None)
    for i, cats in enumerate(enc.categories_):
        n = len(cats)
        if infrequent is not None and infrequent[i] is not None:
            n -= len(infrequent[i]) - 1
        if drop is not None and drop[i] is not None:
            n -= 1
        counts.append(n)
    if n_out is not None and sum(counts) != n_out:
        private = getattr(enc, "_n_features_outs", None)
        if private is None or sum(private) != n_out:
            return None
        counts = list(private)
    return [i for i, c in enumerate(counts) for _ in range(c)]


def _column_transformer_sources(ct: Any, n_in: int) -> list[int] | None:
    names_in = [str(n) for n in getattr(ct, "feature_names_in_", [])]
    width = max((s.stop for s in ct.output_indices_.values()), default=0)
    out: list[int | None] = [None] * width
    for name, trans, columns in ct.transformers_:
        span = ct.output_indices_.get(name)
        if span is None or trans == "drop" or span.stop == span.start:
            continue
        cols = _column_indices(columns, names_in, n_in)
        local = _sources(trans, len(cols), span.stop - span.start)
        if local is None or len(local) != span.stop - span.start:
            return None
        for k, source in enumerate(local):
            out[span.start + k] = cols[source]
    if any(s is None for s in out):
        return None
    return [int(cast(int, s)) for s in out]


def _column_indices(columns: Any, names: Sequence[str], n_in: int) -> list[int]:
    if isinstance(columns, slice):
        return list(range(n_in))[columns]
    if isinstance(columns, (str, int)):
        columns = [columns]
    items = list(columns)
    if items and all(isinstance(c, (bool, np.bool_)) for c in items):
        return [i for i, keep in enumerate(items) if keep]
    return [names.index(str(c)) if isinstance(c, str) else int(c) for c in items]


def _encoded_names(pre: Any, width: int) -> list[str]:
    try:
        names = [str(n) for n in pre.get_feature_names_out()]
    except Exception:  # some transformers cannot name their output
        names = []
    if len(names) != width or len(set(names)) != width:
        names = [f"column_{k}" for k in range(width)]
    return names
