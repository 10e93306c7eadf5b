"""govern's documents: the model card, the validation report, coverage and release.

``build_card`` and ``build_validation_report`` return a ``Document`` (``.markdown``, ``.html``,
``.json()``, ``.write(path)``). The other entry points live in their modules, named as the
commands are: ``coverage.coverage`` (and the regulation packs), ``narrative.record``,
``release.release`` and ``release.check``.
"""

from govern.documents.card import build_card
from govern.documents.coverage import Coverage
from govern.documents.release import Release
from govern.documents.validation import build_validation_report
from govern.presentation import Document

__all__ = ["Coverage", "Document", "Release", "build_card", "build_validation_report"]
