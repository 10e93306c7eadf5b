"""Ledger entries: the exact bytes of one event (docs/ledger-format.md, "Entries").

An entry is the RFC 8785 serialization of
``{"v": 1, "log": origin, "seq": int, "kind": str, "ts": RFC 3339, "actor": str, "prev": hex,
"payload": {...}}``. RFC 8785 orders keys by UTF-16 code units, which for these ASCII names is
``actor, kind, log, payload, prev, seq, ts, v``. The payload is canonicalized once, outside the
append lock, and the envelope is assembled around it under the lock: concatenating canonical
pieces in canonical key order is itself canonical, so no second serialization is needed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from govern.errors import BadInput, EntryCorrupt, IndexMismatch
from govern.ledger import jcs

VERSION = 1
ZERO_HASH = "0" * 64
KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# RFC 3339 in UTC with exactly six fractional digits: fixed width, so text order is time order.
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_TAIL_RE = re.compile(
    rb',"prev":"([0-9a-f]{64})","seq":(0|[1-9][0-9]*),"ts":"([0-9T:.Z-]{27})","v":1}\Z'
)
_HEAD_RE = re.compile(
    rb'\A\{"actor":("(?:[^"\\]|\\.)*"),"kind":("(?:[^"\\]|\\.)*"),"log":("(?:[^"\\]|\\.)*"),'
    rb'"payload":'
)


def format_ts(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds and a Z, as entries carry it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_ts() -> str:
    return format_ts(datetime.now(UTC))


def parse_ts(text: str) -> datetime:
    if not TS_RE.match(text):
        raise BadInput(f"{text!r} is not a ledger timestamp (RFC 3339 UTC with microseconds, Z)")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class PreparedEntry:
    """An entry whose payload is already canonical, waiting for its place in the log."""

    kind: str
    actor: str
    payload_json: bytes
    subject: str | None = None
    _head_json: bytes = field(default=b"", repr=False)


def prepare(kind: str, payload: dict[str, Any], actor: str, *, origin: str) -> PreparedEntry:
    """Check and canonicalize an entry's parts (the costly step, done outside the lock).

    The payload's top-level ``subject`` (a string, such as a prediction id) is indexed.
    """
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise BadInput(
            f"entry kind {kind!r} is not a dotted lower-case name such as 'model.registered'"
        )
    if not isinstance(actor, str) or not actor:
        raise BadInput("every entry needs an actor: the name of the person or service writing it")
    if not isinstance(payload, dict):
        raise BadInput(f"an entry payload must be a JSON object, not {type(payload).__name__}")
    subject = payload.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise BadInput("the payload's 'subject' must be a string (it is indexed for look-ups)")
    return PreparedEntry(
        kind, actor, jcs.canonicalize(payload), subject, envelope_head(kind, actor, origin)
    )


@lru_cache(maxsize=4096)
def envelope_head(kind: str, actor: str, origin: str) -> bytes:
    """The canonical bytes before the payload; few (kind, actor) pairs recur, so cache them."""
    return (
        b'{"actor":'
        + jcs.canonicalize(actor)
        + b',"kind":'
        + jcs.canonicalize(kind)
        + b',"log":'
        + jcs.canonicalize(origin)
        + b',"payload":'
    )


# An entry's bytes from its parts: BODY % (head, payload, prev hex, seq, ts_tail(ts)). The
# appender formats this directly, with the tail made once per batch.
BODY = b'%b%b,"prev":"%b","seq":%d%b'


def ts_tail(ts: str) -> bytes:
    """The canonical bytes after ``seq``: the timestamp and the version, closing the object."""
    return b',"ts":"' + ts.encode("ascii") + b'","v":1}'


def assemble(prepared: PreparedEntry, seq: int, ts: str, prev_hex: str) -> bytes:
    """The entry's bytes at its position: the prepared parts plus seq, ts and prev."""
    return BODY % (
        prepared._head_json,
        prepared.payload_json,
        prev_hex.encode("ascii"),
        seq,
        ts_tail(ts),
    )


@dataclass(frozen=True)
class Entry:
    """One stored entry, its bytes and its leaf hash."""

    seq: int
    kind: str
    ts: str
    actor: str
    subject: str | None
    leaf: bytes
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        obj = decode(self.body, self.seq)
        payload: dict[str, Any] = obj["payload"]
        return payload

    @property
    def prev(self) -> str:
        prev: str = decode(self.body, self.seq)["prev"]
        return prev

    def as_dict(self) -> dict[str, Any]:
        obj = decode(self.body, self.seq)
        return {
            "seq": self.seq,
            "kind": self.kind,
            "ts": self.ts,
            "actor": self.actor,
            "subject": self.subject,
            "leaf_hash": self.leaf.hex(),
            "prev": obj["prev"],
            "log": obj["log"],
            "payload": obj["payload"],
        }


def decode(body: bytes, seq: int | None = None) -> dict[str, Any]:
    """Parse an entry's bytes strictly; a malformed entry is corruption, named by seq."""
    try:
        obj = jcs.loads_strict(body)
    except BadInput as exc:
        raise EntryCorrupt(f"entry {seq} is not valid JSON: {exc}", seq=seq) from exc
    if not isinstance(obj, dict) or set(obj) != {
        "v",
        "log",
        "seq",
        "kind",
        "ts",
        "actor",
        "prev",
        "payload",
    }:
        raise EntryCorrupt(f"entry {seq} does not have the fields of a ledger entry", seq=seq)
    return obj


@dataclass(frozen=True)
class Envelope:
    """The envelope fields of an entry, read from its bytes without parsing the payload."""

    actor: str
    kind: str
    log: str
    prev: str
    seq: int
    ts: str
    payload_json: bytes


def _unquote(token: bytes) -> str:
    if b"\\" not in token:
        return token[1:-1].decode("utf-8")
    value: str = json.loads(token)
    return value


def read_envelope(body: bytes, seq: int | None = None) -> Envelope:
    """Split canonical entry bytes into envelope fields and the payload's bytes.

    Verification runs this over every entry, so it reads the fixed-shape head and tail of the
    canonical form with two anchored patterns instead of parsing the whole object.
    """
    head = _HEAD_RE.match(body)
    tail = _TAIL_RE.search(body)
    if head is None or tail is None or tail.start() < head.end():
        raise EntryCorrupt(f"entry {seq} is not a canonical ledger entry", seq=seq)
    try:
        return Envelope(
            actor=_unquote(head.group(1)),
            kind=_unquote(head.group(2)),
            log=_unquote(head.group(3)),
            prev=tail.group(1).decode("ascii"),
            seq=int(tail.group(2)),
            ts=tail.group(3).decode("ascii"),
            payload_json=body[head.end() : tail.start()],
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise EntryCorrupt(f"entry {seq} has an unreadable field: {exc}", seq=seq) from exc


_SUBJECT = b'"subject":'


def payload_subject(payload_json: bytes, seq: int) -> str | None:
    """The payload's top-level ``subject``, read from its bytes (what the column must hold)."""
    if _SUBJECT not in payload_json:
        return None
    try:
        payload = orjson.loads(payload_json)
    except orjson.JSONDecodeError as exc:
        raise EntryCorrupt(f"entry {seq}'s payload is not valid JSON", seq=seq) from exc
    subject = payload.get("subject") if isinstance(payload, dict) else None
    return subject if isinstance(subject, str) else None


_VERIFY_HINT = "run `govern verify` to see the whole damage, and restore the log from a backup"


def check_entry(entry: Entry, origin: str) -> Entry:
    """The entry, if its bytes are its own: they hash to its stored leaf hash, their envelope is
    the one its indexed columns name (log, position, kind, time, actor), and the payload's
    subject is the column's. Gates read every entry they rely on through this
    (docs/ledger-format.md, "What a gate checks"); the codes are verify's: EntryCorrupt for
    altered bytes, IndexMismatch for columns that disagree with them."""
    seq = entry.seq
    if hashlib.sha256(b"\x00" + entry.body).digest() != entry.leaf:
        raise EntryCorrupt(
            f"entry {seq} has been altered: its bytes do not hash to its stored leaf hash",
            seq=seq,
            hint=_VERIFY_HINT,
        )
    env = read_envelope(entry.body, seq)
    if env.log != origin or env.seq != seq:
        raise EntryCorrupt(
            f"entry {seq}'s bytes belong to another position or log ({env.log} entry {env.seq})",
            seq=seq,
            hint=_VERIFY_HINT,
        )
    if (env.kind, env.ts, env.actor) != (entry.kind, entry.ts, entry.actor) or (
        payload_subject(env.payload_json, seq) != entry.subject
    ):
        raise IndexMismatch(
            f"entry {seq}'s indexed columns (kind, time, actor, subject) disagree with its bytes",
            seq=seq,
            hint=_VERIFY_HINT,
        )
    return entry


def payload_bytes(body: bytes) -> bytes:
    """The payload's bytes of a canonical entry, by slicing: the payload follows the first
    ``,"payload":`` and ends at the last ``,"prev":"`` (a quote inside a JSON string is escaped,
    so neither can occur inside the actor, kind, log or payload). For bulk readers of entries
    already verified or checked; ``read_envelope`` checks the whole shape."""
    return body[body.index(b',"payload":') + 11 : body.rindex(b',"prev":"')]
