"""The provenance of one decision: everything docs/documents.md lists, each part checked.

``provenance(reg, id)`` gathers, for a logged prediction: the decision (id, time, subject key,
product), the model version and what was in force for it at that moment (status, sign-offs,
deployments: ``status(reg, ref, as_of=prediction time)``, with a loud warning when it was not
approved), its code, environment and threshold, its training and validation data, the input as
scored checked against its commitment (or "erased"), the output and any human override, a
re-score of the stored input with the stored artifact, the SHAP explanation with at most four
principal reasons (from the reason-code table in force then), the retention period, and the
entry's integrity: its hash, its inclusion proof to a signed checkpoint (signed now with the log
key if none covers it yet) and the verification result.

``Lookup`` keeps models and explainers warm between look-ups (a service answering many); one
call of ``provenance`` builds a fresh one.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from govern._version import __version__
from govern.errors import ArtifactStoreMissing, GovernError, ProvenanceCheckFailed
from govern.explain.reasons import REG_B_MAX_REASONS, decision_statement
from govern.ledger import Entry, merkle
from govern.ledger.entry import now_ts
from govern.ledger.note import Signer
from govern.provenance import inputs
from govern.provenance.canonical import commitment, frame_from_rows, parse_row
from govern.provenance.events import ERASED, OVERRIDDEN, events, logged
from govern.provenance.receipt import covering_checkpoint
from govern.provenance.retention import Retention, retention
from govern.provenance.scorer import PAD
from govern.records import (
    NOT_RECORDED,
    DatasetRef,
    DocumentGenerated,
    ModelRegistered,
    PredictionErased,
    PredictionLogged,
    PredictionOverridden,
    ReasonTableRegistered,
    ScoringOverride,
    subjects,
)
from govern.registry import clock, models
from govern.registry.entities import Deployment, ModelVersion, Signoff
from govern.registry.schema import Schema
from govern.registry.status import DEPLOYED, RETIRED, STALE, status

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = [
    "CodeRecord",
    "DataRecord",
    "DatasetRef",
    "DecisionRecord",
    "Deployment",
    "ExplanationRecord",
    "InputRecord",
    "IntegrityRecord",
    "Lookup",
    "ModelRecord",
    "OutputRecord",
    "OverrideRecord",
    "Provenance",
    "RescoreRecord",
    "Signoff",
    "provenance",
]


@dataclass(frozen=True)
class DecisionRecord:
    id: str
    time: str
    entry: int
    logged_by: str
    subject_key: str | None
    product: str | None
    decision_type: str
    method: str
    token: str | None = None  # the bearer token it came through over HTTP, if it did


@dataclass(frozen=True)
class ModelRecord:
    ref: str
    name: str
    version: int
    artifact_sha256: str
    artifact_format: str
    entry: int
    entry_hash: str
    entry_matches: bool
    registered_at: str
    owner: str
    tier: str
    intended_use: str
    card: str
    status: str
    approved: bool
    required_roles: tuple[str, ...]
    signoffs: tuple[Signoff, ...]
    deployments: tuple[Deployment, ...]
    open_findings: tuple[str, ...]
    scoring_override: ScoringOverride | None


@dataclass(frozen=True)
class CodeRecord:
    commit: str | None
    repository: str | None
    branch: str | None
    path: str | None
    dirty: bool | None
    environment: dict[str, str]
    threshold: str
    positive_label: str | None
    threshold_source: str
    favourable_label: str | None = None  # as registered; None: not stated (or a regressor)


@dataclass(frozen=True)
class InputRecord:
    state: str  # "present", "erased" or "missing"
    values: dict[str, Any] | None
    commitment: str
    matches: bool | None
    erased_entry: int | None = None
    erased_at: str | None = None
    erased_by: str | None = None
    erasure_reason: str | None = None


@dataclass(frozen=True)
class DataRecord:
    training: tuple[DatasetRef, ...]
    validation: tuple[DatasetRef, ...]
    input: InputRecord


@dataclass(frozen=True)
class OverrideRecord:
    entry: int
    time: str
    reviewer: str
    decision: str
    reason: str


@dataclass(frozen=True)
class OutputRecord:
    score: str
    threshold: str
    decision: str | None
    label: str | None
    positive_label: str | None
    overrides: tuple[OverrideRecord, ...]
    final_decision: str | None
    favourable_label: str | None = None
    favourable_stated: bool = True
    statement: str = ""  # the model's decision in one line, favourable or adverse


@dataclass(frozen=True)
class RescoreRecord:
    state: str  # "same", "different" or "not possible"
    score: str | None
    decision: str | None
    label: str | None
    detail: str


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: str
    contribution: float


@dataclass(frozen=True)
class ExplanationRecord:
    state: str  # "explained" or "not available"
    detail: str
    method: str | None = None
    method_name: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    output_space: str | None = None
    base_value: float | None = None
    model_output: float | None = None
    contributions: tuple[Contribution, ...] = ()
    additivity: dict[str, Any] = field(default_factory=dict)
    adverse: str | None = None
    reasons: tuple[dict[str, Any], ...] = ()
    reason_table: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None  # the logged decision the reasons are about
    favourable: str | None = None
    favourable_decision: bool | None = None
    favourable_stated: bool = True
    factors: tuple[dict[str, Any], ...] = ()  # a favourable decision's main factors


@dataclass(frozen=True)
class IntegrityRecord:
    entry: int
    entry_hash: str
    leaf_ok: bool
    verified: bool
    detail: str
    tree_size: int | None = None
    root: str | None = None
    proof: tuple[str, ...] = ()
    checkpoint: str | None = None
    checkpoint_signed_now: bool = False


@dataclass(frozen=True)
class Provenance:
    """The provenance of one decision; ``problems`` lists every failed check."""

    id: str
    origin: str
    generated_at: str
    generator: str
    decision: DecisionRecord
    model: ModelRecord
    code: CodeRecord
    data: DataRecord
    output: OutputRecord
    explanation: ExplanationRecord
    rescore: RescoreRecord
    retention: Retention
    integrity: IntegrityRecord
    warnings: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check(self) -> None:
        """Raise ProvenanceCheckFailed naming the failed checks, if any."""
        if self.problems:
            raise ProvenanceCheckFailed(
                f"provenance of {self.id!r}: " + "; ".join(self.problems),
                hint="treat this record as unreliable and report it to model risk management",
            )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class Lookup:
    """Answers provenance look-ups, keeping models and explainers loaded between them.

    ``key`` is the log key, used only when no kept checkpoint covers the entry; without it such
    an entry is reported as not yet verifiable. ``explain=False`` leaves out the SHAP section.
    """

    def __init__(self, reg: Registry, *, key: Signer | None = None, explain: bool = True) -> None:
        self.reg = reg
        self.key = key
        self.explain = explain
        self._models: dict[str, Any] = {}
        self._explainers: dict[str, Any] = {}
        self._versions: dict[str, tuple[ModelVersion, Schema]] = {}
        self._inputs_present = False

    def __call__(self, prediction_id: str) -> Provenance:
        reg = self.reg
        found = events(reg, prediction_id)
        entry, p = logged(found, prediction_id)
        # read through a clock correction: a decision dated 2099 is read as made at the fix
        ts = clock.effective_ts(reg, entry)
        ref = p.model
        mv, schema = self._version(ref)
        warnings: list[str] = []
        problems: list[str] = []

        model = self._model_record(mv, ts, p, warnings)
        if not model.entry_matches:
            problems.append(
                f"the prediction names model entry {p.model_entry[:16]}..., but {ref} is "
                f"entry {model.entry} ({model.entry_hash[:16]}...)"
            )
        erased = next((e for e in found if e.kind == ERASED), None)
        erasure = None if erased is None else (erased, PredictionErased.from_entry(erased))
        stored = self._stored(entry.seq)
        values, in_record = self._input(p, stored, erasure, schema, problems)
        keep = retention(ts)
        if erasure is not None and erasure[0].ts[:10] <= keep.keep_until:
            warnings.append(
                f"the input was erased on {erasure[0].ts[:10]}, within the retention period "
                f"(keep until {keep.keep_until}); the reason recorded: {erasure[1].reason}"
            )
        overrides = tuple(
            OverrideRecord(e.seq, e.ts, o.reviewer, o.decision, o.reason)
            for e in found
            if e.kind == OVERRIDDEN
            for o in (PredictionOverridden.from_entry(e),)
        )
        out = p.output
        r = mv.record
        output = OutputRecord(
            score=out.score,
            threshold=r.threshold,
            decision=out.decision,
            label=out.label,
            positive_label=r.positive_label,
            overrides=overrides,
            final_decision=overrides[-1].decision if overrides else out.decision,
            favourable_label=r.favourable_outcome,
            favourable_stated=_stated(r),
            statement=decision_statement(out.decision, r.favourable_outcome, stated=_stated(r)),
        )
        rescore = self._rescore(mv, schema, values, p, problems)
        explanation = self._explanation(mv, schema, values, prediction_id, ts, out.decision)
        if self.explain and explanation.state != "explained":
            warnings.append(f"no explanation: {explanation.detail}")
        integrity = self._integrity(entry, problems, warnings)
        code = r.code
        return Provenance(
            id=prediction_id,
            origin=reg.origin,
            generated_at=now_ts(),
            generator=f"govern {__version__}",
            decision=DecisionRecord(
                id=prediction_id,
                time=ts,
                entry=entry.seq,
                logged_by=entry.actor,
                subject_key=p.subject_key,
                product=p.product,
                decision_type=_decision_type(mv),
                method=p.method,
                token=p.token,
            ),
            model=model,
            code=CodeRecord(
                commit=code.commit,
                repository=code.remote,
                branch=code.branch,
                path=code.path,
                dirty=code.dirty,
                environment=dict(r.environment),
                threshold=r.threshold,
                positive_label=r.positive_label,
                threshold_source=f"model.registered entry {mv.seq}",
                favourable_label=r.favorable_label,
            ),
            data=DataRecord(
                training=r.training_data,
                validation=r.validation_data,
                input=in_record,
            ),
            output=output,
            explanation=explanation,
            rescore=rescore,
            retention=keep,
            integrity=integrity,
            warnings=tuple(warnings),
            problems=tuple(problems),
        )

    # ---- the parts ----------------------------------------------------------------------

    def _version(self, ref: str) -> tuple[ModelVersion, Schema]:
        """A model version and its schema (registered once, never changed)."""
        if ref not in self._versions:
            mv = models.resolve(self.reg, ref)
            self._versions[ref] = (mv, models.schema_of(mv))
        return self._versions[ref]

    def _model_record(
        self, mv: ModelVersion, ts: str, p: PredictionLogged, warnings: list[str]
    ) -> ModelRecord:
        reg = self.reg
        ref = mv.ref
        r = mv.record
        then = status(reg, ref, as_of=ts)
        signoffs: tuple[Signoff, ...] = then.signoffs
        deployments: tuple[Deployment, ...] = then.deployments
        override = p.override
        scored_anyway = (
            f"; it was scored under an explicit override: {override.reason}"
            if override is not None
            else ""
        )
        if then.status == RETIRED:
            warnings.insert(
                0,
                f"{ref} was RETIRED when this decision was made ({ts}): it was no longer in "
                f"use{scored_anyway}",
            )
        elif then.status == STALE:
            warnings.insert(
                0,
                f"{ref}'s approval was STALE when this decision was made ({ts}): "
                + "; ".join(c.detail for c in then.stale)
                + (
                    f"; it ran under an approver's signed override (entry {then.overridden_by})"
                    if then.overridden_by is not None
                    else ""
                )
                + scored_anyway,
            )
        elif not then.approved:
            warnings.insert(
                0,
                f"{ref} was NOT APPROVED when this decision was made ({ts}): its status then "
                f"was '{then.status}'{scored_anyway}",
            )
        elif then.status != DEPLOYED:
            warnings.insert(
                0,
                f"{ref} was approved but not deployed in production when this decision was "
                f"made (status then: '{then.status}'){scored_anyway}",
            )
        warnings.extend(then.warnings)
        return ModelRecord(
            ref=ref,
            name=mv.name,
            version=mv.version,
            artifact_sha256=r.artifact.sha256,
            artifact_format=r.artifact.format,
            entry=mv.seq,
            entry_hash=mv.leaf,
            entry_matches=mv.leaf == p.model_entry,
            registered_at=mv.ts,
            owner=r.owner,
            tier=r.risk_tier,
            intended_use=r.intended_use,
            card=self._card(ref, ts),
            status=then.status,
            approved=then.approved,
            required_roles=tuple(then.required_roles),
            signoffs=signoffs,
            deployments=deployments,
            open_findings=tuple(
                f"#{f.number} ({f.severity}): {f.text}" for f in then.open_findings
            ),
            scoring_override=override,
        )

    def _card(self, ref: str, ts: str) -> str:
        """The latest model card released for the version before the decision (`govern
        release` records each as a ``document.generated`` entry), if any."""
        for e in self.reg.ledger.entries(
            subject=subjects.document(ref), kind=DocumentGenerated.KIND, newest_first=True
        ):
            if e.ts <= ts:
                released = DocumentGenerated.from_entry(e)
                return f"card {released.card_version} (ledger entry {e.seq})"
        return NOT_RECORDED

    def _stored(self, seq: int) -> inputs.StoredInput | None:
        with self.reg.ledger.engine.connect() as conn:
            # Once the input store exists it stays: ask the catalog only until it does.
            if not self._inputs_present:
                self._inputs_present = inputs.present(conn)
                if not self._inputs_present:
                    return None
            return inputs.fetch(conn, seq, check=False)

    def _input(
        self,
        p: PredictionLogged,
        stored: inputs.StoredInput | None,
        erasure: tuple[Entry, PredictionErased] | None,
        schema: Schema,
        problems: list[str],
    ) -> tuple[dict[str, Any] | None, InputRecord]:
        want = p.input_commitment
        if stored is None:
            if erasure is None:
                problems.append(
                    "the input is missing from the input store and no erasure is logged"
                )
                return None, InputRecord("missing", None, want, None)
            erased, record = erasure
            return None, InputRecord(
                "erased",
                None,
                want,
                None,
                erased.seq,
                erased.ts,
                erased.actor,
                record.reason,
            )
        matches = commitment(stored.salt, stored.row) == want
        if not matches:
            problems.append("the stored input does not match its commitment in the ledger")
        try:
            row = parse_row(stored.row)
        except GovernError as exc:
            problems.append(f"the stored input cannot be read: {exc.message}")
            return None, InputRecord("present", None, want, matches)
        values = {name: row.get(name) for name in schema.names}
        return (values if matches else None), InputRecord("present", values, want, matches)

    def _estimator(self, mv: ModelVersion) -> Any:
        digest = mv.artifact.sha256
        if digest not in self._models:
            self._models[digest] = models.load(self.reg, mv)
        return self._models[digest]

    def _rescore(
        self,
        mv: ModelVersion,
        schema: Schema,
        values: dict[str, Any] | None,
        p: PredictionLogged,
        problems: list[str],
    ) -> RescoreRecord:
        if values is None:
            return RescoreRecord(
                "not possible", None, None, None, "there is no verified input to re-score"
            )
        try:
            estimator = self._estimator(mv)
        except ArtifactStoreMissing:  # a wrong path, not a changed model: the caller fixes it
            raise
        except GovernError as exc:  # a tampered or missing artifact: say so, show the rest
            problems.append(f"the stored artifact cannot be loaded: {exc.message}")
            return RescoreRecord("different", None, None, None, exc.message)
        # The same padding as at scoring time (scorer.PAD): the row is scored in a full block.
        frame = frame_from_rows([values] * PAD, schema)
        out = p.output
        r = mv.record
        label = None
        try:
            if r.task == "classification":
                classes = [str(c) for c in estimator.classes_]
                pos = classes.index(str(r.positive_label))
                score = float(np.asarray(estimator.predict_proba(frame))[0, pos])
                threshold = float(r.threshold)
                decision: str | None = classes[pos] if score >= threshold else classes[1 - pos]
                if out.label is not None:
                    label = str(np.asarray(estimator.predict(frame))[0])
            else:
                score = float(np.asarray(estimator.predict(frame))[0])
                decision = None
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            problems.append(f"the stored artifact cannot re-score the stored input: {exc}")
            return RescoreRecord("different", None, None, None, f"re-scoring failed: {exc}")
        text = repr(score)
        same = text == out.score and decision == out.decision and label == out.label
        if same:
            detail = (
                f"the stored artifact (sha256 {mv.artifact.sha256[:16]}...) gives exactly the "
                "logged score and decision for the stored input"
            )
            return RescoreRecord("same", text, decision, label, detail)
        diff = abs(score - float(out.score))
        detail = (
            f"the re-score gives {text} ({decision}) where {out.score} "
            f"({out.decision}) was logged: a difference of {diff:.3g}"
        )
        problems.append(detail)
        return RescoreRecord("different", text, decision, label, detail)

    def _reason_table_then(self, name: str, ts: str, features: list[str]) -> Any:
        from govern.explain import default_reason_table, parse_reason_table

        for e in self.reg.ledger.entries(
            subject=subjects.reason_table(name), kind=ReasonTableRegistered.KIND, newest_first=True
        ):
            if e.ts <= ts:
                registered = ReasonTableRegistered.from_entry(e)
                table = parse_reason_table(
                    registered.text.encode("utf-8"), source=f"ledger entry {e.seq}"
                )
                table.check_features(features)
                return table
        return default_reason_table(features, model=name)

    def _explanation(
        self,
        mv: ModelVersion,
        schema: Schema,
        values: dict[str, Any] | None,
        prediction_id: str,
        ts: str,
        outcome: str | None,
    ) -> ExplanationRecord:
        if not self.explain:
            return ExplanationRecord("not available", "not requested (--no-explain)")
        if values is None:
            return ExplanationRecord(
                "not available", "the input is not available (erased or unverified)"
            )
        try:
            from govern.explain.registered import prepare

            ref = mv.ref
            if ref not in self._explainers:  # with the model the re-score loaded
                self._explainers[ref] = prepare(self.reg, ref, model=self._estimator(mv))
            prep = self._explainers[ref]
            features = list(schema.names)
            table = self._reason_table_then(mv.name, ts, features)
            frame = frame_from_rows([values], schema, index=[prediction_id])
            d = prep.explainer.decision(
                frame,
                prediction_id,
                table=table,
                max_reasons=REG_B_MAX_REASONS,
                adverse=prep.adverse_label,
                outcome=outcome,
                favourable_stated=prep.favourable_stated,
            )
        except GovernError as exc:
            return ExplanationRecord("not available", exc.message)
        except ImportError as exc:  # pragma: no cover - shap is a dependency
            return ExplanationRecord("not available", f"the explainer cannot load: {exc}")
        from govern.explain.reasons import format_value

        e = d.explanation
        contributions = tuple(
            Contribution(str(f), format_value(d.values[f]), float(d.contributions[f]))
            for f in e.features
        )
        fid = e.fidelity.to_dict()
        return ExplanationRecord(
            state="explained",
            detail=(
                f"{e.method_name}; base value + contributions = model output within "
                f"{fid['tolerance']:g} ({'passed' if fid['passed'] else 'FAILED'})"
            ),
            method=e.method,
            method_name=e.method_name,
            settings={k: v for k, v in e.settings.items()},
            output_space=e.output_space,
            base_value=float(d.base_value),
            model_output=float(d.model_output),
            contributions=contributions,
            additivity=fid,
            adverse=d.adverse,
            outcome=d.outcome,
            favourable=d.favourable,
            favourable_decision=d.is_favourable,
            favourable_stated=d.favourable_stated,
            factors=tuple(r.to_dict() for r in d.factors),
            reasons=tuple(r.to_dict() for r in d.reasons),
            reason_table={
                "model": table.model,
                "version": table.version,
                "digest": table.digest,
                "source": table.source,
                "derived": table.derived,
            },
        )

    def _integrity(
        self, logged: Entry, problems: list[str], warnings: list[str]
    ) -> IntegrityRecord:
        reg = self.reg
        leaf = merkle.leaf_hash(logged.body)
        leaf_ok = leaf == logged.leaf
        if not leaf_ok:
            problems.append(f"entry {logged.seq}'s bytes do not hash to its stored leaf hash")
        try:
            covering = covering_checkpoint(reg, logged.seq, self.key)
        except GovernError as exc:
            warnings.append(f"integrity not verified: {exc.message}")
            return IntegrityRecord(
                logged.seq,
                logged.leaf.hex(),
                leaf_ok,
                False,
                f"not verified: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""),
            )
        cp = covering.checkpoint
        proof = reg.ledger.inclusion_proof(logged.seq, cp.size)
        try:
            merkle.verify_inclusion(leaf, logged.seq, cp.size, proof, cp.root)
            fresh = " (signed for this look-up)" if covering.signed_now else ""
            verified = leaf_ok
            detail = (
                f"entry {logged.seq} is in the tree of size {cp.size} that the log's key "
                f"signed{fresh}; its inclusion proof verifies (RFC 9162 2.1.3.2)"
            )
        except GovernError as exc:
            verified, detail = False, f"the inclusion proof does not verify: {exc.message}"
            problems.append(detail)
        return IntegrityRecord(
            entry=logged.seq,
            entry_hash=logged.leaf.hex(),
            leaf_ok=leaf_ok,
            verified=verified,
            detail=detail,
            tree_size=cp.size,
            root=_b64(cp.root),
            proof=tuple(_b64(h) for h in proof),
            checkpoint=covering.note,
            checkpoint_signed_now=covering.signed_now,
        )


def _stated(r: ModelRegistered) -> bool:
    """Whether the favourable outcome is stated (a regressor has none to state)."""
    return r.favourable_stated or r.task != "classification"


def _decision_type(mv: ModelVersion) -> str:
    r = mv.record
    if r.task == "classification":
        return (
            f"binary classification: the probability of '{r.positive_label}', "
            f"'{r.positive_label}' at or above the threshold {r.threshold}"
        )
    return "regression: the model's prediction"


def provenance(
    reg: Registry, prediction_id: str, *, key: Signer | None = None, explain: bool = True
) -> Provenance:
    """The provenance of the logged prediction ``prediction_id`` (see the module doc)."""
    return Lookup(reg, key=key, explain=explain)(prediction_id)
