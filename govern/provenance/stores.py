"""``govern verify --stores``: what lives outside the ledger, against what the ledger says of it.

Plain ``verify`` checks the ledger, its signatures and the registry tables, and keeps its speed;
``--stores`` also reads every byte the ledger only commits to (docs/ledger-format.md, "What
`govern verify --stores` adds"):

- every artifact a model or dataset entry names (the model file, the dataset file, a folder's
  manifest and each of its files), against its SHA-256 (``ArtifactTampered``, exit 19, or
  ``NotFound``, exit 4, when it is missing);
- every stored prediction input, against the commitment in its ``prediction.logged`` entry
  (``InputTampered``, exit 27); inputs erased under a lawful request are counted, not failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from govern.errors import InputTampered
from govern.ledger.entry import read_envelope
from govern.ledger.schema import EntryRow
from govern.provenance import inputs
from govern.provenance.canonical import commitment
from govern.records import DatasetRegistered, ModelRegistered, PredictionLogged

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["StoresReport", "check_stores"]

_E = EntryRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoresReport:
    artifacts: int  # stored artifacts read and hashed
    inputs: int  # stored inputs that match their commitments
    erased: int  # logged predictions whose input is no longer stored


def check_stores(reg: Registry, progress: Callable[[int], None] | None = None) -> StoresReport:
    """Check the artifact store and the input store against the ledger; raise the first
    failure. ``progress`` is called with the number of items checked since the last call."""
    digests: list[str] = []
    for entry in reg.ledger.entries(kinds=[ModelRegistered.KIND, DatasetRegistered.KIND]):
        if entry.kind == ModelRegistered.KIND:
            digests.append(ModelRegistered.from_entry(entry).artifact.sha256)
        else:
            data = DatasetRegistered.from_entry(entry)
            digests.append(data.sha256)
            digests.extend(f.sha256 for f in data.files or ())
    seen: set[str] = set()
    for digest in digests:
        if digest not in seen:
            seen.add(digest)
            reg.artifacts.get_bytes(digest)  # NotFound or ArtifactTampered
        if progress is not None:
            progress(1)
    checked = 0
    with reg.ledger.engine.connect() as conn:
        if not inputs.present(conn):
            stored = 0
        else:
            query = (
                select(
                    _E.c.seq, _E.c.kind, _E.c.body, inputs.table.c.salt, inputs.table.c.input_row
                )
                .select_from(inputs.table.outerjoin(_E, _E.c.seq == inputs.table.c.seq))
                .order_by(inputs.table.c.seq)
            )
            for seq, kind, body, salt, row in conn.execution_options(yield_per=10_000).execute(
                query
            ):
                if kind != PredictionLogged.KIND:
                    raise InputTampered(
                        f"the input store holds an input for entry {seq}, which is "
                        f"{'not in the ledger' if kind is None else f'a {kind} entry'}",
                        hint="the input store is written only with predictions: find out who "
                        "wrote this row, then delete it",
                    )
                scanned = PredictionLogged.scan(read_envelope(bytes(body), seq).payload_json)
                if commitment(bytes(salt), bytes(row)) != scanned.input_commitment:
                    raise InputTampered(
                        f"the stored input of entry {seq} (prediction {scanned.id!r}) "
                        "does not match its commitment in the ledger: it was changed after the "
                        "decision",
                        hint="the ledger's commitment stands; restore the input store from a "
                        "backup, and treat look-ups of this decision as unreliable",
                    )
                checked += 1
                if progress is not None and checked % 10_000 == 0:
                    progress(10_000)
            stored = checked
        logged = conn.execute(
            select(func.count()).select_from(_E).where(_E.c.kind == PredictionLogged.KIND)
        ).scalar_one()
    if progress is not None:
        progress(checked % 10_000)
    return StoresReport(artifacts=len(seen), inputs=stored, erased=max(logged - stored, 0))
