"""The governance policy: what counts as an approval, and when a model may be used.

Sensible defaults are built in (SR 11-7 section VI / SR 26-2: independent validation scaled to
materiality, segregation of duties, periodic review). A bank records its own with
``govern policy set FILE`` (TOML); the policy in force is the latest one recorded.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govern.errors import BadInput

TIERS = ("high", "medium", "low")
ROLES = ("validator", "approver")


@dataclass(frozen=True)
class TierRule:
    """What a risk tier demands."""

    requires: tuple[str, ...]  # the roles whose sign-off makes a version approved
    revalidation_months: int  # how long an approval lasts without an explicit expiry


@dataclass(frozen=True)
class Policy:
    owner_may_approve: bool = False
    registrant_may_approve: bool = False
    one_role_per_person: bool = True
    blocking_severities: tuple[str, ...] = ("high",)
    production_envs: tuple[str, ...] = ("production",)
    tiers: dict[str, TierRule] = field(
        default_factory=lambda: {
            "high": TierRule(("validator", "approver"), 12),
            "medium": TierRule(("validator", "approver"), 24),
            "low": TierRule(("approver",), 36),
        }
    )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocking_severities"] = list(self.blocking_severities)
        data["production_envs"] = list(self.production_envs)
        data["tiers"] = {
            k: {"requires": list(v.requires), "revalidation_months": v.revalidation_months}
            for k, v in self.tiers.items()
        }
        return data

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
        return Policy(
            owner_may_approve=bool(merged["owner_may_approve"]),
            registrant_may_approve=bool(merged["registrant_may_approve"]),
            one_role_per_person=bool(merged["one_role_per_person"]),
            blocking_severities=tuple(merged["blocking_severities"]),
            production_envs=tuple(merged["production_envs"]),
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
