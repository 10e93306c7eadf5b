"""The fair-lending analysis of one model version (docs/fairness.md, "The figures").

The version scores the rows (a registered dataset version, a file, or a replay of its logged
decisions) and decides each as it does in production: its decision policy, or its registered
threshold. An applicant is approved when the action is not adverse. For every designated
attribute and group: the count, the approval rate, the adverse impact ratio against the
reference group with its 95 % interval (the four-fifths rule), the standardized mean difference
of scores and, where outcomes are known, the false positive and false negative rates and the
calibration. Then the principal reasons given to declined applicants by group, the proxy
screening of the model's features, and the less discriminatory alternatives among the
version's challengers and the other versions of its name.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from govern.compare.run import _actions, _adverse, _reasons, _replay, _score
from govern.errors import BadInput
from govern.fairness.elderly import elderly_adverse
from govern.fairness.proxies import Proxy, screen
from govern.monitor.lending import adverse_impact_ratio
from govern.monitor.run import wilson
from govern.records import FairnessGroup
from govern.registry import groups as grp
from govern.registry import models, outcomes, tables
from govern.registry.core import Registry
from govern.registry.entities import ModelVersion
from govern.registry.policy import FairnessAttribute, FairnessRule

__all__ = [
    "Alternative",
    "Calibration",
    "FairnessReport",
    "ReasonShare",
    "adverse_impact_ratio",
    "analyse",
    "smd",
]

#: z of a two-sided 95 % interval.
Z95 = 1.959963984540054
#: Declined rows whose principal reasons are computed (a fixed, seeded sample beyond it).
REASON_SAMPLE = 1000
#: Reasons shown per group, the most frequent first.
REASONS_SHOWN = 5


@dataclass(frozen=True)
class ReasonShare:
    """The share of a group's declined applicants given ``reason`` among their principal
    reasons (at most four each)."""

    attribute: str
    group: str
    declined: int
    reason: str
    share: float


@dataclass(frozen=True)
class Calibration:
    """A group's mean score against its observed rate of the positive label."""

    attribute: str
    group: str
    outcomes: int
    predicted: float
    observed: float
    low: float | None  # the observed rate's Wilson 95 % interval
    high: float | None


@dataclass(frozen=True)
class AlternativeGroup:
    attribute: str
    group: str
    air: float | None


@dataclass(frozen=True)
class Alternative:
    """A version that could replace this one, scored on the same rows."""

    model: str
    relation: str  # "this version", "challenger" or "other version"
    roc_auc: float | None
    approval_rate: float
    lowest_air: float | None
    groups: tuple[AlternativeGroup, ...]


@dataclass(frozen=True)
class FairnessReport:
    model: str
    model_entry: str
    source: str
    source_sha256: str
    rows: int
    erased: int
    rule: FairnessRule
    uses_designated: tuple[str, ...]
    groups: tuple[FairnessGroup, ...]
    ungrouped: dict[str, int]  # attribute -> rows without a group
    breaches: tuple[str, ...]
    unmeasured: tuple[str, ...]  # groups with too few rows, one line each
    reasons: tuple[ReasonShare, ...]
    calibration: tuple[Calibration, ...]
    proxies: tuple[Proxy, ...]
    alternatives: tuple[Alternative, ...]
    notes: tuple[str, ...]
    outcomes_known: bool

    @property
    def passed(self) -> bool:
        return not self.breaches

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["rule"] = {
            "air_min": self.rule.air_min,
            "smd_max": self.rule.smd_max,
            "min_rows": self.rule.min_rows,
            "attributes": [
                {"name": a.name, "reference": a.reference, "groups": a.group_names()}
                for a in self.rule.attributes
            ],
        }
        out["passed"] = self.passed
        safe: dict[str, Any] = _json_safe(out)
        return safe


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _num(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def smd(scores: np.ndarray[Any, Any], reference: np.ndarray[Any, Any]) -> float | None:
    """The standardized mean difference of a group's scores from the reference group's:
    the difference of the means over the pooled standard deviation (Cohen's d)."""
    n1, n0 = len(scores), len(reference)
    if n1 < 2 or n0 < 2:
        return None
    pooled = ((n1 - 1) * scores.var(ddof=1) + (n0 - 1) * reference.var(ddof=1)) / (n1 + n0 - 2)
    if pooled <= 0:
        return None
    return float((scores.mean() - reference.mean()) / math.sqrt(pooled))


def _by_group(
    groups: pd.Series, approved: np.ndarray[Any, Any], good: np.ndarray[Any, Any] | None
) -> pd.DataFrame:
    """count, approval rate and (with outcomes) false positive and false negative rates per
    group, by fairlearn's MetricFrame: approved is the prediction, a favourable outcome the
    truth (a false positive is an approval of an applicant who turned out badly)."""
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
    )

    keep = groups.notna().to_numpy()
    y_pred = approved[keep].astype(int)
    metrics: dict[str, Any] = {"count": count, "approval_rate": selection_rate}
    if good is not None:
        metrics |= {"fpr": false_positive_rate, "fnr": false_negative_rate}
        y_true = good[keep].astype(int)
    else:
        y_true = y_pred
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a group with no negatives: its rate is NaN, not shown
        frame = MetricFrame(
            metrics=metrics,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=pd.Series(groups[keep].to_numpy(), name="group"),
        )
    by = frame.by_group
    assert isinstance(by, pd.DataFrame)
    return by


def _attribute_values(
    reg: Registry, attribute: FairnessAttribute, frame: pd.DataFrame, ids: list[str] | None
) -> pd.Series:
    """The attribute's values for the rows: a column of the rows, or, for a replay whose
    logged inputs lack it, the group store joined by prediction id."""
    held = attribute.name in frame.columns
    if not held and ids is None:
        raise BadInput(
            f"the data has no column {attribute.name!r}, which the policy designates for "
            "fair-lending analysis",
            hint="give data that holds it (the model need not use it), or store it apart "
            f"with `govern groups add FILE --id-col COL --attribute-col {attribute.name}` and "
            "analyse a --replay",
        )
    values = grp.values_for(reg, attribute.name, ids or (), frame)
    if not held and values.isna().all():
        raise BadInput(
            f"none of the replayed decisions has a value of {attribute.name!r}: the model does "
            "not use it and no group file gave it",
            hint=f"`govern groups add FILE --id-col COL --attribute-col {attribute.name}`",
        )
    return values


def _designated_groups(
    attribute: FairnessAttribute, values: pd.Series, rule: FairnessRule
) -> pd.Series:
    formed = grp.form(attribute, values)
    present = sorted({str(g) for g in formed.dropna()})
    if attribute.reference not in present:
        raise BadInput(
            f"the reference group {attribute.reference!r} of {attribute.name} is not among the "
            f"data's groups ({', '.join(present) or 'none'})",
            hint="correct the reference group in the policy's [fairness] section "
            "(`govern policy set`), or analyse data that holds it",
        )
    ref_n = int((formed == attribute.reference).sum())
    if ref_n < rule.min_rows:
        raise BadInput(
            f"the reference group {attribute.reference!r} of {attribute.name} has {ref_n} rows, "
            f"too few to compare any group with (the policy asks for {rule.min_rows})",
            hint="analyse more rows, or designate a larger reference group",
        )
    return formed


def _rows(
    reg: Registry,
    mv: ModelVersion,
    model: Any,
    data: pd.DataFrame | None,
    data_name: str | None,
    replay: bool,
    start: str | None,
    end: str | None,
) -> tuple[pd.DataFrame, list[str] | None, np.ndarray[Any, Any], str, str, int, Any]:
    """(rows, prediction ids of a replay, scores, source, its SHA-256, erased, outcomes)."""
    r = mv.record
    if replay:
        frame, ids, scores, erased, digest, _ = _replay(reg, mv, start, end, r.feature_names)
        known = outcomes.outcomes_of(reg, mv.ref)
        found = [known.get(pid) for pid in ids]
        fav = r.favourable_outcome
        good = (
            np.asarray([t is not None and t[0] == fav for t in found])
            if any(t is not None for t in found)
            else None
        )
        mask = np.asarray([t is not None for t in found])
        return frame, ids, scores, "replay", digest, erased, (good, mask)
    assert data is not None
    absent = [f for f in r.feature_names if f not in data.columns]
    if absent:
        raise BadInput(f"the data lacks feature {tables.name_list(absent)} of {mv.ref}")
    if data.empty:
        raise BadInput("the data holds no rows")
    frame = data.reset_index(drop=True)
    digest = hashlib.sha256(tables.frame_to_parquet_bytes(data)).hexdigest()
    scores = _score(model, mv, frame)
    target = r.target
    if target in frame.columns and frame[target].notna().any():
        mask = frame[target].notna().to_numpy()
        good = (frame[target].astype(str) == str(r.favourable_outcome)).to_numpy()
        truth: Any = (good, mask)
    else:
        truth = (None, np.zeros(len(frame), dtype=bool))
    return frame, None, scores, data_name or "data", digest, 0, truth


def _approved(
    reg: Registry, mv: ModelVersion, model: Any, scores: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    actions, order = _actions(mv, model, scores, reg)
    adverse = _adverse(mv, reg, order)
    return ~np.isin(np.asarray(actions, dtype=object), list(adverse))


def _error_rates(
    formed: pd.Series,
    approved: np.ndarray[Any, Any],
    good: np.ndarray[Any, Any],
    mask: np.ndarray[Any, Any],
) -> dict[str, tuple[float | None, float | None]]:
    """group -> (false positive rate, false negative rate) over the rows whose outcome is
    known."""
    if not mask.any():
        return {}
    known = formed[mask]
    if known.notna().sum() == 0:
        return {}
    by = _by_group(known, approved[mask], good[mask])
    return {str(g): (_num(row["fpr"]), _num(row["fnr"])) for g, row in by.iterrows()}


def _group_figures(
    attribute: FairnessAttribute,
    formed: pd.Series,
    approved: np.ndarray[Any, Any],
    scores: np.ndarray[Any, Any],
    rule: FairnessRule,
    rates: dict[str, tuple[float | None, float | None]],
) -> tuple[list[FairnessGroup], list[str], list[str]]:
    """Each group's figures, the breaches and the groups too small to measure (a designated
    group the rows do not hold has 0 rows)."""
    by = _by_group(formed, approved, None)
    labels = formed.to_numpy(dtype=object)
    ref_mask = labels == attribute.reference
    ref_n, ref_ok = int(ref_mask.sum()), int(approved[ref_mask].sum())
    order = [attribute.reference]
    order += [g for g in attribute.group_names() if g not in order]
    order += sorted(str(g) for g in by.index if g not in order)
    out, breaches, unmeasured = [], [], []
    for g in order:
        mask = labels == g
        n, ok = int(mask.sum()), int(approved[mask].sum())
        rate = _num(by.loc[g, "approval_rate"]) if g in by.index else None
        if n:
            assert int(by.loc[g, "count"]) == n
        fpr, fnr = rates.get(g, (None, None))
        if g == attribute.reference:
            out.append(
                FairnessGroup(
                    attribute.name, g, n, rate, 1.0, None, None, 0.0, "reference", fpr, fnr
                )
            )
            continue
        air, low, high = adverse_impact_ratio(ok, n, ref_ok, ref_n)
        d = smd(scores[mask], scores[ref_mask])
        if n < rule.min_rows:
            status = "too few rows"
            unmeasured.append(
                f"{attribute.name} {g}: {n} rows, too few to measure (the policy asks for "
                f"{rule.min_rows}); not a pass"
            )
        else:
            failed = []
            if air is not None and air < rule.air_min:
                rule_name = " (the four-fifths rule)" if rule.air_min == 0.8 else ""
                failed.append(f"adverse impact ratio {air:.3f} below {rule.air_min:g}{rule_name}")
            if d is not None and abs(d) > rule.smd_max:
                failed.append(
                    f"standardized mean difference of scores {d:+.3f} beyond {rule.smd_max:g}"
                )
            status = "fail" if failed else "pass"
            breaches += [f"{attribute.name} {g} against {attribute.reference}: {f}" for f in failed]
        out.append(FairnessGroup(attribute.name, g, n, rate, air, low, high, d, status, fpr, fnr))
    return out, breaches, unmeasured


def _calibration(
    attribute: FairnessAttribute,
    formed: pd.Series,
    scores: np.ndarray[Any, Any],
    positive: np.ndarray[Any, Any],
    mask: np.ndarray[Any, Any],
) -> list[Calibration]:
    labels = formed.to_numpy(dtype=object)
    out = []
    for g in [x for x in attribute.group_names() if x in set(labels)] + sorted(
        {str(x) for x in labels if x is not None} - set(attribute.group_names())
    ):
        m = (labels == g) & mask
        n = int(m.sum())
        if n == 0:
            continue
        low, high = wilson(int(positive[m].sum()), n)
        out.append(
            Calibration(
                attribute.name,
                g,
                n,
                float(scores[m].mean()),
                float(positive[m].mean()),
                low,
                high,
            )
        )
    return out


def _reason_shares(
    mv: ModelVersion,
    model: Any,
    frame: pd.DataFrame,
    approved: np.ndarray[Any, Any],
    formed: dict[str, pd.Series],
) -> tuple[list[ReasonShare], str | None]:
    declined = np.flatnonzero(~approved)
    if declined.size == 0:
        return [], "no applicant was declined: there are no reasons to compare"
    note = None
    if declined.size > REASON_SAMPLE:
        rng = np.random.default_rng(0)
        declined = np.sort(rng.choice(declined, REASON_SAMPLE, replace=False))
        note = f"reasons from a seeded sample of {REASON_SAMPLE} declined applicants"
    background = frame.sample(n=min(100, len(frame)), random_state=0)
    reasons = _reasons(mv, model, frame.iloc[declined], background)
    out = []
    for name, labels in formed.items():
        at = labels.to_numpy(dtype=object)[declined]
        for g in sorted({str(x) for x in at if x is not None}):
            given = [reasons[i] for i in range(len(declined)) if at[i] == g]
            counts = Counter(r for rs in given for r in rs)
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:REASONS_SHOWN]
            out += [ReasonShare(name, g, len(given), r, c / len(given)) for r, c in top]
    return out, note


def _alternatives(
    reg: Registry,
    mv: ModelVersion,
    frame: pd.DataFrame,
    scores: np.ndarray[Any, Any],
    approved: np.ndarray[Any, Any],
    formed: dict[str, pd.Series],
    rule: FairnessRule,
    truth: tuple[np.ndarray[Any, Any] | None, np.ndarray[Any, Any]],
) -> tuple[list[Alternative], list[str]]:
    from govern.compare.run import _discrimination

    positive_known = truth[0] is not None
    y = None
    if positive_known and mv.record.target in frame.columns:
        y = (frame[mv.record.target].astype(str) == str(mv.record.positive_label)).to_numpy()
    candidates: list[tuple[ModelVersion, str]] = [(mv, "this version")]
    seen = {mv.ref}
    for c, _seq in models.challengers_of(reg, mv.ref):
        if c.ref not in seen and c.record.task == "classification":
            candidates.append((c, "challenger"))
            seen.add(c.ref)
    for other in models.versions(reg, mv.name):
        if other.ref not in seen and other.record.task == "classification":
            candidates.append((other, "other version"))
            seen.add(other.ref)
    out, notes = [], []
    for cand, relation in candidates:
        if cand.ref == mv.ref:
            s, ok = scores, approved
        else:
            missing = [f for f in cand.record.feature_names if f not in frame.columns]
            if missing:
                notes.append(f"{cand.ref} left out: the rows lack its feature {missing[0]!r}")
                continue
            model = models.load(reg, cand)
            s = _score(model, cand, frame)
            ok = _approved(reg, cand, model, s)
        auc = None
        if y is not None:
            mask = frame[mv.record.target].notna().to_numpy()
            auc = _discrimination(s[mask], y[mask]).get("roc_auc")
        gs = []
        for attribute in rule.attributes:
            labels = formed[attribute.name].to_numpy(dtype=object)
            ref = labels == attribute.reference
            for g in [x for x in attribute.group_names() if x != attribute.reference]:
                m = labels == g
                if int(m.sum()) < rule.min_rows:
                    continue
                air = adverse_impact_ratio(
                    int(ok[m].sum()), int(m.sum()), int(ok[ref].sum()), int(ref.sum())
                )[0]
                gs.append(AlternativeGroup(attribute.name, g, air))
        measured = [x.air for x in gs if x.air is not None]
        out.append(
            Alternative(
                cand.ref,
                relation,
                auc,
                float(ok.mean()),
                min(measured) if measured else None,
                tuple(gs),
            )
        )
    return out, notes


def analyse(
    reg: Registry,
    ref: str,
    *,
    data: pd.DataFrame | None = None,
    data_name: str | None = None,
    replay: bool = False,
    start: str | None = None,
    end: str | None = None,
    with_reasons: bool = True,
    with_alternatives: bool = True,
) -> FairnessReport:
    """Analyse ``ref`` against the groups the policy designates, on ``data`` or on a replay of
    its logged decisions (BadInput for an attribute, or a reference group, the rows lack)."""
    if (data is None) == (not replay):
        raise BadInput("analyse --data NAME@V|FILE or a --replay (one of them)")
    mv = models.resolve(reg, ref)
    if mv.record.task != "classification":
        raise BadInput(f"{mv.ref} is a regressor: govern analyses the decisions of classifiers")
    rule = reg.policy().fairness_for(mv.name)
    if rule is None:
        raise BadInput(
            f"the policy designates no groups for {mv.name}: there is nothing to analyse",
            hint="the bank designates them in the policy's [fairness] section and records it "
            "with `govern policy set` (docs/fairness.md)",
        )
    model = models.load(reg, mv)
    frame, ids, scores, source, digest, erased, truth = _rows(
        reg, mv, model, data, data_name, replay, start, end
    )
    formed: dict[str, pd.Series] = {}
    for attribute in rule.attributes:
        values = _attribute_values(reg, attribute, frame, ids)
        formed[attribute.name] = _designated_groups(attribute, values, rule)
    approved = _approved(reg, mv, model, scores)
    good, mask = truth
    all_groups: list[FairnessGroup] = []
    breaches: list[str] = []
    unmeasured: list[str] = []
    calibration: list[Calibration] = []
    for attribute in rule.attributes:
        f = formed[attribute.name]
        rates = _error_rates(f, approved, good, mask) if good is not None else {}
        gs, b, u = _group_figures(attribute, f, approved, scores, rule, rates)
        all_groups += gs
        breaches += b
        unmeasured += u
        if good is not None:
            positive_label = str(mv.record.positive_label)
            favourable = str(mv.record.favourable_outcome)
            positive = good if positive_label == favourable else ~good
            calibration += _calibration(attribute, f, scores, positive, mask)
    uses = tuple(grp.designated_features(rule, mv.record.feature_names))
    notes: list[str] = []
    for name, f in formed.items():
        missing = int(f.isna().sum())
        if missing:
            notes.append(
                f"{missing:,} rows have no group of {name} and are left out of its figures"
            )
    reasons: list[ReasonShare] = []
    if with_reasons:
        reasons, note = _reason_shares(mv, model, frame, approved, formed)
        if note:
            notes.append(note)
    for attribute in rule.attributes:
        if attribute.age and with_reasons:
            elderly = elderly_adverse(mv, model, frame, approved, attribute.name)
            if elderly is not None and elderly.adverse:
                breaches.append(elderly.line())
            elif elderly is not None:
                notes.append(elderly.line())
    proxies = screen(frame, mv.record.feature_names, formed)
    alternatives: list[Alternative] = []
    if with_alternatives:
        alternatives, more = _alternatives(
            reg, mv, frame, scores, approved, formed, rule, (good, mask)
        )
        notes += more
    return FairnessReport(
        model=mv.ref,
        model_entry=mv.leaf,
        source=source,
        source_sha256=digest,
        rows=len(frame),
        erased=erased,
        rule=rule,
        uses_designated=uses,
        groups=tuple(all_groups),
        ungrouped={name: int(f.isna().sum()) for name, f in formed.items()},
        breaches=tuple(breaches),
        unmeasured=tuple(unmeasured),
        reasons=tuple(reasons),
        calibration=tuple(calibration),
        proxies=tuple(proxies),
        alternatives=tuple(alternatives),
        notes=tuple(notes),
        outcomes_known=good is not None,
    )
