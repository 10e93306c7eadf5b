"""The data catalog: dataset versions registered in the ledger by their content digest.

A dataset version is the SHA-256 of its bytes (a folder: of its sorted manifest, see
``digests.folder_digest``), a profile kept as the drift baseline, and a copy of the bytes in the
artifact store so models can be re-scored and explained from exactly what was registered.
Registering identical bytes under the same name again returns the existing version.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from govern.errors import BadInput, NotFound
from govern.ledger import Entry
from govern.records import DatasetProfile, DatasetRegistered, FileDigest, subjects
from govern.registry import digests, profiles, tables, trusted
from govern.registry import projections as proj
from govern.registry.entities import DatasetVersion
from govern.registry.refs import Ref, check_name, parse_ref

if TYPE_CHECKING:
    from govern.registry.core import Registry


def _format_of(path: Path) -> str:
    if path.is_dir():
        return "folder"
    name = path.name.lower()
    if name.endswith(".csv.gz"):
        return "csv.gz"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise BadInput(
        f"{path.name} is not a dataset govern can read: a dataset must be CSV or Parquet "
        "(or a folder of them)",
        hint="convert it to CSV or Parquet first",
    )


def add_dataset(
    reg: Registry,
    data: Path | pd.DataFrame,
    *,
    name: str,
    source: str | None = None,
    target: str | None = None,
) -> DatasetVersion:
    """Register a file, folder or DataFrame as the next version of ``name``."""
    check_name(name, "dataset")
    if isinstance(data, pd.DataFrame):
        raw = tables.frame_to_parquet_bytes(data)
        frame, fmt, size = data, "parquet", len(raw)
        digest = _sha(raw)
        files: list[dict[str, Any]] | None = None
    else:
        path = Path(data)
        fmt = _format_of(path) if path.exists() else "csv"
        frame = tables.read_table(path)  # NotFound / BadInput with the parser's reason
        if fmt == "folder":
            digest, files = digests.folder_digest(path)
            size = sum(int(f["size"]) for f in files)
        else:
            digest, files = digests.file_digest(path), None
            size = path.stat().st_size
        raw = b""
    if target is not None and target not in frame.columns:
        raise BadInput(f"the target column {target!r} is not in the data")
    existing = trusted.rows(reg, proj.datasets, name=name, sha256=digest)
    if existing:
        return _version(reg, existing[0].seq)
    # Keep the bytes (content-addressed; their digest is the version's identity).
    if isinstance(data, pd.DataFrame):
        reg.artifacts.put_bytes(raw)
    elif files is not None:
        root = Path(data)
        for f in files:
            reg.artifacts.put_file(root / f["path"])
        reg.artifacts.put_bytes(digests.manifest_bytes(files))
    else:
        reg.artifacts.put_file(Path(data))
    versions = trusted.rows(reg, proj.datasets, name=name)
    version = max((r.version for r in versions), default=0) + 1
    record = DatasetRegistered(
        subject=subjects.dataset(f"{name}@{version}"),
        name=name,
        version=version,
        sha256=digest,
        format=fmt,
        size_bytes=size,
        source=source if source is not None else _describe_source(data),
        files=None
        if files is None
        else tuple(FileDigest(f["path"], f["sha256"], int(f["size"])) for f in files),
        profile=profiles.profile(frame, target=target),
    )
    entry = reg.record(record)
    return DatasetVersion(record, entry.seq, entry.leaf.hex(), entry.ts, entry.actor, True)


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _describe_source(data: Path | pd.DataFrame) -> str:
    if isinstance(data, pd.DataFrame):
        return "pandas.DataFrame"
    return Path(data).name


def _version(reg: Registry, seq: int, *, created: bool = False) -> DatasetVersion:
    entry, record = reg.recorded(DatasetRegistered, seq)
    return DatasetVersion(record, entry.seq, entry.leaf.hex(), entry.ts, entry.actor, created)


def resolve(reg: Registry, ref: str | Ref) -> DatasetVersion:
    """The dataset version ``NAME@V`` (``NAME@latest``: the highest version), from its entry."""
    parsed = parse_ref(ref, "dataset") if isinstance(ref, str) else ref
    if parsed.version is None:
        rows = trusted.rows(reg, proj.datasets, name=parsed.name)[::-1]
    else:
        rows = trusted.rows(reg, proj.datasets, name=parsed.name, version=parsed.version)
    if not rows:
        raise NotFound(
            f"there is no dataset version {parsed}",
            hint="register it first with `govern data add PATH --name NAME`",
        )
    return _version(reg, rows[0].seq)


def find(reg: Registry, name: str, version: int) -> DatasetVersion | None:
    """The dataset version ``name@version``, or None when it is not registered."""
    rows = trusted.rows(reg, proj.datasets, name=name, version=version)
    return _version(reg, rows[0].seq) if rows else None


def versions(reg: Registry) -> list[DatasetVersion]:
    """Every registered dataset version, in ledger order."""
    return [_version(reg, r.seq) for r in reg.rows(proj.datasets, order=proj.datasets.c.seq)]


def entry_of(reg: Registry, ref: str | Ref) -> Entry:
    """The registration entry of ``ref``."""
    return reg.entry(resolve(reg, ref).seq)


def load(reg: Registry, ref: str | Ref | DatasetVersion) -> pd.DataFrame:
    """The registered bytes of a dataset version, digest-checked, as a DataFrame."""
    row = ref if isinstance(ref, DatasetVersion) else resolve(reg, ref)
    if row.format == "folder":
        with tempfile.TemporaryDirectory() as tmp:
            for f in row.record.files or ():
                target = Path(tmp) / f.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(reg.artifacts.get_bytes(f.sha256))
            return tables.read_table(Path(tmp))
    data = reg.artifacts.get_bytes(row.sha256)
    suffix = "." + (row.format or "csv")
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        return tables.read_table(Path(handle.name))


def profile_of(reg: Registry, ref: str | Ref) -> DatasetProfile:
    """The recorded profile of a dataset version (BadInput when it recorded none)."""
    version = resolve(reg, ref)
    profile = version.record.profile_view
    if profile is None:
        raise BadInput(f"{version.ref} was registered without a profile")
    return profile
