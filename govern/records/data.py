"""Dataset versions and their profiles (docs/registry.md, "Data").

The profile is recorded as the registry computed it and read through typed views: a numeric
or categorical column's statistics and its drift-monitoring bins.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from govern.records._codec import JSON, JSONObject, from_json, optional
from govern.records.base import Record


@dataclass(frozen=True)
class DatasetRef:
    """A dataset version as a model or a statement names it: name, version, SHA-256."""

    name: str
    version: int
    sha256: str

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class FileDigest:
    """One file of a folder dataset's manifest."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Feature:
    """A column as the registry types it: its name, pandas dtype and kind."""

    name: str
    dtype: str
    kind: str  # "numeric" or "categorical"


@dataclass(frozen=True)
class ProfileFeatures:
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]


@dataclass(frozen=True)
class NumericColumn:
    kind: str
    dtype: str
    missing: int
    missing_share: float | None
    infinite: int
    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    quantiles: Mapping[str, float | None]


@dataclass(frozen=True)
class TopValue:
    value: str
    count: int
    share: float | None


@dataclass(frozen=True)
class CategoricalColumn:
    kind: str
    dtype: str
    missing: int
    missing_share: float | None
    distinct: int
    top: tuple[TopValue, ...]
    other: int


@dataclass(frozen=True)
class NumericBins:
    """Right-closed bins (-inf, e1], (e1, e2], ..., (ek, +inf) and the share of rows in each,
    plus the share missing; shares are of all rows."""

    kind: str
    edges: tuple[float, ...]
    shares: tuple[float | None, ...]
    missing: float | None


@dataclass(frozen=True)
class CategoricalBins:
    """The top categories' shares, the share of all other values, and the share missing."""

    kind: str
    categories: tuple[str, ...]
    shares: tuple[float | None, ...]
    other: float | None
    missing: float | None


@dataclass(frozen=True)
class DatasetProfile:
    """A dataset's recorded profile: schema, per-column statistics and baseline bins."""

    version: int
    rows: int
    schema: tuple[Feature, ...]
    target: str | None
    features: ProfileFeatures
    columns: Mapping[str, JSONObject]
    bins: Mapping[str, JSONObject]
    settings: Mapping[str, JSON]

    def column(self, name: str) -> NumericColumn | CategoricalColumn:
        raw = self.columns[name]
        if raw.get("kind") == "numeric":
            return from_json(NumericColumn, raw, what=f"profile column {name}")
        return from_json(CategoricalColumn, raw, what=f"profile column {name}")

    def binning(self, name: str) -> NumericBins | CategoricalBins:
        raw = self.bins[name]
        if raw.get("kind") == "numeric":
            return from_json(NumericBins, raw, what=f"profile bins of {name}")
        return from_json(CategoricalBins, raw, what=f"profile bins of {name}")


@dataclass(frozen=True)
class DatasetRegistered(Record, kind="dataset.registered", purpose="data", action="register-data"):
    subject: str
    name: str
    version: int
    sha256: str
    source: str | None
    # Registrations by the registry always carry these; a dataset entry appended through the
    # ledger alone (such as registry.db.example's) may hold only the fields above.
    format: str | None = optional()
    size_bytes: int | None = optional()
    files: tuple[FileDigest, ...] | None = None
    profile: Mapping[str, JSON] | None = optional()
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def as_ref(self) -> DatasetRef:
        return DatasetRef(self.name, self.version, self.sha256)

    @functools.cached_property
    def profile_view(self) -> DatasetProfile | None:
        """The profile, typed; None when the registration recorded none."""
        if self.profile is None:
            return None
        return from_json(DatasetProfile, self.profile, what=f"profile of {self.ref}")
