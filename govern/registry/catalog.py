"""The data catalog: dataset versions registered in the ledger by their content digest.

A dataset version is the SHA-256 of its bytes (a folder: of its sorted manifest, see
``digests.folder_digest``), a profile kept as the drift baseline, and a copy of the bytes in the
artifact store so models can be re-scored and explained from exactly what was registered.
Registering identical bytes under the same name again returns the existing version.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from govern.errors import BadInput
from govern.ledger import Entry
from govern.registry import digests, profiles, tables
from govern.registry import projections as proj
from govern.registry.refs import Ref, check_name, parse_ref

if TYPE_CHECKING:
    from govern.registry.core import Registry


@dataclass(frozen=True)
class DatasetVersion:
    name: str
    version: int
    sha256: str
    format: str
    seq: int
    created: bool  # False when identical bytes were already registered under this name

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


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
    existing = reg.rows(
        proj.datasets, proj.datasets.c.name == name, proj.datasets.c.sha256 == digest
    )
    if existing:
        row = existing[0]
        return DatasetVersion(name, row.version, digest, row.format, row.seq, created=False)
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
    versions = reg.rows(proj.datasets, proj.datasets.c.name == name)
    version = max((r.version for r in versions), default=0) + 1
    payload: dict[str, Any] = {
        "subject": f"dataset:{name}@{version}",
        "name": name,
        "version": version,
        "sha256": digest,
        "format": fmt,
        "size_bytes": size,
        "source": source if source is not None else _describe_source(data),
        "files": files,
        "profile": profiles.profile(frame, target=target),
    }
    entry = reg.record("dataset.registered", payload)
    return DatasetVersion(name, version, digest, fmt, entry.seq, created=True)


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _describe_source(data: Path | pd.DataFrame) -> str:
    if isinstance(data, pd.DataFrame):
        return "pandas.DataFrame"
    return Path(data).name


def resolve(reg: Registry, ref: str | Ref) -> Any:
    """The projection row of ``NAME@V`` / ``NAME@latest``."""
    return reg.dataset_row(parse_ref(ref, "dataset") if isinstance(ref, str) else ref)


def entry_of(reg: Registry, ref: str | Ref) -> Entry:
    return reg.entry(resolve(reg, ref).seq)


def load(reg: Registry, ref: str | Ref) -> pd.DataFrame:
    """The registered bytes of a dataset version, digest-checked, as a DataFrame."""
    row = resolve(reg, ref)
    if row.format == "folder":
        files = entry_of(reg, ref).payload["files"]
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:
                target = Path(tmp) / f["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(reg.artifacts.get_bytes(f["sha256"]))
            return tables.read_table(Path(tmp))
    data = reg.artifacts.get_bytes(row.sha256)
    suffix = "." + row.format
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        return tables.read_table(Path(handle.name))


def profile_of(reg: Registry, ref: str | Ref) -> dict[str, Any]:
    profile: dict[str, Any] = entry_of(reg, ref).payload["profile"]
    return profile
