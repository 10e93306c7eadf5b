"""The registry: the model inventory SR 11-7 asks for, on top of the ledger.

``Registry`` ties a ledger to its artifact store and the person acting. Every write is one ledger
entry (or one batch) holding a typed record (``govern.records``), whose projections are updated
in the same transaction. The idea modules (catalog, models, people, findings, approvals,
deployments, status, inventory) hold the logic; this class is their shared handle, and its
shortcut methods call them.
"""

from __future__ import annotations

import getpass
import importlib
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, inspect, select

from govern.ledger import Appended, Entry, Ledger, resolve_url, verify_ledger
from govern.ledger.db import sqlite_path
from govern.ledger.note import Verifier
from govern.ledger.verify import VerifyReport
from govern.records import PolicySet, Record
from govern.registry import policy as policy_mod
from govern.registry import projections as proj
from govern.registry.artifacts import ArtifactStore

if TYPE_CHECKING:
    import pandas as pd

    from govern.registry.codeversion import CodeVersion
    from govern.registry.entities import DatasetVersion, ModelVersion
    from govern.registry.inventory import InventoryRow
    from govern.registry.status import Status


_RECORD_CACHE = 4096
R = TypeVar("R", bound=Record)


def default_artifacts_dir(url: str) -> Path:
    """``registry.artifacts/`` beside a SQLite ``registry.db``; ``GOVERN_ARTIFACTS`` otherwise."""
    env = os.environ.get("GOVERN_ARTIFACTS")
    if env:
        return Path(env)
    path = sqlite_path(url)
    if path is not None:
        return path.with_suffix(".artifacts")
    return Path("govern-artifacts")


def default_actor() -> str:
    return os.environ.get("GOVERN_USER") or getpass.getuser()


class Registry:
    """An open registry. ``Registry.open(db)``; use as a context manager."""

    def __init__(self, ledger: Ledger, artifacts: ArtifactStore, actor: str) -> None:
        self.ledger = ledger
        self.artifacts = artifacts
        self.actor = actor
        # Entries never change once written: their records are parsed once per process, found
        # by (seq, leaf hash) so that another entry at that position is never taken for them.
        self._records: OrderedDict[tuple[int, str], tuple[Entry, Record]] = OrderedDict()
        if not ledger.readonly:
            with ledger.engine.connect() as conn:
                present = inspect(conn).has_table(proj.people.name)
            if not present:  # a ledger made before these tables existed: derive them now
                self.rebuild()

    @classmethod
    def open(
        cls,
        db: str | None = None,
        *,
        actor: str | None = None,
        artifacts: Path | None = None,
        readonly: bool = False,
    ) -> Registry:
        url = resolve_url(db)
        ledger = Ledger.open(url, readonly=readonly)
        root = artifacts or default_artifacts_dir(url)
        return cls(ledger, ArtifactStore(root), actor or default_actor())

    def close(self) -> None:
        self.ledger.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def origin(self) -> str:
        return self.ledger.origin

    @property
    def origin_host(self) -> str:
        return self.origin.split("/", 1)[0]

    # ---- writing ---------------------------------------------------------------------------

    def record(self, record: Record, *, actor: str | None = None) -> Entry:
        """Append one record and update the projections in the same transaction."""
        return self.record_batch([record], actor=actor)[0]

    def record_batch(self, records: Sequence[Record], *, actor: str | None = None) -> list[Entry]:
        """Append records as one transaction (all or none), projections included."""
        who = actor or self.actor
        prepared = [self.ledger.prepare(r.KIND, r.to_payload(), who) for r in records]
        written: list[Entry] = []

        def project(conn: Connection, done: Appended) -> None:
            for offset, record in enumerate(records):
                entry = self.ledger.read_entry(conn, done.first_seq + offset)
                proj.apply(conn, entry, record)
                written.append(entry)

        self.ledger.append_prepared(prepared, extra=project)
        return written

    # ---- the domain, for Python callers (each calls its idea module) -----------------------

    def add_dataset(
        self,
        data: Path | pd.DataFrame,
        *,
        name: str,
        source: str | None = None,
        target: str | None = None,
    ) -> DatasetVersion:
        """Register a file, folder or DataFrame as a dataset version (``catalog.add_dataset``)."""
        from govern.registry import catalog

        return catalog.add_dataset(self, data, name=name, source=source, target=target)

    def register_model(
        self,
        model: object = None,
        *,
        name: str,
        training_data: Sequence[str],
        validation_data: Sequence[str] = (),
        target: str,
        features: Sequence[str] | None = None,
        intended_use: str,
        limitations: str = "",
        owner: str,
        risk_tier: str,
        positive_label: object = None,
        threshold: float = 0.5,
        code: CodeVersion | None = None,
        code_path: Path = Path("."),
        allow_dirty: bool = False,
        artifact_file: Path | None = None,
        trust_pickle: bool = False,
    ) -> ModelVersion:
        """Register a model version (``models.register_model``)."""
        from govern.registry import models

        return models.register_model(
            self,
            model,
            name=name,
            training_data=training_data,
            validation_data=validation_data,
            target=target,
            features=features,
            intended_use=intended_use,
            limitations=limitations,
            owner=owner,
            risk_tier=risk_tier,
            positive_label=positive_label,
            threshold=threshold,
            code=code,
            code_path=code_path,
            allow_dirty=allow_dirty,
            artifact_file=artifact_file,
            trust_pickle=trust_pickle,
        )

    def load_model(self, ref: str) -> Any:
        """The registered estimator of ``ref``, its digest checked (``models.load``)."""
        from govern.registry import models

        return models.load(self, ref)

    def load_dataset(self, ref: str) -> pd.DataFrame:
        """The registered bytes of a dataset version as a DataFrame (``catalog.load``)."""
        from govern.registry import catalog

        return catalog.load(self, ref)

    def status(self, ref: str, as_of: str | None = None) -> Status:
        """The lifecycle status of ``ref`` at ``as_of`` (``status.status``)."""
        from govern.registry.status import status

        return status(self, ref, as_of)

    def inventory(self, as_of: str | None = None) -> list[InventoryRow]:
        """One row per model version (``inventory.inventory``)."""
        from govern.registry.inventory import inventory

        return inventory(self, as_of)

    def scorer(self, ref: str, **kwargs: Any) -> Any:
        """Deprecated: use ``govern.provenance.Scorer(registry, ref)`` (docs/python-api.md)."""
        warnings.warn(
            "Registry.scorer is deprecated and will be removed in govern 0.3: use "
            "govern.provenance.Scorer(registry, ref)",
            DeprecationWarning,
            stacklevel=2,
        )
        # A deprecated shortcut upward (to provenance), by name, so the import graph stays
        # one-way; it goes with the next release.
        scorer = importlib.import_module("govern.provenance.scorer").Scorer
        return scorer(self, ref, **kwargs)

    # ---- reading ---------------------------------------------------------------------------

    def rows(self, table: Any, *where: Any, order: Any = None) -> list[Any]:
        """Rows of a projection table (for the registry's own modules; others read entities)."""
        query = select(table).where(*where)
        if order is not None:
            query = query.order_by(order)
        with self.ledger.engine.connect() as conn:
            return list(conn.execute(query).all())

    def entry(self, seq: int) -> Entry:
        return self.ledger.entry(seq)

    def recorded(self, kind: type[R], seq: int, leaf: str | None = None) -> tuple[Entry, R]:
        """Entry ``seq`` and its record as ``kind``, parsed once; ``leaf`` (hex), when the
        caller knows it, finds a parsed one without reading the entry again."""
        if leaf is not None:
            hit = self._records.get((seq, leaf))
            if hit is not None and isinstance(hit[1], kind):
                self._records.move_to_end((seq, leaf))
                return hit[0], hit[1]
        entry = self.ledger.entry(seq)
        record = kind.from_entry(entry)
        self._records[(seq, entry.leaf.hex())] = (entry, record)
        if len(self._records) > _RECORD_CACHE:
            self._records.popitem(last=False)
        return entry, record

    def policy(self, as_of: str | None = None) -> policy_mod.Policy:
        """The policy in force (the latest recorded, or the built-in defaults)."""
        where = [] if as_of is None else [proj.policies.c.ts <= as_of]
        rows = self.rows(proj.policies, *where, order=proj.policies.c.seq.desc())
        if not rows:
            return policy_mod.DEFAULT
        _entry, recorded = self.recorded(PolicySet, rows[0].seq)
        return policy_mod.from_dict(dict(recorded.policy))

    # ---- maintenance -----------------------------------------------------------------------

    def rebuild(self) -> int:
        """Rebuild every projection from the ledger alone; return the entries replayed."""
        entries = list(self.ledger.entries(kinds=proj.KINDS))
        engine = self.ledger.engine
        with engine.connect().execution_options(govern_write=True) as conn, conn.begin():
            proj.rebuild(conn, entries)
        return len(entries)

    def verify(
        self,
        *,
        checkpoint: str | None = None,
        verifier: Verifier | None = None,
        progress: Callable[[int], None] | None = None,
        parallel: bool | None = None,
    ) -> VerifyReport:
        """Verify the ledger (``verify_ledger``), then the signed entries, then that the
        projections agree with it."""
        from govern.registry.signatures import KINDS as SIGNED
        from govern.registry.signatures import check_signed_entries

        report = verify_ledger(
            self.ledger,
            checkpoint=checkpoint,
            verifier=verifier,
            progress=progress,
            parallel=parallel,
        )
        check_signed_entries(self.ledger.entries(kinds=SIGNED), self.origin)
        with self.ledger.engine.connect() as conn:
            if inspect(conn).has_table(proj.people.name):
                proj.check(conn, self.ledger.entries(kinds=proj.KINDS))
        return report


__all__ = ["Registry", "default_actor", "default_artifacts_dir"]
