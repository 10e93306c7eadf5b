"""Explain a model's scores and decisions: SHAP contributions, fidelity, reason codes, reports.

The public API; docs/explain.md shows it in use. `shap` is imported only when a method needs it.
"""

from govern.explain.explainers import (
    DEFAULT_TOLERANCE,
    XGBOOST_TOLERANCE,
    DecisionExplanation,
    Explanation,
    Fidelity,
    Method,
    ModelExplainer,
    OutputSpace,
    explain,
    explain_decision,
)
from govern.explain.reasons import (
    REG_B_MAX_REASONS,
    Reason,
    ReasonGroup,
    ReasonRule,
    ReasonTable,
    default_reason_table,
    load_reason_table,
    parse_reason_table,
    select_reasons,
)
from govern.explain.report import Report, decision_report, global_report

__all__ = [
    "DEFAULT_TOLERANCE",
    "REG_B_MAX_REASONS",
    "XGBOOST_TOLERANCE",
    "DecisionExplanation",
    "Explanation",
    "Fidelity",
    "Method",
    "ModelExplainer",
    "OutputSpace",
    "Reason",
    "ReasonGroup",
    "ReasonRule",
    "ReasonTable",
    "Report",
    "decision_report",
    "default_reason_table",
    "explain",
    "explain_decision",
    "global_report",
    "load_reason_table",
    "parse_reason_table",
    "select_reasons",
]
