"""Erasure: delete a prediction's input and salt, and any designated-attribute values a group
file stored for it, for a lawful request; log that it was done.

The ledger keeps the commitment, so it verifies exactly as before; a ``prediction.erased``
entry records who erased what, when and why, in the same transaction as the delete. On SQLite
the delete runs with ``secure_delete`` on (the row's bytes are overwritten with zeros) and the
write-ahead log is then checkpointed and truncated, so no copy of the input is left in the
database file or its -wal file. PostgreSQL keeps a deleted row's bytes in the table file until
VACUUM reuses the space, and in its WAL and base backups for as long as those are kept: the
result lists this residue, and docs/provenance.md says what a bank must do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from govern.errors import BadInput, Conflict, PolicyViolation
from govern.ledger import Appended, Entry
from govern.provenance import inputs
from govern.provenance.events import ERASED, events, logged
from govern.provenance.retention import retention
from govern.records import ExplanationGenerated, PredictionErased, subjects
from govern.registry import authority, groups

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["Erasure", "erase"]

PG_RESIDUE = (
    "PostgreSQL keeps the deleted row's bytes in the table file until VACUUM reuses the space "
    "(VACUUM FULL prediction_inputs rewrites the table), and in WAL archives and base backups "
    "until they expire"
)


@dataclass(frozen=True)
class Erasure:
    """What an erasure did."""

    prediction_id: str
    prediction_entry: int
    entry: Entry
    keep_until: str
    within_retention: bool
    wal_truncated: bool | None
    residue: tuple[str, ...]
    groups_erased: int = 0  # designated-attribute values (`govern groups add`) deleted with it
    # the reports govern wrote and recorded that hold this decision's input (decision
    # explanations: file, sha256, entry), for the bank to destroy; govern cannot reach them
    reports: tuple[str, ...] = ()
    #: what else may hold the input, beyond govern's reach (docs/provenance.md)
    beyond: tuple[str, ...] = (
        "the files given to `govern score` and any copies of them",
        "the registered training and holdout data, which the ledger commits to and which "
        "must stay as registered",
        "provenance reports written with `govern provenance -o` (not recorded in the ledger)",
    )


#: The role whose signed override lets an input go before its retention period ends.
PRIVACY_OFFICER = "privacy-officer"


def _reports(reg: Registry, model: str, prediction_id: str) -> tuple[str, ...]:
    """The decision explanations of ``prediction_id`` that govern recorded writing (each a file
    that holds the input's values)."""
    out = []
    for e in reg.ledger.checked(
        subject=subjects.explanation(model), kinds=[ExplanationGenerated.KIND]
    ):
        r = ExplanationGenerated.from_entry(e)
        if r.kind == "decision" and r.row == prediction_id:
            out.append(f"{r.report.file} (sha256 {r.report.sha256}, entry {e.seq})")
    return tuple(out)


def erase(
    reg: Registry, prediction_id: str, *, reason: str, retention_override: str | None = None
) -> Erasure:
    """Delete the stored input and salt of ``prediction_id`` and log a ``prediction.erased``
    entry, in one transaction. Refuses an unknown id, an input already erased, and an empty
    reason; within the retention period, refuses unless a privacy officer signs it with
    ``retention_override`` (why the record may go before its time)."""
    if not reason or not reason.strip():
        raise BadInput(
            "an erasure needs a reason (the request it answers, e.g. 'GDPR Art. 17 request "
            "2026-118')"
        )
    found = events(reg, prediction_id)
    entry, prediction = logged(found, prediction_id)
    done = [e for e in found if e.kind == ERASED]
    if done:
        raise Conflict(
            f"the input of prediction {prediction_id!r} was already erased (entry {done[0].seq}, "
            f"{done[0].ts[:10]})"
        )
    keep = retention(entry.ts)
    today = datetime.now(UTC).date().isoformat()
    within = keep.in_force(today)
    override = (retention_override or "").strip() or None
    if within:
        if override is None:
            raise PolicyViolation(
                f"prediction {prediction_id!r} must be kept until {keep.keep_until} (Reg B 12 "
                "CFR 1002.12(b), EU AI Act Art. 19): erasing it before then needs a privacy "
                "officer's signed override; nothing was erased",
                hint="a privacy officer runs `govern erase ID --reason TEXT "
                "--retention-override 'the lawful basis for erasing it now'`",
            )
        _signer, person = authority.acting(reg)
        if PRIVACY_OFFICER not in person.roles:
            raise PolicyViolation(
                f"only a privacy officer may override the retention period; {person.name} "
                f"holds {', '.join(person.roles) or 'no role'}; nothing was erased",
                hint="the bank's privacy officer signs the erasure (`govern people add NAME "
                "--role privacy-officer` enrols one)",
            )
    elif override is not None:
        raise BadInput(
            f"prediction {prediction_id!r} is past its retention period (kept until "
            f"{keep.keep_until}): there is no retention period to override",
            hint="erase it without --retention-override",
        )
    record = PredictionErased(
        subject=prediction_id,
        prediction_entry=entry.seq,
        prediction_leaf=entry.leaf.hex(),
        input_commitment=prediction.input_commitment,
        reason=reason,
        retain_until=keep.keep_until,
        within_retention=within,
        retention_override=override,
    )

    groups_erased = 0

    def drop(conn: Connection, _done: Appended) -> None:
        nonlocal groups_erased
        if not inputs.delete(conn, entry.seq):
            raise Conflict(
                f"prediction {prediction_id!r} has no stored input to erase (entry "
                f"{entry.seq}); nothing was written",
                hint="it may have been erased by another writer just now; look it up with "
                "`govern provenance`",
            )
        # the designated attributes a group file stored for this prediction go with its input
        groups_erased = groups.delete_in(conn, [prediction_id])

    written = reg.record(record, extra=drop)
    residue: tuple[str, ...] = ()
    wal: bool | None = None
    engine = reg.ledger.engine
    if engine.dialect.name == "sqlite":
        wal = inputs.scrub_sqlite(engine)
        if not wal:
            residue = (
                "another process kept SQLite from truncating its write-ahead log; the old "
                "page stays in the -wal file until the next complete checkpoint "
                "(PRAGMA wal_checkpoint(TRUNCATE))",
            )
    else:
        residue = (PG_RESIDUE,)
    return Erasure(
        reports=_reports(reg, prediction.model, prediction_id),
        prediction_id=prediction_id,
        prediction_entry=entry.seq,
        entry=written,
        keep_until=keep.keep_until,
        within_retention=within,
        wal_truncated=wal,
        residue=residue,
        groups_erased=groups_erased,
    )
