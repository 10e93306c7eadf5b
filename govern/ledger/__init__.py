"""The tamper-evident ledger: entries, Merkle tree, proofs, checkpoints, verification.

It knows nothing of models: the registry above it gives it kinds and payloads.
"""

from govern.ledger.checkpoint import Checkpoint
from govern.ledger.db import resolve_url
from govern.ledger.entry import Entry
from govern.ledger.store import Appended, Head, Ledger
from govern.ledger.verify import VerifyReport, verify_ledger


def open_ledger(db: str | None = None, *, readonly: bool = False) -> Ledger:
    """Open the ledger at ``db`` (a path or URL), ``GOVERN_DB``, or ./registry.db."""
    return Ledger.open(resolve_url(db), readonly=readonly)


__all__ = [
    "Appended",
    "Checkpoint",
    "Entry",
    "Head",
    "Ledger",
    "VerifyReport",
    "open_ledger",
    "resolve_url",
    "verify_ledger",
]
