"""The ledger's tables, as SQLModel models (LEDGER.md, "Merkle tree" and "Append-only").

- ``ledger_entries``: one row per entry: the verbatim bytes, the leaf hash, and indexed columns
  that verification checks against the bytes. ``seq`` is written by the appender, never by a
  database sequence.
- ``ledger_nodes``: hashes of complete (perfect, aligned) subtrees of level >= 1; leaves live in
  ``ledger_entries.leaf``. About one node per leaf, so a proof at any size is O(log n) reads.
- ``ledger_head``: one row: size, root, chain tip, frontier, last timestamp. Appends lock it.
- ``ledger_checkpoints``: every signed checkpoint, append-only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel


class EntryRow(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_kind_seq", "kind", "seq"),)

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(sa_column=Column(String(128), nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(String(256), index=True))
    ts: str = Field(sa_column=Column(String(27), nullable=False))
    actor: str = Field(sa_column=Column(String(256), nullable=False))
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class NodeRow(SQLModel, table=True):
    __tablename__ = "ledger_nodes"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    level: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


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


LEDGER_TABLES = [
    EntryRow.__table__,  # type: ignore[attr-defined]
    NodeRow.__table__,  # type: ignore[attr-defined]
    HeadRow.__table__,  # type: ignore[attr-defined]
    CheckpointRow.__table__,  # type: ignore[attr-defined]
]
