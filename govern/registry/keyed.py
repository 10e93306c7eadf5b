"""Files keyed by prediction id, joined to the logged decisions: realised outcomes
(``outcomes.py``) and designated groups (``groups.py``). Both are read and checked
the same way before anything is stored: every column present, one row per id, every id logged."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from govern.errors import BadInput
from govern.ledger.entry import read_envelope
from govern.records import PredictionLogged
from govern.registry import tables

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["KeyedFile", "logged", "read_keyed"]


@dataclass(frozen=True)
class KeyedFile:
    frame: pd.DataFrame
    source: str  # the file's name, or "pandas.DataFrame"
    sha256: str
    ids: list[str]  # the id column as text, in file order
    rows: dict[str, int]  # id -> its row number, from 1
    logged: dict[str, tuple[int, str]]  # id -> (seq, model) of its logged prediction


def logged(reg: Registry, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """id -> (seq, model) of the logged prediction carrying it, each entry's bytes checked."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for entry in reg.ledger.checked_subjects(chunk, kind=PredictionLogged.KIND):
            scanned = PredictionLogged.scan(read_envelope(entry.body, entry.seq).payload_json)
            found[scanned.id] = (entry.seq, scanned.model)
    return found


def read_keyed(
    reg: Registry,
    data: Path | pd.DataFrame,
    *,
    id_col: str,
    columns: Sequence[str],
    what: str,
    gives: str,
) -> KeyedFile:
    """Read ``data`` and check it: ``id_col`` and ``columns`` present, rows, one row per id
    (``gives`` says what a row gives, in the message), every id a logged prediction
    (BadInput naming the first problem; nothing is stored by the caller then)."""
    if isinstance(data, pd.DataFrame):
        frame, source = data, "pandas.DataFrame"
        digest = hashlib.sha256(tables.frame_to_parquet_bytes(data)).hexdigest()
    else:
        path = Path(data)
        frame = tables.read_table(path)
        source = path.name
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    absent = [c for c in [id_col, *columns] if c not in frame.columns]
    if absent:
        raise BadInput(
            f"the {what} has no column {tables.name_list(absent)}",
            hint=f"its columns are: {tables.name_list([str(c) for c in frame.columns])}",
        )
    if frame.empty:
        raise BadInput(f"the {what} holds no rows")
    if frame[id_col].isna().any():
        raise BadInput(f"row {int(frame[id_col].isna().to_numpy().argmax()) + 1}: no id")
    ids = [str(v) for v in frame[id_col]]
    rows: dict[str, int] = {}
    for i, pid in enumerate(ids, start=1):
        if pid in rows:
            raise BadInput(
                f"rows {rows[pid]} and {i} both give {gives} for prediction {pid!r}",
                hint="one row per id and file; a correction goes in a later file",
            )
        rows[pid] = i
    found = logged(reg, ids)
    missing = [pid for pid in ids if pid not in found]
    if missing:
        raise BadInput(
            f"{len(missing)} ids were never logged, the first {missing[0]!r} (row "
            f"{rows[missing[0]]})",
            hint=f"a {what} joins to decisions by the id they were logged with "
            "(`govern score --id-col`)",
        )
    return KeyedFile(frame, source, digest, ids, rows, found)
