"""What the registry's reads return: typed entities, never database rows or payload dicts.

A model or dataset version is its registration record (``govern.records``) and the entry that
holds it; a person, a finding, a sign-off and a deployment are what the ledger says of them at
the moment asked about (docs/registry.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from govern.records import DatasetRegistered, ModelRegistered
from govern.records.data import Feature
from govern.records.models import Artifact


@dataclass(frozen=True)
class ModelVersion:
    """A registered model version: its ``model.registered`` record and that entry."""

    record: ModelRegistered
    seq: int
    leaf: str  # the entry's leaf hash, hex
    ts: str
    registered_by: str

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def ref(self) -> str:
        return self.record.ref

    @property
    def owner(self) -> str:
        return self.record.owner

    @property
    def risk_tier(self) -> str:
        return self.record.risk_tier

    @property
    def task(self) -> str:
        return self.record.task

    @property
    def artifact(self) -> Artifact:
        return self.record.artifact

    @property
    def threshold(self) -> str:
        return self.record.threshold

    @property
    def features(self) -> tuple[Feature, ...]:
        return self.record.features


@dataclass(frozen=True)
class DatasetVersion:
    """A registered dataset version: its ``dataset.registered`` record and that entry.

    ``created`` is False when registering found identical bytes already registered under the
    name (the existing version is returned).
    """

    record: DatasetRegistered
    seq: int
    leaf: str
    ts: str
    actor: str
    created: bool = False

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def ref(self) -> str:
        return self.record.ref

    @property
    def sha256(self) -> str:
        return self.record.sha256

    @property
    def format(self) -> str | None:
        return self.record.format

    @property
    def rows(self) -> int | None:
        """Rows in the data, from its profile (None when no profile was recorded)."""
        profile = self.record.profile_view
        return None if profile is None else profile.rows


@dataclass(frozen=True)
class Person:
    """An enrolled person: roles, key and validity as the ledger stands."""

    name: str
    roles: tuple[str, ...]
    public_key: str
    fingerprint: str
    valid_from: str
    valid_until: str | None
    revoked_at: str | None
    seq: int  # the enrolment in force


@dataclass(frozen=True)
class Finding:
    """A validation finding against a model version, open or closed."""

    model: str
    number: int
    severity: str
    type: str
    text: str
    raised_by: str
    raised_at: str
    due: str | None
    status: str  # "open" or "closed"
    closed_by: str | None
    closed_at: str | None
    resolution: str | None
    seq: int  # the finding.raised entry

    def open_at(self, at: str | None) -> bool:
        """Whether the finding was open at ``at`` (now when None)."""
        if at is not None and self.raised_at > at:
            return False
        return self.status == "open" or (
            at is not None and self.closed_at is not None and self.closed_at > at
        )


@dataclass(frozen=True)
class PinChange:
    """Something a sign-off pinned that is no longer so: what (``card narrative``,
    ``validation narrative``, ``reason table``, ``threshold``, ``policy``), the entry that
    changed it, when, and how."""

    item: str
    entry: int
    ts: str
    detail: str


@dataclass(frozen=True)
class Flag:
    """Something a reviewer should look at that does not stop the model: a policy edit outside
    the pinned settings, an automatic finding, a revalidation coming due. ``date`` is when it
    happened or falls due."""

    kind: str  # "policy changed", "automatic finding" or "revalidation due"
    date: str
    detail: str
    entry: int | None = None


@dataclass(frozen=True)
class Signoff:
    """One signed decision about a version, and whether it is in force at the moment asked;
    ``stale`` lists what it pinned that has changed since (empty: it still holds)."""

    role: str
    decision: str
    signer: str
    signed_at: str
    expires: str
    conditions: str | None
    entry: int
    in_force: bool
    stale: tuple[PinChange, ...] = ()


@dataclass(frozen=True)
class SignedApproval:
    """An ``approval.signed`` entry as the registry lists it."""

    entry: int
    model: str
    role: str
    decision: str
    signer: str
    fingerprint: str
    signed_at: str
    expires: str | None
    conditions: str | None


@dataclass(frozen=True)
class Deployment:
    """A deployment in force: where, since when, by whom, and whether by a signed override."""

    env: str
    since: str
    by: str
    entry: int
    override: bool
    justification: str | None


@dataclass(frozen=True)
class DeploymentEvent:
    """One deployment or retirement of a version, as recorded; a retirement by the deployment
    of another version to the same environment names it in ``replaced_by``."""

    entry: int
    model: str
    env: str
    action: str  # "deploy" or "retire"
    ts: str
    actor: str
    override: bool
    justification: str | None
    replaced_by: str | None = None
