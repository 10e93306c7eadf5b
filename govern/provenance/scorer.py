"""Scoring with a registered model, every prediction logged: ``Scorer(registry, "credit-risk@3")``.

A ``Scorer`` wraps a registered model version. ``predict_proba`` and ``predict`` return what the
estimator returns; ``decide`` applies the registered threshold. Every call logs its predictions
as one batch of ``prediction.logged`` entries in one transaction, with their inputs and salts
written to the erasable input store in that same transaction (docs/provenance.md):

- each prediction has an id, given or generated (a time-ordered UUID 7) and returned;
- the output is written as decimal strings (Python's ``repr`` of the float, the shortest text
  that reads back as the same double) so it can be compared exactly on re-scoring;
- the input is committed to as SHA-256(salt || canonical row) (``canonical.py``);
- a version that is not deployed and approved at that moment is refused, unless the caller gives
  an override reason, which every payload of the batch records; a version whose approval went
  stale is refused whatever reason is given, unless an approver signed an override of it when
  deploying it (``Status.may_score``); "that moment" is the batch's
  place in the log: if another writer appended anything but predictions between the status
  check and the append, the status is decided again inside the append's transaction;
- data whose columns or types do not match the registered features is refused (BadInput naming
  the column), and so are duplicate ids (within the batch or already logged): nothing is logged.

The model is always called on a multiple of ``PAD`` rows (the last row repeated, its copies
discarded). BLAS kernels compute a trailing partial block of rows with another summation order,
which changes the last bit of a linear model's score; padding puts every row in a full block,
and the re-score (``lookup.py``) scores the stored row as ``PAD`` identical rows, so the two agree
bit for bit.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from govern.errors import (
    ApprovalStale,
    BadInput,
    Conflict,
    DuplicatePrediction,
    ModelNotDeployed,
    PolicyViolation,
)
from govern.ledger import Appended, Entry
from govern.ledger.entry import PreparedEntry
from govern.ledger.jcs import canonicalize
from govern.ledger.template import PayloadTemplate, string_bodies
from govern.provenance import inputs
from govern.provenance.canonical import SALT_BYTES, canonical_rows
from govern.provenance.events import KINDS, LOGGED
from govern.records import PredictionBatch, PredictionLogged, PredictionOutput, ScoringOverride
from govern.registry import authority, models, tables
from govern.registry import decisions as decisions_mod
from govern.registry.status import STALE, Status, status
from govern.registry.tables import read_table

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = [
    "KIND",
    "PAD",
    "LoggedBatch",
    "Scorer",
    "ScoringInput",
    "new_ids",
    "read_scoring_file",
    "score_file",
    "score_input",
]

KIND = LOGGED
PAD = 16
MAX_ID_LENGTH = 256  # the ledger's indexed subject column
Method = Literal["predict_proba", "predict", "decide"]
Progress = Callable[[int], None]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def new_ids(n: int) -> list[str]:
    """``n`` new prediction ids: UUIDs version 7 (RFC 9562 5.7), the time in milliseconds then
    74 random bits from one call to the system's CSPRNG. Time-ordered ids land together at the
    end of the ledger's subject index instead of on random pages all over it, which keeps each
    batch's writes small as the log grows."""
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    ms = time.time_ns() // 1_000_000
    raw[:, :6] = np.frombuffer(ms.to_bytes(6, "big"), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return [
        f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        for h in (text[i : i + 32] for i in range(0, 32 * n, 32))
    ]


@dataclass(frozen=True)
class LoggedBatch:
    """One logged call: the predictions' ids, entries, outputs and the override, if any."""

    model: str
    ids: tuple[str, ...]
    first_seq: int
    ts: str
    scores: tuple[str, ...]
    decisions: tuple[str | None, ...]
    override: ScoringOverride | None = None
    id_column: str = "prediction_id"
    # the decision policy's action per prediction (empty: the version has no decision policy)
    actions: tuple[str, ...] = ()
    # per prediction, what in its input lies outside the training data (`govern score`; empty
    # when not checked)
    warnings: tuple[str, ...] = ()
    # each prediction's entry, when they are not one run of positions (a file committed in
    # chunks, or resumed); empty: ``first_seq`` onwards
    entries: tuple[int, ...] = ()
    # per prediction, whether it was logged before and reported from the ledger (`--resume`)
    resumed: tuple[bool, ...] = ()

    @property
    def flagged(self) -> int:
        """How many predictions had an input outside the training data."""
        return sum(1 for w in self.warnings if w)

    @property
    def seqs(self) -> Sequence[int]:
        if self.entries:
            return self.entries
        return range(self.first_seq, self.first_seq + len(self.ids))

    @property
    def reported(self) -> int:
        """How many predictions were logged before and only reported (`--resume`)."""
        return sum(self.resumed)

    def __len__(self) -> int:
        return len(self.ids)

    def frame(self) -> pd.DataFrame:
        """One row per prediction: id, score, decision and ledger entry."""
        return pd.DataFrame(
            {
                self.id_column: list(self.ids),
                "score": list(self.scores),
                "decision": list(self.decisions),
                **({"action": list(self.actions)} if self.actions else {}),
                "entry": list(self.seqs),
                **({"warnings": list(self.warnings)} if self.warnings else {}),
                **({"resumed": list(self.resumed)} if any(self.resumed) else {}),
            }
        )

    def write_csv(self, path: Path) -> Path:
        """The batch as CSV; ids a spreadsheet would run as formulas are written as text."""
        tables.spreadsheet_safe(self.frame()).to_csv(path, index=False)
        return path


class Scorer:
    """A registered model version whose every prediction is logged (see the module doc).

    ``override`` is the reason for scoring with a version that is not deployed and approved;
    without it such a version is refused. ``product`` names the decision type (recorded).
    ``last`` is the LoggedBatch of the latest call.
    """

    def __init__(
        self,
        reg: Registry,
        ref: str,
        *,
        override: str | None = None,
        product: str | None = None,
        actor: str | None = None,
    ) -> None:
        mv = models.resolve(reg, ref)
        self.reg = reg
        self.version = mv
        self.ref = mv.ref
        self.model_entry: str = mv.leaf
        # Predictions are signed, once per batch, by the enrolled person or service whose key
        # the registry signs with (docs/provenance.md, "Signed batches").
        self.signer, self.person = authority.acting(reg)
        if actor is not None and actor != self.person.name:
            raise PolicyViolation(
                f"the registry signs as {self.person.name}, not {actor}: a scorer logs "
                "predictions in the name of the key that signs them"
            )
        self.actor = self.person.name
        self.schema = models.schema_of(mv)
        self.features = list(self.schema.names)
        self.task: str = mv.task
        self.threshold: str = mv.threshold
        self._threshold = float(self.threshold)
        if override is not None and not override.strip():
            raise BadInput("an override needs a reason: say why this version may score now")
        self.override = override
        if product is not None and not product.strip():
            raise BadInput("the product (decision type), when given, must not be empty")
        self.product = product
        self.model = models.load(reg, mv)
        self.positive_label: str | None = mv.record.positive_label
        self._pos = 0
        self._labels: tuple[str, str] | None = None
        if self.task == "classification":
            classes = [str(c) for c in getattr(self.model, "classes_", [])]
            if len(classes) != 2 or self.positive_label not in classes:
                raise BadInput(
                    f"{self.ref} has classes {', '.join(classes) or 'unknown'}; govern logs "
                    "binary classifiers (and regressors) only"
                )
            self._pos = classes.index(self.positive_label)
            self._labels = (classes[1 - self._pos], classes[self._pos])  # (below, at or above)
        # The decision policy in force when the scorer was made; one registered later makes the
        # approval stale, which the status check before every batch refuses.
        self.decision_policy = (
            decisions_mod.current(reg, mv.ref) if self.task == "classification" else None
        )
        self.last: LoggedBatch | None = None
        # (ledger size, when) of the last status check that let this version score
        self._allowed: tuple[int, float] | None = None
        self._quiet = False  # the last status check reused the one before (see there)
        inputs.ensure(reg.ledger.engine)

    # ---- the estimator's interface, logged ------------------------------------------------

    def predict_proba(
        self,
        X: pd.DataFrame,
        *,
        ids: Sequence[str | int] | None = None,
        subject_keys: Sequence[str] | None = None,
    ) -> np.ndarray:
        """The estimator's ``predict_proba``; every row logged (ids in ``self.last.ids``)."""
        if self.task != "classification":
            raise BadInput(f"{self.ref} is a regressor: it has no predict_proba")
        _batch, raw = self.log(X, ids=ids, subject_keys=subject_keys, method="predict_proba")
        return raw

    def predict(
        self,
        X: pd.DataFrame,
        *,
        ids: Sequence[str | int] | None = None,
        subject_keys: Sequence[str] | None = None,
    ) -> np.ndarray:
        """The estimator's ``predict``; every row logged (ids in ``self.last.ids``)."""
        _batch, raw = self.log(X, ids=ids, subject_keys=subject_keys, method="predict")
        return raw

    def decide(
        self,
        X: pd.DataFrame,
        *,
        ids: Sequence[str | int] | None = None,
        subject_keys: Sequence[str] | None = None,
    ) -> LoggedBatch:
        """Score and apply the registered threshold (score >= threshold: the positive label)."""
        if self.task != "classification":
            raise BadInput(f"{self.ref} is a regressor: it has no threshold to decide with")
        batch, _raw = self.log(X, ids=ids, subject_keys=subject_keys, method="decide")
        return batch

    # ---- the work -------------------------------------------------------------------------

    def log(
        self,
        X: pd.DataFrame,
        *,
        ids: Sequence[str | int] | None = None,
        subject_keys: Sequence[str] | None = None,
        method: Method = "decide",
        progress: Progress | None = None,
        id_column: str = "prediction_id",
        token: str | None = None,
    ) -> tuple[LoggedBatch, np.ndarray]:
        """Score ``X`` and log every row as one batch; return it and the estimator's output
        (``token``: the id of the bearer token the rows came through, recorded with each)."""
        if not isinstance(X, pd.DataFrame):
            raise BadInput(
                f"{self.ref} scores a pandas DataFrame with the registered feature columns, "
                f"not a {type(X).__name__}"
            )
        n = len(X)
        if n == 0:
            raise BadInput("there is nothing to score: the data has no rows")
        self.schema.check(X, what="the data to score")
        given = ids is not None
        id_list = _check_ids(ids, n) if ids is not None else new_ids(n)
        keys = _check_subject_keys(subject_keys, n)
        override, seen = self._check_status()
        frame = X[self.features]
        raw, scores, decisions, labels = self._score(frame, method)
        actions = (
            self.decision_policy.apply(raw if raw.ndim == 1 else raw[:, self._pos])
            if self.decision_policy is not None and method == "decide"
            else None
        )
        rows = canonical_rows(frame, self.features)
        if progress is not None:
            progress(n)
        salts_blob = os.urandom(SALT_BYTES * n)
        salts = [salts_blob[i : i + SALT_BYTES] for i in range(0, SALT_BYTES * n, SALT_BYTES)]
        sha = hashlib.sha256
        digests = b"".join([sha(s + r).digest() for s, r in zip(salts, rows, strict=True)])
        hexed = digests.hex().encode("ascii")
        commits = [hexed[i : i + 64] for i in range(0, 64 * n, 64)]

        lead = 0  # the entries before the predictions: the batch's signed statement, and more

        def store(conn: Connection, done: Appended) -> None:
            if done.first_seq != seen:
                self._recheck_status(conn, seen, done.first_seq, override)
            if given:
                _refuse_logged(self.reg, conn, id_list, done.first_seq)
            inputs.insert(conn, done.first_seq + lead, salts, rows)

        with _collector_paused():
            batch_id = new_ids(1)[0]
            prepared = self._prepare(
                method,
                id_list,
                keys,
                commits,
                scores,
                decisions,
                labels,
                override,
                batch_id,
                actions,
                token,
            )
            header = self._sign_batch(batch_id, prepared)
            lead = len(header)
            done = self.reg.ledger.append_prepared(
                [*header, *prepared], progress=_without(lead, progress), extra=store
            )
        self.reg.signed_entries_written()
        batch = LoggedBatch(
            model=self.ref,
            ids=tuple(id_list),
            first_seq=done.first_seq + lead,
            ts=done.ts,
            scores=tuple(scores),
            decisions=tuple(decisions),
            override=override,
            id_column=id_column,
            actions=tuple(actions or ()),
        )
        self.last = batch
        return batch, raw

    def _check_status(self) -> tuple[ScoringOverride | None, int]:
        """None if the version is deployed and approved now, else the override (or refuse);
        and the ledger size it was read at (``_recheck_status`` starts from there)."""
        seen = self.reg.ledger.size  # read first: whatever lands after it is looked at again
        if self._allowed is not None:
            # Only predictions appended since the last check let it score, moments ago: the
            # status is the same (a service logs a batch every few milliseconds).
            last, when = self._allowed
            if time.monotonic() - when < STATUS_REUSE_SECONDS:
                with self.reg.ledger.engine.connect() as conn:
                    quiet = self.reg.ledger.first_other_kind(conn, last, seen, QUIET) is None
                if quiet:
                    self._quiet = True
                    return None, seen
        self._allowed = None
        self._quiet = False
        current = status(self.reg, self.ref)
        if current.may_score:
            self._allowed = (seen, time.monotonic())
            return None, seen
        if current.status == STALE:
            raise _stale(current)
        if self.override is None:
            raise ModelNotDeployed(
                f"{self.ref} is {current.status}, not deployed and approved: it may not score "
                "decisions now; nothing was logged",
                hint="deploy an approved version, or, for testing or a documented exception, "
                "score with an explicit override reason (--override TEXT, override=...); "
                "every prediction will record it",
            )
        return ScoringOverride(reason=self.override, status=current.status), seen

    def _recheck_status(
        self, conn: Connection, seen: int, first_seq: int, override: ScoringOverride | None
    ) -> None:
        """Inside the append's transaction: if another writer appended anything but predictions
        since the status was read (a retirement, a revoked sign-off), decide again. No writer
        can append before this transaction ends, so the ledger as committed now is the ledger
        at the batch's time; a batch whose status no longer holds is refused, nothing logged."""
        changed = self.reg.ledger.first_other_kind(conn, seen, first_seq, QUIET)
        if changed is None:
            return
        # status() reads through its own connection: it sees everything committed, which is
        # everything but this batch.
        current = status(self.reg, self.ref)
        if current.status == STALE and not current.may_score:
            raise _stale(current, changed)
        if override is None and not current.may_score:
            raise ModelNotDeployed(
                f"{self.ref} became {current.status} (entry {changed}) while this batch was "
                "being scored: it may not score decisions now; nothing was logged",
                hint="deploy an approved version, or score with an explicit override reason",
            )
        if override is not None and current.status != override.status:
            raise Conflict(
                f"{self.ref}'s status changed from {override.status} to {current.status} "
                f"(entry {changed}) while this batch was being scored; nothing was logged",
                hint="score the batch again: the override will record the status as it is",
            )

    def _score(
        self, frame: pd.DataFrame, method: Method
    ) -> tuple[np.ndarray, list[str], list[str | None], list[str] | None]:
        n = len(frame)
        short = -n % PAD
        padded = frame if not short else pd.concat([frame, frame.iloc[[n - 1] * short]])
        try:
            if self.task == "classification":
                proba = np.asarray(self.model.predict_proba(padded))[:n]
                score = proba[:, self._pos].astype(np.float64, copy=False)
                raw = proba
                labels = None
                if method == "predict":
                    raw = np.asarray(self.model.predict(padded))[:n]
                    labels = [str(v) for v in raw.tolist()]
            else:
                raw = np.asarray(self.model.predict(padded))[:n]
                score = raw.astype(np.float64)
                labels = None
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise BadInput(
                f"{self.ref} cannot score this data: {' '.join(str(exc).split())}; nothing was "
                "logged"
            ) from exc
        if not bool(np.isfinite(score).all()):
            bad = int(np.flatnonzero(~np.isfinite(score))[0])
            raise BadInput(f"{self.ref} gave a score that is not a number for row {bad}")
        values = score.tolist()
        scores = [repr(v) for v in values]
        decisions: list[str | None]
        if self._labels is not None:
            below, above = self._labels
            decisions = [above if v >= self._threshold else below for v in values]
        else:
            decisions = [None] * n
        return raw, scores, decisions, labels

    def record_of(
        self,
        method: Method,
        override: ScoringOverride | None,
        pid: str,
        commit_hex: str,
        score: str,
        decision: str | None,
        label: str | None,
        key: str | None,
        batch: str,
        action: str | None = None,
        token: str | None = None,
    ) -> PredictionLogged:
        """One prediction's record (the slow, obviously canonical path)."""
        return PredictionLogged(
            subject=pid,
            method=method,
            model=self.ref,
            model_entry=self.model_entry,
            input_commitment=commit_hex,
            output=PredictionOutput(decision=decision, score=score, label=label, action=action),
            override=override,
            product=self.product,
            subject_key=key,
            batch=batch,
            token=token,
        )

    def _sign_batch(self, batch_id: str, prepared: Sequence[PreparedEntry]) -> list[PreparedEntry]:
        """The batch's signed statement (and, in a ledger older than signatures, the entry that
        requires them from now on), prepared to lead the predictions."""
        # Canonical JSON objects delimit themselves, so their concatenation is unambiguous.
        digest = hashlib.sha256(b"".join([p.payload_json for p in prepared])).hexdigest()
        statement = PredictionBatch(
            subject=batch_id,
            model=self.ref,
            model_entry=self.model_entry,
            count=len(prepared),
            payloads_sha256=digest,
            nonce=os.urandom(16).hex(),
        )
        ledger = self.reg.ledger
        if self._quiet and self.reg.signing_required():
            # nothing but predictions since the signer was last authorized, moments ago
            signature = self.signer.sign(
                authority.statement_bytes(statement), authority.namespace_of(self.reg, statement)
            )
            signed = dataclasses.replace(statement, signature=signature)
            return [ledger.prepare(signed.KIND, signed.to_payload(), self.actor)]
        ready, who, _marked = self.reg.sign_records([statement], key=self.signer)
        return [ledger.prepare(r.KIND, r.to_payload(), who) for r in ready]

    def _prepare(
        self,
        method: Method,
        ids: list[str],
        keys: list[str] | None,
        commits: list[bytes],
        scores: list[str],
        decisions: list[str | None],
        labels: list[str] | None,
        override: ScoringOverride | None,
        batch: str,
        actions: list[str] | None = None,
        token: str | None = None,
    ) -> list[PreparedEntry]:
        # The batch's payloads differ only in a few strings: one template with a slot for each
        # (ledger/template.py). A regressor's decision is a constant null.
        slots = {"\x00c": commits, "\x00s": [s.encode("ascii") for s in scores]}
        slots["\x00i"] = string_bodies(ids)
        if self._labels is not None:
            label_body = {label: canonicalize(label)[1:-1] for label in self._labels}
            slots["\x00d"] = [label_body[d] for d in decisions]  # type: ignore[index]
        if labels is not None:
            slots["\x00l"] = string_bodies(labels)
        if keys is not None:
            slots["\x00k"] = string_bodies(keys)
        if actions is not None:
            slots["\x00a"] = string_bodies(actions)
        shape = self.record_of(
            method,
            override,
            "\x00i",
            "\x00c",
            "\x00s",
            "\x00d" if self._labels is not None else None,
            "\x00l" if labels is not None else None,
            "\x00k" if keys is not None else None,
            batch,
            "\x00a" if actions is not None else None,
            token,
        )
        template = PayloadTemplate(shape.to_payload(), list(slots))
        bodies = template.fill([slots[slot] for slot in template.slots])
        first = self.record_of(
            method,
            override,
            ids[0],
            commits[0].decode("ascii"),
            scores[0],
            decisions[0],
            labels[0] if labels else None,
            keys[0] if keys else None,
            batch,
            actions[0] if actions else None,
            token,
        )
        return self.reg.ledger.prepare_many(KIND, self.actor, bodies, ids, first=first.to_payload())


#: How long a status check that let a version score (and the signer's authority checked with
#: it) is reused while only predictions are appended after it: what changes either without an
#: entry is a date (an approval lapsing, a key's validity ending).
STATUS_REUSE_SECONDS = 1.0
#: The kinds a scoring service appends itself: none of them changes a status.
QUIET = (*KINDS, PredictionBatch.KIND)


def _stale(current: Status, changed: int | None = None) -> ApprovalStale:
    """The refusal of a version whose approval went stale (an override reason does not lift
    it: only an approver's signed override does)."""
    when = f" (entry {changed}, while this batch was being scored)" if changed else ""
    return ApprovalStale(
        f"the approval of {current.model} is stale{when}: {current.stale[0].detail}; it may "
        "not score decisions now; nothing was logged",
        hint="the validator and approver review the change and sign again, or an approver "
        f"signs an override: govern deploy {current.model} --override JUSTIFICATION "
        "--sign-with KEY",
    )


def _without(lead: int, progress: Progress | None) -> Progress | None:
    """``progress`` counting predictions only: the entries that lead a batch are not rows."""
    if progress is None:
        return None
    left = [lead]

    def step(n: int) -> None:
        skip = min(left[0], n)
        left[0] -= skip
        if n > skip:
            progress(n - skip)

    return step


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a batch's entries are built and
    written: tens of thousands of new objects per batch otherwise trigger full collections
    that cost a quarter of a batch's time now and then (measured in bench/provenance.py).
    Nothing here makes cycles; collection resumes as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_ids(ids: Sequence[str | int], n: int) -> list[str]:
    """Prediction ids as text: one per row, unique, 1-256 characters, no control characters."""
    if isinstance(ids, str | bytes):
        raise BadInput("ids must be a sequence of ids, one per row, not one string")
    values = list(ids)
    if len(values) != n:
        raise BadInput(f"{len(values)} ids were given for {n} rows: give one id per row")
    out: list[str] = []
    for i, v in enumerate(values):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
            out.append(str(int(v)))
        else:
            raise BadInput(
                f"prediction id {i} is {v!r} ({type(v).__name__}); ids are text or integers",
                hint="a missing id is not allowed: every prediction needs one",
            )
    longest = max(len(v) for v in out)
    if not min(len(v) for v in out) or longest > MAX_ID_LENGTH:
        bad = next(v for v in out if not v or len(v) > MAX_ID_LENGTH)
        raise BadInput(
            f"prediction id {bad[:40]!r}{'...' if len(bad) > 40 else ''} is "
            f"{'empty' if not bad else f'{len(bad)} characters long'}: ids have 1 to "
            f"{MAX_ID_LENGTH} characters"
        )
    if _CONTROL.search("".join(out)):
        bad = next(v for v in out if _CONTROL.search(v))
        raise BadInput(f"prediction id {bad!r} contains a control character")
    if len(set(out)) != n:
        seen: set[str] = set()
        for v in out:
            if v in seen:
                raise DuplicatePrediction(
                    f"prediction id {v!r} appears more than once in this batch; nothing was logged",
                    hint="every prediction needs its own id",
                )
            seen.add(v)
    return out


def _check_subject_keys(keys: Sequence[str] | None, n: int) -> list[str] | None:
    if keys is None:
        return None
    values = list(keys)
    if len(values) != n:
        raise BadInput(f"{len(values)} subject keys were given for {n} rows")
    out = []
    for v in values:
        if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
            v = str(int(v))
        if not isinstance(v, str) or not v:
            raise BadInput(
                f"subject key {v!r} is not text: give a pseudonymous key (text) for every row"
            )
        out.append(v)
    return out


def _refuse_logged(reg: Registry, conn: Connection, ids: Sequence[str], first_seq: int) -> None:
    """Inside the append's transaction (so no writer can race it): no id was logged before."""
    found = reg.ledger.subject_logged(conn, ids, KIND, before=first_seq)
    if found is not None:
        subject, seq = found
        raise DuplicatePrediction(
            f"prediction id {subject!r} is already logged (entry {seq}); nothing was logged",
            hint="give every prediction a new id (or let govern generate them)",
        )


@dataclass(frozen=True)
class ScoringInput:
    """A file to score: the model's input, and the ids and subject keys read beside it."""

    frame: pd.DataFrame
    ids: list[Any] | None
    subject_keys: list[Any] | None
    id_column: str

    def __len__(self) -> int:
        return len(self.frame)


def read_scoring_file(
    path: Path, *, id_col: str | None = None, subject_col: str | None = None
) -> ScoringInput:
    """Read a CSV or Parquet file to score. ``id_col`` holds the prediction ids (generated when
    absent), ``subject_col`` pseudonymous subject keys; both are left out of the model's input."""
    frame = read_table(Path(path))
    drop = []
    for col, what in ((id_col, "id"), (subject_col, "subject key")):
        if col is None:
            continue
        if col not in frame.columns:
            raise BadInput(
                f"the {what} column {col!r} is not in {Path(path).name}",
                hint=f"its columns: {', '.join(map(str, frame.columns[:25]))}",
            )
        missing = frame[col].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise BadInput(f"the {what} column {col!r} is empty in data row {row + 1}")
        drop.append(col)
    return ScoringInput(
        frame=frame.drop(columns=drop) if drop else frame,
        ids=frame[id_col].tolist() if id_col is not None else None,
        subject_keys=frame[subject_col].tolist() if subject_col is not None else None,
        id_column=id_col or "prediction_id",
    )


#: `govern score` commits a file in chunks of this many rows, each chunk one transaction.
CHUNK_ROWS = 100_000


def score_input(
    reg: Registry,
    ref: str,
    data: ScoringInput,
    *,
    override: str | None = None,
    product: str | None = None,
    progress: Progress | None = None,
    resume: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> LoggedBatch:
    """Score ``data`` (``decide`` for a classifier, else ``predict``), committed in chunks of
    ``chunk_rows``, each one logged batch in its own transaction (docs/provenance.md, "Large
    files and --resume"). ``resume``: rows whose id is logged already, by this version and
    with this very input, are not scored again but reported from the ledger. ``progress``
    advances by 2 per row: once when scored, once when written. Each prediction's input is
    also checked against the training data's profile: what lies outside it is in the batch's
    ``warnings`` (scored all the same; docs/provenance.md, "Inputs outside the training
    data")."""
    if chunk_rows < 1:
        raise BadInput(f"chunk_rows must be at least 1, not {chunk_rows}")
    scorer = Scorer(reg, ref, override=override, product=product)
    method: Method = "decide" if scorer.task == "classification" else "predict"
    n = len(data.frame)
    ids = _check_ids(data.ids, n) if data.ids is not None else None
    if resume and ids is None:
        raise BadInput(
            "--resume finds the rows logged before by their ids: give the id column "
            "(--id-col); generated ids cannot be found again",
        )
    logged = _logged_before(reg, scorer, data, ids) if resume and ids is not None else {}
    todo = [i for i in range(n) if ids is None or ids[i] not in logged]
    batches: list[LoggedBatch] = []
    if todo or not logged:
        for start in range(0, max(len(todo), 1), chunk_rows):
            part = todo[start : start + chunk_rows]
            whole = len(part) == n  # the file in one chunk: the rows as given
            batch, _raw = scorer.log(
                data.frame if whole else data.frame.iloc[part],
                ids=None if ids is None else (ids if whole else [ids[i] for i in part]),
                subject_keys=None
                if data.subject_keys is None
                else (data.subject_keys if whole else [data.subject_keys[i] for i in part]),
                method=method,
                progress=progress,
                id_column=data.id_column,
            )
            batches.append(batch)
    batch = (
        batches[0]
        if len(batches) == 1 and not logged
        else _combined(scorer, data, ids, todo, batches, logged)
    )
    r = scorer.version.record
    if r.training_data:
        from govern.registry import catalog
        from govern.registry.profiles import outside_training

        try:
            profile = catalog.profile_of(reg, r.training_data[0].ref)
        except BadInput:  # training data registered without a profile: nothing to compare
            return batch
        warnings = outside_training(profile.columns, data.frame, r.feature_names)
        batch = dataclasses.replace(batch, warnings=tuple(warnings))
    return batch


def _logged_before(
    reg: Registry, scorer: Scorer, data: ScoringInput, ids: list[str]
) -> dict[str, tuple[Entry, PredictionLogged]]:
    """The rows of ``data`` logged already, by id: each must be this version's, with this very
    input (its stored salt gives the same commitment), or the resume is refused."""
    from govern.provenance.canonical import commitment

    found: dict[str, tuple[Entry, PredictionLogged]] = {}
    for start in range(0, len(ids), 500):
        for e in reg.ledger.checked_subjects(ids[start : start + 500], kind=LOGGED):
            p = PredictionLogged.from_entry(e)
            found[p.subject] = (e, p)
    if not found:
        return found
    at = [i for i, pid in enumerate(ids) if pid in found]
    rows = canonical_rows(data.frame.iloc[at][scorer.features], scorer.features)
    with reg.ledger.engine.connect() as conn:
        for i, row in zip(at, rows, strict=True):
            entry, p = found[ids[i]]
            if p.model != scorer.ref:
                raise DuplicatePrediction(
                    f"prediction id {ids[i]!r} is logged already by {p.model} (entry "
                    f"{entry.seq}), not by {scorer.ref}: nothing was scored",
                    hint="a resume scores the same file with the same version",
                )
            stored = inputs.fetch(conn, entry.seq)
            if stored is not None and commitment(stored.salt, row) != p.input_commitment:
                raise DuplicatePrediction(
                    f"prediction id {ids[i]!r} is logged already with another input (entry "
                    f"{entry.seq}): nothing was scored",
                    hint="a resume scores the same file; a new decision needs a new id",
                )
    return found


def _combined(
    scorer: Scorer,
    data: ScoringInput,
    given: list[str] | None,
    todo: list[int],
    batches: list[LoggedBatch],
    logged: dict[str, tuple[Entry, PredictionLogged]],
) -> LoggedBatch:
    """The chunks' batches and the rows reported from the ledger, in the file's order."""
    n = len(data.frame)
    ids: list[str] = [""] * n
    scores: list[str] = [""] * n
    decisions: list[str | None] = [None] * n
    actions: list[str] = [""] * n
    entries = [0] * n
    resumed = [False] * n
    positions = iter(todo)
    for b in batches:
        acts = b.actions or ("",) * len(b)
        for pid, score, decision, action, seq in zip(
            b.ids, b.scores, b.decisions, acts, b.seqs, strict=True
        ):
            i = next(positions)
            ids[i], scores[i], decisions[i], actions[i], entries[i] = (
                pid,
                score,
                decision,
                action,
                seq,
            )
    for i, pid in enumerate(given if logged and given else ()):
        if pid in logged:
            entry, p = logged[pid]
            ids[i], scores[i], decisions[i] = pid, p.output.score, p.output.decision
            actions[i], entries[i], resumed[i] = p.output.action or "", entry.seq, True
    first = batches[0] if batches else None
    return LoggedBatch(
        model=scorer.ref,
        ids=tuple(ids),
        first_seq=min(entries),
        ts=first.ts if first is not None else "",
        scores=tuple(scores),
        decisions=tuple(decisions),
        override=first.override if first is not None else None,
        id_column=data.id_column,
        actions=tuple(actions) if any(actions) else (),
        entries=tuple(entries),
        resumed=tuple(resumed),
    )


def score_file(
    reg: Registry,
    ref: str,
    path: Path,
    *,
    id_col: str | None = None,
    subject_col: str | None = None,
    override: str | None = None,
    product: str | None = None,
    progress: Progress | None = None,
) -> LoggedBatch:
    """Score a CSV or Parquet file as one logged batch (what `govern score` does)."""
    data = read_scoring_file(path, id_col=id_col, subject_col=subject_col)
    return score_input(reg, ref, data, override=override, product=product, progress=progress)
