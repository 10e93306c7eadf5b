"""Many payloads at once: canonical payload bytes that differ only in some string fields.

Logging a batch of predictions writes tens of thousands of payloads that share every field but a
few strings (an id, a score as a decimal string, a commitment). ``PayloadTemplate``
canonicalizes the shared payload once, with a marker string where each varying field goes, and
fills the markers with each entry's values: the static parts are RFC 8785 bytes (docs/ledger-
format.md, "Entries"), and a slot filled with a string's canonical body is a canonical string,
so every filled payload is exactly what ``jcs.canonicalize`` would give for it.
``Ledger.prepare_many`` checks the first one against the encoder on every call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from govern.ledger import jcs

__all__ = ["PayloadTemplate", "string_bodies"]

# Text that is its own JSON string body: printable ASCII without '"' and '\' (RFC 8785 3.2.2.2).
_PLAIN_LINES = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e\n]*")


def string_bodies(values: Sequence[str]) -> list[bytes]:
    """What goes between the quotes of each value's RFC 8785 string; plain ASCII text (most
    ids) is its own body and skips the encoder."""
    if not values:
        return []
    joined = "\n".join(values)
    if _PLAIN_LINES.fullmatch(joined) and joined.count("\n") == len(values) - 1:
        return joined.encode("ascii").split(b"\n")
    return [jcs.canonicalize(v)[1:-1] for v in values]


class PayloadTemplate:
    """The canonical bytes of ``payload`` with a slot for each marker string in ``slots``.

    Each marker must occur exactly once in the payload, as a string value. ``fill`` takes one
    column of string bodies per slot, in the order the slots' markers appear in the canonical
    bytes (RFC 8785 key order), and returns one payload's bytes per row.
    """

    def __init__(self, payload: dict[str, Any], slots: Sequence[str]) -> None:
        text = jcs.canonicalize(payload).replace(b"%", b"%%")
        positions = []
        for slot in slots:
            marker = jcs.canonicalize(slot)
            if text.count(marker) != 1:
                raise ValueError(f"template slot {slot!r} is not in the payload exactly once")
            positions.append((text.index(marker), slot))
            text = text.replace(marker, b'"%b"')
        self.slots = tuple(slot for _pos, slot in sorted(positions))
        self._text = text

    def fill(self, columns: Sequence[Sequence[bytes]]) -> list[bytes]:
        """One payload per row; ``columns`` in ``self.slots`` order, each of string bodies."""
        if len(columns) != len(self.slots):
            raise ValueError(f"{len(columns)} columns for {len(self.slots)} template slots")
        text = self._text
        return [text % values for values in zip(*columns, strict=True)]
