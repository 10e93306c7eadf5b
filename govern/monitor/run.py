"""One monitoring run: a model version's decisions of a period, against what it was validated on
(docs/monitoring.md).

``monitor(reg, "credit-risk@1", start=..., end=...)`` reads the logged decisions chunk by chunk
(``production.py``), or a given table, and sums counts per window: the features on the
training profile's bins, the scores on the development sample's score bands, volumes, decision
and override rates, and, where outcomes were recorded, the scores and outcomes of matured
cohorts. The figures (``drift.py``, scikit-learn for the back-testing) come from the sums; each
is judged against the tier's thresholds in the policy, by its effect size only.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from govern.errors import BadInput
from govern.ledger.entry import format_ts, now_ts, parse_ts
from govern.monitor import drift
from govern.monitor.lending import GroupWindow, Lending
from govern.monitor.production import Chunk, chunks
from govern.records import ClassifierMetrics, MonitoringCheck, PredictionOverridden
from govern.registry import catalog, models, outcomes, tables
from govern.registry import decisions as decision_policies
from govern.registry.core import Registry
from govern.registry.dates import add_months
from govern.registry.entities import ModelVersion
from govern.registry.policy import MonitoringRule

__all__ = [
    "Band",
    "FeatureDrift",
    "MonitoringReport",
    "Window",
    "monitor",
]

START = "1970-01-01T00:00:00.000000Z"
#: A score band's calibration gap counts toward the status only with this many outcomes.
MIN_BAND = 30
NOTE_OUTCOMES = (
    "Outcomes exist only for approved applicants: a declined applicant's outcome is never "
    "observed, so the back-testing describes the approved population (reject inference is not "
    "attempted)."
)


@dataclass(frozen=True)
class FeatureDrift:
    name: str
    kind: str
    psi: float
    second: str  # "ks" (numeric) or "js" (categorical)
    second_value: float | None
    labels: tuple[str, ...]
    baseline: tuple[float, ...]
    current: tuple[float, ...]
    status: str


@dataclass(frozen=True)
class Window:
    window: str
    volume: int
    erased: int
    favourable_rate: float | None
    override_rate: float | None
    score_psi: float | None
    outcomes: int
    matured: bool
    roc_auc: float | None = None
    gini: float | None = None
    ks: float | None = None
    brier: float | None = None


@dataclass(frozen=True)
class Band:
    band: str
    count: int
    predicted: float | None
    observed: float | None
    low: float | None  # Wilson 95 % interval of the observed rate
    high: float | None
    dev_predicted: float | None
    dev_observed: float | None


@dataclass(frozen=True)
class MonitoringReport:
    model: str
    model_entry: str
    tier: str
    start: str
    end: str
    generated_at: str
    source: str
    source_sha256: str
    window_kind: str
    rows: int
    erased: int
    features: tuple[FeatureDrift, ...]
    score: FeatureDrift | None
    windows: tuple[Window, ...]
    bands: tuple[Band, ...]
    development: dict[str, float | None]
    development_data: str
    outcomes: dict[str, float | int | None]  # pooled over matured cohorts
    checks: tuple[MonitoringCheck, ...]
    status: str
    rule: dict[str, Any]
    notes: tuple[str, ...] = field(default=())
    epsilon: float = drift.EPSILON
    # fair lending over time (docs/monitoring.md), when the policy designates groups
    lending: tuple[GroupWindow, ...] = field(default=())
    lending_notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# ---- judging ------------------------------------------------------------------------------

_ORDER = {"green": 0, "amber": 1, "red": 2}


def judge(value: float | None, amber: float, red: float) -> str:
    if value is None or math.isnan(value):
        return "green"
    if value >= red:
        return "red"
    return "amber" if value >= amber else "green"


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda s: _ORDER[s], default="green")


# ---- accumulating ---------------------------------------------------------------------------


@dataclass
class _Acc:
    volume: int = 0
    erased: int = 0
    favourable: int = 0
    decided: int = 0
    overridden: int = 0
    score_counts: Any = None
    scores: list[Any] = field(default_factory=list)  # of rows with outcomes
    truth: list[Any] = field(default_factory=list)


def _window_of(kind: str) -> Any:
    cache: dict[str, str] = {}

    def key(ts: str) -> str:
        day = ts[:10]
        hit = cache.get(day)
        if hit is None:
            if kind == "week":
                y, w, _ = date.fromisoformat(day).isocalendar()
                hit = f"{y}-W{w:02d}"
            elif kind == "month":
                hit = day[:7]
            else:
                hit = "all"
            cache[day] = hit
        return hit

    return key


def _window_end(window: str, kind: str) -> str:
    """The first moment after the window (for deciding whether its outcomes have matured)."""
    if kind == "month":
        y, m = (int(x) for x in window.split("-"))
        nxt = date(y + (m == 12), 1 if m == 12 else m + 1, 1)
        return f"{nxt.isoformat()}T00:00:00.000000Z"
    if kind == "week":
        year, week = window.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        return f"{date.fromordinal(monday.toordinal() + 7).isoformat()}T00:00:00.000000Z"
    return now_ts()


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _discrimination(scores: Any, truth: Any) -> dict[str, float | None]:
    from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

    s = np.asarray(scores, dtype="float64")
    y = np.asarray(truth, dtype=bool)
    out: dict[str, float | None] = {"roc_auc": None, "gini": None, "ks": None, "brier": None}
    if s.size == 0:
        return out
    out["brier"] = float(brier_score_loss(y, s))
    if y.all() or not y.any():
        return out
    auc = float(roc_auc_score(y, s))
    fpr, tpr, _ = roc_curve(y, s)
    out.update(roc_auc=auc, gini=2 * auc - 1, ks=float(np.max(tpr - fpr)))
    return out


# ---- the run ------------------------------------------------------------------------------


def _development(mv: ModelVersion) -> tuple[str, ClassifierMetrics]:
    r = mv.record
    for ref in r.metrics:
        return ref, r.classifier_metrics(ref)
    raise BadInput(
        f"{mv.ref} was registered without holdout metrics: monitoring compares against them",
        hint="register the version with --validation-data",
    )


def _baseline(reg: Registry, mv: ModelVersion) -> tuple[Any, Any]:
    ref = mv.record.training_data[0].ref if mv.record.training_data else None
    if ref is None:
        raise BadInput(f"{mv.ref} names no training data: there is no profile to compare with")
    return catalog.profile_of(reg, ref), ref


def monitor(
    reg: Registry,
    ref: str,
    *,
    start: str | None = None,
    end: str | None = None,
    data: pd.DataFrame | None = None,
    data_name: str | None = None,
    window: str = "month",
    as_of: str | None = None,
) -> MonitoringReport:
    """Monitor ``ref`` on its logged decisions in [start, end), or on ``data`` (a frame of the
    model's features, scored here; its target column, when present, gives the outcomes)."""
    if window not in ("month", "week"):
        raise BadInput(f"--window must be month or week, not {window!r}")
    mv = models.resolve(reg, ref)
    r = mv.record
    if r.task != "classification":
        raise BadInput(f"{mv.ref} is a regressor: govern monitors classifiers")
    # The moment the ledger's state describes (its last entry's time), not the clock: the same
    # ledger gives the same report, byte for byte, like the card.
    at = as_of or reg.ledger.head().last_ts
    start = start or mv.ts
    end = end or format_ts(parse_ts(at) + timedelta(microseconds=1))
    if start >= end:
        raise BadInput(f"the period is empty: --from {start[:10]} is not before --to {end[:10]}")
    rule = reg.policy(at).monitoring_rule(r.risk_tier)
    prof, train_ref = _baseline(reg, mv)
    dev_ref, dev = _development(mv)
    features = r.feature_names
    bins = {f: drift.Bins.from_profile(f, dict(prof.bins[f])) for f in features}
    numeric = [f for f in features if bins[f].kind == "numeric"]
    categorical = [f for f in features if bins[f].kind == "categorical"]
    training = catalog.load(reg, train_ref)
    grids = {
        f: drift.KsGrid.from_values(pd.to_numeric(training[f], errors="coerce")) for f in numeric
    }
    cal = dev.calibration
    uppers = np.asarray(cal.edges[1:], dtype="float64")
    band_base = drift.shares(list(cal.count))
    positive = r.positive_label
    favourable = r.favourable_outcome
    known = {} if data is not None else outcomes.outcomes_of(reg, mv.ref)

    feature_counts = {f: np.zeros(bins[f].size, dtype="int64") for f in features}
    ks_counts = {f: np.zeros(len(grids[f].grid) + 1, dtype="int64") for f in numeric}
    accs: dict[str, _Acc] = defaultdict(_Acc)
    key = _window_of(window if data is None else "all")
    digest = hashlib.sha256()
    rows = erased = 0

    def band_counts(scores: Any) -> Any:
        idx = np.searchsorted(uppers, scores, side="left")
        return np.bincount(np.minimum(idx, len(uppers) - 1), minlength=len(uppers))

    fair_rule = reg.policy(at).fairness_for(mv.name)
    lending = None
    if fair_rule is not None and fair_rule.attributes:
        policy = decision_policies.current(reg, mv.ref, at)
        adverse = None
        if policy is not None:
            adverse = frozenset(policy.record.adverse or policy.record.severity[:1])
        lending = Lending(reg, fair_rule, features, adverse, str(favourable), data)
    if data is None:
        overridden = {
            e.subject
            for e in reg.ledger.checked(kinds=[PredictionOverridden.KIND])
            if start <= e.ts < end
        }
        source = "production"
        stream: Iterable[Chunk] = chunks(
            reg, mv.ref, start, end, numeric=numeric, categorical=categorical
        )
    else:
        overridden = set()
        source = data_name or "data"
        stream = [_score_frame(reg, mv, data, numeric, categorical, known)]
    for chunk in stream:
        digest.update(chunk.digest)
        n = len(chunk.ids)
        rows += n
        erased += int((~chunk.stored).sum())
        for f in features:
            feature_counts[f] += bins[f].count(chunk.features[f])
        for f in numeric:
            ks_counts[f] += grids[f].count(chunk.features[f])
        windows = np.asarray([key(t) for t in chunk.ts])
        decisions = np.asarray(chunk.decisions, dtype=object)
        over = (
            np.fromiter((pid in overridden for pid in chunk.ids), bool, n)
            if overridden
            else np.zeros(n, dtype=bool)
        )
        hits = [known.get(pid) for pid in chunk.ids] if known else []
        if lending is not None:
            lending.add(chunk.ids, windows, chunk.decisions, chunk.stored, chunk.features)
        for w in np.unique(windows):
            mask = windows == w
            acc = accs[str(w)]
            acc.volume += int(mask.sum())
            acc.erased += int((~chunk.stored[mask]).sum())
            counts = band_counts(chunk.scores[mask])
            acc.score_counts = counts if acc.score_counts is None else acc.score_counts + counts
            d = decisions[mask]
            acc.decided += int(np.sum(d != None))  # noqa: E711  (elementwise on objects)
            acc.favourable += int(np.sum(d == favourable))
            acc.overridden += int(over[mask].sum())
            if hits:
                for i in np.flatnonzero(mask):
                    hit = hits[i]
                    if hit is not None:
                        acc.scores.append(chunk.scores[i])
                        acc.truth.append(hit[0] == positive)
    if rows == 0:
        raise BadInput(
            f"no decisions of {mv.ref} are logged between {start[:10]} and {end[:10]}",
            hint="check --from and --to, or monitor a file with --data",
        )
    feature_drift = []
    for f in features:
        b = bins[f]
        cur = drift.shares(feature_counts[f])
        value = drift.psi(b.baseline, cur)
        second = "ks" if b.kind == "numeric" else "js"
        second_value = (
            drift.ks_distance(grids[f], ks_counts[f])
            if b.kind == "numeric"
            else drift.js_distance(b.baseline, cur)
        )
        feature_drift.append(
            FeatureDrift(
                f,
                b.kind,
                value,
                second,
                second_value,
                tuple(b.labels),
                tuple(b.baseline),
                tuple(cur),
                judge(value, rule.psi_amber, rule.psi_red),
            )
        )
    total_bands = sum((a.score_counts for a in accs.values()), np.zeros(len(uppers), "int64"))
    score_cur = drift.shares(total_bands)
    score_psi = drift.psi(band_base, score_cur)
    band_labels = _band_labels(uppers)
    score = FeatureDrift(
        "score",
        "score",
        score_psi,
        "",
        None,
        tuple(band_labels),
        tuple(band_base),
        tuple(score_cur),
        judge(score_psi, rule.psi_amber, rule.psi_red),
    )
    matured_scores: list[Any] = []
    matured_truth: list[Any] = []
    window_rows = []
    for w in sorted(accs):
        acc = accs[w]
        matured = _matured(w, window if data is None else "all", rule, at)
        figures = _discrimination(acc.scores, acc.truth) if acc.scores and matured else {}
        if matured:
            matured_scores += acc.scores
            matured_truth += acc.truth
        window_rows.append(
            Window(
                window=w,
                volume=acc.volume,
                erased=acc.erased,
                favourable_rate=acc.favourable / acc.decided if acc.decided else None,
                override_rate=acc.overridden / acc.volume if acc.volume else None,
                score_psi=drift.psi(band_base, drift.shares(acc.score_counts)),
                outcomes=len(acc.scores),
                matured=matured,
                **figures,
            )
        )
    pooled = _discrimination(matured_scores, matured_truth)
    bands = _bands(uppers, band_labels, matured_scores, matured_truth, cal)
    # The gap beyond sampling noise: how far the mean prediction lies outside the observed
    # rate's 95 % interval (0 inside it), over bands with MIN_BAND outcomes or more.
    gaps = [
        max(b.low - b.predicted, b.predicted - b.high, 0.0)
        for b in bands
        if b.count >= MIN_BAND
        and b.predicted is not None
        and b.low is not None
        and b.high is not None
    ]
    auc_drop = (
        None
        if pooled["roc_auc"] is None or dev.roc_auc is None
        else dev.roc_auc - pooled["roc_auc"]
    )
    gap = max(gaps) if gaps else None
    checks = [
        MonitoringCheck("psi", d.name, d.psi, rule.psi_amber, rule.psi_red, d.status)
        for d in feature_drift
    ]
    checks.append(
        MonitoringCheck("score_psi", "score", score_psi, rule.psi_amber, rule.psi_red, score.status)
    )
    if auc_drop is not None:
        checks.append(
            MonitoringCheck(
                "auc_drop",
                "matured cohorts",
                auc_drop,
                rule.auc_drop_amber,
                rule.auc_drop_red,
                judge(auc_drop, rule.auc_drop_amber, rule.auc_drop_red),
            )
        )
    if gap is not None:
        checks.append(
            MonitoringCheck(
                "calibration_gap",
                "matured cohorts",
                gap,
                rule.calibration_gap_amber,
                rule.calibration_gap_red,
                judge(gap, rule.calibration_gap_amber, rule.calibration_gap_red),
            )
        )
    lending_rows = lending.rows() if lending is not None else ()
    if lending is not None:
        checks += lending.checks(lending_rows)
    notes = [
        f"Input drift: PSI on the training profile's bins of {train_ref} (deciles for numeric "
        "features plus a missing bin; the top categories, other and missing for categorical "
        f"ones), each share floored at {drift.EPSILON:g}. KS distance (numeric) is evaluated at "
        "the training data's distinct values; Jensen-Shannon distance (categorical, base 2) is "
        "on the PSI's bins. Both are information only.",
        f"Score drift: PSI of the scores on the development sample's score bands ({dev_ref}).",
        NOTE_OUTCOMES,
    ]
    if erased:
        notes.append(f"{erased} decisions whose input was erased are left out of the input drift.")
    return MonitoringReport(
        model=mv.ref,
        model_entry=mv.leaf,
        tier=r.risk_tier,
        start=start,
        end=end,
        generated_at=at,
        source=source,
        source_sha256=digest.hexdigest(),
        window_kind=window if data is None else "all",
        rows=rows,
        erased=erased,
        features=tuple(feature_drift),
        score=score,
        windows=tuple(window_rows),
        bands=bands,
        development={
            "roc_auc": dev.roc_auc,
            "gini": dev.gini,
            "ks": dev.ks,
            "brier": dev.brier,
        },
        development_data=dev_ref,
        outcomes={
            "n": len(matured_scores),
            **pooled,
            "auc_drop": auc_drop,
            "calibration_gap": gap,
            "immature": sum(
                len(a.scores)
                for w, a in accs.items()
                if not _matured(w, window if data is None else "all", rule, at)
            ),
        },
        checks=tuple(checks),
        status=worst(c.status for c in checks),
        rule=asdict(rule),
        notes=tuple(notes),
        lending=lending_rows,
        lending_notes=tuple(lending.notes(lending_rows)) if lending is not None else (),
    )


def _matured(window: str, kind: str, rule: MonitoringRule, at: str) -> bool:
    if rule.outcome_window_months == 0 or kind == "all" or window == "all":
        return True
    end = parse_ts(_window_end(window, kind))
    return format_ts(add_months(end, rule.outcome_window_months)) <= at


def _band_labels(uppers: Any) -> list[str]:
    out = []
    lower = None
    for i, u in enumerate(uppers):
        last = i == len(uppers) - 1
        if lower is None:
            out.append(f"<= {u:.4f}" if not last else "all")
        else:
            out.append(f"> {lower:.4f}" if last else f"({lower:.4f}, {u:.4f}]")
        lower = u
    return out


def _bands(
    uppers: Any, labels: list[str], scores: list[Any], truth: list[Any], cal: Any
) -> tuple[Band, ...]:
    s = np.asarray(scores, dtype="float64")
    y = np.asarray(truth, dtype=bool)
    idx = np.minimum(np.searchsorted(uppers, s, side="left"), len(uppers) - 1)
    out = []
    for i, label in enumerate(labels):
        mask = idx == i
        n = int(mask.sum())
        k = int(y[mask].sum())
        low, high = wilson(k, n)
        out.append(
            Band(
                band=label,
                count=n,
                predicted=float(s[mask].mean()) if n else None,
                observed=k / n if n else None,
                low=low,
                high=high,
                dev_predicted=cal.mean_score[i],
                dev_observed=cal.observed_rate[i],
            )
        )
    return tuple(out)


def _score_frame(
    reg: Registry,
    mv: ModelVersion,
    data: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    known: dict[str, Any],
) -> Chunk:
    """A given table as one chunk: scored here with the registered model; its target column,
    when present, gives outcomes under generated ids."""
    r = mv.record
    absent = [f for f in r.feature_names if f not in data.columns]
    if absent:
        raise BadInput(
            f"the data lacks {mv.ref}'s feature {tables.name_list(absent)}",
            hint="monitor a table with the model's registered feature columns",
        )
    if data.empty:
        raise BadInput("the data holds no rows")
    model = models.load(reg, mv)
    X = data[r.feature_names]
    classes = [str(c) for c in model.classes_]
    column = classes.index(str(r.positive_label)) if str(r.positive_label) in classes else 1
    scores = np.asarray(model.predict_proba(X)[:, column], dtype="float64")
    threshold = float(r.threshold)
    negative = next((c for c in classes if c != str(r.positive_label)), None)
    decisions = [str(r.positive_label) if s >= threshold else negative for s in scores]
    ids = [f"row-{i}" for i in range(len(data))]
    if r.target in data.columns:
        for pid, y in zip(ids, data[r.target].astype(str), strict=True):
            known[pid] = (y, None, -1)
    features: dict[str, Any] = {}
    for f in numeric:
        features[f] = pd.to_numeric(X[f], errors="coerce").to_numpy(dtype="float64")
    for f in categorical:
        features[f] = np.asarray([None if pd.isna(v) else str(v) for v in X[f]], dtype=object)
    digest = hashlib.sha256(tables.frame_to_parquet_bytes(data)).digest()
    return Chunk(
        seqs=np.arange(len(data)),
        ts=[now_ts()] * len(data),
        ids=ids,
        scores=scores,
        decisions=decisions,
        stored=np.ones(len(data), dtype=bool),
        features=features,
        digest=digest,
    )
