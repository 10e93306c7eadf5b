"""Checkpoints: signed tree heads (C2SP tlog-checkpoint, https://c2sp.org/tlog-checkpoint).

A checkpoint is a signed note (``govern.ledger.note``, C2SP signed-note) whose text is::

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 of the 32-byte RFC 9162 root hash>
    [extension lines, each non-empty]

The origin names the log (chosen at ``govern init``); the log signs with its Ed25519 key, whose
name should be the origin. Parsing is strict: anything the spec does not allow is refused, and
base64 must be canonical so that no byte of a signed checkpoint can change unnoticed. Tree sizes
are limited to RFC 9162's uint64.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from govern.errors import BadInput, CheckpointInvalid
from govern.ledger.note import Signer, Verifier, open_note, sign_note, split_note

HASH_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _has_control(line: str) -> bool:
    return any(ord(ch) < 0x20 for ch in line)


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: its origin, size (number of entries) and root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or _has_control(self.origin):
            raise BadInput("a checkpoint origin must be a non-empty line of text")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise BadInput(f"a tree size must be between 0 and 2^64-1, not {self.size}")
        if len(self.root) != HASH_SIZE:
            raise BadInput(f"a root hash has {HASH_SIZE} bytes, not {len(self.root)}")
        for ext in self.extensions:
            if not ext or _has_control(ext):
                raise BadInput("checkpoint extension lines must be non-empty lines of text")

    def body(self) -> str:
        """The checkpoint's note text: the bytes that the log's signature covers."""
        root64 = base64.b64encode(self.root).decode("ascii")
        lines = [self.origin, str(self.size), root64, *self.extensions]
        return "".join(line + "\n" for line in lines)


def _invalid(problem: str) -> CheckpointInvalid:
    return CheckpointInvalid(
        f"the checkpoint is malformed: {problem}",
        hint="the file was truncated, re-encoded or edited; get an unmodified copy",
    )


def parse_checkpoint_body(text: str) -> Checkpoint:
    """Parse a checkpoint's note text (tlog-checkpoint, "Note text"); raise CheckpointInvalid."""
    if not text.endswith("\n"):
        raise _invalid("the text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _invalid("it needs at least three lines: origin, tree size and root hash")
    origin, size_line, root_line, *extensions = lines
    if not origin:
        raise _invalid("the origin line is empty")
    if not _DECIMAL.fullmatch(size_line) or int(size_line) > MAX_TREE_SIZE:
        raise _invalid(f"the tree size {size_line!r} is not a decimal number without leading zeros")
    try:
        root = base64.b64decode(root_line, validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != root_line:
        raise _invalid(f"the root hash {root_line!r} is not the base64 of 32 bytes")
    if any(not ext for ext in extensions):
        raise _invalid("an extension line is empty")
    if _has_control(text.replace("\n", "")):
        raise _invalid("it contains a control character")
    return Checkpoint(origin, int(size_line), root, tuple(extensions))


def sign_checkpoint(cp: Checkpoint, signer: Signer) -> str:
    """Sign ``cp`` with the log's key; return the signed checkpoint (a signed note)."""
    return sign_note(cp.body(), signer)


def open_checkpoint(
    note_text: str | bytes, verifier: Verifier, expected_origin: str | None = None
) -> Checkpoint:
    """Check a signed checkpoint against the log's verifier key and origin; return it.

    Raises CheckpointInvalid if the text is corrupt, comes from another log, is signed by a
    different key, or its signature does not verify.
    """
    unverified_text, _ = split_note(note_text, "checkpoint")
    cp = parse_checkpoint_body(unverified_text)
    # The origin is read before the signature is checked only to say which log the file is
    # from; nothing in it is trusted unless the signature verifies below.
    if expected_origin is not None and cp.origin != expected_origin:
        raise CheckpointInvalid(
            f"this checkpoint is from log {cp.origin!r}, not {expected_origin!r}",
            hint="use a checkpoint that this log signed",
        )
    verified_text, _sigs = open_note(note_text, [verifier], what="checkpoint")
    return parse_checkpoint_body(verified_text)
