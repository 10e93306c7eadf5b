"""Reason codes: a versioned table of plain statements, and the choice of principal reasons.

Reg B (12 CFR 1002.9(b)(2)) asks for the specific principal reasons for an adverse action; the
official commentary says more than four are unlikely to help, hence the default of four. A table
maps features (optionally a value range, some categories, or a missing value) to statements;
groups of features that express one reason are summed before ranking (docs/explain.md: this steadies
the top reason). The format is documented in docs/reason-codes.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from govern.errors import BadInput, NotFound
from govern.records import FAVOURABLE_NOT_STATED

REG_B_MAX_REASONS = 4
FORMAT = 1


@dataclass(frozen=True)
class ReasonRule:
    """One statement for one feature, optionally only for some of its values."""

    code: str
    feature: str
    statement: str
    categories: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    missing: bool | None = None

    @property
    def conditional(self) -> bool:
        return (
            self.categories is not None
            or self.min is not None
            or self.max is not None
            or self.missing is not None
        )

    def matches(self, value: object) -> bool:
        """True if the applicant's value meets every condition of this rule."""
        is_missing = _is_missing(value)
        if self.missing is not None and self.missing != is_missing:
            return False
        if self.categories is not None and (is_missing or str(value) not in self.categories):
            return False
        if self.min is not None or self.max is not None:
            number = _as_number(value)
            if number is None:
                return False
            if self.min is not None and number < self.min:
                return False
            if self.max is not None and number >= self.max:
                return False
        return True


@dataclass(frozen=True)
class ReasonGroup:
    """Several features that express one reason: their contributions are summed."""

    code: str
    statement: str
    features: tuple[str, ...]


@dataclass(frozen=True)
class ReasonTable:
    """A versioned reason-code table for one model; `digest` is the SHA-256 of its source."""

    model: str
    version: str
    rules: tuple[ReasonRule, ...]
    groups: tuple[ReasonGroup, ...]
    digest: str
    source: str
    derived: bool = False  # the default table: every statement comes from a feature name

    @property
    def features(self) -> frozenset[str]:
        named = {r.feature for r in self.rules}
        for g in self.groups:
            named.update(g.features)
        return frozenset(named)

    def check_features(self, features: Sequence[str]) -> None:
        """Raise BadInput if the table names a feature the model does not have."""
        unknown = sorted(self.features - set(features))
        if unknown:
            raise BadInput(
                f"the reason-code table {self.source} (model {self.model!r}, version "
                f"{self.version!r}) names features the model does not have: {', '.join(unknown)}",
                hint="use the table written for this model, or correct the feature names in it",
            )

    def states_designated(self, designated: Sequence[str]) -> list[str]:
        """The designated attributes (docs/fairness.md) this table states as adverse-action
        reasons, in the order given: a table written by the bank names them (the default
        table, derived from feature names, names none)."""
        if self.derived:
            return []
        named = self.features
        return [a for a in designated if a in named]

    def resolve(self, feature: str, value: object) -> tuple[str, str, bool]:
        """The (code, statement, from_table) that states `feature` at `value`.

        A feature with no matching rule is stated from its name, coded by its name.
        """
        for group in self.groups:
            if feature in group.features:
                return group.code, group.statement, True
        for rule in self.rules:
            if rule.feature == feature and rule.matches(value):
                return rule.code, rule.statement, not self.derived
        return feature, default_statement(feature), False


@dataclass(frozen=True)
class Reason:
    """One principal reason: what the applicant is told, and the numbers behind it.

    `contribution` is the summed contribution of `features` in the explanation's output space
    (signed as the model's output); `direction` says which outcome it pushed toward.
    """

    rank: int
    code: str
    statement: str
    features: tuple[str, ...]
    values: tuple[str, ...]
    contribution: float
    direction: Literal["adverse", "favourable"]
    from_table: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "code": self.code,
            "statement": self.statement,
            "features": list(self.features),
            "values": list(self.values),
            "contribution": self.contribution,
            "direction": self.direction,
            "from_table": self.from_table,
        }


def default_statement(feature: str) -> str:
    """A statement derived from a feature name: `duration_in_month` -> `Duration in month`."""
    words = feature.replace("_", " ").replace("-", " ").split()
    text = " ".join(words) or feature
    return text[:1].upper() + text[1:]


def default_reason_table(features: Sequence[str], model: str = "default") -> ReasonTable:
    """One unconditional rule per feature, coded by the feature name, stated from the name."""
    rules = tuple(ReasonRule(code=f, feature=f, statement=default_statement(f)) for f in features)
    canonical = json.dumps(
        {"format": FORMAT, "features": list(features)}, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return ReasonTable(
        model=model,
        version=f"default-{digest[:12]}",
        rules=rules,
        groups=(),
        digest=digest,
        source="default table (from feature names)",
        derived=True,
    )


def load_reason_table(path: Path | str, features: Sequence[str] | None = None) -> ReasonTable:
    """Read a TOML reason-code table; check it against the model's `features` when given."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"reason-code table {path} does not exist") from None
    except OSError as exc:
        raise BadInput(f"cannot read reason-code table {path}: {exc.strerror}") from None
    table = parse_reason_table(raw, source=str(path))
    if features is not None:
        table.check_features(features)
    return table


def parse_reason_table(raw: bytes, source: str = "<string>") -> ReasonTable:
    """Parse the bytes of a TOML reason-code table (format in docs/reason-codes.md)."""

    def bad(message: str) -> BadInput:
        return BadInput(
            f"reason-code table {source}: {message}",
            hint="see docs/reason-codes.md for the format",
        )

    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise bad(f"not valid TOML: {exc}") from None
    unknown_keys = sorted(set(doc) - {"format", "model", "version", "reason", "group"})
    if unknown_keys:
        raise bad(f"unknown top-level keys: {', '.join(unknown_keys)}")
    if doc.get("format", FORMAT) != FORMAT:
        raise bad(f"format {doc.get('format')!r} is not supported (this govern reads {FORMAT})")
    model = doc.get("model")
    version = doc.get("version")
    if not isinstance(model, str) or not model:
        raise bad("`model` (the model this table is for) is missing")
    if not isinstance(version, (str, int)) or isinstance(version, bool) or str(version) == "":
        raise bad("`version` is missing: every table must carry a version")

    statements: dict[str, str] = {}

    def claim(code: str, statement: str, where: str) -> None:
        if statements.setdefault(code, statement) != statement:
            raise bad(f"{where}: code {code!r} is used with two different statements")

    groups: list[ReasonGroup] = []
    grouped: dict[str, str] = {}
    for i, item in enumerate(_tables(doc.get("group", []), "group", bad)):
        where = f"[[group]] #{i + 1}"
        extra = sorted(set(item) - {"code", "statement", "features"})
        if extra:
            raise bad(f"{where}: unknown keys {', '.join(extra)}")
        code, statement = _text(item, "code", where, bad), _text(item, "statement", where, bad)
        feats = item.get("features")
        if (
            not isinstance(feats, list)
            or not feats
            or not all(isinstance(f, str) and f for f in feats)
        ):
            raise bad(f"{where}: `features` must be a non-empty list of feature names")
        for f in feats:
            if f in grouped:
                raise bad(f"{where}: feature {f!r} is already in group {grouped[f]!r}")
            grouped[f] = code
        claim(code, statement, where)
        groups.append(ReasonGroup(code=code, statement=statement, features=tuple(feats)))

    rules: list[ReasonRule] = []
    for i, item in enumerate(_tables(doc.get("reason", []), "reason", bad)):
        where = f"[[reason]] #{i + 1}"
        extra = sorted(
            set(item) - {"code", "statement", "feature", "categories", "min", "max", "missing"}
        )
        if extra:
            raise bad(f"{where}: unknown keys {', '.join(extra)}")
        code, statement = _text(item, "code", where, bad), _text(item, "statement", where, bad)
        feature = _text(item, "feature", where, bad)
        if feature in grouped:
            raise bad(
                f"{where}: feature {feature!r} is in group {grouped[feature]!r}; "
                "a grouped feature is stated by its group"
            )
        cats = item.get("categories")
        if cats is not None and (
            not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats)
        ):
            raise bad(f"{where}: `categories` must be a non-empty list of strings")
        lo, hi = _bound(item, "min", where, bad), _bound(item, "max", where, bad)
        if lo is not None and hi is not None and lo >= hi:
            raise bad(f"{where}: `min` ({lo}) must be below `max` ({hi})")
        missing = item.get("missing")
        if missing is not None and not isinstance(missing, bool):
            raise bad(f"{where}: `missing` must be true or false")
        claim(code, statement, where)
        rules.append(
            ReasonRule(
                code=code,
                feature=feature,
                statement=statement,
                categories=tuple(cats) if cats is not None else None,
                min=lo,
                max=hi,
                missing=missing,
            )
        )
    if not rules and not groups:
        raise bad("the table has no [[reason]] and no [[group]] entries")
    return ReasonTable(
        model=model,
        version=str(version),
        rules=tuple(rules),
        groups=tuple(groups),
        digest=hashlib.sha256(raw).hexdigest(),
        source=source,
    )


def select_reasons(
    contributions: pd.Series,
    values: pd.Series,
    table: ReasonTable,
    *,
    adverse_sign: float,
    max_reasons: int = REG_B_MAX_REASONS,
    toward: Literal["adverse", "favourable"] = "adverse",
) -> tuple[Reason, ...]:
    """The principal reasons: the codes whose summed contributions pushed most toward adverse.

    `contributions` and `values` are indexed by the original features; `adverse_sign` is +1 when
    a higher model output means the adverse outcome, -1 otherwise. Only reasons that pushed toward
    the adverse outcome are returned, at most `max_reasons`, largest push first (ties by code).
    `toward="favourable"` gives instead the main factors of a favourable decision: the codes
    that pushed most toward the favourable outcome (never reasons for a denial).
    """
    if max_reasons < 1:
        raise BadInput(f"max_reasons must be at least 1 (got {max_reasons})")
    if adverse_sign not in (1.0, -1.0):
        raise BadInput(f"adverse_sign must be +1 or -1 (got {adverse_sign})")
    if toward not in ("adverse", "favourable"):
        raise BadInput(f"toward must be 'adverse' or 'favourable' (got {toward!r})")
    sign = adverse_sign if toward == "adverse" else -adverse_sign
    table.check_features(list(contributions.index))
    totals: dict[str, float] = {}
    members: dict[str, list[str]] = {}
    stated: dict[str, tuple[str, bool]] = {}
    for feature, contribution in contributions.items():
        name = str(feature)
        code, statement, from_table = table.resolve(name, values[name])
        totals[code] = totals.get(code, 0.0) + float(contribution)
        members.setdefault(code, []).append(name)
        stated[code] = (statement, from_table)
    pushes = [(code, sign * total) for code, total in totals.items()]
    ranked = sorted((item for item in pushes if item[1] > 0.0), key=lambda i: (-i[1], i[0]))
    reasons = []
    for rank, (code, _push) in enumerate(ranked[:max_reasons], start=1):
        feats = tuple(members[code])
        statement, from_table = stated[code]
        reasons.append(
            Reason(
                rank=rank,
                code=code,
                statement=statement,
                features=feats,
                values=tuple(format_value(values[f]) for f in feats),
                contribution=totals[code],
                direction=toward,
                from_table=from_table,
            )
        )
    return tuple(reasons)


def decision_statement(
    outcome: str | None,
    favourable: str | None,
    *,
    stated: bool = True,
) -> str:
    """The decision in one line, as every explanation states it first: the outcome, and
    whether it is the favourable one (``stated=False``: the favourable outcome was not stated
    at registration and is read as the positive label)."""
    if outcome is None or favourable is None:
        return "no decision at a threshold: the model's prediction is explained"
    if outcome == favourable:
        text = f"{outcome}, the favourable outcome: there are no adverse-action reasons"
    else:
        text = f"{outcome}, an adverse outcome (the favourable outcome is {favourable})"
    if not stated:
        text += f"; {FAVOURABLE_NOT_STATED}, read as the positive label {favourable}"
    return text


def format_value(value: object) -> str:
    """A feature value as the applicant and the reviewer read it."""
    if _is_missing(value):
        return "missing"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _as_number(value: object) -> float | None:
    if isinstance(value, bool) or _is_missing(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _tables(value: object, name: str, bad: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise bad(f"`{name}` must be an array of tables ([[{name}]])")
    return value


def _text(item: Mapping[str, Any], key: str, where: str, bad: Any) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise bad(f"{where}: `{key}` must be a non-empty string")
    return value


def _bound(item: Mapping[str, Any], key: str, where: str, bad: Any) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"{where}: `{key}` must be a number")
    return float(value)
