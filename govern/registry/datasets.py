"""Datasets: reading, digesting, profiling, and checking them against a model's schema.

A dataset is a CSV file (.csv, .csv.gz), a Parquet file (.parquet, .pq), or a folder of such
files. Its identity is the SHA-256 of its bytes (for a folder, of a sha256sum-style manifest), so
the ledger names exactly the data a model was trained and validated on. Its profile is a JSON-safe
summary for the ledger and the model card (section 5, Data); the profile's binned shares are the
baseline that ongoing monitoring compares new data against with the population stability index.

Everything here is pure: no database, no terminal. JSON-safe means the I-JSON subset the ledger's
canonical JSON accepts (RFC 7493): only dict, list, str, int, float, bool and None; no NaN or
infinity; integers within +-(2**53-1).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from govern.errors import BadInput, NotFound

__all__ = [
    "ACCEPTED_FORMATS",
    "PROFILE_VERSION",
    "PSI_EPSILON",
    "QUANTILES",
    "TOP_CATEGORIES",
    "Kind",
    "Schema",
    "bin_frame",
    "dataset_digest",
    "file_digest",
    "folder_digest",
    "frame_to_parquet_bytes",
    "kind_of",
    "manifest_bytes",
    "profile",
    "psi",
    "read_table",
]

Kind = Literal["numeric", "categorical"]

ACCEPTED_FORMATS: Final = "CSV (.csv, .csv.gz) or Parquet (.parquet, .pq)"
PROFILE_VERSION: Final = 1
QUANTILES: Final = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
TOP_CATEGORIES: Final = 20
PSI_EPSILON: Final = 1e-4

_CHUNK: Final = 1 << 20
_MAX_SAFE_INT: Final = 2**53 - 1
_CSV_SUFFIXES: Final = (".csv", ".csv.gz")
_PARQUET_SUFFIXES: Final = (".parquet", ".pq")
# Names listed in full in an error message before it says "and N more".
_LIST_LIMIT: Final = 20


# --- Small helpers -------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    """The reason an exception gives, on one line (parsers put newlines in theirs)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_LIST_LIMIT])
    more = len(names) - _LIST_LIMIT
    return f"{shown} and {more} more" if more > 0 else shown


def _num(x: Any) -> int | float | None:
    """A JSON-safe number: NaN, infinity and missing become None; an int beyond 2**53 a float."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, int | np.integer):
        i = int(x)
        # Beyond +-(2**53-1) I-JSON cannot carry an int exactly; the nearest float is what any
        # JSON reader would make of it anyway.
        return i if -_MAX_SAFE_INT <= i <= _MAX_SAFE_INT else float(i)
    f = float(x)
    return f if math.isfinite(f) else None


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def _check_column_names(df: pd.DataFrame, what: str) -> None:
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
        raise BadInput(f"{what} has more than one column named {_names(dupes)}")


def kind_of(dtype: Any) -> Kind:
    """The kind of a dtype: numeric for real numbers (ints, floats, nullable ones), else
    categorical.

    Uses pandas' own test, never `dtype == object`: pandas 3 reads text as the `str` dtype.
    Booleans and complex numbers count as categorical (neither has quantiles worth binning).
    """
    if (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    ):
        return "numeric"
    return "categorical"


# --- Reading -------------------------------------------------------------------------------


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


def _walk(root: Path, folder: Path, out: list[tuple[str, Path]]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                # A link would make the digest cover bytes that live, and can change, elsewhere.
                raise BadInput(
                    f"{path} is a symbolic link; a dataset folder must hold its files itself",
                    hint="copy the linked file into the folder",
                )
            if entry.is_dir(follow_symlinks=False):
                _walk(root, path, out)
            elif entry.is_file(follow_symlinks=False):
                rel = path.relative_to(root).as_posix()
                if "\n" in rel or "\r" in rel:
                    raise BadInput(f"{path!r} has a line break in its name; rename it")
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise BadInput(
                        f"{path!r} has a name that is not valid UTF-8; rename it"
                    ) from exc
                out.append((rel, path))
            else:
                raise BadInput(f"{path} is neither a regular file nor a folder")


def _folder_files(folder: Path) -> list[tuple[str, Path]]:
    """Every file under `folder` as (relative POSIX path, path), sorted by relative path.

    Hidden files count like any other; symbolic links, special files and names with line breaks
    are refused; an empty folder is refused.
    """
    out: list[tuple[str, Path]] = []
    _walk(folder, folder, out)
    if not out:
        raise BadInput(f"the folder {folder} holds no files, so it is not a dataset")
    # Code-point order, which is the byte order of the UTF-8 names (as `LC_ALL=C sort`).
    out.sort(key=lambda item: item[0])
    return out


def _require(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise NotFound(f"no file or folder at {path}")
    return path


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, or a folder of them, into one DataFrame.

    A folder's files are concatenated in sorted relative-path order (the order of
    `folder_digest`'s manifest) under a fresh 0..n-1 index (an index stored in a Parquet file
    of a folder is not kept); they must all have the same column names (in any order; the first
    file's order is kept). Raises NotFound for a missing path and
    BadInput naming the file for any other format, an empty file, a file the parser rejects (with
    its reason), or files whose columns differ.
    """
    path = _require(path)
    if not path.is_dir():
        return _read_file(path)
    files = _folder_files(path)
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
                parts.append(f"it lacks {_names([str(c) for c in missing])}")
            if extra:
                parts.append(f"it adds {_names([str(c) for c in extra])}")
            raise BadInput(
                f"{path / rel} does not have the same columns as {path / first_rel}: "
                + "; ".join(parts),
                hint="every file of a dataset folder must have the same columns",
            )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[first_cols]


# --- Digests -------------------------------------------------------------------------------


def _digest_and_size(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, lowercase hex, read in 1 MiB chunks (any size of file)."""
    path = _require(path)
    if path.is_dir():
        raise BadInput(f"{path} is a folder, not a file", hint="use folder_digest for a folder")
    return _digest_and_size(path)[0]


def manifest_bytes(manifest: Sequence[dict[str, Any]]) -> bytes:
    """The exact bytes a folder digest hashes, rebuilt from a manifest (see `folder_digest`)."""
    lines = sorted((str(m["path"]), str(m["sha256"])) for m in manifest)
    return "".join(f"{sha}  {rel}\n" for rel, sha in lines).encode("utf-8")


def folder_digest(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """The SHA-256 of a folder's manifest, and the manifest as [{"path", "sha256", "size"}].

    The manifest's bytes: for every file under the folder, at any depth, hidden files included,
    one line `<sha256 of the file, 64 lowercase hex>  <relative path>\\n` (two spaces, the path
    relative to the folder with "/" separators, UTF-8), the lines sorted by path in code-point
    order (the byte order of UTF-8, as `LC_ALL=C sort`). That is the text `sha256sum` prints for
    those paths, so `sha256sum -c` run in the folder checks it. Folders themselves are not
    listed (an empty subfolder does not change the digest). Symbolic links, special files and
    names with line breaks are refused with BadInput, as is a folder with no files; a missing
    path raises NotFound. `size` is in bytes and is not part of the hashed text.
    """
    path = _require(path)
    if not path.is_dir():
        raise BadInput(f"{path} is a file, not a folder", hint="use file_digest for a file")
    manifest: list[dict[str, Any]] = []
    for rel, file in _folder_files(path):
        sha, size = _digest_and_size(file)
        manifest.append({"path": rel, "sha256": sha, "size": _num(size)})
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest(), manifest


def dataset_digest(path: Path) -> str:
    """`folder_digest` of a folder or `file_digest` of a file; NotFound if there is neither."""
    path = _require(path)
    return folder_digest(path)[0] if path.is_dir() else file_digest(path)


def frame_to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """The frame as Parquet bytes: the same frame gives the same bytes (one pandas and pyarrow).

    The index is kept the way pyarrow keeps it (a default RangeIndex as metadata, any other index
    as a column), so reading the bytes back gives the frame. `df.attrs` is left out: it is
    free-form and may hold anything (times, objects) that would make equal data digest apart.
    The Parquet writer records no timestamps; compression is pinned so a change of pyarrow's
    default cannot change the bytes.
    """
    _check_column_names(df, "the frame")
    frame = df.copy(deep=False)
    frame.attrs = {}
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise BadInput(f"cannot store the frame as Parquet: {_one_line(exc)}") from exc
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True)
    return bytes(sink.getvalue().to_pybytes())


# --- Schema --------------------------------------------------------------------------------


def _describe(kind: str, dtype: str) -> str:
    """What a column holds, in the words of a model-risk officer rather than of pandas."""
    if kind == "numeric":
        return "numbers"
    if dtype in ("bool", "boolean"):
        return "true/false values"
    if dtype in ("str", "string", "object") or dtype.startswith("string"):
        return "text"
    if dtype.startswith("datetime64"):
        return "dates"
    if dtype == "category":
        return "categories"
    return f"values of type {dtype}"


@dataclass(frozen=True)
class Schema:
    """The columns of a table, in order, as (name, dtype string, kind)."""

    columns: tuple[tuple[str, str, Kind], ...]

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Schema:
        """The frame's columns in order; BadInput if a name is not text or not unique."""
        _check_column_names(df, "the data")
        return cls(tuple((name, str(df[name].dtype), kind_of(df[name].dtype)) for name in df))

    @classmethod
    def from_list(cls, items: Sequence[dict[str, Any]]) -> Schema:
        """The inverse of `to_list` (a schema as stored in the ledger)."""
        columns: list[tuple[str, str, Kind]] = []
        for item in items:
            kind = item.get("kind")
            if kind not in ("numeric", "categorical"):
                raise BadInput(f"schema column {item.get('name')!r} has unknown kind {kind!r}")
            columns.append((str(item["name"]), str(item["dtype"]), kind))
        return cls(tuple(columns))

    def to_list(self) -> list[dict[str, str]]:
        """JSON-safe and in column order (a list, because canonical JSON sorts object keys)."""
        return [{"name": n, "dtype": d, "kind": k} for n, d, k in self.columns]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _, _ in self.columns)

    def check(self, df: pd.DataFrame, *, what: str) -> None:
        """Pass if `df` has exactly these columns, each of the same kind; else BadInput.

        The message names every missing column, every extra column, and every column whose kind
        differs ("column credit_amount holds text, but the model was trained on numbers"). Column
        order and dtypes within a kind (int64 against float64) may differ: select
        `df[list(schema.names)]` to get the model's order.
        """
        _check_column_names(df, what)
        names = set(self.names)
        missing = [n for n in self.names if n not in df.columns]
        extra = [str(c) for c in df.columns if c not in names]
        problems: list[str] = []
        if missing:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {_names(missing)}")
        if extra:
            problems.append(f"unexpected column{'s' if len(extra) > 1 else ''} {_names(extra)}")
        for name, dtype, kind in self.columns:
            if name not in df.columns:
                continue
            actual = df[name].dtype
            if kind_of(actual) != kind:
                problems.append(
                    f"column {name} holds {_describe(kind_of(actual), str(actual))}, but the "
                    f"model was trained on {_describe(kind, dtype)}"
                )
        if problems:
            raise BadInput(
                f"{what} does not match the model's features: " + "; ".join(problems),
                hint=f"pass exactly the {len(self.columns)} columns the model was trained on: "
                + _names(list(self.names)),
            )


# --- Profile and drift bins ----------------------------------------------------------------


def _bin_edges(finite: np.ndarray[Any, np.dtype[np.float64]], bins: int) -> list[float]:
    """Interior bin edges: the 1/bins .. (bins-1)/bins quantiles, deduplicated.

    Taken as observed values (inverted CDF), so on discrete data (a 1-4 rating) the edges are
    the values themselves and no closed bin sits between two of them holding nothing.
    """
    if finite.size == 0:
        return []
    qs = [i / bins for i in range(1, bins)]
    return [float(e) for e in np.unique(np.quantile(finite, qs, method="inverted_cdf"))]


def _numeric_counts(
    values: np.ndarray[Any, np.dtype[np.float64]], edges: Sequence[float]
) -> list[int]:
    """Counts in the bins (-inf, e1], (e1, e2], ..., (ek, +inf); infinities land in the ends."""
    # side="left" counts the edges strictly below a value, so a value equal to an edge falls in
    # the bin that edge closes (right-closed bins, as pandas.cut).
    idx = np.searchsorted(np.asarray(edges, dtype="float64"), values, side="left")
    return [int(c) for c in np.bincount(idx, minlength=len(edges) + 1)]


def _numeric_profile(s: pd.Series, n: int, bins: int) -> tuple[dict[str, Any], dict[str, Any]]:
    missing_mask = s.isna().to_numpy(dtype=bool)
    missing = int(missing_mask.sum())
    values = s[~missing_mask].to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    stats: dict[str, Any] = {
        "kind": "numeric",
        "dtype": str(s.dtype),
        "missing": missing,
        "missing_share": _share(missing, n),
        "infinite": int(values.size - finite.size),
        "min": None,
        "max": None,
        "mean": None,
        "std": None,
        "quantiles": {str(q): None for q in QUANTILES},
    }
    if finite.size:
        if pd.api.types.is_integer_dtype(s.dtype):
            # From the ints themselves: a float64 copy loses digits beyond 2**53.
            present = s[~missing_mask]
            stats["min"], stats["max"] = _num(present.min()), _num(present.max())
        else:
            stats["min"], stats["max"] = _num(finite.min()), _num(finite.max())
        stats["mean"] = _num(finite.mean())
        # Sample standard deviation (ddof=1), as pandas' describe; undefined for one value.
        stats["std"] = _num(finite.std(ddof=1)) if finite.size > 1 else None
        qv = np.quantile(finite, QUANTILES)
        stats["quantiles"] = {str(q): _num(v) for q, v in zip(QUANTILES, qv, strict=True)}
    edges = _bin_edges(finite, bins)
    counts = _numeric_counts(values, edges)
    binned: dict[str, Any] = {
        "kind": "numeric",
        "edges": edges,
        "shares": [_share(c, n) for c in counts],
        "missing": _share(missing, n),
    }
    return stats, binned


def _labels(s: pd.Series) -> tuple[pd.Series, int]:
    """The non-missing values as text labels, and the count of missing values.

    Values that print alike (1 and "1" in one object column) share a label: JSON keys are text.
    """
    missing_mask = s.isna().to_numpy(dtype=bool)
    return s[~missing_mask].astype(str), int(missing_mask.sum())


def _categorical_profile(s: pd.Series, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    labels, missing = _labels(s)
    counts = labels.value_counts(sort=False)
    table = pd.DataFrame({"label": counts.index.astype(str), "count": counts.to_numpy()})
    # Most frequent first; ties by label, so the order never depends on hashing or input order.
    table = table.sort_values(["count", "label"], ascending=[False, True], kind="stable")
    top = table.head(TOP_CATEGORIES)
    top_labels = [str(v) for v in top["label"]]
    top_counts = [int(c) for c in top["count"]]
    other = int(labels.size) - sum(top_counts)
    stats: dict[str, Any] = {
        "kind": "categorical",
        "dtype": str(s.dtype),
        "missing": missing,
        "missing_share": _share(missing, n),
        "distinct": len(table),
        "top": [
            {"value": v, "count": c, "share": _share(c, n)}
            for v, c in zip(top_labels, top_counts, strict=True)
        ],
        "other": other,
    }
    binned: dict[str, Any] = {
        "kind": "categorical",
        "categories": top_labels,
        "shares": [_share(c, n) for c in top_counts],
        "other": _share(other, n),
        "missing": _share(missing, n),
    }
    return stats, binned


def profile(df: pd.DataFrame, *, target: str | None = None, bins: int = 10) -> dict[str, Any]:
    """A JSON-safe, deterministic summary of a table, and its drift-monitoring baseline.

    Returns {"version", "rows", "schema" (list of {name, dtype, kind} in column order), "target",
    "features" ({"numeric": [...], "categorical": [...]}, the columns other than the target),
    "columns" (name -> statistics), "bins" (name -> baseline shares)}. Numeric columns get
    missing and infinite counts, min, max, mean, sample std and the QUANTILES over their finite
    values; categorical ones (text, bool, dates, ...) the TOP_CATEGORIES most frequent values
    with count and share of all rows, the count of distinct values and of the rest. Bins: for a
    numeric column the deduplicated quantile edges (deciles when bins=10) with open-ended first
    and last bins; for a categorical one the top categories, an "other" bucket and a "missing"
    bucket; all shares are of all rows and sum to 1. NaN and infinity never appear: undefined
    values (statistics of an empty column, shares of a table with no rows) are None.
    """
    if bins < 2:
        raise BadInput(f"a profile needs at least 2 bins per numeric column, not {bins}")
    schema = Schema.from_frame(df)
    if target is not None and target not in schema.names:
        raise BadInput(
            f"the target column {target!r} is not in the data",
            hint=f"its columns are: {_names(list(schema.names))}",
        )
    n = len(df)
    columns: dict[str, Any] = {}
    binned: dict[str, Any] = {}
    for name, _, kind in schema.columns:
        if kind == "numeric":
            columns[name], binned[name] = _numeric_profile(df[name], n, bins)
        else:
            columns[name], binned[name] = _categorical_profile(df[name], n)
    features = [c for c in schema.columns if c[0] != target]
    return {
        "version": PROFILE_VERSION,
        "rows": _num(n),
        "schema": schema.to_list(),
        "target": target,
        "features": {
            "numeric": [name for name, _, kind in features if kind == "numeric"],
            "categorical": [name for name, _, kind in features if kind == "categorical"],
        },
        "columns": columns,
        "bins": binned,
        "settings": {"bins": bins, "quantiles": list(QUANTILES), "top_categories": TOP_CATEGORIES},
    }


def _share_vector(bins: dict[str, Any], which: str) -> list[float]:
    shares = list(bins.get("shares") or [])
    if bins.get("kind") == "categorical":
        shares.append(bins.get("other"))
    shares.append(bins.get("missing"))
    if any(s is None for s in shares):
        raise BadInput(f"the {which} shares are undefined (a table with no rows); PSI needs rows")
    return [float(s) for s in shares]


def psi(
    baseline_bins: dict[str, Any], current_bins: dict[str, Any], *, epsilon: float = PSI_EPSILON
) -> float:
    """Population stability index of one column: sum of (c - b) * ln(c / b) over its bins.

    Both arguments are one column's bins from `profile(...)["bins"]` and `bin_frame(...)`, and
    must be on the same bins (BadInput otherwise). A share below `epsilon` counts as `epsilon`,
    so an empty bin gives a large but finite term. Identical shares give exactly 0.0; the index
    grows as the shares move apart (rules of thumb: below 0.1 stable, above 0.25 a shift).
    """
    same = baseline_bins.get("kind") == current_bins.get("kind") and all(
        baseline_bins.get(k) == current_bins.get(k) for k in ("edges", "categories")
    )
    if not same:
        raise BadInput("the current shares are not on the baseline's bins; use bin_frame")
    base = _share_vector(baseline_bins, "baseline")
    cur = _share_vector(current_bins, "current")
    if len(base) != len(cur):
        raise BadInput("the current shares are not on the baseline's bins; use bin_frame")
    terms = []
    for b, c in zip(base, cur, strict=True):
        b, c = max(b, epsilon), max(c, epsilon)
        terms.append((c - b) * math.log(c / b))
    # fsum: exact summation, so the order of terms cannot change the last digit.
    return math.fsum(terms)


def bin_frame(
    df: pd.DataFrame, profile: dict[str, Any], *, columns: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The shares of `df` on a profile's baseline bins: {column: bins}, ready for `psi`.

    `columns` defaults to every profiled column but the target (production data often has no
    outcome yet). BadInput if a column is absent from `df` or from the profile, or its kind is
    not the baseline's. Values outside the baseline's categories count as "other".
    """
    baseline: dict[str, Any] = profile["bins"]
    if columns is None:
        columns = [c for c in baseline if c != profile.get("target")]
    unknown = [c for c in columns if c not in baseline]
    if unknown:
        raise BadInput(f"the profile has no baseline for column {_names(unknown)}")
    _check_column_names(df, "the data")
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise BadInput(f"the data lacks the monitored column {_names(absent)}")
    n = len(df)
    out: dict[str, dict[str, Any]] = {}
    for name in columns:
        base = baseline[name]
        s = df[name]
        if kind_of(s.dtype) != base["kind"]:
            raise BadInput(
                f"column {name} holds {_describe(kind_of(s.dtype), str(s.dtype))}, but its "
                f"baseline holds {'numbers' if base['kind'] == 'numeric' else 'categories'}"
            )
        if base["kind"] == "numeric":
            missing_mask = s.isna().to_numpy(dtype=bool)
            values = s[~missing_mask].to_numpy(dtype="float64")
            counts = _numeric_counts(values, base["edges"])
            out[name] = {
                "kind": "numeric",
                "edges": list(base["edges"]),
                "shares": [_share(c, n) for c in counts],
                "missing": _share(int(missing_mask.sum()), n),
            }
        else:
            labels, missing = _labels(s)
            seen = labels.value_counts(sort=False)
            cats = list(base["categories"])
            cat_counts = [int(seen.get(c, 0)) for c in cats]
            out[name] = {
                "kind": "categorical",
                "categories": cats,
                "shares": [_share(c, n) for c in cat_counts],
                "other": _share(int(labels.size) - sum(cat_counts), n),
                "missing": _share(missing, n),
            }
    return out
