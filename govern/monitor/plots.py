"""The monitoring report's figures, in govern's figure style (``documents/plots.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govern.documents.plots import BLUE as _BLUE
from govern.documents.plots import GREY as _GREY
from govern.documents.plots import ORANGE as _ORANGE
from govern.documents.plots import RED as _RED
from govern.documents.plots import new_figure as _figure
from govern.documents.plots import pairs as _pairs
from govern.documents.plots import styled as _styled
from govern.documents.plots import tight as _tight

__all__ = ["bands", "psi_bars", "shares"]


@_tight
def psi_bars(names: Sequence[str], values: Sequence[float], amber: float, red: float) -> Any:
    """PSI per feature as horizontal bars, with the amber and red thresholds."""
    order = sorted(range(len(names)), key=lambda i: values[i])
    fig = _figure(6.4, 0.22 * len(names) + 0.8)
    ax = fig.add_subplot(1, 1, 1)
    colours = [
        _RED if values[i] >= red else _ORANGE if values[i] >= amber else _BLUE for i in order
    ]
    ax.barh([str(names[i])[:40] for i in order], [values[i] for i in order], color=colours)
    ax.axvline(amber, color=_ORANGE, linestyle="--", linewidth=0.8, label=f"amber {amber:g}")
    ax.axvline(red, color=_RED, linestyle="--", linewidth=0.8, label=f"red {red:g}")
    ax.set_xlabel("population stability index")
    ax.legend(loc="lower right", frameon=False)
    return fig


@_styled
def shares(labels: Sequence[str], baseline: Sequence[float], current: Sequence[float]) -> Any:
    """Two share distributions on the same bins, side by side."""
    fig = _figure(6.4, 3.0)
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(labels)))
    ax.bar([i - 0.2 for i in x], list(baseline), width=0.4, color=_GREY, label="development")
    ax.bar([i + 0.2 for i in x], list(current), width=0.4, color=_BLUE, label="monitored")
    ax.set_xticks(x)
    ax.set_xticklabels([str(v) for v in labels], rotation=45, ha="right")
    ax.set_ylabel("share")
    ax.legend(loc="upper left", frameon=False)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.35, top=0.95)
    return fig


@_styled
def bands(
    predicted: Sequence[float | None],
    observed: Sequence[float | None],
    dev_predicted: Sequence[float | None],
    dev_observed: Sequence[float | None],
) -> Any:
    """Observed rate against mean predicted score per band, monitored beside development."""
    fig = _figure(4.2, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color=_GREY, linestyle="--", linewidth=0.8, label="perfect")
    dx, dy = _pairs(dev_predicted, dev_observed)
    ax.plot(dx, dy, color=_GREY, marker="s", markersize=3, linewidth=1.0, label="development")
    mx, my = _pairs(predicted, observed)
    ax.plot(mx, my, color=_BLUE, marker="o", markersize=3.5, linewidth=1.2, label="monitored")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("mean predicted score in band")
    ax.set_ylabel("observed positive rate")
    ax.legend(loc="upper left", frameon=False)
    return fig
