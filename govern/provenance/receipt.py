"""Receipts: a prediction's entry, its inclusion proof and a signed checkpoint, in one file.

The file is a C2SP tlog-proof (``govern.ledger.receipt.format_receipt``; docs/receipts.md) and
verifies offline with the log's verifier key alone (examples/verify_receipt.py). The checkpoint
is the latest one the log kept, if it covers the entry; otherwise a fresh one is signed with the
log key, when one is at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from govern.errors import NoCheckpoint
from govern.ledger.checkpoint import Checkpoint
from govern.ledger.note import Signer
from govern.ledger.receipt import format_receipt, open_receipt
from govern.provenance.events import events, logged_entry

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["Covering", "covering_checkpoint", "receipt"]


@dataclass(frozen=True)
class Covering:
    """A signed checkpoint whose tree includes a given entry."""

    note: str
    checkpoint: Checkpoint
    signed_now: bool


def covering_checkpoint(reg: Registry, seq: int, key: Signer | None) -> Covering:
    """The latest kept checkpoint if it covers entry ``seq``, else a fresh one signed with
    ``key``; NoCheckpoint when neither is possible."""
    ledger = reg.ledger
    note = ledger.latest_checkpoint()
    if note is not None:
        cp = ledger.open_checkpoint(note)
        if cp.size > seq:
            return Covering(note, cp, False)
    if key is None:
        covered = (
            "no checkpoint has been signed yet"
            if note is None
            else (f"the latest checkpoint (size {cp.size}) was signed before it")
        )
        raise NoCheckpoint(
            f"no signed checkpoint covers entry {seq} yet ({covered}), and no log key is at "
            "hand to sign one",
            hint="sign one with `govern checkpoint` (or pass --key with the log key)",
        )
    note = ledger.sign_checkpoint(key)
    return Covering(note, ledger.open_checkpoint(note), True)


def receipt(reg: Registry, prediction_id: str, *, key: Signer | None = None) -> str:
    """The receipt of a logged prediction, checked before it is returned."""
    entry = logged_entry(events(reg, prediction_id), prediction_id)
    covering = covering_checkpoint(reg, entry.seq, key)
    proof = reg.ledger.inclusion_proof(entry.seq, covering.checkpoint.size)
    text = format_receipt(entry.body, entry.seq, proof, covering.note)
    open_receipt(text, reg.ledger.verifier, reg.origin)
    return text
