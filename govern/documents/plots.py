"""The figures of govern's documents: ROC, calibration, score distributions, importance.

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
from typing import Any

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


def png_data_uri(fig: Any) -> str:
    """The figure as a PNG data URI: 150 dpi, no metadata that changes between runs."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
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
