"""The registry: the model inventory SR 11-7 asks for, on top of the ledger.

``Registry`` ties a ledger to its artifact store and the person acting. Every write is one ledger
entry (or one batch) holding a typed record (``govern.records``), whose projections are updated
in the same transaction. The idea modules (catalog, models, people, findings, approvals,
deployments, status, inventory) hold the logic; this class is their shared handle, and its
shortcut methods call them.
"""

from __future__ import annotations

import dataclasses
import getpass
import importlib
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Connection, inspect, select

from govern.errors import GovernError, PolicyViolation, SignatureInvalid
from govern.ledger import Appended, Entry, Ledger, resolve_url, verify_ledger
from govern.ledger.db import sqlite_path
from govern.ledger.entry import check_entry
from govern.ledger.note import Verifier
from govern.ledger.verify import VerifyReport
from govern.records import PersonEnrolled, PolicySet, Record, SignaturesRequired, read
from govern.registry import erasable, readlog
from govern.registry import policy as policy_mod
from govern.registry import projections as proj
from govern.registry.artifacts import ArtifactStore
from govern.registry.audit import AuditReport
from govern.registry.identity import SIGN_HINT, KeySigner
from govern.registry.statements import Presigned, write_statement

if TYPE_CHECKING:
    import pandas as pd

    from govern.registry.codeversion import CodeVersion
    from govern.registry.entities import DatasetVersion, ModelVersion, Person
    from govern.registry.inventory import InventoryRow
    from govern.registry.outcomes import OutcomesAdded
    from govern.registry.status import Status
    from govern.registry.trusted import View


_RECORD_CACHE = 4096
#: The rule a ``log.signatures_required`` entry states (docs/identity.md).
SIGNED_ENTRIES = "every entry a person or service makes is signed by them"
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

    def __init__(
        self,
        ledger: Ledger,
        artifacts: ArtifactStore,
        actor: str,
        *,
        signer: KeySigner | None = None,
        claimed: str | None = None,
    ) -> None:
        self.ledger = ledger
        self.artifacts = artifacts
        self.actor = actor
        # The key that signs this registry's writes, and the name given with --as (which must
        # be the key's person).
        self.signer = signer
        self.claimed = claimed
        # Called with each record before it is signed: the CLI shows what is being signed.
        self.on_sign: Callable[[Record], None] | None = None
        # The two-step flow: write the statement instead of signing (``statement_out``), or
        # use a statement signed elsewhere (``presigned``) for the next record.
        self.statement_out: Path | None = None
        self.presigned: Presigned | None = None
        self._signing_required: bool | None = None
        # Entries never change once written: their records are parsed once per process, found
        # by (seq, leaf hash) so that another entry at that position is never taken for them.
        self._records: OrderedDict[tuple[int, str], tuple[Entry, Record]] = OrderedDict()
        # What the gates decide from: the verified governance entries (``trusted.py``).
        self._view: View | None = None
        if not ledger.readonly:
            with ledger.engine.connect() as conn:
                present = set(inspect(conn).get_table_names())
            wanted = (
                {t.name for t in proj.TABLES}
                | {t.name for t in erasable.metadata.tables.values()}
                | {readlog.ACCESS_LOG.name}
            )
            if not wanted <= present:  # made before some of these tables existed: derive them
                self.rebuild()

    @classmethod
    def open(
        cls,
        db: str | None = None,
        *,
        actor: str | None = None,
        artifacts: Path | None = None,
        readonly: bool = False,
        key: Path | KeySigner | None = None,
    ) -> Registry:
        """Open a registry; ``key`` (a key file or a signer) signs its writes, ``actor`` (the
        ``--as`` name) must then be the key's person."""
        url = resolve_url(db)
        ledger = Ledger.open(url, readonly=readonly)
        root = artifacts or default_artifacts_dir(url)
        reg = cls(ledger, ArtifactStore(root), actor or default_actor(), claimed=actor)
        if key is not None:
            try:
                reg.use_key(key, claimed=actor)
            except GovernError:
                reg.close()
                raise
        return reg

    def use_key(self, key: Path | KeySigner, *, claimed: str | None = None) -> Person:
        """Sign this registry's writes with ``key``; its enrolled person becomes the actor
        (``claimed``, a name given with ``--as``, must be theirs)."""
        from govern.registry import authority
        from govern.registry.identity import load_signer

        signer = key if isinstance(key, KeySigner) else load_signer(Path(key))
        person = authority.identify(self, signer, claimed=claimed)
        self.signer, self.actor, self.claimed = signer, person.name, claimed
        return person

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

    def record(
        self,
        record: Record,
        *,
        actor: str | None = None,
        key: KeySigner | None = None,
        extra: Callable[[Connection, Appended], None] | None = None,
    ) -> Entry:
        """Sign (or check the signature of) one record and append it, with its projections."""
        return self.record_batch([record], actor=actor, key=key, extra=extra)[0]

    def record_batch(
        self,
        records: Sequence[Record],
        *,
        actor: str | None = None,
        key: KeySigner | None = None,
        extra: Callable[[Connection, Appended], None] | None = None,
    ) -> list[Entry]:
        """Append records as one transaction (all or none), projections included.

        A record a person makes is signed here with ``key`` (or the registry's signer) after the
        policy is checked, or, when it already carries a signature (signed elsewhere), its
        signer is identified and checked the same way; the entry's actor is that person. The
        first signed write to a ledger from before signatures records that they are required
        from then on (``log.signatures_required``). ``extra`` runs in the same transaction.
        """
        ready, who, marked = self.sign_records(records, actor=actor, key=key)
        prepared = [self.ledger.prepare(r.KIND, r.to_payload(), who) for r in ready]
        written: list[Entry] = []

        def project(conn: Connection, done: Appended) -> None:
            for offset, record in enumerate(ready):
                entry = self.ledger.read_entry(conn, done.first_seq + offset)
                proj.apply(conn, entry, record)
                written.append(entry)
            if extra is not None:
                extra(conn, done)

        self.ledger.append_prepared(prepared, extra=project)
        self._signing_required = self._signing_required or bool(marked)
        return written[marked:]

    def sign_records(
        self,
        records: Sequence[Record],
        *,
        actor: str | None = None,
        key: KeySigner | None = None,
    ) -> tuple[list[Record], str, int]:
        """The records as they will be appended (signed, or their signatures checked), the
        actor of their entries, and 1 when a ``log.signatures_required`` entry leads them."""
        from govern.registry import authority

        ready: list[Record] = []
        who = actor or self.actor
        for record in records:
            if record.PURPOSE is None:
                ready.append(record)
                continue
            if getattr(record, "signature", None) is None and (
                self.statement_out is not None or self.presigned is not None
            ):
                record = self._two_step(record)
            if getattr(record, "signature", None) is not None:
                record, person = authority.submit(self, record, claimed=actor or self.claimed)
            else:
                signer = key or self.signer
                if signer is None:
                    raise PolicyViolation(
                        f"a {record.KIND} entry must be signed by who makes it",
                        hint=SIGN_HINT,
                    )
                if self.on_sign is not None:
                    self.on_sign(record)
                record = authority.sign(self, record, signer, claimed=actor or self.claimed)
                person = authority.identify(self, signer)
            ready.append(record)
            who = person.name
        marked = 0
        if any(r.PURPOSE is not None for r in ready) and not self.signing_required():
            ready.insert(0, self._signatures_required())
            marked = 1
        return ready, who, marked

    def _two_step(self, record: Record) -> Record:
        """The statement written for signing elsewhere, or the record with the signature made
        there (it must sign exactly what this command would record now)."""
        from govern.registry import authority

        statement = authority.statement_bytes(record)
        ns = authority.namespace_of(self, record)
        if self.statement_out is not None:
            write_statement(self.statement_out, statement, record.KIND, ns)
        assert self.presigned is not None
        if self.presigned.statement != statement:
            raise SignatureInvalid(
                f"the statement in {self.presigned.path} is not what this command records now "
                "(its inputs or the ledger changed since it was written)",
                hint="write a fresh statement with --statement-out, sign it, and run again",
            )
        signature, self.presigned = self.presigned.signature, None
        return dataclasses.replace(record, signature=signature)  # type: ignore[call-arg]

    def signed_entries_written(self) -> None:
        """Tell the registry a signed entry was written outside ``record_batch``."""
        self._signing_required = True

    def signing_required(self) -> bool:
        """Whether the ledger already requires signed entries: its first administrator's
        enrolment is signed (a registry made by this version), or it says so."""
        if self._signing_required is None:
            first = list(self.ledger.entries(start=1, stop=2))
            signed = (
                bool(first)
                and first[0].kind == PersonEnrolled.KIND
                and (PersonEnrolled.from_entry(first[0]).signature is not None)
            )
            marked = next(iter(self.ledger.entries(kind=SignaturesRequired.KIND, limit=1)), None)
            self._signing_required = signed or marked is not None
        return self._signing_required

    def _signatures_required(self) -> SignaturesRequired:
        from govern._version import __version__

        return SignaturesRequired(subject="log", rule=SIGNED_ENTRIES, govern_version=__version__)

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
        favorable_label: object = None,
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
            favorable_label=favorable_label,
            threshold=threshold,
            code=code,
            code_path=code_path,
            allow_dirty=allow_dirty,
            artifact_file=artifact_file,
            trust_pickle=trust_pickle,
        )

    def outcomes(
        self,
        data: Path | pd.DataFrame,
        *,
        id_col: str,
        outcome_col: str,
        observed_at_col: str | None = None,
    ) -> OutcomesAdded:
        """Record realised outcomes of logged predictions (``outcomes.add_outcomes``)."""
        from govern.registry.outcomes import add_outcomes

        return add_outcomes(
            self, data, id_col=id_col, outcome_col=outcome_col, observed_at_col=observed_at_col
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
            query = query.order_by(*order) if isinstance(order, list) else query.order_by(order)
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
        entry = check_entry(self.ledger.entry(seq), self.origin)
        record = self.parsed(entry)
        if not isinstance(record, kind):
            kind.from_entry(entry)  # raises EntryMalformed: another kind of entry
        return entry, cast(R, record)

    def parsed(self, entry: Entry) -> Record:
        """The record of ``entry`` (already read and checked by the caller), parsed once."""
        key = (entry.seq, entry.leaf.hex())
        hit = self._records.get(key)
        if hit is not None and hit[0].body == entry.body:
            return hit[1]
        record = read(entry)
        self._records[key] = (entry, record)
        if len(self._records) > _RECORD_CACHE:
            self._records.popitem(last=False)
        return record

    def policy(self, as_of: str | None = None) -> policy_mod.Policy:
        """The policy in force (the latest recorded, or the built-in defaults), from the
        verified ledger (``trusted.py``)."""
        from govern.registry import trusted

        rows = trusted.rows(
            self, proj.policies, keep=None if as_of is None else (lambda r: r.ts <= as_of)
        )
        if not rows:
            return policy_mod.DEFAULT
        _entry, recorded = self.recorded(PolicySet, rows[-1].seq)
        return policy_mod.from_dict(dict(recorded.policy))

    # ---- maintenance -----------------------------------------------------------------------

    def rebuild(self) -> int:
        """Rebuild every projection from the ledger alone; return the entries replayed. The
        erasable tables are created if missing (their rows are not derived: they stay)."""
        entries = list(self.ledger.entries(kinds=proj.KINDS))
        engine = self.ledger.engine
        with engine.connect().execution_options(govern_write=True) as conn, conn.begin():
            proj.rebuild(conn, entries)
            erasable.create(conn)
            readlog.create(conn)
        return len(entries)

    def verify(
        self,
        *,
        checkpoint: str | None = None,
        verifier: Verifier | None = None,
        progress: Callable[[int], None] | None = None,
        parallel: bool | None = None,
    ) -> Verified:
        """Verify the ledger (``verify_ledger``), then who made each entry and whether they
        were allowed to (``audit``), then that the projections agree with it."""
        from govern.records import PersonRevoked
        from govern.registry.audit import audit

        report = verify_ledger(
            self.ledger,
            checkpoint=checkpoint,
            verifier=verifier,
            progress=progress,
            parallel=parallel,
        )
        self._check_unique_predictions()
        authority = audit(
            self.ledger.entries(),
            self.origin,
            revocations=self.ledger.entries(kind=PersonRevoked.KIND),
        )
        self._check_witnesses()
        with self.ledger.engine.connect() as conn:
            if inspect(conn).has_table(proj.people.name):
                proj.check(conn, self.ledger.entries(kinds=proj.KINDS))
        return Verified(report, authority)

    def _check_unique_predictions(self) -> None:
        """One logged prediction per id: the append refuses a second, so two mean the log was
        written around its checks (``DuplicatePrediction``, exit 40). The subject column was
        checked against every entry's bytes before this runs."""
        from sqlalchemy import func

        from govern.errors import DuplicatePrediction
        from govern.ledger.schema import EntryRow
        from govern.records import PredictionLogged

        e = EntryRow.__table__  # type: ignore[attr-defined]
        query = (
            select(e.c.subject, func.min(e.c.seq), func.max(e.c.seq))
            .where(e.c.kind == PredictionLogged.KIND)
            .group_by(e.c.subject)
            .having(func.count() > 1)
            .limit(1)
        )
        with self.ledger.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is not None:
            raise DuplicatePrediction(
                f"entries {row[1]} and {row[2]} are both the prediction with id {row[0]!r}: an id "
                "must name one decision",
                hint="the log was written around govern's checks: restore it from a backup and "
                "find out who wrote it",
            )

    def _check_witnesses(self) -> None:
        """Every approval statement names the log state its signer reviewed (size and root): the
        log must still hold that state, so rewriting history behind an officer's signature is
        caught without an external checkpoint (docs/ledger-format.md, "What `govern verify`
        checks")."""
        import base64

        from govern.errors import InconsistentWithCheckpoint
        from govern.records import ApprovalSigned

        for entry in self.ledger.entries(kind=ApprovalSigned.KIND):
            st = ApprovalSigned.from_entry(entry).statement
            size = st.checkpoint.size
            if not 0 < size <= entry.seq or (
                base64.b64encode(self.ledger.root_at(size)).decode() != st.checkpoint.root
            ):
                raise InconsistentWithCheckpoint(
                    f"entry {entry.seq}: {st.signer} signed {st.model} having reviewed the log at "
                    f"size {size}, and the log no longer holds that state: history was "
                    "rewritten behind a signed approval",
                    seq=entry.seq,
                    hint="verify against a checkpoint you hold (`govern verify --checkpoint "
                    "FILE`) and restore the log from a backup",
                )


@dataclass(frozen=True)
class Verified:
    """A registry that verified: its ledger (``govern.ledger.verify``) and who wrote it
    (``audit``)."""

    ledger: VerifyReport
    authority: AuditReport

    @property
    def origin(self) -> str:
        return self.ledger.origin

    @property
    def size(self) -> int:
        return self.ledger.size

    @property
    def root(self) -> bytes:
        return self.ledger.root


__all__ = ["Registry", "Verified", "default_actor", "default_artifacts_dir"]
