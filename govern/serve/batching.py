"""Decisions scored and logged in batches across requests (docs/serving.md, "Batching").

Concurrent requests are queued; one thread takes what arrived within ``max_wait`` seconds of the
first (at most ``max_rows`` rows), scores it with one ``predict_proba`` call per model version
and token, and logs it as one ``Scorer`` batch, one transaction and one fsync. A request's
future is set only after its decisions are committed. Requests are checked one by one before
they join a batch, so a bad row or an id already logged refuses only its own request:

- a row whose fields or types do not match the version's features: BadInput (422);
- an id already logged with the same input commitment: the logged decision, marked
  ``retried``; with another input: DuplicatePrediction (409);
- an id asked twice at once: the second waits for the first and is then a retry.

A request that names only the model is decided by the version deployed in ``env`` when its
batch is logged: the deployment is read again whenever the ledger grew, and a version retired
by a switch is refused inside the append (``Scorer``), after which the batch is decided again
by the version deployed now.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govern.errors import (
    ApprovalStale,
    BadInput,
    DuplicatePrediction,
    GovernError,
    ModelNotDeployed,
    NotFound,
)
from govern.provenance import events as events_mod
from govern.provenance import inputs
from govern.provenance.canonical import canonical_rows, commitment
from govern.provenance.scorer import QUIET, Scorer, new_ids
from govern.records import PredictionLogged
from govern.registry import deployments, models

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["Decided", "Decider", "DecisionRequest", "Reason"]

#: The most rows one request may carry.
MAX_REQUEST_ROWS = 10_000


@dataclass(frozen=True)
class Reason:
    rank: int
    code: str
    statement: str


@dataclass(frozen=True)
class Decided:
    """One row's decision as logged: what the caller gets back."""

    prediction_id: str
    score: str  # the logged decimal string
    decision: str | None
    action: str | None
    model: str
    model_entry: str
    entry: int
    adverse: bool
    retried: bool = False  # already logged with the same input: the logged decision
    reasons: tuple[Reason, ...] | None = None


@dataclass
class DecisionRequest:
    """What one HTTP request asks: rows of one model, their ids (or None: generated)."""

    model: str  # NAME (the version deployed in the service's env) or NAME@V
    rows: list[Mapping[str, Any]]
    ids: list[str] | None
    token: str
    reasons: int = 0  # principal reasons wanted for adverse actions (0: none)
    future: Future[list[Decided]] = field(default_factory=Future)


class _Version:
    """A version ready to decide: its scorer, features and kinds, and (lazily) its explainer."""

    def __init__(self, reg: Registry, ref: str) -> None:
        self.scorer = Scorer(reg, ref)
        self.ref = self.scorer.ref
        self.features = self.scorer.features
        self.numeric = {
            name for name, _dtype, kind in self.scorer.schema.columns if kind == "numeric"
        }
        policy = self.scorer.decision_policy
        self.adverse: set[str] = set(policy.record.adverse) if policy is not None else set()
        reg_record = self.scorer.version.record
        self.favourable = reg_record.favourable_outcome
        self._prepared: Any = None
        self._reg = reg

    def is_adverse(self, decision: str | None, action: str | None) -> bool:
        if action is not None and self.adverse:
            return action in self.adverse
        return decision is not None and self.favourable is not None and decision != self.favourable

    def check(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Refuse rows whose fields are not the features, or whose values have the wrong type."""
        wanted = set(self.features)
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise BadInput(f"row {i} is not a JSON object of feature values")
            keys = set(row)
            if keys != wanted:
                missing = sorted(wanted - keys)
                extra = sorted(str(k) for k in keys - wanted)
                parts = []
                if missing:
                    parts.append("missing " + ", ".join(missing))
                if extra:
                    parts.append("unexpected " + ", ".join(extra))
                raise BadInput(
                    f"row {i} does not match {self.ref}'s features: {'; '.join(parts)}",
                    hint=f"send exactly the {len(self.features)} features: "
                    + ", ".join(self.features),
                )
            for name in self.features:
                value = row[name]
                if name in self.numeric:
                    ok = value is None or (
                        isinstance(value, int | float) and not isinstance(value, bool)
                    )
                    kind = "a number"
                else:
                    ok = isinstance(value, str)
                    kind = "text"
                if not ok:
                    raise BadInput(
                        f"row {i}: {name} must be {kind} (got {type(value).__name__} "
                        f"{str(value)[:40]!r})"
                    )

    def frame(self, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """The rows as the scorer takes them. Text columns are plain Python objects: the
        estimator's input checks take a third less time on them than on pandas' str dtype,
        and the canonical rows and scores are the same."""
        columns: dict[str, Any] = {}
        for name in self.features:
            values = [row[name] for row in rows]
            if name in self.numeric:
                array = np.asarray(values)
                if array.dtype.kind not in "iuf":  # a missing value (None) among them
                    array = pd.to_numeric(pd.Series(values, dtype=object)).to_numpy()
                columns[name] = array
            else:
                columns[name] = pd.Series(values, dtype=object)
        return pd.DataFrame(columns, copy=False)

    def reasons(self, frame: pd.DataFrame, n: int) -> list[tuple[Reason, ...]]:
        """The principal reasons (at most ``n``) of each row of ``frame`` (issue 3's SHAP)."""
        from govern.explain.reasons import select_reasons
        from govern.explain.registered import prepare

        if self._prepared is None:
            self._prepared = prepare(self._reg, self.ref, model=self.scorer.model)
        p = self._prepared
        expl = p.explainer.explain(frame[p.features])
        record = self.scorer.version.record
        sign = -1.0 if record.favourable_outcome == record.positive_label else 1.0
        out = []
        for i in range(len(frame)):
            chosen = select_reasons(
                expl.contributions.iloc[i],
                frame.iloc[i],
                p.table,
                adverse_sign=sign,
                max_reasons=n,
            )
            out.append(tuple(Reason(r.rank, r.code, r.statement) for r in chosen))
        return out


class Decider:
    """The batching thread of one service (see the module doc). ``log=False`` answers the same
    way without logging anything: only the benchmark's baseline uses it."""

    def __init__(
        self,
        reg: Registry,
        *,
        env: str = "production",
        max_wait: float = 0.004,
        max_rows: int = 512,
        log: bool = True,
    ) -> None:
        self.reg = reg
        self.env = env
        self.max_wait = max_wait
        self.max_rows = max_rows
        self.log = log
        self._queue: queue.Queue[DecisionRequest | None] = queue.Queue()
        self._versions: dict[str, _Version] = {}
        self._deployed: dict[str, str] = {}
        self._size = -1
        self._thread: threading.Thread | None = None
        self.batches = 0  # batches logged (the tests and the benchmark read it)

    # ---- the caller's side -----------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="govern-decider", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(30)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def submit(self, request: DecisionRequest) -> Future[list[Decided]]:
        if not request.rows:
            raise BadInput("the request has no rows to decide")
        if len(request.rows) > MAX_REQUEST_ROWS:
            raise BadInput(f"a request may carry at most {MAX_REQUEST_ROWS:,} rows")
        if request.ids is not None:
            if len(request.ids) != len(request.rows):
                raise BadInput(
                    f"the request has {len(request.ids)} ids for {len(request.rows)} rows"
                )
            if any(not isinstance(i, str) or not i for i in request.ids):
                raise BadInput("every prediction id must be a non-empty string")
            if len(set(request.ids)) != len(request.ids):
                raise BadInput("the request repeats a prediction id")
        self._queue.put(request)
        return request.future

    def version(self, model: str) -> _Version:
        """The version a request for ``model`` is decided by (what is deployed is read again
        once per batch when the ledger grew: ``_refresh``)."""
        ref = model if "@" in model else self._running(model)
        found = self._versions.get(ref)
        if found is None:
            found = self._versions[ref] = _Version(self.reg, ref)
        return found

    def _refresh(self) -> None:
        """Forget what is deployed if anything but predictions was appended since it was read."""
        size = self.reg.ledger.size
        if size != self._size:
            if self._size >= 0:
                with self.reg.ledger.engine.connect() as conn:
                    changed = self.reg.ledger.first_other_kind(conn, self._size, size, QUIET)
            else:
                changed = 0
            if changed is not None:
                self._deployed.clear()
            self._size = size

    def _running(self, name: str, *, again: bool = False) -> str:
        if again:
            self._deployed.clear()
            self._size = self.reg.ledger.size
        ref = self._deployed.get(name)
        if ref is None:
            if not models.versions(self.reg, name):
                raise NotFound(
                    f"no model {name} is registered", hint="see `govern inventory` for the names"
                )
            running = deployments.running(self.reg, name, self.env)
            if running is None:
                raise ModelNotDeployed(
                    f"no version of {name} is deployed in {self.env}",
                    hint=f"deploy one with `govern deploy {name}@V --env {self.env}`",
                )
            ref = self._deployed[name] = running
        return ref

    # ---- the batching thread ---------------------------------------------------------------

    def _run(self) -> None:
        carried: list[DecisionRequest] = []
        while True:
            first = carried.pop(0) if carried else self._queue.get()
            if first is None:
                return
            batch = [first, *carried]
            carried = []
            rows = sum(len(r.rows) for r in batch)
            deadline = time.monotonic() + self.max_wait
            stop = False
            while rows < self.max_rows:
                left = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
                rows += len(item.rows)
            try:
                carried = self._decide(batch)
            except Exception as exc:
                for r in batch:
                    if not r.future.done():
                        r.future.set_exception(exc)
            if stop:
                for r in carried:
                    r.future.set_exception(GovernError("the service is stopping"))
                return

    def _decide(self, batch: list[DecisionRequest]) -> list[DecisionRequest]:
        """Decide a batch; the requests whose ids another request of it holds (retried next)."""
        groups: dict[tuple[str, str, int], list[DecisionRequest]] = {}
        later: list[DecisionRequest] = []
        taken: set[str] = set()
        self._refresh()
        for r in batch:
            try:
                v = self.version(r.model)
                v.check(r.rows)
            except GovernError as exc:
                r.future.set_exception(exc)
                continue
            if r.ids is not None and taken & set(r.ids):
                later.append(r)
                continue
            taken.update(r.ids or ())
            groups.setdefault((v.ref, r.token, r.reasons), []).append(r)
        for (ref, token, _n), members in groups.items():
            self._group(ref, token, members, retry=True)
        return later

    def _group(self, ref: str, token: str, members: list[DecisionRequest], *, retry: bool) -> None:
        v = self.version(ref)
        fresh = self._retries(v, members)
        if not fresh:
            return
        ids: list[str] = []
        for r in fresh:
            ids.extend(r.ids if r.ids is not None else new_ids(len(r.rows)))
        all_rows = [row for r in fresh for row in r.rows]
        frame = v.frame(all_rows)
        try:
            decided = self._log(v, frame, ids, token)
        except (ModelNotDeployed, ApprovalStale) as exc:
            # a switch landed: the requests that named no version go to the one deployed now
            unpinned = [r for r in fresh if "@" not in r.model]
            for r in fresh:
                if "@" in r.model:
                    r.future.set_exception(exc)
            if retry and unpinned:
                try:
                    now = self.version(self._running(unpinned[0].model, again=True)).ref
                except GovernError as again:
                    for r in unpinned:
                        r.future.set_exception(again)
                    return
                self._group(now, token, unpinned, retry=False)
            else:
                for r in unpinned:
                    r.future.set_exception(exc)
            return
        except DuplicatePrediction:
            # another process logged one of these ids since they were looked up: one by one
            if len(fresh) > 1 or retry:
                for r in fresh:
                    self._group(ref, token, [r], retry=False)
                return
            raise
        want = max(r.reasons for r in fresh)
        if want:
            adverse = [i for i, d in enumerate(decided) if d.adverse]
            if adverse:
                found = v.reasons(frame.iloc[adverse].reset_index(drop=True), want)
                for i, reasons in zip(adverse, found, strict=True):
                    decided[i] = dataclasses.replace(decided[i], reasons=reasons)
        at = 0
        for r in fresh:
            r.future.set_result(decided[at : at + len(r.rows)])
            at += len(r.rows)

    def _log(self, v: _Version, frame: pd.DataFrame, ids: list[str], token: str) -> list[Decided]:
        scorer = v.scorer
        if not self.log:
            raw, scores, decisions, _labels = scorer._score(frame, "decide")
            policy = scorer.decision_policy
            pos = raw[:, scorer._pos] if raw.ndim == 2 else raw
            planned: Sequence[str | None] = (
                policy.apply(pos) if policy is not None else [None] * len(ids)
            )
            return [
                Decided(i, s, d, a, v.ref, scorer.model_entry, -1, v.is_adverse(d, a))
                for i, s, d, a in zip(ids, scores, decisions, planned, strict=True)
            ]
        batch, _raw = scorer.log(frame, ids=ids, method="decide", token=token)
        self.batches += 1
        actions: Sequence[str | None] = batch.actions or [None] * len(ids)
        return [
            Decided(i, s, d, a, v.ref, scorer.model_entry, seq, v.is_adverse(d, a))
            for i, s, d, a, seq in zip(
                batch.ids, batch.scores, batch.decisions, actions, batch.seqs, strict=True
            )
        ]

    def _retries(self, v: _Version, members: list[DecisionRequest]) -> list[DecisionRequest]:
        """The requests to log: those whose ids are already logged get the logged decisions
        (same input) or a DuplicatePrediction (another input) here."""
        given = [i for r in members if r.ids is not None for i in r.ids]
        if not given:
            return members
        found: dict[str, Any] = {}
        for start in range(0, len(given), 500):
            for e in self.reg.ledger.checked_subjects(
                given[start : start + 500], kind=events_mod.LOGGED
            ):
                found[PredictionLogged.from_entry(e).subject] = e
        if not found:
            return members
        fresh = []
        for r in members:
            hits = [i for i in (r.ids or ()) if i in found]
            if not hits:
                fresh.append(r)
                continue
            try:
                r.future.set_result(self._logged(v, r, found))
            except GovernError as exc:
                r.future.set_exception(exc)
        return fresh

    def _logged(self, v: _Version, r: DecisionRequest, found: dict[str, Any]) -> list[Decided]:
        assert r.ids is not None
        missing = [i for i in r.ids if i not in found]
        if missing:
            raise DuplicatePrediction(
                f"some of this request's ids are logged already ({next(iter(found))}) and "
                f"some are not ({missing[0]}): send a retry exactly as the first request",
            )
        frame = v.frame(r.rows)
        out = []
        with self.reg.ledger.engine.connect() as conn:
            for pid, row in zip(r.ids, canonical_rows(frame, v.features), strict=True):
                entry = found[pid]
                p = PredictionLogged.from_entry(entry)
                stored = inputs.fetch(conn, entry.seq)
                if stored is None or commitment(stored.salt, row) != p.input_commitment:
                    raise DuplicatePrediction(
                        f"prediction id {pid!r} is logged already with another input "
                        f"(entry {entry.seq})",
                        hint="a retry must send the same row; a new decision needs a new id",
                    )
                logged = self._versions.get(p.model) or v
                out.append(
                    Decided(
                        pid,
                        p.output.score,
                        p.output.decision,
                        p.output.action,
                        p.model,
                        p.model_entry,
                        entry.seq,
                        logged.is_adverse(p.output.decision, p.output.action),
                        retried=True,
                    )
                )
        return out
