"""Receipts: one entry's offline proof of logging (C2SP tlog-proof, https://c2sp.org/tlog-proof).

A tlog-proof is, line by line::

    c2sp.org/tlog-proof@v1
    extra <base64 of opaque extra data>      (optional)
    index <entry index, decimal, no leading zeros>
    <base64 inclusion proof hash>            (zero or more, leaf's sibling first, RFC 9162 PATH)
                                             (an empty line)
    <the signed checkpoint, verbatim>        (C2SP tlog-checkpoint)

A govern receipt file is a tlog-proof whose ``extra`` line carries the entry's exact bytes
(base64 of its RFC 8785 serialization), so the one file holds the entry, its inclusion proof and
the signed checkpoint, and verifies offline with nothing but the log's verifier key. The extra data
is not trusted: the entry counts only because its leaf hash, SHA-256(0x00 || bytes), is proven to
be at ``index`` in the tree the checkpoint signs. Any other tlog-proof reader (such as
transparency-dev/formats' ``proof`` package) reads a govern receipt as it is; note that Go's
bufio-based readers stop at lines over 64 KiB, about 48 KiB of entry.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from govern.errors import BadInput, CheckpointInvalid, ProofInvalid
from govern.ledger.checkpoint import Checkpoint, open_checkpoint
from govern.ledger.note import Verifier

HEADER = "c2sp.org/tlog-proof@v1"
HASH_SIZE = 32
# A tree of at most 2^64 - 1 leaves has inclusion proofs of at most 64 hashes.
MAX_PROOF_HASHES = 64
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class TlogProof:
    """A parsed c2sp.org/tlog-proof@v1: nothing in it is verified yet."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None


@dataclass(frozen=True)
class Receipt:
    """A verified receipt: the entry's bytes, its index and the checkpoint that includes it."""

    entry: bytes
    index: int
    checkpoint: Checkpoint


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """Decode standard base64, accepting only its canonical form."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if _b64(raw) == text else None


def format_proof(
    index: int, proof: Sequence[bytes], checkpoint_note: str, extra: bytes | None = None
) -> str:
    """Write a c2sp.org/tlog-proof@v1 for the entry at ``index``."""
    if index < 0:
        raise BadInput(f"an entry index cannot be negative ({index})")
    if any(len(h) != HASH_SIZE for h in proof) or len(proof) > MAX_PROOF_HASHES:
        raise BadInput("an inclusion proof is at most 64 hashes of 32 bytes each")
    if not checkpoint_note.endswith("\n"):
        raise BadInput("the signed checkpoint must end with a newline")
    lines = [HEADER]
    if extra is not None:
        lines.append(f"extra {_b64(extra)}")
    lines.append(f"index {index}")
    lines.extend(_b64(h) for h in proof)
    return "".join(line + "\n" for line in lines) + "\n" + checkpoint_note


def format_receipt(entry: bytes, index: int, proof: Sequence[bytes], checkpoint_note: str) -> str:
    """Write a govern receipt: a tlog-proof carrying the entry's bytes as its extra data."""
    return format_proof(index, proof, checkpoint_note, extra=entry)


def _malformed(problem: str) -> CheckpointInvalid:
    return CheckpointInvalid(
        f"the receipt is not a valid {HEADER} file: {problem}",
        hint="the file was truncated, re-encoded or edited; export the receipt again",
    )


def parse_proof(text: str | bytes) -> TlogProof:
    """Parse a c2sp.org/tlog-proof@v1 strictly; raise CheckpointInvalid. Verifies nothing."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed("it is not UTF-8 text") from exc
    head, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise _malformed("there is no empty line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise _malformed(f"the first line is not {HEADER!r}")
    pos = 1
    extra = None
    if pos < len(lines) and lines[pos].startswith("extra "):
        extra = _b64decode(lines[pos][len("extra ") :])
        if extra is None:
            raise _malformed("the extra data is not base64")
        pos += 1
    if pos >= len(lines) or not lines[pos].startswith("index "):
        raise _malformed("the 'index N' line is missing")
    index_text = lines[pos][len("index ") :]
    if not _DECIMAL.fullmatch(index_text) or int(index_text) > 2**64 - 2:
        raise _malformed(f"the index {index_text!r} is not a decimal without leading zeros")
    hash_lines = lines[pos + 1 :]
    if len(hash_lines) > MAX_PROOF_HASHES:
        raise _malformed(f"the inclusion proof has more than {MAX_PROOF_HASHES} hashes")
    proof = []
    for number, line in enumerate(hash_lines, start=1):
        digest = _b64decode(line)
        if digest is None or len(digest) != HASH_SIZE:
            raise _malformed(f"inclusion proof line {number} is not the base64 of 32 bytes")
        proof.append(digest)
    if not checkpoint:
        raise _malformed("the checkpoint is missing")
    return TlogProof(int(index_text), tuple(proof), checkpoint, extra)


def verify_receipt(
    text: str | bytes, entry_bytes: bytes, verifier: Verifier, origin: str | None = None
) -> Checkpoint:
    """Check that ``entry_bytes`` is in the log, per the receipt; return its checkpoint.

    Opens the receipt's checkpoint with the log's verifier key (and origin, if given) and checks
    the inclusion proof (RFC 9162 2.1.3.2) of leaf hash SHA-256(0x00 || entry_bytes). If the
    receipt carries extra data, it must be those same bytes. Raises CheckpointInvalid for a
    malformed receipt or a checkpoint that does not verify, ProofInvalid when the proof fails.
    """
    from govern.ledger import merkle

    parsed = parse_proof(text)
    cp = open_checkpoint(parsed.checkpoint, verifier, origin)
    if parsed.extra is not None and parsed.extra != entry_bytes:
        raise ProofInvalid(
            f"the receipt is for a different entry than the one given (index {parsed.index})",
            hint="compare the entry you hold with the one the receipt was exported for",
        )
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(entry_bytes), parsed.index, cp.size, parsed.proof, cp.root
        )
    except ProofInvalid as exc:
        raise ProofInvalid(
            f"the receipt does not prove that this entry is in the log {cp.origin!r} at size "
            f"{cp.size}: {exc.message}",
            hint="the entry or the proof was changed after the receipt was exported",
        ) from exc
    return cp


def open_receipt(text: str | bytes, verifier: Verifier, origin: str | None = None) -> Receipt:
    """Verify a govern receipt file (entry bytes in its extra line); return what it proves."""
    parsed = parse_proof(text)
    if parsed.extra is None:
        raise CheckpointInvalid(
            "the receipt does not carry the entry (no 'extra' line)",
            hint="verify it together with the entry's bytes, or export the receipt from govern",
        )
    cp = verify_receipt(text, parsed.extra, verifier, origin)
    return Receipt(entry=parsed.extra, index=parsed.index, checkpoint=cp)
