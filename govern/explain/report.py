"""Moved: the explanation reports are documents (``govern.documents.explanation``, figures in
``govern.documents.plots``, the Document and formatter in ``govern.presentation``). The old
names work for one release with a DeprecationWarning (docs/python-api.md, "Moved names")."""

from govern._moved import moved

__getattr__ = moved(
    __name__,
    {
        "Report": "govern.presentation:Document",
        "global_report": "govern.documents.explanation:global_report",
        "decision_report": "govern.documents.explanation:decision_report",
        "REQUIREMENTS": "govern.documents.explanation:REQUIREMENTS",
        "FORMAT": "govern.documents.explanation:FORMAT",
        "DIGEST_KEYS": "govern.documents.explanation:DIGEST_KEYS",
        "DPI": "govern.documents.plots:DPI",
        "NOT_RECORDED": "govern.presentation:NOT_RECORDED",
        "fmt": "govern.presentation:fmt",
    },
)
