"""Explanation reports: figures (matplotlib Agg, PNG at 150 dpi as data URIs) and documents.

A global report (mean |SHAP| bars, beeswarm, dependence plots, fidelity, digests) and a
one-decision report (waterfall, contributions, reason codes) render to HTML or PDF through
govern.presentation, and to JSON for machines (sorted keys, no timestamps: the same
explanation gives the same bytes). Figures are drawn on matplotlib Figure objects, never pyplot,
so the caller's backend and global state are left alone.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from govern._version import __version__
from govern.errors import BadInput
from govern.explain.explainers import DecisionExplanation, Explanation
from govern.explain.reasons import format_value
from govern.presentation import render_template as render_html
from govern.presentation.pdf import write_document

FORMAT = 1
DPI = 150
DIGEST_KEYS = ("model", "data", "background")
NOT_RECORDED = "not recorded"
#: The requirement each section answers (identifiers as in shared/REGULATIONS.md).
REQUIREMENTS = {
    "method": "SR 11-7 IV (theory and logic); SR 26-2 development and use; "
    "EU AI Act Annex IV (development methods and design choices)",
    "importance": "SR 11-7 IV (testing incl. sensitivity); EU AI Act Art. 86 and GDPR "
    "Art. 15(1)(h) (the main elements and logic of decisions)",
    "fidelity": "CFPB Circular 2022-03 (a creditor must be able to validate the accuracy of "
    "post-hoc explanations); SR 11-7 V (conceptual soundness)",
    "provenance": "SR 11-7 VI (documentation); EU AI Act Annex IV (version, data provenance)",
    "reasons": "Reg B, 12 CFR 1002.9(b)(2) (specific principal reasons; the commentary: no "
    "more than four); CFPB Circular 2023-03",
    "decision": "EU AI Act Art. 86 (explanation of an individual decision); GDPR Art. 22(3)",
}
_RED, _BLUE, _GREY = "#d62728", "#1f77b4", "#8c8c8c"


@dataclass(frozen=True, eq=False)
class Report:
    """A rendered explanation report: `data` for machines, `html` for people (drawn on demand)."""

    kind: Literal["global", "decision"]
    data: Mapping[str, Any]
    template: str
    template_dir: Path | None = None
    _figures: Callable[[], dict[str, str]] = field(default=dict, repr=False)

    def json(self) -> str:
        """Canonical JSON: sorted keys, two-space indent, no NaN, a final newline."""
        return (
            json.dumps(self.data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
            + "\n"
        )

    @functools.cached_property
    def html(self) -> str:
        context = {
            "doc": self.data,
            "fig": self._figures(),
            "req": REQUIREMENTS,
            "fmt": fmt,
            "not_recorded": NOT_RECORDED,
        }
        return render_html(self.template, context, self.template_dir)

    def write(self, path: Path | str) -> Path:
        """Write the report as .json, .html or .pdf, chosen by the suffix of `path`."""
        path = Path(path)
        if path.suffix.lower() == ".json":
            path.write_text(self.json(), encoding="utf-8")
        else:
            write_document(self.html, path)
        return path


def global_report(
    explanation: Explanation,
    *,
    title: str,
    digests: Mapping[str, str | None] | None = None,
    top_features: int = 3,
    max_display: int = 15,
    template_dir: Path | None = None,
) -> Report:
    """The global report of an explanation; `digests` holds the model/data/background SHA-256s."""
    if top_features < 0 or max_display < 1:
        raise BadInput("top_features must be >= 0 and max_display >= 1")
    importance = explanation.mean_abs()
    data: dict[str, Any] = {
        "kind": "govern.explain.global",
        "format": FORMAT,
        "generator": f"govern {__version__}",
        "title": title,
        **explanation.to_dict(),
        "digests": _digests(digests),
    }
    top = [str(f) for f in importance.index[:top_features]]

    def figures() -> dict[str, str]:
        figs = {
            "importance": _bar(importance, explanation, max_display),
            "beeswarm": _beeswarm(explanation, [str(f) for f in importance.index[:max_display]]),
        }
        for i, feature in enumerate(top):
            figs[f"dependence_{i}"] = _dependence(explanation, feature)
        return figs

    data["dependence"] = top
    return Report("global", data, "explain_global.html.j2", template_dir, figures)


def decision_report(
    decision: DecisionExplanation,
    *,
    title: str,
    digests: Mapping[str, str | None] | None = None,
    max_display: int = 10,
    template_dir: Path | None = None,
) -> Report:
    """The report of one decision: its reasons, waterfall, contributions and fidelity."""
    data: dict[str, Any] = {
        "kind": "govern.explain.decision",
        "format": FORMAT,
        "generator": f"govern {__version__}",
        "title": title,
        **decision.to_dict(),
        "digests": _digests(digests),
    }

    def figures() -> dict[str, str]:
        return {"waterfall": _waterfall(decision, max_display)}

    return Report("decision", data, "explain_decision.html.j2", template_dir, figures)


# -- data helpers ----------------------------------------------------------------------------------


def fmt(value: object, digits: int = 4) -> str:
    """A number for a document: `digits` significant figures, or 'not recorded'."""
    if value is None:
        return NOT_RECORDED
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if math.isinf(value):
        return "infinite"
    if value != 0 and (abs(value) < 10 ** -(digits - 1) or abs(value) >= 10**7):
        return f"{value:.{max(digits - 2, 1)}e}"
    return f"{value:.{digits}g}" if abs(value) >= 1 else f"{value:.{digits}f}"


def _digests(digests: Mapping[str, str | None] | None) -> dict[str, str | None]:
    given = dict(digests or {})
    out: dict[str, str | None] = {k: given.pop(k, None) for k in DIGEST_KEYS}
    out.update({str(k): v for k, v in given.items()})
    return out


def _axis_label(expl: Explanation) -> str:
    if expl.positive_class is None:
        return f"contribution ({expl.output_space})"
    return f"contribution to the {expl.output_space} of {expl.positive_class!r}"


# -- figures ---------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    # No Software/date metadata: the same figure gives the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _short(text: object, width: int = 28) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _bar(importance: pd.Series, expl: Explanation, max_display: int) -> str:
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
    ax.set_xlabel(f"mean |contribution| ({expl.output_space})", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, f" {v:.3g}", va="center", fontsize=7)
    return _png(fig)


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


def _beeswarm(expl: Explanation, features: list[str]) -> str:
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
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    bar = fig.colorbar(ScalarMappable(cmap=cmap), ax=ax, aspect=40, pad=0.02)
    bar.set_ticks([0, 1], labels=["low", "high"], fontsize=7)
    bar.set_label("feature value (grey: categorical or missing)", fontsize=7)
    return _png(fig)


def _dependence(expl: Explanation, feature: str) -> str:
    fig = _figure(6.0, 3.2)
    ax = fig.subplots()
    y = expl.contributions[feature].to_numpy(dtype=np.float64)
    column = expl.data[feature]
    if _numeric(column):
        x = column.to_numpy(dtype=np.float64, na_value=np.nan)
        ax.scatter(x, y, s=6, c=_BLUE, alpha=0.6, linewidths=0, rasterized=True)
        ax.set_xlabel(_short(feature, 60), fontsize=8)
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
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def _waterfall(decision: DecisionExplanation, max_display: int) -> str:
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
        ax.text(max(position, position + v), i, f" {v:+.3g}", va="center", fontsize=7)
        position += v
    start = position
    ax.set_yticks(range(len(items)), [label for label, _ in items], fontsize=7)
    ax.axvline(expl.base_value, color="#999999", linestyle="--", linewidth=0.8)
    ax.axvline(start, color="#333333", linestyle="-", linewidth=0.8)
    ax.set_xlabel(
        f"{expl.output_space}: base value {expl.base_value:.4g} (dashed) to model output "
        f"{start:.4g} (solid)",
        fontsize=8,
    )
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)
