"""How long a decision's record must be kept (docs/provenance.md, "Retention").

- Reg B, 12 CFR 1002.12(b): the application and the information used to evaluate it, the
  notice and the reasons, for 25 months after the notice of action (12 for business credit;
  the longer consumer period is used).
- EU AI Act (Regulation 2024/1689) Art. 19(1) and 26(6): automatically generated logs of a
  high-risk system for at least six months.

govern does not know when the notice was sent; it counts from the decision (the prediction's
time), and says so: a notice sent later extends the period by as much.
"""

from __future__ import annotations

from dataclasses import dataclass

from govern.ledger.entry import parse_ts
from govern.registry.dates import add_months

__all__ = ["EU_AI_ACT_MONTHS", "REG_B_MONTHS", "Retention", "retention"]

REG_B_MONTHS = 25
EU_AI_ACT_MONTHS = 6
BASIS = (
    "Reg B 12 CFR 1002.12(b): 25 months after the notice of action; EU AI Act Art. 19(1) and "
    "26(6): logs at least 6 months. Counted from the decision's time: if the notice was sent "
    "later, count from the notice."
)


@dataclass(frozen=True)
class Retention:
    """Dates (YYYY-MM-DD, UTC, inclusive) until which the decision's record must be kept."""

    decided: str
    reg_b_until: str
    eu_ai_act_until: str
    keep_until: str
    basis: str = BASIS

    def in_force(self, today: str) -> bool:
        """True while ``today`` (YYYY-MM-DD) is within the retention period."""
        return today <= self.keep_until


def retention(ts: str) -> Retention:
    """The retention dates of a decision made at ledger time ``ts``."""
    day = parse_ts(ts).date()
    reg_b = add_months(day, REG_B_MONTHS)
    eu = add_months(day, EU_AI_ACT_MONTHS)
    return Retention(
        decided=day.isoformat(),
        reg_b_until=reg_b.isoformat(),
        eu_ai_act_until=eu.isoformat(),
        keep_until=max(reg_b, eu).isoformat(),
    )
