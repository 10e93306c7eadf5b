"""Fair lending over time: the approval rate of each designated group, window by window, in a
monitoring run (docs/monitoring.md, "Fair lending over time").

The groups are the ones the policy's ``[fairness]`` section designates for the model
(docs/fairness.md), formed the same way as `govern fairness` forms them: from the logged input
when the attribute is a model feature, otherwise from the group file stored by prediction id
(`govern groups add`), or from the monitored table's column. A decision is an approval when its
action is not adverse (the decision policy's adverse actions, or the unfavourable label). For
the whole period, each group with enough rows is held to the policy's ``air_min``: below it is
amber (a medium finding), below it with the whole 95 % interval below too is red.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govern.records import MonitoringCheck
from govern.registry import groups as grp
from govern.registry.core import Registry
from govern.registry.policy import FairnessAttribute, FairnessRule

__all__ = ["GroupWindow", "Lending", "adverse_impact_ratio", "describe", "thresholds"]

#: z of a two-sided 95 % interval.
Z95 = 1.959963984540054
#: The period as a whole, beside its windows.
PERIOD = "period"


def adverse_impact_ratio(
    approved: int, n: int, ref_approved: int, ref_n: int
) -> tuple[float | None, float | None, float | None]:
    """The ratio of a group's approval rate to the reference group's, with its 95 % interval
    by the log method for a ratio of two proportions (Katz et al. 1978; docs/fairness.md):
    exp(ln r +- 1.96 sqrt((1-p1)/(n1 p1) + (1-p0)/(n0 p0))). No interval when either group
    has no approval; no ratio when the reference group has none."""
    if n == 0 or ref_n == 0 or ref_approved == 0:
        return None, None, None
    p1, p0 = approved / n, ref_approved / ref_n
    ratio = p1 / p0
    if approved == 0:
        return ratio, None, None
    se = math.sqrt((1 - p1) / (n * p1) + (1 - p0) / (ref_n * p0))
    return ratio, math.exp(math.log(ratio) - Z95 * se), math.exp(math.log(ratio) + Z95 * se)


@dataclass(frozen=True)
class GroupWindow:
    """One designated group in one window (or the whole period): its decisions, approvals
    and adverse impact ratio against the reference group."""

    attribute: str
    group: str
    window: str  # a month, a week, or "period"
    rows: int
    approved: int
    approval_rate: float | None
    air: float | None
    low: float | None
    high: float | None
    reference: bool
    measured: bool  # both this group and the reference have at least min_rows rows


class Lending:
    """Counts of decisions and approvals per attribute, group and window, chunk by chunk."""

    def __init__(
        self,
        reg: Registry,
        rule: FairnessRule,
        features: Sequence[str],
        adverse: frozenset[str] | None,
        favourable: str,
        data: pd.DataFrame | None = None,
    ) -> None:
        self.reg = reg
        self.rule = rule
        self.features = set(features)
        self.adverse = adverse
        self.favourable = favourable
        self.data = data
        self.counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.ungrouped: dict[str, int] = defaultdict(int)

    def _values(
        self, attribute: FairnessAttribute, ids: Sequence[str], stored: Any, features: Any
    ) -> pd.Series:
        name = attribute.name
        if name in self.features:
            values = np.full(len(ids), None, dtype=object)
            values[np.asarray(stored, dtype=bool)] = np.asarray(features[name], dtype=object)
            return pd.Series(values, dtype=object)
        # a monitored table's column, or the group file by prediction id
        return grp.values_for(self.reg, name, ids, self.data)

    def add(
        self,
        ids: Sequence[str],
        windows: np.ndarray[Any, Any],
        decisions: Sequence[str | None],
        stored: Any,
        features: Any,
    ) -> None:
        d = np.asarray(decisions, dtype=object)
        if self.adverse is not None:
            approved = np.fromiter(
                (x is not None and x not in self.adverse for x in d), bool, len(d)
            )
        else:
            approved = d == self.favourable
        for attribute in self.rule.attributes:
            formed = grp.form(attribute, self._values(attribute, ids, stored, features))
            labels = formed.to_numpy(dtype=object)
            known = np.asarray([g is not None for g in labels], dtype=bool)
            self.ungrouped[attribute.name] += int((~known).sum())
            if not known.any():
                continue
            frame = pd.DataFrame(
                {"g": labels[known], "w": windows[known], "a": approved[known].astype("int64")}
            )
            for (g, w), part in frame.groupby(["g", "w"], sort=False)["a"]:
                for key in ((attribute.name, str(g), str(w)), (attribute.name, str(g), PERIOD)):
                    c = self.counts[key]
                    c[0] += len(part)
                    c[1] += int(part.sum())

    def rows(self) -> tuple[GroupWindow, ...]:
        out = []
        for attribute in self.rule.attributes:
            ref = attribute.reference
            mine = {k: v for k, v in self.counts.items() if k[0] == attribute.name}
            windows = [*sorted({k[2] for k in mine} - {PERIOD}), PERIOD]
            order = [ref] + [g for g in attribute.group_names() if g != ref]
            order += sorted({k[1] for k in mine} - set(order))
            for w in windows:
                ref_n, ref_ok = mine.get((attribute.name, ref, w), [0, 0])
                for g in order:
                    if (attribute.name, g, w) not in mine:
                        continue
                    n, ok = mine[(attribute.name, g, w)]
                    air, low, high = adverse_impact_ratio(ok, n, ref_ok, ref_n)
                    out.append(
                        GroupWindow(
                            attribute=attribute.name,
                            group=g,
                            window=w,
                            rows=n,
                            approved=ok,
                            approval_rate=ok / n if n else None,
                            air=None if g == ref else air,
                            low=None if g == ref else low,
                            high=None if g == ref else high,
                            reference=g == ref,
                            measured=n >= self.rule.min_rows and ref_n >= self.rule.min_rows,
                        )
                    )
        return tuple(out)

    def checks(self, rows: Sequence[GroupWindow]) -> list[MonitoringCheck]:
        """The period's adverse impact ratio of each measured group against ``air_min``: amber
        below it, red when the whole 95 % interval is below it too."""
        out = []
        floor = self.rule.air_min
        for r in rows:
            if r.window != PERIOD or r.reference or not r.measured or r.air is None:
                continue
            if r.air >= floor:
                status = "green"
            elif r.high is not None and r.high < floor:
                status = "red"
            else:
                status = "amber"
            out.append(
                MonitoringCheck("air", f"{r.attribute}: {r.group}", r.air, floor, floor, status)
            )
        return out

    def notes(self, rows: Sequence[GroupWindow]) -> list[str]:
        out = [
            "Fair lending over time: approval rate of each designated group and its adverse "
            "impact ratio against the reference group (95 % interval, Katz log method); the "
            f"period's ratio is held to at least {self.rule.air_min:g} for groups with "
            f"{self.rule.min_rows} rows or more (amber below it, red when the whole interval "
            "is below it)."
        ]
        reference = {a.name: a.reference for a in self.rule.attributes}
        for r in rows:
            if r.window == PERIOD and not r.measured:
                out.append(
                    f"{r.attribute}: {r.group} has {r.rows} decisions in the period (the "
                    f"reference group {reference[r.attribute]!r} counts too): too few to "
                    f"measure, at least {self.rule.min_rows} each"
                )
        for name, n in self.ungrouped.items():
            if n:
                out.append(
                    f"{name}: {n} decisions have no group (the input was erased, the value is "
                    "missing or below the first band, or no group file gives it)"
                )
        return out


def thresholds(check: MonitoringCheck) -> tuple[str, str]:
    """A check's amber and red thresholds as a reader takes them: "at least" for the adverse
    impact ratio (lower is worse), the bare figure for the rest (higher is worse)."""
    if check.metric == "air":
        return f"< {check.amber:g}", f"< {check.red:g}, interval too"
    return f"{check.amber:g}", f"{check.red:g}"


def describe(check: MonitoringCheck) -> str:
    """A breached check as a finding names it, read the right way round."""
    if check.metric == "air":
        return f"adverse impact ratio of {check.on} {check.value:.4f} below {check.amber:g}"
    return (
        f"{check.metric} of {check.on} {check.value:.4f} "
        f"(thresholds amber {check.amber:g}, red {check.red:g})"
    )
