"""The record base class, the kind table and ``read``: from a ledger entry to its typed record.

Every entry kind govern writes is one frozen dataclass here (docs/records.md lists them). Its
field names are the payload's keys; ``to_payload`` gives exactly the JSON value the entry holds,
so a record read from an entry and written again has the same canonical bytes. ``to_statement``
is what a person signs: the payload without its ``signature``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Self, TypeVar

from govern.errors import EntryMalformed
from govern.ledger import Entry
from govern.records._codec import JSON, JSONObject, from_json, to_json

KINDS: dict[str, type[Record]] = {}
#: What every reader of the ledger says of evidence it does not hold (documents print it).
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Record:
    """A typed ledger payload. Subclasses are frozen dataclasses named by ``kind=...``."""

    KIND: ClassVar[str]
    #: The SSHSIG namespace purpose its author signs in (``PURPOSE@<origin host>``); None for a
    #: record no person signs (the log's own entries).
    PURPOSE: ClassVar[str | None] = None
    #: What the policy must allow the author's role to do (``registry/policy.py``).
    ACTION: ClassVar[str | None] = None
    # The optional keys the payload it was read from did not have (see _codec).
    _absent: frozenset[str] = field(default=frozenset(), kw_only=True, repr=False, compare=False)

    def __init_subclass__(
        cls,
        *,
        kind: str | None = None,
        purpose: str | None = None,
        action: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if purpose is not None:
            cls.PURPOSE = purpose
        if action is not None:
            cls.ACTION = action
        if kind is not None:
            if kind in KINDS:
                raise TypeError(f"two record classes for {kind}")  # a bug, at import
            cls.KIND = kind
            KINDS[kind] = cls

    def to_payload(self) -> JSONObject:
        """The payload, as JSON values (the entry's bytes are its RFC 8785 form)."""
        payload: JSONObject = to_json(self)
        return payload

    def to_statement(self) -> JSONObject:
        """What its author signs: the payload without its ``signature``."""
        payload = self.to_payload()
        payload.pop("signature", None)
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, JSON], *, seq: int | None = None) -> Self:
        return from_json(cls, payload, what=cls.KIND, seq=seq)

    @classmethod
    def from_entry(cls, entry: Entry) -> Self:
        """The entry's payload as this record; EntryMalformed if it is another kind or shape."""
        if entry.kind != cls.KIND:
            raise EntryMalformed(
                f"entry {entry.seq} is a {entry.kind} entry, not {cls.KIND}", seq=entry.seq
            )
        return cls.from_payload(entry.payload, seq=entry.seq)


@dataclass(frozen=True)
class UnknownRecord(Record):
    """An entry of a kind govern does not define (the ledger accepts any dotted kind)."""

    kind: str
    payload: Mapping[str, JSON]

    def to_payload(self) -> JSONObject:
        return dict(self.payload)


R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Recorded(Generic[R]):
    """A record and the entry that holds it (its position, time, author and hash)."""

    entry: Entry
    record: R

    @classmethod
    def of(cls, kind: type[R], entry: Entry) -> Recorded[R]:
        return cls(entry, kind.from_entry(entry))

    @property
    def seq(self) -> int:
        return self.entry.seq

    @property
    def ts(self) -> str:
        return self.entry.ts

    @property
    def actor(self) -> str:
        return self.entry.actor

    @property
    def kind(self) -> str:
        return self.entry.kind


def read(entry: Entry) -> Record:
    """The typed record of any entry (``UnknownRecord`` for kinds govern does not define)."""
    cls = KINDS.get(entry.kind)
    if cls is None:
        return UnknownRecord(entry.kind, entry.payload)
    return cls.from_entry(entry)
