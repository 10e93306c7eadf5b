"""The governance policy: who may do what, what counts as an approval, when a model may be used.

Sensible defaults are built in (SR 11-7 section VI / SR 26-2: independent validation scaled to
materiality, segregation of duties, periodic review). A bank records its own with
``govern policy set FILE`` (TOML); the policy in force is the latest one recorded, and an act is
judged by the policy in force when it was done (docs/registry.md, "Authority").
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govern.errors import BadInput

TIERS = ("high", "medium", "low")
ROLES = ("validator", "approver")  # the roles a sign-off is given in

#: Every role a person or service can be enrolled in.
PEOPLE_ROLES = (
    "administrator",
    "developer",
    "validator",
    "approver",
    "deployer",
    "privacy-officer",
    "reviewer",
    "service",
    "monitor",
    "auditor",
)
#: Roles that act automatically (a scoring or monitoring service, not a person): a finding one of
#: them raises flags the model but does not stop it from scoring (docs/registry.md).
AUTOMATED_ROLES = ("service", "monitor")
#: What each action is (the records say which action writing them is: ``Record.ACTION``).
ACTIONS: Mapping[str, str] = {
    "enrol": "enrol a person or service",
    "revoke": "revoke a key",
    "rotate-key": "replace a person's key after a loss",
    "set-policy": "record the governance policy",
    "correct-clock": "correct the log's clock",
    "register-data": "register a dataset version",
    "register-model": "register a model version",
    "card-narrative": "record the card narrative",
    "register-reasons": "register a reason-code table",
    "decision-policy": "register a decision policy",
    "record-outcomes": "record realised outcomes",
    "record-explanation": "record an explanation report",
    "release": "release the model card and validation report",
    "raise-finding": "raise a validation finding",
    "close-finding": "close a validation finding",
    "validation-narrative": "record the validation narrative",
    "record-monitoring": "record monitoring results",
    "record-comparison": "record a challenger comparison",
    "record-fairness": "record a fair-lending analysis",
    "approve": "sign an approval",
    "deploy": "deploy a model version",
    "retire": "retire a model version",
    "override": "sign an override of a gate",
    "override-decision": "override a logged decision",
    "log-predictions": "log predictions",
    "erase": "erase a logged input",
    "record-verification": "record the result of a full verification",
}
#: Who may do what, by default: administrators run the registry, developers build, validators
#: challenge, approvers approve and (as the default deployers) deploy, services log decisions,
#: a monitoring service records monitoring, auditors only read.
DEFAULT_PERMISSIONS: Mapping[str, tuple[str, ...]] = {
    "administrator": (
        "enrol",
        "revoke",
        "rotate-key",
        "set-policy",
        "correct-clock",
        "erase",
        "record-verification",
    ),
    "developer": (
        "register-data",
        "register-model",
        "card-narrative",
        "register-reasons",
        "decision-policy",
        "record-outcomes",
        "record-explanation",
        "release",
        "log-predictions",
    ),
    "validator": (
        "raise-finding",
        "close-finding",
        "validation-narrative",
        "record-monitoring",
        "record-comparison",
        "record-fairness",
        "approve",
        "record-explanation",
        "release",
        "log-predictions",
        "record-verification",
    ),
    "approver": ("approve", "deploy", "retire", "override", "override-decision", "release"),
    "deployer": ("deploy", "retire"),
    "privacy-officer": ("erase",),
    "reviewer": ("override-decision",),
    "service": ("log-predictions", "record-outcomes", "record-explanation", "release"),
    "monitor": ("record-monitoring", "raise-finding", "record-verification"),
    "auditor": ("record-verification",),
}


@dataclass(frozen=True)
class TierRule:
    """What a risk tier demands."""

    requires: tuple[str, ...]  # the roles whose sign-off makes a version approved
    revalidation_months: int  # how long an approval lasts without an explicit expiry


@dataclass(frozen=True)
class MonitoringRule:
    """What ongoing monitoring demands of a tier (docs/monitoring.md, "Thresholds"): a result is
    green below its amber threshold, amber below its red one, red beyond. Effect sizes only:
    at a million rows every significance test rejects."""

    psi_amber: float = 0.10  # population stability index of a feature or of the score
    psi_red: float = 0.25
    auc_drop_amber: float = 0.03  # ROC AUC of the development sample minus AUC on outcomes
    auc_drop_red: float = 0.05
    # the largest distance of a band's mean prediction from its observed rate's 95 % interval
    calibration_gap_amber: float = 0.05
    calibration_gap_red: float = 0.10
    # when a cohort's outcomes have matured (default: 12 months; 0: at once, e.g. fraud confirmed)
    outcome_window_months: int = 12
    frequency_months: int = 3  # how often monitoring must be recorded
    revalidation_days: int = 90  # a red result makes revalidation due within this
    findings_block: bool = False  # whether monitoring's findings stop scoring


#: The checks of `govern compare` a policy may require.
COMPARISON_CHECKS = ("discrimination", "calibration", "rank_agreement", "action_changes")


@dataclass(frozen=True)
class ComparisonRule:
    """What the release gate asks of a candidate against the live version, for a tier
    (docs/comparison.md, "Thresholds")."""

    auc_drop_max: float = 0.01  # live ROC AUC minus the candidate's, at most
    calibration_gap_max: float = 0.05  # the candidate's gap beyond each band's 95 % interval
    rank_agreement_min: float = 0.7  # Spearman of the two mean |SHAP| rankings, at least
    action_changes_max: float = 0.05  # the share of rows whose action changes, at most
    required: tuple[str, ...] = (
        "discrimination",
        "calibration",
        "rank_agreement",
        "action_changes",
    )


@dataclass(frozen=True)
class FairnessAttribute:
    """One attribute the bank designates for fair-lending analysis (docs/fairness.md,
    "Designating groups"): a column of the data (the model need not use it, and should not),
    and how its values form groups: ``groups`` maps categories to groups (a category it does
    not name is its own group), or ``bands`` maps numbers to groups by ordered lower bounds.
    ``reference`` is the group every other group is compared with."""

    name: str
    reference: str
    groups: dict[str, str] | None = None
    bands: tuple[tuple[float, str], ...] | None = None
    # the applicant's age in years: an adverse contribution of it to the score of a declined
    # applicant aged 62 or over is flagged (Reg B 12 CFR 1002.6(b)(2))
    age: bool = False

    def group_names(self) -> list[str]:
        if self.bands is not None:
            return [label for _low, label in self.bands]
        return list(dict.fromkeys((self.groups or {}).values()))


@dataclass(frozen=True)
class FairnessRule:
    """The designated groups and what `govern fairness` holds them to (docs/fairness.md)."""

    attributes: tuple[FairnessAttribute, ...]
    models: tuple[str, ...] = ("*",)  # the model names it applies to ("*": every model)
    air_min: float = 0.8  # adverse impact ratio against the reference group, at least
    smd_max: float = 0.5  # standardized mean difference of scores, at most (in absolute value)
    min_rows: int = 30  # fewer rows in a group: "too few to measure", never a pass
    refuse_designated_features: bool = False  # refuse registering a model that uses one

    def applies_to(self, model: str) -> bool:
        return "*" in self.models or model in self.models

    def attribute(self, name: str) -> FairnessAttribute | None:
        return next((a for a in self.attributes if a.name == name), None)


def _fairness_rule(data: Any) -> FairnessRule | None:
    """The policy's ``[fairness]`` section, checked (None: the bank designated no groups)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise BadInput("the policy's fairness section must be a table")
    allowed = {
        "attributes",
        "models",
        "air_min",
        "smd_max",
        "min_rows",
        "refuse_designated_features",
    }
    unknown = set(data) - allowed
    if unknown:
        raise BadInput(f"unknown fairness settings: {', '.join(sorted(unknown))}")
    attributes = []
    for i, item in enumerate(data.get("attributes") or []):
        if not isinstance(item, dict) or not item.get("name") or not item.get("reference"):
            raise BadInput(f"fairness attribute {i + 1} needs a name and a reference group")
        extra = set(item) - {"name", "reference", "groups", "bands", "age"}
        if extra:
            raise BadInput(
                f"unknown settings of fairness attribute {item['name']}: {sorted(extra)}"
            )
        groups = item.get("groups")
        bands = item.get("bands")
        if (groups is None) == (bands is None):
            raise BadInput(
                f"fairness attribute {item['name']} needs either groups (categories to groups) "
                "or bands (ordered lower bounds to groups)"
            )
        band_pairs: tuple[tuple[float, str], ...] | None = None
        if bands is not None:
            band_pairs = tuple((float(low), str(label)) for low, label in bands)
            lows = [low for low, _label in band_pairs]
            if not band_pairs or lows != sorted(lows) or len(set(lows)) != len(lows):
                raise BadInput(
                    f"the bands of fairness attribute {item['name']} must have strictly "
                    "increasing lower bounds"
                )
        attribute = FairnessAttribute(
            name=str(item["name"]),
            reference=str(item["reference"]),
            groups={str(k): str(v) for k, v in groups.items()} if groups is not None else None,
            bands=band_pairs,
            age=bool(item.get("age", False)),
        )
        if attribute.bands is not None and attribute.reference not in attribute.group_names():
            raise BadInput(
                f"the reference group {attribute.reference!r} of {attribute.name} is not one of "
                f"its bands ({', '.join(attribute.group_names())})"
            )
        attributes.append(attribute)
    if not attributes:
        raise BadInput("the policy's fairness section designates no attribute")
    names = [a.name for a in attributes]
    if len(set(names)) != len(names):
        raise BadInput("the policy's fairness section names an attribute twice")
    rule = FairnessRule(
        attributes=tuple(attributes),
        models=tuple(str(m) for m in data.get("models") or ("*",)),
        air_min=float(data.get("air_min", 0.8)),
        smd_max=float(data.get("smd_max", 0.5)),
        min_rows=int(data.get("min_rows", 30)),
        refuse_designated_features=bool(data.get("refuse_designated_features", False)),
    )
    if not 0 < rule.air_min <= 1 or rule.smd_max <= 0 or rule.min_rows < 1:
        raise BadInput(
            "fairness thresholds: air_min must be in (0, 1], smd_max above 0, min_rows at least 1"
        )
    return rule


def _number(x: float) -> float | int:
    """A number as the ledger's canonical JSON reads it back (1.0 is 1)."""
    return int(x) if float(x).is_integer() else x


def _fairness_dict(rule: FairnessRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "attributes": [
            {
                "name": a.name,
                "reference": a.reference,
                **({"groups": dict(a.groups)} if a.groups is not None else {}),
                **({"bands": [[_number(lo), label] for lo, label in a.bands]} if a.bands else {}),
                **({"age": True} if a.age else {}),
            }
            for a in rule.attributes
        ],
        "models": list(rule.models),
        "air_min": _number(rule.air_min),
        "smd_max": _number(rule.smd_max),
        "min_rows": rule.min_rows,
        "refuse_designated_features": rule.refuse_designated_features,
    }


def _monitoring_defaults() -> dict[str, MonitoringRule]:
    return {
        "high": MonitoringRule(frequency_months=3),
        "medium": MonitoringRule(frequency_months=6),
        "low": MonitoringRule(frequency_months=12),
    }


@dataclass(frozen=True)
class Policy:
    owner_may_approve: bool = False
    registrant_may_approve: bool = False
    one_role_per_person: bool = True
    blocking_severities: tuple[str, ...] = ("high",)
    production_envs: tuple[str, ...] = ("production",)
    # role -> the actions it allows; a role the recorded policy does not name keeps its default
    permissions: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_PERMISSIONS)
    )
    tiers: dict[str, TierRule] = field(
        default_factory=lambda: {
            "high": TierRule(("validator", "approver"), 12),
            "medium": TierRule(("validator", "approver"), 24),
            "low": TierRule(("approver",), 36),
        }
    )
    # tier -> what ongoing monitoring demands of it
    monitoring: dict[str, MonitoringRule] = field(default_factory=_monitoring_defaults)
    # tier -> what the release gate asks of a candidate (the defaults for a tier not named)
    comparison: dict[str, ComparisonRule] = field(default_factory=dict)
    # the groups designated for fair-lending analysis (None: none designated)
    fairness: FairnessRule | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocking_severities"] = list(self.blocking_severities)
        data["production_envs"] = list(self.production_envs)
        data["tiers"] = {
            k: {"requires": list(v.requires), "revalidation_months": v.revalidation_months}
            for k, v in self.tiers.items()
        }
        data["permissions"] = {role: list(acts) for role, acts in self.permissions.items()}
        data["monitoring"] = {k: asdict(v) for k, v in self.monitoring.items()}
        data["comparison"] = {
            k: {**asdict(v), "required": list(v.required)} for k, v in self.comparison.items()
        }
        data["fairness"] = _fairness_dict(self.fairness)
        return data

    def fairness_for(self, model: str) -> FairnessRule | None:
        """The designated groups that apply to model ``model`` (a name), if any."""
        rule = self.fairness
        return rule if rule is not None and rule.applies_to(model) else None

    def comparison_rule(self, tier: str) -> ComparisonRule:
        """The release gate's thresholds for ``tier``."""
        return self.comparison.get(tier) or ComparisonRule()

    def monitoring_rule(self, tier: str) -> MonitoringRule:
        """The monitoring thresholds of ``tier`` (the defaults for a tier the policy does not
        name)."""
        return self.monitoring.get(tier) or MonitoringRule()

    def allows(self, roles: Sequence[str], action: str) -> bool:
        """Whether any of ``roles`` may do ``action`` under this policy."""
        return any(action in self.permissions.get(role, ()) for role in roles)

    def roles_for(self, action: str) -> list[str]:
        """The roles this policy lets do ``action``."""
        return [role for role, acts in self.permissions.items() if action in acts]

    def pinned(self, tier: str) -> dict[str, Any]:
        """What an approval of a version of ``tier`` pins of the policy: its tier rule and the
        segregation-of-duties settings (a later change to them makes the approval stale)."""
        rule = self.tier(tier)
        return {
            "tier": tier,
            "requires": list(rule.requires),
            "revalidation_months": rule.revalidation_months,
            "owner_may_approve": self.owner_may_approve,
            "registrant_may_approve": self.registrant_may_approve,
            "one_role_per_person": self.one_role_per_person,
        }

    def tier(self, name: str) -> TierRule:
        if name not in self.tiers:
            raise BadInput(
                f"risk tier {name!r} is not defined by the policy",
                hint=f"use one of: {', '.join(self.tiers)}",
            )
        return self.tiers[name]


DEFAULT = Policy()


def from_dict(data: dict[str, Any]) -> Policy:
    """Build a policy from its recorded or file form, refusing unknown or malformed fields."""
    base = DEFAULT.as_dict()
    unknown = set(data) - set(base)
    if unknown:
        raise BadInput(f"unknown policy settings: {', '.join(sorted(unknown))}")
    merged = {**base, **data}
    try:
        tiers = {
            name: TierRule(tuple(rule["requires"]), int(rule.get("revalidation_months", 12)))
            for name, rule in merged["tiers"].items()
        }
        for name, rule in tiers.items():
            bad = [r for r in rule.requires if r not in ROLES]
            if bad or not rule.requires:
                raise BadInput(
                    f"tier {name!r} requires unknown roles {bad}; use validator and/or approver"
                )
            if rule.revalidation_months < 1:
                raise BadInput(f"tier {name!r} must be revalidated at least every few months")
        permissions = dict(DEFAULT_PERMISSIONS)
        for role, acts in dict(data.get("permissions") or {}).items():
            if role not in PEOPLE_ROLES:
                raise BadInput(
                    f"the policy gives permissions to {role!r}, which is not a role",
                    hint=f"roles are: {', '.join(PEOPLE_ROLES)}",
                )
            unknown_acts = [a for a in acts if a not in ACTIONS]
            if unknown_acts:
                raise BadInput(
                    f"the policy lets {role} do {unknown_acts[0]!r}, which is not an action",
                    hint=f"actions are: {', '.join(ACTIONS)}",
                )
            permissions[role] = tuple(acts)
        monitoring = _monitoring_defaults()
        for name, rule in dict(data.get("monitoring") or {}).items():
            unknown_keys = set(rule) - set(asdict(MonitoringRule()))
            if unknown_keys:
                raise BadInput(
                    f"unknown monitoring settings for tier {name!r}: "
                    + ", ".join(sorted(unknown_keys))
                )
            base_rule = asdict(monitoring.get(name) or MonitoringRule())
            monitoring[name] = MonitoringRule(**{**base_rule, **dict(rule)})
            m = monitoring[name]
            if not (0 < m.psi_amber <= m.psi_red) or not (0 < m.auc_drop_amber <= m.auc_drop_red):
                raise BadInput(
                    f"tier {name!r}: each amber threshold must be above 0 and at most red"
                )
            if not (0 < m.calibration_gap_amber <= m.calibration_gap_red):
                raise BadInput(
                    f"tier {name!r}: each amber threshold must be above 0 and at most red"
                )
            if m.outcome_window_months < 0 or m.frequency_months < 1 or m.revalidation_days < 1:
                raise BadInput(
                    f"tier {name!r}: the outcome window may not be negative (0: outcomes count "
                    "at once), the frequency and the revalidation period must be at least 1"
                )
        comparison: dict[str, ComparisonRule] = {}
        checks = set(asdict(ComparisonRule()))
        for name, rule in dict(data.get("comparison") or {}).items():
            unknown_keys = set(rule) - checks
            if unknown_keys:
                raise BadInput(
                    f"unknown comparison settings for tier {name!r}: "
                    + ", ".join(sorted(unknown_keys))
                )
            merged_rule = {**asdict(ComparisonRule()), **dict(rule)}
            merged_rule["required"] = tuple(merged_rule["required"])
            bad = [c for c in merged_rule["required"] if c not in COMPARISON_CHECKS]
            if bad:
                raise BadInput(
                    f"tier {name!r} requires unknown comparison check {bad[0]!r}",
                    hint=f"checks are: {', '.join(COMPARISON_CHECKS)}",
                )
            comparison[name] = ComparisonRule(**merged_rule)
        return Policy(
            fairness=_fairness_rule(data.get("fairness")),
            monitoring=monitoring,
            comparison=comparison,
            owner_may_approve=bool(merged["owner_may_approve"]),
            registrant_may_approve=bool(merged["registrant_may_approve"]),
            one_role_per_person=bool(merged["one_role_per_person"]),
            blocking_severities=tuple(merged["blocking_severities"]),
            production_envs=tuple(merged["production_envs"]),
            permissions=permissions,
            tiers=tiers,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"the policy is malformed: {exc}") from exc


def load_file(path: Path) -> Policy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInput(f"no policy file at {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"the policy file {path} is not valid TOML: {exc}") from exc
    return from_dict(data)


#: Roles whose enrolment needs a second administrator once the registry has two (dual
#: control): one administrator cannot enrol a second identity of their own to approve with.
DUAL_CONTROL = ("administrator", "approver", "validator")
