"""Explain a model's scores and decisions: SHAP contributions, fidelity, reason codes.

The public API; docs/explain.md shows it in use. `shap` is imported only when a method needs it.
This package returns data and renders nothing: the reports are documents
(``govern.documents.explanation``).
"""

from govern._moved import moved as _moved
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
    "default_reason_table",
    "explain",
    "explain_decision",
    "load_reason_table",
    "parse_reason_table",
    "select_reasons",
]

__getattr__ = _moved(
    __name__,
    {
        "Report": "govern.presentation:Document",
        "decision_report": "govern.documents.explanation:decision_report",
        "global_report": "govern.documents.explanation:global_report",
    },
)
