"""The tamper-evident ledger: entries, Merkle tree, proofs, checkpoints, verification.

It knows nothing of models: the registry above it gives it kinds and payloads.
"""

from govern.ledger import merkle
from govern.ledger.checkpoint import Checkpoint
from govern.ledger.db import resolve_url
from govern.ledger.entry import Entry, read_envelope
from govern.ledger.jcs import canonicalize
from govern.ledger.logkey import load_key
from govern.ledger.note import Signer, Verifier
from govern.ledger.receipt import format_receipt, open_receipt
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
    "Signer",
    "Verifier",
    "VerifyReport",
    "canonicalize",
    "format_receipt",
    "load_key",
    "merkle",
    "open_ledger",
    "open_receipt",
    "read_envelope",
    "resolve_url",
    "verify_ledger",
]
