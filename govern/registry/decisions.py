"""Decision policies: a model version's score bands mapped to actions (docs/registry.md,
"Decision policies").

A policy is ordered bands, each from a minimum score (inclusive) up to the next band's, the first
from 0: for a credit model scoring the probability of repayment, DECLINE below 0.4, REFER below
0.6, APPROVE above; for a fraud model, ALLOW, REVIEW, PREVENT. It names every action's severity
(harshest first) and which actions are adverse. Each policy is a signed, versioned entry about
one model version, and an approval pins the one in force: a new policy makes it stale. Without
one, the registered threshold is the simple case (the decision is the label).
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import BadInput
from govern.ledger import Entry
from govern.ledger.jcs import canonicalize
from govern.records import DecisionBand, DecisionPolicyRegistered, PinnedText, subjects
from govern.registry import models, trusted

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["Policy", "current", "load_file", "pinned", "register"]


@dataclass(frozen=True)
class Policy:
    """A decision policy in force: its record and entry, ready to apply."""

    record: DecisionPolicyRegistered
    entry: int

    @property
    def cuts(self) -> list[float]:
        """The minimum score of every band after the first."""
        return [float(b.min_score) for b in self.record.bands[1:]]

    @property
    def actions(self) -> list[str]:
        return [b.action for b in self.record.bands]

    def action(self, score: float) -> str:
        i = 0
        for cut in self.cuts:
            if score >= cut:
                i += 1
        return self.actions[i]

    def apply(self, scores: Sequence[float] | Any) -> list[str]:
        """The action of each score (a score equal to a band's minimum is in that band)."""
        import numpy as np

        idx = np.searchsorted(np.asarray(self.cuts, dtype="float64"), scores, side="right")
        actions = self.actions
        return [actions[int(i)] for i in idx]

    @property
    def harshest(self) -> str:
        return str(self.record.severity[0])


def _decimal(value: Any, where: str) -> str:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise BadInput(f"{where}: {value!r} is not a score") from None
    if not d.is_finite() or not Decimal(0) <= d < Decimal(1):
        raise BadInput(f"{where}: a band's minimum score must be in [0, 1), not {value}")
    return str(d)


def check(
    bands: Sequence[tuple[Any, str]], severity: Sequence[str], adverse: Sequence[str]
) -> tuple[tuple[DecisionBand, ...], tuple[str, ...], tuple[str, ...]]:
    """The bands, severity and adverse actions, checked: the first band from 0, minimums
    strictly increasing, every action named in the severity once, adverse ones among them."""
    if not bands:
        raise BadInput("a decision policy needs at least one band")
    out = []
    for i, (low, action) in enumerate(bands, start=1):
        if not isinstance(action, str) or not action.strip():
            raise BadInput(f"band {i}: give its action")
        out.append(DecisionBand(_decimal(low, f"band {i}"), action.strip()))
    if Decimal(out[0].min_score) != 0:
        raise BadInput("the first band must start at score 0")
    lows = [Decimal(b.min_score) for b in out]
    if any(b <= a for a, b in itertools.pairwise(lows)):
        raise BadInput("the bands' minimum scores must increase strictly")
    actions = {b.action for b in out}
    if sorted(severity) != sorted(set(severity)) or set(severity) != actions:
        raise BadInput(
            f"severity must list every action once, harshest first: {', '.join(sorted(actions))}"
        )
    unknown = [a for a in adverse if a not in actions]
    if unknown:
        raise BadInput(f"adverse action {unknown[0]!r} is not an action of the bands")
    return tuple(out), tuple(severity), tuple(adverse)


def load_file(path: Path) -> tuple[list[tuple[Any, str]], list[str], list[str]]:
    """A decision policy file (TOML): ``severity``, ``adverse`` and ``[[bands]]`` with ``from``
    and ``action``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"no decision policy file at {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"the decision policy {path} is not valid TOML: {exc}") from None
    bands = data.get("bands")
    if not isinstance(bands, list) or not all(isinstance(b, dict) for b in bands):
        raise BadInput(f"{path} has no [[bands]] tables (each with from and action)")
    try:
        pairs = [(b["from"], b["action"]) for b in bands]
    except KeyError as exc:
        raise BadInput(f"{path}: every band needs {exc.args[0]!r}") from None
    return pairs, list(data.get("severity") or []), list(data.get("adverse") or [])


def _entries(reg: Registry, ref: str) -> list[Entry]:
    """The version's decision policies whose signature and authority verify."""
    return trusted.accepted(
        reg,
        reg.ledger.checked(
            subject=subjects.decision_policy(ref), kinds=[DecisionPolicyRegistered.KIND]
        ),
    )


def current(reg: Registry, ref: str, at: str | None = None) -> Policy | None:
    """The decision policy of ``ref`` in force at ``at`` (now by default), if any."""
    mv = models.resolve(reg, ref)
    found = [e for e in _entries(reg, mv.ref) if at is None or e.ts <= at]
    if not found:
        return None
    last = found[-1]
    _e, record = reg.recorded(DecisionPolicyRegistered, last.seq, last.leaf.hex())
    if record.model_entry != mv.leaf:
        return None
    return Policy(record, last.seq)


def pinned(reg: Registry, ref: str, at: str | None = None) -> PinnedText | None:
    """What an approval pins of the decision policy: its entry and the SHA-256 of its bands,
    severity and adverse actions (canonical JSON)."""
    policy = current(reg, ref, at)
    if policy is None:
        return None
    r = policy.record
    body = canonicalize(
        {
            "bands": [[b.min_score, b.action] for b in r.bands],
            "severity": list(r.severity),
            "adverse": list(r.adverse),
        }
    )
    return PinnedText(entry=policy.entry, sha256=hashlib.sha256(body).hexdigest())


def register(
    reg: Registry,
    ref: str,
    bands: Sequence[tuple[Any, str]],
    *,
    severity: Sequence[str],
    adverse: Sequence[str],
) -> Entry:
    """Record the next version of ``ref``'s decision policy."""
    mv = models.resolve(reg, ref)
    if mv.record.task != "classification":
        raise BadInput(f"{mv.ref} is a regressor: a decision policy maps a classifier's scores")
    checked, sev, adv = check(bands, severity, adverse)
    version = len(_entries(reg, mv.ref)) + 1
    return reg.record(
        DecisionPolicyRegistered(
            subject=subjects.decision_policy(mv.ref),
            model=mv.ref,
            model_entry=mv.leaf,
            version=version,
            bands=checked,
            severity=sev,
            adverse=adv,
        )
    )
