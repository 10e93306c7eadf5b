"""govern: model governance on a tamper-evident ledger.

The public API: open or create a ledger, verify it, and the error tree callers catch.
"""

from govern._version import __version__
from govern.errors import GovernError
from govern.ledger import Ledger, open_ledger, verify_ledger

__all__ = ["GovernError", "Ledger", "__version__", "open_ledger", "verify_ledger"]
