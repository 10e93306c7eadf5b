"""The ledger's tables, as SQLModel models (docs/ledger-format.md, "Merkle tree" and "Append-only").

- ``ledger_entries``: one row per entry: the verbatim bytes, the leaf hash, and indexed columns
  that verification checks against the bytes. ``seq`` is written by the appender, never by a
  database sequence.
- Subtree hashes: the leaf at ``seq`` completes the perfect subtrees of levels 1..t where t is
  the number of trailing one bits of ``seq``; their hashes are stored with it, in
  ``ledger_entries.nodes`` (lowest level first). So node (level L, index j) lives in row
  ``((j + 1) << L) - 1`` at byte ``32 * (L - 1)``: about one node per leaf, written with the entry
  (no second insert), and any proof is one ``seq IN (...)`` query of O(log n) rows.
- ``ledger_head``: one row: size, root, chain tip, frontier, last timestamp. Appends lock it.
- ``ledger_checkpoints``: every signed checkpoint, append-only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Text, text
from sqlmodel import Field, SQLModel


class EntryRow(SQLModel, table=True):
    __tablename__ = "ledger_entries"

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(sa_column=Column(String(128), nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(String(256), index=True))
    ts: str = Field(sa_column=Column(String(27), nullable=False))
    actor: str = Field(sa_column=Column(String(256), nullable=False))
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Hashes of the perfect subtrees this leaf completes, lowest level first (32 bytes each).
    nodes: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class HeadRow(SQLModel, table=True):
    __tablename__ = "ledger_head"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    origin: str = Field(sa_column=Column(String(256), nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    tip: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    frontier: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    last_ts: str = Field(sa_column=Column(String(27), nullable=False))


class CheckpointRow(SQLModel, table=True):
    __tablename__ = "ledger_checkpoints"

    n: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    ts: str = Field(sa_column=Column(String(27), nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))


#: The one kind written in bulk (a prediction per row scored): kept out of the kind index, so that
#: logging a batch maintains no second index, and found by its subject instead.
BULK_KIND = "prediction.logged"
_entries = EntryRow.__table__  # type: ignore[attr-defined]
_NOT_BULK = text(f"kind <> '{BULK_KIND}'")
# Gates read the governance entries by kind from a position on (registry/trusted.py); a query
# uses this partial index when its WHERE holds the same ``kind <> BULK_KIND`` term.
KIND_INDEX = Index(
    "ix_ledger_entries_kind_seq",
    _entries.c.kind,
    _entries.c.seq,
    sqlite_where=_NOT_BULK,
    postgresql_where=_NOT_BULK,
)

LEDGER_TABLES = [
    EntryRow.__table__,  # type: ignore[attr-defined]
    HeadRow.__table__,  # type: ignore[attr-defined]
    CheckpointRow.__table__,  # type: ignore[attr-defined]
]
