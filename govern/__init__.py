"""govern: model governance on a tamper-evident ledger.

The public API: open or create a ledger, verify it, and the error tree callers catch. The ledger
names are loaded when first used (PEP 562), so `import govern` and the CLI's start-up load no
database driver.
"""

from __future__ import annotations

import typing as _typing

from govern._version import __version__
from govern.errors import GovernError

if _typing.TYPE_CHECKING:
    from govern.ledger import Ledger, open_ledger, verify_ledger

__all__ = ["GovernError", "Ledger", "__version__", "open_ledger", "verify_ledger"]

#: Names served on first use by ``__getattr__`` (docs/architecture.md, "Start-up").
_LAZY = ("Ledger", "open_ledger", "verify_ledger")


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        from govern import ledger

        return getattr(ledger, name)
    raise AttributeError(f"module 'govern' has no attribute {name!r}")
