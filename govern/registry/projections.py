"""Projections: the registry's tables, derived from the ledger alone.

Every table here is rebuilt by replaying the ledger (``rebuild``), is updated in the same
transaction as the entry that changes it (``apply``), and is checked against a fresh replay by
``check`` (run by ``govern verify``). Nothing is written here that the ledger does not say.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    inspect,
    select,
    update,
)

from govern.errors import ProjectionStale
from govern.ledger import Entry
from govern.records import (
    ApprovalSigned,
    DatasetRegistered,
    FindingClosed,
    FindingRaised,
    KeyRotated,
    ModelDeployed,
    ModelRegistered,
    ModelRetired,
    OutcomesRecorded,
    PersonEnrolled,
    PersonRevoked,
    PolicySet,
    Record,
    read,
)

metadata = MetaData()

datasets = Table(
    "reg_datasets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("format", String(20), nullable=False),
    Column("source", Text),
    Column("rows", BigInteger),
    Column("seq", BigInteger, nullable=False),
    Column("ts", String(27), nullable=False),
    Column("actor", String(256), nullable=False),
)

models = Table(
    "reg_models",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("leaf", String(64), nullable=False),
    Column("ts", String(27), nullable=False),
    Column("registered_by", String(256), nullable=False),
    Column("owner", String(256), nullable=False),
    Column("risk_tier", String(20), nullable=False),
    Column("task", String(20), nullable=False),
    Column("artifact_sha256", String(64), nullable=False),
    Column("artifact_format", String(20), nullable=False),
    Column("code_commit", String(64)),
    Column("threshold", String(40)),
)

people = Table(
    "reg_people",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("roles", String(200), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("fingerprint", String(100), nullable=False),
    Column("valid_from", String(27), nullable=False),
    Column("valid_until", String(27)),
    Column("revoked_at", String(27)),
    Column("seq", BigInteger, nullable=False),
)

findings = Table(
    "reg_findings",
    metadata,
    Column("model", String(120), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("severity", String(10), nullable=False),
    Column("type", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("raised_by", String(256), nullable=False),
    Column("raised_at", String(27), nullable=False),
    Column("due", String(27)),
    Column("status", String(10), nullable=False),
    Column("closed_by", String(256)),
    Column("closed_at", String(27)),
    Column("resolution", Text),
    Column("seq", BigInteger, nullable=False),
)

approvals = Table(
    "reg_approvals",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("model", String(120), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("signer", String(100), nullable=False),
    Column("fingerprint", String(100), nullable=False),
    Column("signed_at", String(27), nullable=False),
    Column("expires", String(27)),
    Column("conditions", Text),
)

deployments = Table(
    "reg_deployments",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("model", String(120), nullable=False, index=True),
    Column("env", String(50), nullable=False),
    Column("action", String(10), nullable=False),
    Column("ts", String(27), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("override", Boolean, nullable=False),
    Column("justification", Text),
)

policies = Table(
    "reg_policies",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts", String(27), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("policy", Text, nullable=False),
)

outcomes = Table(
    "reg_outcomes",
    metadata,
    Column("model", String(120), primary_key=True),
    Column("prediction_id", String(256), primary_key=True),
    Column("outcome", String(100), nullable=False),
    Column("observed_at", String(27)),
    Column("seq", BigInteger, nullable=False),
)

TABLES = [datasets, models, people, findings, approvals, deployments, policies, outcomes]


def create(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)


def apply(conn: Connection, entry: Entry, record: Record | None = None) -> None:
    """Update the projections for one entry (entries of other kinds change nothing).

    ``record`` is the entry's record when the caller has it (it wrote it); otherwise it is read
    from the entry.
    """
    handler = _HANDLERS.get(entry.kind)
    if handler is not None:
        handler(conn, entry, record if record is not None else read(entry))


def apply_all(conn: Connection, entries: Iterable[Entry]) -> None:
    for entry in entries:
        apply(conn, entry)


# ---- one row per entry: the same function for the stored tables and the fold -------------


def _person_row(e: Entry, r: PersonEnrolled) -> dict[str, Any]:
    return {
        "name": r.name,
        "roles": ",".join(r.roles),
        "public_key": r.ssh_public_key,
        "fingerprint": r.fingerprint,
        "valid_from": r.valid_from,
        "valid_until": r.valid_until,
        "revoked_at": None,
        "seq": e.seq,
    }


def _dataset_row(e: Entry, r: DatasetRegistered) -> dict[str, Any]:
    profile = r.profile_view
    return {
        "name": r.name,
        "version": r.version,
        "sha256": r.sha256,
        "format": r.format or "unknown",
        "source": r.source,
        "rows": None if profile is None else profile.rows,
        "seq": e.seq,
        "ts": e.ts,
        "actor": e.actor,
    }


def _model_row(e: Entry, r: ModelRegistered) -> dict[str, Any]:
    return {
        "name": r.name,
        "version": r.version,
        "seq": e.seq,
        "leaf": e.leaf.hex(),
        "ts": e.ts,
        "registered_by": e.actor,
        "owner": r.owner,
        "risk_tier": r.risk_tier,
        "task": r.task,
        "artifact_sha256": r.artifact.sha256,
        "artifact_format": r.artifact.format,
        "code_commit": r.code.commit,
        "threshold": r.threshold,
    }


def _finding_row(e: Entry, r: FindingRaised) -> dict[str, Any]:
    return {
        "model": r.model,
        "number": r.number,
        "severity": r.severity,
        "type": r.type,
        "text": r.text,
        "raised_by": e.actor,
        "raised_at": e.ts,
        "due": r.due,
        "status": "open",
        "closed_by": None,
        "closed_at": None,
        "resolution": None,
        "seq": e.seq,
    }


def _approval_row(e: Entry, r: ApprovalSigned) -> dict[str, Any]:
    st = r.statement
    return {
        "seq": e.seq,
        "model": st.model,
        "role": st.role,
        "decision": st.decision,
        "signer": st.signer,
        "fingerprint": r.fingerprint,
        "signed_at": e.ts,
        "expires": st.expires,
        "conditions": st.conditions,
    }


def _deployed_row(e: Entry, r: ModelDeployed) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "model": r.model,
        "env": r.env,
        "action": "deploy",
        "ts": e.ts,
        "actor": e.actor,
        "override": r.override is not None,
        "justification": None if r.override is None else r.override.justification,
    }


def _retired_row(e: Entry, r: ModelRetired) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "model": r.model,
        "env": r.env,
        "action": "retire",
        "ts": e.ts,
        "actor": e.actor,
        "override": False,
        "justification": None,
    }


def _policy_row(e: Entry, r: PolicySet) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "ts": e.ts,
        "actor": e.actor,
        "policy": json.dumps(r.policy, sort_keys=True),
    }


# ---- the stored tables ----------------------------------------------------------------------


def _person_enrolled(conn: Connection, e: Entry, r: Record) -> None:
    assert isinstance(r, PersonEnrolled)
    row = _person_row(e, r)
    if conn.execute(select(people.c.name).where(people.c.name == r.name)).first():
        conn.execute(update(people).where(people.c.name == r.name).values(**row))
    else:
        conn.execute(insert(people).values(**row))


def _person_revoked(conn: Connection, e: Entry, r: Record) -> None:
    assert isinstance(r, PersonRevoked)
    conn.execute(update(people).where(people.c.name == r.name).values(revoked_at=e.ts))


def _key_rotated(conn: Connection, e: Entry, r: Record) -> None:
    assert isinstance(r, KeyRotated)
    conn.execute(
        update(people)
        .where(people.c.name == r.name)
        .values(public_key=r.ssh_public_key, fingerprint=r.fingerprint)
    )


def _finding_closed(conn: Connection, e: Entry, r: Record) -> None:
    assert isinstance(r, FindingClosed)
    conn.execute(
        update(findings)
        .where(findings.c.model == r.model, findings.c.number == r.number)
        .values(status="closed", closed_by=e.actor, closed_at=e.ts, resolution=r.resolution)
    )


def _outcome_rows(e: Entry, r: OutcomesRecorded) -> list[dict[str, Any]]:
    return [
        {
            "model": r.model,
            "prediction_id": row.id,
            "outcome": row.outcome,
            "observed_at": row.observed_at,
            "seq": e.seq,
        }
        for row in r.rows
    ]


def _outcomes_recorded(conn: Connection, e: Entry, r: Record) -> None:
    assert isinstance(r, OutcomesRecorded)
    rows = _outcome_rows(e, r)
    fresh = [row for row, o in zip(rows, r.rows, strict=True) if o.supersedes is None]
    if fresh:
        conn.execute(insert(outcomes), fresh)
    for o in r.rows:
        if o.supersedes is not None:  # a correction replaces the row it supersedes
            conn.execute(
                update(outcomes)
                .where(outcomes.c.model == r.model, outcomes.c.prediction_id == o.id)
                .values(outcome=o.outcome, observed_at=o.observed_at, seq=e.seq)
            )


def _insert(table: Table, row_of: Callable[[Entry, Any], dict[str, Any]]) -> Handler:
    def handler(conn: Connection, e: Entry, r: Record) -> None:
        conn.execute(insert(table).values(**row_of(e, r)))

    return handler


Handler = Callable[[Connection, Entry, Record], None]
_INSERTS: dict[str, tuple[Table, Callable[[Entry, Any], dict[str, Any]]]] = {
    DatasetRegistered.KIND: (datasets, _dataset_row),
    ModelRegistered.KIND: (models, _model_row),
    FindingRaised.KIND: (findings, _finding_row),
    ApprovalSigned.KIND: (approvals, _approval_row),
    ModelDeployed.KIND: (deployments, _deployed_row),
    ModelRetired.KIND: (deployments, _retired_row),
    PolicySet.KIND: (policies, _policy_row),
}
_HANDLERS: dict[str, Handler] = {
    PersonEnrolled.KIND: _person_enrolled,
    PersonRevoked.KIND: _person_revoked,
    KeyRotated.KIND: _key_rotated,
    FindingClosed.KIND: _finding_closed,
    OutcomesRecorded.KIND: _outcomes_recorded,
    **{kind: _insert(table, row_of) for kind, (table, row_of) in _INSERTS.items()},
}
KINDS = tuple(_HANDLERS)


def _snapshot(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """The stored rows of every table; a table a registry made before it existed lacks (opened
    read-only, so not created) holds none."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    present = set(inspect(conn).get_table_names())
    for table in TABLES:
        if table.name not in present:
            out[table.name] = []
            continue
        key = list(table.primary_key.columns)
        rows = conn.execute(select(table).order_by(*key)).all()
        out[table.name] = [tuple(r) for r in rows]
    return out


# ---- the same tables, folded in memory ------------------------------------------------------
#
# ``Fold`` gives, from entries alone, the rows ``apply`` writes: the gates decide from it
# (registry/trusted.py) and ``check`` compares the stored tables with it, so every
# ``govern verify`` also checks that the two agree.

Rows = dict[tuple[Any, ...], dict[str, Any]]


class Fold:
    """The projections' rows, by table name and primary key, from entries applied in order."""

    def __init__(self) -> None:
        self.tables: dict[str, Rows] = {t.name: {} for t in TABLES}

    def apply(self, entry: Entry, record: Record) -> None:
        handler = _FOLDS.get(entry.kind)
        if handler is not None:
            handler(self.tables, entry, record)

    def rows(self, table: Table) -> list[tuple[Any, ...]]:
        """The table's rows as tuples in column order, by primary key."""
        names = [c.name for c in table.columns]
        held = self.tables[table.name]
        return [tuple(held[k][n] for n in names) for k in sorted(held)]


def _put(tables: dict[str, Rows], table: Table, row: dict[str, Any]) -> None:
    key = tuple(row[c.name] for c in table.primary_key.columns)
    tables[table.name][key] = {c.name: row.get(c.name) for c in table.columns}


def _edit(tables: dict[str, Rows], table: Table, key: tuple[Any, ...], **values: Any) -> None:
    row = tables[table.name].get(key)
    if row is not None:  # an UPDATE of no row changes nothing
        row.update(values)


def _fold_enrolled(t: dict[str, Rows], e: Entry, r: Record) -> None:
    assert isinstance(r, PersonEnrolled)
    _put(t, people, _person_row(e, r))


def _fold_revoked(t: dict[str, Rows], e: Entry, r: Record) -> None:
    assert isinstance(r, PersonRevoked)
    _edit(t, people, (r.name,), revoked_at=e.ts)


def _fold_rotated(t: dict[str, Rows], e: Entry, r: Record) -> None:
    assert isinstance(r, KeyRotated)
    _edit(t, people, (r.name,), public_key=r.ssh_public_key, fingerprint=r.fingerprint)


def _fold_closed(t: dict[str, Rows], e: Entry, r: Record) -> None:
    assert isinstance(r, FindingClosed)
    _edit(
        t,
        findings,
        (r.model, r.number),
        status="closed",
        closed_by=e.actor,
        closed_at=e.ts,
        resolution=r.resolution,
    )


def _fold_outcomes(t: dict[str, Rows], e: Entry, r: Record) -> None:
    assert isinstance(r, OutcomesRecorded)
    for row in _outcome_rows(e, r):
        _put(t, outcomes, row)


def _inserting(table: Table, row_of: Callable[[Entry, Any], dict[str, Any]]) -> FoldHandler:
    def fold(t: dict[str, Rows], e: Entry, r: Record) -> None:
        _put(t, table, row_of(e, r))

    return fold


FoldHandler = Callable[[dict[str, Rows], Entry, Record], None]
_FOLDS: dict[str, FoldHandler] = {
    PersonEnrolled.KIND: _fold_enrolled,
    PersonRevoked.KIND: _fold_revoked,
    KeyRotated.KIND: _fold_rotated,
    FindingClosed.KIND: _fold_closed,
    OutcomesRecorded.KIND: _fold_outcomes,
    **{kind: _inserting(table, row_of) for kind, (table, row_of) in _INSERTS.items()},
}


def replay(entries: Iterable[Entry]) -> dict[str, list[tuple[Any, ...]]]:
    """The projections a fresh replay of ``entries`` gives, computed in memory."""
    fold = Fold()
    for entry in entries:
        if entry.kind in _FOLDS:
            fold.apply(entry, read(entry))
    return {table.name: fold.rows(table) for table in TABLES}


def rebuild(conn: Connection, entries: Iterable[Entry]) -> None:
    """Throw the projections away and replay the ledger into them."""
    create(conn)
    for table in reversed(TABLES):
        conn.execute(delete(table))
    apply_all(conn, entries)


def disagreement(
    table: Table, expected: list[tuple[Any, ...]], stored: list[tuple[Any, ...]]
) -> ProjectionStale | None:
    """The error naming how ``stored`` rows of ``table`` differ from the ledger's, or None.

    The entry named is the first row's (by ``seq``) that is missing, extra or changed."""
    if stored == expected:
        return None
    want, have = set(expected), set(stored)
    missing = [r for r in expected if r not in have]
    extra = [r for r in stored if r not in want]
    at = table.columns.keys().index("seq")
    seqs = sorted({r[at] for r in missing} | {r[at] for r in extra})
    detail = f"{len(missing)} rows missing or changed, {len(extra)} rows not in the ledger"
    where = f" at entry {seqs[0]}" if seqs else ""
    return ProjectionStale(
        f"the registry table {table.name} disagrees with the ledger{where} ({detail})",
        hint="the ledger is the source of truth and decides: run `govern rebuild` to rebuild "
        "the registry tables from it, and find out who changed them",
    )


def check(conn: Connection, entries: Iterable[Entry]) -> None:
    """Raise ProjectionStale naming the first table whose rows differ from a fresh replay."""
    expected = replay(entries)
    stored = _snapshot(conn)
    for table in TABLES:
        error = disagreement(table, expected[table.name], stored[table.name])
        if error is not None:
            raise error
