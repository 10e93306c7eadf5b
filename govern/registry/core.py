"""The registry: the model inventory SR 11-7 asks for, on top of the ledger.

``Registry`` ties a ledger to its artifact store and the person acting. Every write is one ledger
entry (or one batch) whose projections are updated in the same transaction; reads come from the
projections. The idea modules (catalog, models, people, findings, approvals, deployments,
status, inventory) hold the logic; this class is their shared handle.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, select

from govern.errors import NotFound
from govern.ledger import Appended, Entry, Ledger, resolve_url, verify_ledger
from govern.ledger.db import sqlite_path
from govern.ledger.verify import VerifyReport
from govern.registry import policy as policy_mod
from govern.registry import projections as proj
from govern.registry.artifacts import ArtifactStore
from govern.registry.refs import Ref


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

    def record(self, kind: str, payload: dict[str, Any], *, actor: str | None = None) -> Entry:
        """Append one entry and update the projections in the same transaction."""
        return self.record_batch([(kind, payload)], actor=actor)[0]

    def record_batch(
        self, items: Sequence[tuple[str, dict[str, Any]]], *, actor: str | None = None
    ) -> list[Entry]:
        who = actor or self.actor
        prepared = [self.ledger.prepare(kind, payload, who) for kind, payload in items]
        written: list[Entry] = []

        def project(conn: Connection, done: Appended) -> None:
            for offset in range(len(prepared)):
                entry = _entry_in(conn, done.first_seq + offset)
                proj.apply(conn, entry)
                written.append(entry)

        self.ledger.append_prepared(prepared, extra=project)
        return written

    # ---- the domain, for Python callers (each delegates to its idea module) ----------------

    def add_dataset(self, data: Any, *, name: str, **kwargs: Any) -> Any:
        """Register a file, folder or DataFrame as a dataset version (see catalog.add_dataset)."""
        from govern.registry import catalog

        return catalog.add_dataset(self, data, name=name, **kwargs)

    def register_model(self, model: Any = None, **kwargs: Any) -> Any:
        """Register a model version (see models.register_model)."""
        from govern.registry import models

        return models.register_model(self, model, **kwargs)

    def load_model(self, ref: str) -> Any:
        from govern.registry import models

        return models.load(self, ref)

    def load_dataset(self, ref: str) -> Any:
        from govern.registry import catalog

        return catalog.load(self, ref)

    def scorer(self, ref: str, **kwargs: Any) -> Any:
        """A scorer that logs every prediction of ``ref`` (see govern.provenance.Scorer)."""
        from govern.provenance import Scorer

        return Scorer(self, ref, **kwargs)

    def status(self, ref: str, as_of: str | None = None) -> Any:
        from govern.registry.status import status

        return status(self, ref, as_of)

    def inventory(self, as_of: str | None = None) -> Any:
        from govern.registry.inventory import inventory

        return inventory(self, as_of)

    # ---- reading ---------------------------------------------------------------------------

    def rows(self, table: Any, *where: Any, order: Any = None) -> list[Any]:
        query = select(table).where(*where)
        if order is not None:
            query = query.order_by(order)
        with self.ledger.engine.connect() as conn:
            return list(conn.execute(query).all())

    def entry(self, seq: int) -> Entry:
        return self.ledger.entry(seq)

    def policy(self, as_of: str | None = None) -> policy_mod.Policy:
        """The policy in force (the latest recorded, or the built-in defaults)."""
        where = [] if as_of is None else [proj.policies.c.ts <= as_of]
        rows = self.rows(proj.policies, *where, order=proj.policies.c.seq.desc())
        if not rows:
            return policy_mod.DEFAULT
        return policy_mod.from_dict(json.loads(rows[0].policy))

    def model_row(self, ref: Ref) -> Any:
        """The projection row of a model version; ``@latest`` resolves to the highest version."""
        where = [proj.models.c.name == ref.name]
        if ref.version is not None:
            where.append(proj.models.c.version == ref.version)
        rows = self.rows(proj.models, *where, order=proj.models.c.version.desc())
        if not rows:
            known = sorted({r.name for r in self.rows(proj.models)})
            raise NotFound(
                f"there is no model version {ref}",
                hint=f"registered models: {', '.join(known)}"
                if known
                else "no model is registered yet: `govern model add`",
            )
        return rows[0]

    def dataset_row(self, ref: Ref) -> Any:
        where = [proj.datasets.c.name == ref.name]
        if ref.version is not None:
            where.append(proj.datasets.c.version == ref.version)
        rows = self.rows(proj.datasets, *where, order=proj.datasets.c.version.desc())
        if not rows:
            raise NotFound(
                f"there is no dataset version {ref}",
                hint="register it first with `govern data add PATH --name NAME`",
            )
        return rows[0]

    # ---- maintenance -----------------------------------------------------------------------

    def rebuild(self) -> int:
        """Rebuild every projection from the ledger alone; return the entries replayed."""
        entries = list(self.ledger.entries(kinds=proj.KINDS))
        engine = self.ledger.engine
        with engine.connect().execution_options(govern_write=True) as conn, conn.begin():
            proj.rebuild(conn, entries)
        return len(entries)

    def verify(self, **kwargs: Any) -> VerifyReport:
        """Verify the ledger, then that the projections agree with it."""
        from govern.registry.signatures import KINDS as SIGNED
        from govern.registry.signatures import check_signed_entries

        report = verify_ledger(self.ledger, **kwargs)
        check_signed_entries(self.ledger.entries(kinds=SIGNED), self.origin)
        with self.ledger.engine.connect() as conn:
            if inspect(conn).has_table(proj.people.name):
                proj.check(conn, self.ledger.entries(kinds=proj.KINDS))
        return report


def _entry_in(conn: Connection, seq: int) -> Entry:
    from govern.ledger.schema import EntryRow

    table = EntryRow.__table__  # type: ignore[attr-defined]
    row = conn.execute(select(table).where(table.c.seq == seq)).one()
    return Entry(
        seq=row.seq,
        kind=row.kind,
        ts=row.ts,
        actor=row.actor,
        subject=row.subject,
        leaf=bytes(row.leaf),
        body=bytes(row.body),
    )
