"""The figures of govern's documents: ROC, calibration, score distributions, importance, and the
SHAP figures of explanation reports (mean |contribution| bars, beeswarm, dependence, waterfall).

Drawn with matplotlib's Agg renderer on Figure objects (never pyplot, so the caller's backend
and global state are left alone), as PNG at 150 dpi embedded as base64 data URIs. Deterministic:
fixed figure sizes and styles, no date or software name in the PNG metadata, so the same numbers
give the same bytes.
"""

from __future__ import annotations

import base64
import functools
import io
import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govern.explain.reasons import format_value
from govern.presentation import fmt

if TYPE_CHECKING:
    from govern.explain.explainers import DecisionExplanation, Explanation

DPI = 150
_BLUE, _RED, _GREY, _ORANGE = "#1f77b4", "#d62728", "#8c8c8c", "#ff7f0e"
_CYCLE = (_BLUE, _ORANGE, "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
_RC: dict[str, Any] = {
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "legend.fontsize": 7.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "svg.hashsalt": "govern",
}

Number = float | int | None


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _styled(draw: Callable[..., Any]) -> Callable[..., str]:
    """Run ``draw`` under govern's style (rc_context: the caller's rcParams are restored)."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        import matplotlib

        with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
            return png_data_uri(draw(*args, **kwargs))

    return wrapper


def _tight(draw: Callable[..., Any]) -> Callable[..., str]:
    """As ``_styled``, cropped to what is drawn (figures whose height follows their rows)."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        import matplotlib

        with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
            return png_data_uri(draw(*args, **kwargs), tight=True)

    return wrapper


def png_data_uri(fig: Any, *, tight: bool = False) -> str:
    """The figure as a PNG data URI: 150 dpi, no metadata that changes between runs."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=DPI,
        metadata={"Software": None},
        bbox_inches="tight" if tight else None,
    )
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pairs(xs: Sequence[Number], ys: Sequence[Number]) -> tuple[list[float], list[float]]:
    keep = [
        (float(x), float(y))
        for x, y in zip(xs, ys, strict=False)
        if x is not None and y is not None
    ]
    return [p[0] for p in keep], [p[1] for p in keep]


@_styled
def roc(curves: Sequence[tuple[str, Sequence[Number], Sequence[Number]]]) -> Any:
    """ROC curves: (label, false positive rates, true positive rates) each; the first is ours."""
    fig = _figure(4.2, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color=_GREY, linestyle="--", linewidth=0.8, label="chance")
    for i, (label, fpr, tpr) in enumerate(curves):
        x, y = _pairs(fpr, tpr)
        ax.plot(x, y, color=_CYCLE[i % len(_CYCLE)], linewidth=1.6 if i == 0 else 1.1, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.13, top=0.92)
    return fig


@_styled
def calibration(
    mean_score: Sequence[Number], observed: Sequence[Number], counts: Sequence[int]
) -> Any:
    """Observed positive rate against mean score per bin, marker area by bin count."""
    fig = _figure(4.2, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color=_GREY, linestyle="--", linewidth=0.8, label="perfect")
    x, y = _pairs(mean_score, observed)
    ax.plot(x, y, color=_BLUE, linewidth=1.2, marker="o", markersize=3.5, label="model")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("mean score in bin")
    ax.set_ylabel("observed positive rate")
    ax.set_title(f"Calibration ({len(counts)} quantile bins)")
    ax.legend(loc="upper left", frameon=False)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.13, top=0.92)
    return fig


@_styled
def score_distribution(
    edges: Sequence[Number],
    positive: Sequence[int],
    negative: Sequence[int],
    labels: tuple[str, str],
    threshold: float | None,
) -> Any:
    """Histograms of the score for each class, with the decision threshold."""
    fig = _figure(6.4, 3.0)
    ax = fig.add_subplot(1, 1, 1)
    e = [float(v) for v in edges if v is not None]
    lefts, widths = e[:-1], [b - a for a, b in itertools.pairwise(e)]
    ax.bar(
        lefts,
        list(negative),
        width=widths,
        align="edge",
        color=_RED,
        alpha=0.55,
        label=labels[1],
        edgecolor="white",
        linewidth=0.4,
    )
    ax.bar(
        lefts,
        list(positive),
        width=widths,
        align="edge",
        color=_BLUE,
        alpha=0.55,
        label=labels[0],
        edgecolor="white",
        linewidth=0.4,
    )
    if threshold is not None:
        ax.axvline(
            threshold, color="black", linewidth=0.9, linestyle=":", label=f"threshold {threshold:g}"
        )
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (probability of the positive class)")
    ax.set_ylabel("count")
    ax.set_title("Score distribution by observed class")
    ax.legend(loc="upper left", frameon=False)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.9)
    return fig


@_styled
def importance(features: Sequence[str], values: Sequence[float], xlabel: str) -> Any:
    """Horizontal bars of mean |contribution| per feature, largest at the top."""
    n = len(features)
    fig = _figure(6.4, 0.9 + 0.22 * n)
    ax = fig.add_subplot(1, 1, 1)
    names = [f if len(f) <= 40 else f[:39] + "…" for f in features]
    ax.barh(range(n)[::-1], list(values), color=_BLUE, height=0.7)
    ax.set_yticks(range(n)[::-1])
    ax.set_yticklabels(names)
    ax.set_xlabel(xlabel)
    ax.set_title("Global importance: mean |SHAP value|")
    ax.grid(True, axis="x", linewidth=0.3, alpha=0.5)
    fig.subplots_adjust(
        left=0.42, right=0.97, bottom=0.6 / (0.9 + 0.22 * n) + 0.05, top=1 - 0.3 / (0.9 + 0.22 * n)
    )
    return fig


# ---- explanation reports -----------------------------------------------------------------------


def _axis_label(expl: Explanation) -> str:
    if expl.positive_class is None:
        return f"contribution ({expl.output_space})"
    return f"contribution to the {expl.output_space} of {expl.positive_class!r}"


def _numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _short(text: object, width: int = 28) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _bare(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


@_tight
def mean_abs_bars(importance: pd.Series, output_space: str, max_display: int) -> Any:
    """Mean |contribution| per feature, largest at the top; the rest summed in one bar."""
    shown = importance.iloc[:max_display]
    labels = [_short(f, 40) for f in shown.index]
    values = [float(v) for v in shown.to_numpy()]
    rest = importance.iloc[max_display:]
    if len(rest):
        labels.append(f"sum of {len(rest)} other features")
        values.append(float(rest.sum()))
    fig = _figure(7.0, 0.6 + 0.32 * len(values))
    ax = fig.subplots()
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, color=_RED, height=0.7)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(f"mean |contribution| ({output_space})", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    _bare(ax)
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, f" {fmt(v)}", va="center", fontsize=7)
    return fig


def _swarm(values: np.ndarray, nbins: int = 100, width: float = 0.4) -> np.ndarray:
    """Vertical offsets that stack points of similar value (a deterministic beeswarm)."""
    n = len(values)
    if n == 0:
        return np.zeros(0)
    order = np.argsort(values, kind="stable")
    low, span = float(values.min()), float(np.ptp(values)) or 1.0
    bins = np.round(nbins * (values[order] - low) / span).astype(np.int64)
    _, first, counts = np.unique(bins, return_index=True, return_counts=True)
    layer = np.arange(n) - np.repeat(first, counts)
    offsets = np.ceil(layer / 2.0) * np.where(layer % 2 == 0, 1.0, -1.0)
    offsets *= width / max(float(np.abs(offsets).max()), 1.0)
    out = np.empty(n)
    out[order] = offsets
    return out


def _colour_values(series: pd.Series) -> np.ndarray | None:
    if not _numeric(series):
        return None
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return None
    low, high = np.percentile(finite, [5, 95])
    if high <= low:
        low, high = float(finite.min()), float(finite.max())
    if high <= low:
        return np.full(len(values), 0.5)
    scaled: np.ndarray = np.clip((values - low) / (high - low), 0.0, 1.0)
    return scaled


@_tight
def beeswarm(expl: Explanation, features: list[str]) -> Any:
    """One point per row and feature, at its contribution, coloured by the feature's value."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable

    cmap = colormaps["coolwarm"]
    fig = _figure(7.0, 0.8 + 0.4 * len(features))
    ax = fig.subplots()
    contributions, data = expl.contributions, expl.data
    for i, feature in enumerate(features):
        y = len(features) - 1 - i
        shap_values = contributions[feature].to_numpy(dtype=np.float64)
        offsets = _swarm(shap_values)
        colour = _colour_values(data[feature])
        if colour is None:
            ax.scatter(shap_values, y + offsets, s=5, c=_GREY, linewidths=0, rasterized=True)
        else:
            missing = np.isnan(colour)
            ax.scatter(
                shap_values[missing],
                y + offsets[missing],
                s=5,
                c=_GREY,
                linewidths=0,
                rasterized=True,
            )
            ax.scatter(
                shap_values[~missing],
                y + offsets[~missing],
                s=5,
                c=colour[~missing],
                cmap=cmap,
                vmin=0,
                vmax=1,
                linewidths=0,
                rasterized=True,
            )
    ax.axvline(0.0, color="#999999", linewidth=0.8, zorder=0)
    ax.set_yticks(range(len(features))[::-1], [_short(f, 40) for f in features], fontsize=8)
    ax.set_xlabel(_axis_label(expl), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    _bare(ax)
    bar = fig.colorbar(ScalarMappable(cmap=cmap), ax=ax, aspect=40, pad=0.02)
    bar.set_ticks([0, 1], labels=["low", "high"], fontsize=7)
    bar.set_label("feature value (grey: categorical or missing)", fontsize=7)
    return fig


@_tight
def dependence(expl: Explanation, feature: str) -> Any:
    """A feature's contribution against its value (categories ordered by mean contribution)."""
    fig = _figure(6.0, 3.2)
    ax = fig.subplots()
    y = expl.contributions[feature].to_numpy(dtype=np.float64)
    column = expl.data[feature]
    if _numeric(column):
        x = column.to_numpy(dtype=np.float64, na_value=np.nan)
        ax.scatter(x, y, s=6, c=_BLUE, alpha=0.6, linewidths=0, rasterized=True)
    else:
        labels = column.astype(object).where(column.notna(), "missing").astype(str)
        means = pd.Series(y, index=labels.index).groupby(labels.to_numpy()).mean()
        cats = sorted(means.index, key=lambda c: (float(means[c]), c))
        position = {c: i for i, c in enumerate(cats)}
        x = np.array([position[c] for c in labels], dtype=np.float64)
        jitter = np.zeros(len(x))
        for c in cats:
            mask = labels.to_numpy() == c
            jitter[mask] = _swarm(y[mask], width=0.35)
        ax.scatter(x + jitter, y, s=6, c=_BLUE, alpha=0.6, linewidths=0, rasterized=True)
        ax.set_xticks(
            range(len(cats)), [_short(c, 24) for c in cats], rotation=30, ha="right", fontsize=7
        )
    ax.set_xlabel(_short(feature, 60), fontsize=8)
    ax.axhline(0.0, color="#999999", linewidth=0.8, zorder=0)
    ax.set_ylabel(f"contribution ({expl.output_space})", fontsize=8)
    ax.tick_params(labelsize=7)
    _bare(ax)
    return fig


@_tight
def waterfall(decision: DecisionExplanation, max_display: int) -> Any:
    """From the base value to the model output, one bar per feature, the largest at the top."""
    expl = decision.explanation
    contributions = decision.contributions
    values = decision.values
    order = sorted(contributions.index, key=lambda f: (-abs(float(contributions[f])), str(f)))
    shown = order[:max_display]
    rest = order[max_display:]
    items = [
        (f"{_short(f, 32)} = {_short(format_value(values[f]), 24)}", float(contributions[f]))
        for f in shown
    ]
    if rest:
        items.append((f"{len(rest)} other features", float(sum(contributions[f] for f in rest))))
    items = items[::-1]  # drawn bottom-up: the largest at the top
    fig = _figure(7.0, 0.9 + 0.36 * len(items))
    ax = fig.subplots()
    # Bottom-up from the base value, as shap draws it: the top bar ends at the model output.
    position = expl.base_value
    for i, (_, v) in enumerate(items):
        ax.barh(i, v, left=position, color=_RED if v > 0 else _BLUE, height=0.65)
        ax.text(max(position, position + v), i, f" {fmt(v, sign=True)}", va="center", fontsize=7)
        position += v
    start = position
    ax.set_yticks(range(len(items)), [label for label, _ in items], fontsize=7)
    ax.axvline(expl.base_value, color="#999999", linestyle="--", linewidth=0.8)
    ax.axvline(start, color="#333333", linestyle="-", linewidth=0.8)
    ax.set_xlabel(
        f"{expl.output_space}: base value {fmt(expl.base_value)} (dashed) to model output "
        f"{fmt(start)} (solid)",
        fontsize=8,
    )
    ax.tick_params(axis="x", labelsize=7)
    _bare(ax)
    return fig


# The figure style, for the other documents of this layer (the monitoring report).
BLUE, RED, GREY, ORANGE = _BLUE, _RED, _GREY, _ORANGE
new_figure, styled, tight, pairs = _figure, _styled, _tight, _pairs
