"""govern: model governance on a tamper-evident ledger.

The public API: open or create a ledger, verify it, and the error tree callers catch. The ledger
names are loaded when first used (PEP 562), so `import govern` and the CLI's start-up load no
database driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govern._version import __version__
from govern.errors import GovernError

if TYPE_CHECKING:
    from govern.ledger import Ledger, open_ledger, verify_ledger

__all__ = ["GovernError", "Ledger", "__version__", "open_ledger", "verify_ledger"]

_LEDGER = ("Ledger", "open_ledger", "verify_ledger")


def __getattr__(name: str) -> Any:
    if name in _LEDGER:
        from govern import ledger

        return getattr(ledger, name)
    raise AttributeError(f"module 'govern' has no attribute {name!r}")
