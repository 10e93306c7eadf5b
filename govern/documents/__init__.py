"""govern's documents: the model card, the validation report, coverage and release.

``build_card``, ``build_validation_report`` and the explanation reports return a ``Document``
(``.markdown``, ``.html``, ``.json()``, ``.write(path)``); ``coverage_matrix`` checks a version
against a regulation pack. The other entry points live in their modules, named as the commands
are: ``narrative.record``, ``release.release`` and ``release.check``.
"""

from govern.documents.card import build_card
from govern.documents.coverage import Coverage
from govern.documents.coverage import coverage as coverage_matrix
from govern.documents.explanation import decision_report, explain_global, explain_row, global_report
from govern.documents.release import Release
from govern.documents.validation import build_validation_report
from govern.presentation import Document

__all__ = [
    "Coverage",
    "Document",
    "Release",
    "build_card",
    "build_validation_report",
    "coverage_matrix",
    "decision_report",
    "explain_global",
    "explain_row",
    "global_report",
]
