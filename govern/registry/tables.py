"""Reading a dataset into a table, and a table into Parquet bytes (docs/registry.md, "Datasets").

A dataset is a CSV file (.csv, .csv.gz), a Parquet file (.parquet, .pq), or a folder of such
files. Everything here is pure: no database, no terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from govern.errors import BadInput
from govern.registry.digests import existing, folder_files

__all__ = [
    "ACCEPTED_FORMATS",
    "check_column_names",
    "frame_to_parquet_bytes",
    "name_list",
    "read_table",
    "spreadsheet_safe",
]

ACCEPTED_FORMATS: Final = "CSV (.csv, .csv.gz) or Parquet (.parquet, .pq)"

_CSV_SUFFIXES: Final = (".csv", ".csv.gz")
_PARQUET_SUFFIXES: Final = (".parquet", ".pq")
# Names listed in full in an error message before it says "and N more".
_LIST_LIMIT: Final = 20


def _one_line(exc: BaseException) -> str:
    """The reason an exception gives, on one line (parsers put newlines in theirs)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def name_list(names: Sequence[str]) -> str:
    """Names for a message: the first 20 in full, then "and N more"."""
    shown = ", ".join(names[:_LIST_LIMIT])
    more = len(names) - _LIST_LIMIT
    return f"{shown} and {more} more" if more > 0 else shown


def check_column_names(df: pd.DataFrame, what: str) -> None:
    """Refuse column names that are not text or not unique: profiles and schemas key on them."""
    for i, name in enumerate(df.columns):
        if not isinstance(name, str):
            raise BadInput(
                f"column {i} of {what} is named {name!r}, not by text; govern needs text column "
                "names",
                hint="rename the columns, e.g. df.columns = [str(c) for c in df.columns]",
            )
    dupes = sorted({str(n) for n in df.columns[df.columns.duplicated()]})
    if dupes:
        raise BadInput(f"{what} has more than one column named {name_list(dupes)}")


def _format_of(path: Path) -> Literal["csv", "parquet"]:
    name = path.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    raise BadInput(
        f"{path} is not a dataset file: a dataset must be CSV or Parquet ({ACCEPTED_FORMATS}), "
        "or a folder of such files"
    )


def _read_file(path: Path) -> pd.DataFrame:
    fmt = _format_of(path)
    if path.stat().st_size == 0:
        raise BadInput(f"cannot read {path}: the file is empty")
    try:
        if fmt == "csv":
            # low_memory=False: each column's type is inferred from the whole file, not chunk by
            # chunk, so the same file always gives the same dtypes.
            gz = path.name.lower().endswith(".gz")
            return pd.read_csv(path, compression="gzip" if gz else None, low_memory=False)
        return pd.read_parquet(path)
    # ParserError, EmptyDataError, UnicodeDecodeError and ArrowInvalid are all ValueErrors; a
    # bad gzip stream is an OSError or EOFError.
    except (ValueError, OSError, EOFError, pa.ArrowException) as exc:
        raise BadInput(f"cannot read {path} as {fmt.upper()}: {_one_line(exc)}") from exc


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, or a folder of them, into one DataFrame.

    A folder's files are concatenated in sorted relative-path order (the order of
    `folder_digest`'s manifest) under a fresh 0..n-1 index (an index stored in a Parquet file
    of a folder is not kept); they must all have the same column names (in any order; the first
    file's order is kept). Raises NotFound for a missing path and
    BadInput naming the file for any other format, an empty file, a file the parser rejects (with
    its reason), or files whose columns differ.
    """
    path = existing(path)
    if not path.is_dir():
        return _read_file(path)
    files = folder_files(path)
    for _, file in files:
        _format_of(file)
    frames: list[pd.DataFrame] = []
    first_rel, first_cols = files[0][0], None
    for rel, file in files:
        frame = _read_file(file)
        cols = list(frame.columns)
        if first_cols is None:
            first_cols = cols
        elif set(cols) != set(first_cols):
            missing = [c for c in first_cols if c not in cols]
            extra = [c for c in cols if c not in first_cols]
            parts = []
            if missing:
                parts.append(f"it lacks {name_list([str(c) for c in missing])}")
            if extra:
                parts.append(f"it adds {name_list([str(c) for c in extra])}")
            raise BadInput(
                f"{path / rel} does not have the same columns as {path / first_rel}: "
                + "; ".join(parts),
                hint="every file of a dataset folder must have the same columns",
            )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[first_cols]


def frame_to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """The frame as Parquet bytes: the same frame gives the same bytes (one pandas and pyarrow).

    The index is kept the way pyarrow keeps it (a default RangeIndex as metadata, any other index
    as a column), so reading the bytes back gives the frame. `df.attrs` is left out: it is
    free-form and may hold anything (times, objects) that would make equal data digest apart.
    The Parquet writer records no timestamps; compression is pinned so a change of pyarrow's
    default cannot change the bytes.
    """
    check_column_names(df, "the frame")
    frame = df.copy(deep=False)
    frame.attrs = {}
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise BadInput(f"cannot store the frame as Parquet: {_one_line(exc)}") from exc
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True)
    return bytes(sink.getvalue().to_pybytes())


#: What a spreadsheet runs as a formula when a cell starts with it.
FORMULA_STARTS: Final = ("=", "+", "-", "@")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells a spreadsheet would run as a formula (starting with
    =, +, - or @) are written as text, with a leading apostrophe; numbers stay numbers. For
    every CSV govern exports (`govern score -o`, `govern inventory --csv`, `compare`)."""
    out = df.copy()
    for name in out.columns:
        if pd.api.types.is_numeric_dtype(out[name]) or pd.api.types.is_bool_dtype(out[name]):
            continue
        col = out[name].astype(object)
        text = col.where(col.notna(), "").astype(str)
        risky = text.str.startswith(FORMULA_STARTS)
        if risky.any():
            out[name] = text.where(~risky, "'" + text).where(col.notna(), None)
    return out
