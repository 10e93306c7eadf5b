"""A candidate against the live version it would replace, on the same rows, decision by decision
(docs/comparison.md).

Both models score the same rows: a registered dataset version, a file, or a replay of the live
version's logged production inputs (erased ones left out and counted). Each check of the release
gate gives the candidate's figure, the live one's and pass, fail, not measured (no data for it:
never a pass) or info; the gate passes only if every check the tier's policy requires passed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from govern.errors import BadInput
from govern.monitor.production import chunks
from govern.monitor.run import wilson
from govern.records import ComparisonCheck
from govern.registry import decisions, models, outcomes, tables
from govern.registry import groups as grp
from govern.registry.core import Registry
from govern.registry.entities import ModelVersion

__all__ = ["Comparison", "GroupTransitions", "compare"]

#: Rows explained per model for the feature rank agreement (a fixed, seeded sample).
RANK_SAMPLE = 200
#: Bootstrap resamples of the discrimination difference.
BOOTSTRAP = 200


@dataclass(frozen=True)
class GroupTransitions:
    """The action changes of one designated group (docs/comparison.md, "By designated group"):
    the policy's ``[fairness]`` groups, formed as `govern fairness` forms them."""

    attribute: str
    group: str
    rows: int
    changed_share: float
    harsher_share: float
    transitions: dict[str, dict[str, int]]  # candidate action -> live action -> rows


@dataclass(frozen=True)
class Comparison:
    candidate: str
    candidate_entry: str
    live: str
    live_entry: str
    tier: str
    source: str
    source_sha256: str
    rows: int
    erased: int
    checks: tuple[ComparisonCheck, ...]
    passed: bool
    required: tuple[str, ...]
    action_rates: dict[str, dict[str, float]]
    transitions: dict[str, dict[str, int]]  # candidate action -> live action -> rows
    harsher_share: float
    discrimination: dict[str, dict[str, float | None]]
    table: pd.DataFrame = field(repr=False)  # one row per compared row
    by_group: tuple[GroupTransitions, ...] = ()  # where the policy designates groups
    ungrouped: dict[str, int] = field(default_factory=dict)  # attribute -> rows without a group

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("table")
        return out


def _actions(
    mv: ModelVersion, model: Any, scores: np.ndarray[Any, Any], reg: Registry
) -> tuple[list[str], tuple[str, ...]]:
    """Each score's action under the version's decision policy, and the actions harshest first;
    without a policy, the label at the registered threshold (the unfavourable one harsher)."""
    policy = decisions.current(reg, mv.ref)
    if policy is not None:
        return policy.apply(scores), tuple(policy.record.severity)
    r = mv.record
    positive = str(r.positive_label)
    threshold = float(r.threshold)
    labels = [str(c) for c in getattr(model, "classes_", [])]
    negative = next((c for c in labels if c != positive), "negative")
    acts = np.where(np.asarray(scores) >= threshold, positive, negative).tolist()
    favourable = r.favourable_outcome
    order = (negative, positive) if favourable == positive else (positive, negative)
    return acts, order


#: Rows are scored in multiples of this, as the scorer logs them (docs/provenance.md: BLAS
#: sums a trailing partial block of rows in another order, which changes a linear model's last
#: bit), so a replay reproduces the logged scores exactly whatever rows were erased.
PAD = 16


def _score(model: Any, mv: ModelVersion, frame: pd.DataFrame) -> np.ndarray[Any, Any]:
    r = mv.record
    classes = [str(c) for c in model.classes_]
    column = classes.index(str(r.positive_label))
    rows = frame[r.feature_names]
    n = len(rows)
    short = -n % PAD
    if short and n:
        rows = pd.concat([rows, rows.iloc[[n - 1] * short]])
    try:
        proba = model.predict_proba(rows)[:n]
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"{mv.ref} cannot score the rows: {' '.join(str(exc).split())}") from exc
    return np.asarray(proba[:, column], dtype="float64")


def _discrimination(
    scores: np.ndarray[Any, Any], y: np.ndarray[Any, Any]
) -> dict[str, float | None]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

    if y.size == 0 or y.all() or not y.any():
        return {"roc_auc": None, "pr_auc": None, "ks": None, "brier": None}
    fpr, tpr, _ = roc_curve(y, scores)
    return {
        "roc_auc": float(roc_auc_score(y, scores)),
        "pr_auc": float(average_precision_score(y, scores)),
        "ks": float(np.max(tpr - fpr)),
        "brier": float(brier_score_loss(y, scores)),
    }


def _bootstrap_auc_diff(
    cand: np.ndarray[Any, Any], live: np.ndarray[Any, Any], y: np.ndarray[Any, Any]
) -> tuple[float | None, float | None]:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    diffs = []
    n = len(y)
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, n, n)
        yy = y[idx]
        if yy.all() or not yy.any():
            continue
        diffs.append(roc_auc_score(yy, cand[idx]) - roc_auc_score(yy, live[idx]))
    if not diffs:
        return None, None
    return float(np.quantile(diffs, 0.025)), float(np.quantile(diffs, 0.975))


def _calibration_gap(scores: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> float | None:
    """The largest distance of a decile band's mean score from its observed rate's Wilson
    95 % interval (0 inside), over bands of 30 rows or more (docs/monitoring.md)."""
    if y.size < 30:
        return None
    edges = np.unique(np.quantile(scores, np.linspace(0.1, 1.0, 10), method="inverted_cdf"))
    idx = np.minimum(np.searchsorted(edges, scores, side="left"), len(edges) - 1)
    gaps = []
    for i in range(len(edges)):
        mask = idx == i
        n = int(mask.sum())
        if n < 30:
            continue
        low, high = wilson(int(y[mask].sum()), n)
        assert low is not None and high is not None
        predicted = float(scores[mask].mean())
        gaps.append(max(low - predicted, predicted - high, 0.0))
    return max(gaps) if gaps else None


def _rank_agreement(
    reg: Registry,
    cand: tuple[ModelVersion, Any],
    live: tuple[ModelVersion, Any],
    frame: pd.DataFrame,
) -> tuple[float | None, list[str]]:
    """Spearman correlation of the two models' mean |SHAP| on their shared features, on a
    fixed sample of the rows (issue 3's explainers)."""
    from scipy.stats import spearmanr

    from govern.explain import explain

    shared = [f for f in cand[0].record.feature_names if f in set(live[0].record.feature_names)]
    if len(shared) < 2:
        return None, shared
    sample = frame.sample(n=min(RANK_SAMPLE, len(frame)), random_state=0)
    importance = []
    for mv, model in (cand, live):
        features = mv.record.feature_names
        background = sample[features].iloc[: min(100, len(sample))]
        expl = explain(model, sample[features], background=background)
        importance.append(expl.mean_abs().reindex(shared).to_numpy(dtype="float64"))
    rho = spearmanr(importance[0], importance[1]).statistic
    return (None if rho != rho else float(rho)), shared


#: Principal reasons compared per declined row.
REASONS = 4


def _adverse(mv: ModelVersion, reg: Registry, order: tuple[str, ...]) -> set[str]:
    policy = decisions.current(reg, mv.ref)
    if policy is not None and policy.record.adverse:
        return set(policy.record.adverse)
    return {order[0]}


def _reasons(
    mv: ModelVersion, model: Any, rows: pd.DataFrame, background: pd.DataFrame
) -> list[frozenset[str]]:
    """Each row's principal reasons: the (at most REASONS) features whose contributions push
    its score furthest toward the adverse outcome (docs/comparison.md)."""
    from govern.explain import ModelExplainer

    features = mv.record.feature_names
    explainer = ModelExplainer(model, background=background[features])
    expl = explainer.explain(rows[features])
    contributions = expl.contributions
    # the score is the probability of the positive label; toward adverse is down when the
    # positive label is the favourable one, up otherwise
    sign = -1.0 if mv.record.favourable_outcome == mv.record.positive_label else 1.0
    out = []
    for _, row in (contributions * sign).iterrows():
        top = row[row > 0].sort_values(ascending=False, kind="stable").head(REASONS)
        out.append(frozenset(top.index))
    return out


def _replay(
    reg: Registry,
    live: ModelVersion,
    start: str | None,
    end: str | None,
    features: list[str],
    scorers: Sequence[Callable[[pd.DataFrame], np.ndarray[Any, Any]]] = (),
) -> tuple[pd.DataFrame, list[str], np.ndarray[Any, Any], int, str, list[np.ndarray[Any, Any]]]:
    """The live version's logged inputs (erased ones left out), their ids and logged scores,
    and each of ``scorers`` applied chunk by chunk (while the next chunk is read)."""
    schema = models.schema_of(live)
    numeric = [n for n, _dtype, kind in schema.columns if kind == "numeric"]
    categorical = [n for n, _dtype, kind in schema.columns if kind != "numeric"]
    missing = [f for f in features if f not in schema.names]
    if missing:
        raise BadInput(
            f"a replay gives only {live.ref}'s logged features; the candidate also needs "
            f"{tables.name_list(missing)}",
            hint="compare on a dataset or file that holds every feature (--data)",
        )
    frames, ids, scores = [], [], []
    scored: list[list[np.ndarray[Any, Any]]] = [[] for _ in scorers]
    erased = 0
    digest = hashlib.sha256()
    begin = start or live.ts
    stop = end or "9999-12-31T00:00:00.000000Z"
    for chunk in chunks(
        reg, live.ref, begin, stop, numeric=numeric, categorical=categorical, arrow=True
    ):
        digest.update(chunk.digest)
        keep = chunk.stored
        erased += int((~keep).sum())
        part = (
            chunk.table.to_pandas()
            if chunk.table is not None
            else pd.DataFrame(columns=[*numeric, *categorical])
        )
        frames.append(part)
        ids += [pid for pid, k in zip(chunk.ids, keep, strict=True) if k]
        scores.append(chunk.scores[keep])
        for out, score in zip(scored, scorers, strict=True):
            if len(part):
                out.append(score(part))
    if not ids:
        raise BadInput(
            f"no logged decisions of {live.ref} with stored inputs between "
            f"{begin[:10]} and {stop[:10]}: there is nothing to replay",
        )
    frame = pd.concat(frames, ignore_index=True)
    return (
        frame,
        ids,
        np.concatenate(scores),
        erased,
        digest.hexdigest(),
        [np.concatenate(out) for out in scored],
    )


def _matrix(cand: np.ndarray[Any, Any], live: np.ndarray[Any, Any]) -> dict[str, dict[str, int]]:
    crossed = pd.crosstab(pd.Series(cand, name="candidate"), pd.Series(live, name="live"))
    return {
        str(a): {str(b): int(crossed.loc[a, b]) for b in crossed.columns if crossed.loc[a, b]}
        for a in crossed.index
    }


def _by_group(
    reg: Registry,
    live: ModelVersion,
    frame: pd.DataFrame,
    ids: Sequence[str],
    cand: np.ndarray[Any, Any],
    live_actions: np.ndarray[Any, Any],
    harsher: np.ndarray[Any, Any],
) -> tuple[tuple[GroupTransitions, ...], dict[str, int]]:
    """The transition matrix of each group the policy designates for the live model: its
    attribute from the compared rows' column, or else from the group file by prediction id."""
    rule = reg.policy().fairness_for(live.name)
    if rule is None:
        return (), {}
    out: list[GroupTransitions] = []
    ungrouped: dict[str, int] = {}
    for attribute in rule.attributes:
        values = grp.values_for(reg, attribute.name, ids, frame)
        labels = grp.form(attribute, values).to_numpy(dtype=object)
        known = np.asarray([g is not None for g in labels], dtype=bool)
        ungrouped[attribute.name] = int((~known).sum())
        names = [attribute.reference] + [
            g for g in attribute.group_names() if g != attribute.reference
        ]
        names += sorted({str(g) for g in labels[known]} - set(names))
        for g in names:
            mask = labels == g
            n = int(mask.sum())
            if not n:
                continue
            out.append(
                GroupTransitions(
                    attribute=attribute.name,
                    group=g,
                    rows=n,
                    changed_share=float((cand[mask] != live_actions[mask]).mean()),
                    harsher_share=float(harsher[mask].mean()),
                    transitions=_matrix(cand[mask], live_actions[mask]),
                )
            )
    return tuple(out), ungrouped


def compare(
    reg: Registry,
    candidate: str,
    live: str,
    *,
    data: pd.DataFrame | None = None,
    data_name: str | None = None,
    replay: bool = False,
    start: str | None = None,
    end: str | None = None,
    with_reasons: bool = True,
) -> Comparison:
    """Compare ``candidate`` with ``live`` on ``data`` or on a replay of live's decisions
    (``with_reasons=False`` leaves out the reasons of declined rows, the costly part)."""
    if (data is None) == (not replay):
        raise BadInput("compare on --data NAME@V|FILE or on --replay (one of them)")
    cand_mv = models.resolve(reg, candidate)
    live_mv = models.resolve(reg, live)
    if cand_mv.ref == live_mv.ref:
        raise BadInput(f"{cand_mv.ref} cannot be compared with itself")
    for mv in (cand_mv, live_mv):
        if mv.record.task != "classification":
            raise BadInput(f"{mv.ref} is a regressor: govern compares classifiers")
    cand_model, live_model = models.load(reg, cand_mv), models.load(reg, live_mv)
    cf, lf = cand_mv.record.feature_names, live_mv.record.feature_names
    erased = 0
    logged_scores = None
    if replay:
        frame, ids, logged_scores, erased, digest, pre = _replay(
            reg,
            live_mv,
            start,
            end,
            cf,
            scorers=(
                lambda part: _score(cand_model, cand_mv, part),
                lambda part: _score(live_model, live_mv, part),
            ),
        )
        known = outcomes.outcomes_of(reg, live_mv.ref)
        truth = [known.get(pid) for pid in ids]
        has_y = any(t is not None for t in truth)
        y_all = np.asarray([t is not None and t[0] == live_mv.record.positive_label for t in truth])
        y_mask = np.asarray([t is not None for t in truth])
        source = "replay"
    else:
        assert data is not None
        absent = [f for f in dict.fromkeys([*cf, *lf]) if f not in data.columns]
        if absent:
            raise BadInput(
                f"the data lacks feature {tables.name_list(absent)} of "
                f"{cand_mv.ref if absent[0] in cf else live_mv.ref}",
            )
        if data.empty:
            raise BadInput("the data holds no rows")
        frame = data.reset_index(drop=True)
        ids = [f"row-{i}" for i in range(len(frame))]
        target = live_mv.record.target
        has_y = target in frame.columns
        y_all = (
            (frame[target].astype(str) == str(live_mv.record.positive_label)).to_numpy()
            if has_y
            else np.zeros(len(frame), dtype=bool)
        )
        y_mask = np.ones(len(frame), dtype=bool) if has_y else np.zeros(len(frame), dtype=bool)
        digest = hashlib.sha256(tables.frame_to_parquet_bytes(data)).hexdigest()
        source = data_name or "data"
    if replay:
        cand_scores, live_scores = pre
    else:
        cand_scores = _score(cand_model, cand_mv, frame)
        live_scores = _score(live_model, live_mv, frame)
    cand_actions, cand_order = _actions(cand_mv, cand_model, cand_scores, reg)
    live_actions, live_order = _actions(live_mv, live_model, live_scores, reg)
    rule = reg.policy().comparison_rule(live_mv.record.risk_tier)
    n = len(ids)
    checks: list[ComparisonCheck] = []

    # discrimination
    disc: dict[str, dict[str, float | None]] = {"candidate": {}, "live": {}}
    if has_y and y_mask.sum() >= 2:
        y = y_all[y_mask]
        disc = {
            "candidate": _discrimination(cand_scores[y_mask], y),
            "live": _discrimination(live_scores[y_mask], y),
        }
    ca, la = disc["candidate"].get("roc_auc"), disc["live"].get("roc_auc")
    if ca is None or la is None:
        checks.append(
            ComparisonCheck(
                "discrimination",
                None,
                None,
                rule.auc_drop_max,
                "not measured",
                "no outcomes for these rows",
            )
        )
    else:
        low, high = _bootstrap_auc_diff(cand_scores[y_mask], live_scores[y_mask], y_all[y_mask])
        ok = la - ca <= rule.auc_drop_max
        interval = (
            "" if low is None else f"; difference {ca - la:+.4f}, 95 % [{low:+.4f}, {high:+.4f}]"
        )
        checks.append(
            ComparisonCheck(
                "discrimination",
                ca,
                la,
                rule.auc_drop_max,
                "pass" if ok else "fail",
                f"ROC AUC{interval}",
            )
        )
    # calibration
    gap = _calibration_gap(cand_scores[y_mask], y_all[y_mask]) if has_y else None
    live_gap = _calibration_gap(live_scores[y_mask], y_all[y_mask]) if has_y else None
    checks.append(
        ComparisonCheck(
            "calibration",
            gap,
            live_gap,
            rule.calibration_gap_max,
            "not measured"
            if gap is None
            else ("pass" if gap <= rule.calibration_gap_max else "fail"),
            "largest gap beyond a decile band's 95 % interval",
        )
    )
    # feature rank agreement
    rho, shared = _rank_agreement(reg, (cand_mv, cand_model), (live_mv, live_model), frame)
    checks.append(
        ComparisonCheck(
            "rank_agreement",
            rho,
            None,
            rule.rank_agreement_min,
            "not measured"
            if rho is None
            else ("pass" if rho >= rule.rank_agreement_min else "fail"),
            f"Spearman of mean |SHAP| on {len(shared)} shared features, {min(RANK_SAMPLE, n)} rows",
        )
    )
    # action rates and changes
    rates = {
        "candidate": {a: c / n for a, c in sorted(Counter(cand_actions).items())},
        "live": {a: c / n for a, c in sorted(Counter(live_actions).items())},
    }
    harsh_c, harsh_l = cand_order[0], live_order[0]
    checks.append(
        ComparisonCheck(
            f"{harsh_c} share",
            rates["candidate"].get(harsh_c, 0.0),
            rates["live"].get(harsh_l, 0.0),
            None,
            "info",
            "the share given the harshest action",
        )
    )
    ca_arr, la_arr = np.asarray(cand_actions, dtype=object), np.asarray(live_actions, dtype=object)
    changed = ca_arr != la_arr
    share = float(changed.mean())
    checks.append(
        ComparisonCheck(
            "action_changes",
            share,
            None,
            rule.action_changes_max,
            "pass" if share <= rule.action_changes_max else "fail",
            f"{int(changed.sum())} of {n} rows change action",
        )
    )
    rank = {a: i for i, a in enumerate(live_order)}
    cand_rank = np.asarray([rank.get(a, 0) for a in ca_arr.tolist()])
    live_rank = np.asarray([rank.get(a, 0) for a in la_arr.tolist()])
    harsher = float(np.mean(cand_rank < live_rank))
    transitions = _matrix(ca_arr, la_arr)
    by_group, ungrouped = _by_group(reg, live_mv, frame, ids, ca_arr, la_arr, cand_rank < live_rank)
    # adverse-action reasons: for rows both decline, do their principal reasons differ?
    cand_adverse = _adverse(cand_mv, reg, cand_order)
    live_adverse = _adverse(live_mv, reg, live_order)
    both = np.isin(ca_arr, list(cand_adverse)) & np.isin(la_arr, list(live_adverse))
    reasons_changed = np.full(n, None, dtype=object)
    if with_reasons and both.any():
        declined = frame.loc[both]
        background = frame.sample(n=min(100, len(frame)), random_state=0)
        cr = _reasons(cand_mv, cand_model, declined, background)
        lr = _reasons(live_mv, live_model, declined, background)
        reasons_changed[np.flatnonzero(both)] = [a != b for a, b in zip(cr, lr, strict=True)]
        k = int(sum(a != b for a, b in zip(cr, lr, strict=True)))
        checks.append(
            ComparisonCheck(
                "reason_changes",
                k / len(cr),
                None,
                None,
                "info",
                f"{k} of {len(cr)} rows both decline have other principal reasons (top {REASONS})",
            )
        )
    else:
        checks.append(
            ComparisonCheck(
                "reason_changes",
                None,
                None,
                None,
                "not measured",
                "no row is declined by both" if with_reasons else "not asked for",
            )
        )
    diff = np.abs(cand_scores - live_scores)
    checks.append(
        ComparisonCheck(
            "score_difference",
            float(diff.max()),
            float(np.median(diff)),
            None,
            "info",
            "largest and median |candidate - live|",
        )
    )
    table = pd.DataFrame(
        {
            "id": ids,
            "score": cand_scores,
            "live_score": live_scores,
            "abs_diff": diff,
            "action": cand_actions,
            "live_action": live_actions,
            "reasons_changed": reasons_changed,
        }
    )
    if logged_scores is not None:
        table["logged_live_score"] = logged_scores
    table = table.sort_values("abs_diff", ascending=False, kind="stable").reset_index(drop=True)
    by_name = {c.check: c for c in checks}
    passed = all(by_name[r].status == "pass" for r in rule.required if r in by_name)
    return Comparison(
        candidate=cand_mv.ref,
        candidate_entry=cand_mv.leaf,
        live=live_mv.ref,
        live_entry=live_mv.leaf,
        tier=live_mv.record.risk_tier,
        source=source,
        source_sha256=digest,
        rows=n,
        erased=erased,
        checks=tuple(checks),
        passed=passed,
        required=rule.required,
        action_rates=rates,
        transitions=transitions,
        harsher_share=harsher,
        discrimination=disc,
        table=table,
        by_group=by_group,
        ungrouped=ungrouped,
    )
