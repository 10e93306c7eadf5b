"""What the ledger holds about one model version, and which evidence that amounts to.

``gather`` reads everything a document needs about ``NAME@V`` as the ledger stands (its head):
the registration, its datasets, narratives, findings, approvals, explanations, challengers,
previous documents. ``EVIDENCE`` names the kinds of evidence the regulation packs ask for; each
check says whether the evidence exists, what it is, and which entries hold it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from govern.documents import narrative as narrative_mod
from govern.documents.narrative import Narrative
from govern.errors import SignatureInvalid
from govern.ledger import Entry, Head
from govern.ledger.entry import format_ts, parse_ts
from govern.records import (
    ApprovalSigned,
    ClassifierMetrics,
    ComparisonResult,
    DatasetRegistered,
    DocumentGenerated,
    ExplanationGenerated,
    FairnessResult,
    JSONObject,
    ModelRegistered,
    MonitoringResult,
    PersonEnrolled,
    PredictionLogged,
    ReasonTableRegistered,
    Recorded,
    RegressorMetrics,
    subjects,
)
from govern.registry import catalog, models, signing
from govern.registry import findings as findings_mod
from govern.registry.dates import add_months
from govern.registry.entities import DeploymentEvent, Finding, ModelVersion
from govern.registry.policy import TIERS, Policy, TierRule
from govern.registry.status import (
    APPROVED,
    STALE,
    Status,
    deployment_history,
    status,
)

if TYPE_CHECKING:
    from govern.registry.core import Registry

#: How many of the newest ``prediction.logged`` entries are searched for this version's.
PREDICTION_SEARCH = 10_000
TIER_ORDER = tuple(reversed(TIERS))  # low to high


@dataclass(frozen=True)
class DatasetFacts:
    """A dataset version a model was trained or validated on, and its registration entry."""

    ref: str
    role: str  # "training" or "holdout"
    sha256: str
    entry: Entry | None
    record: DatasetRegistered | None  # None when the version is not registered here


@dataclass(frozen=True)
class Challenger:
    """Another model version with metrics on a dataset of identical bytes (same SHA-256)."""

    ref: str
    entry: Entry
    registration: ModelRegistered
    dataset: str  # the shared dataset as the challenger names it
    ours: str  # the same bytes as this version names them
    sha256: str

    def classifier_metrics(self) -> ClassifierMetrics | None:
        """The challenger's metrics on the shared holdout (None for a regressor)."""
        if self.registration.task != "classification":
            return None
        return self.registration.classifier_metrics(self.dataset)


@dataclass(frozen=True)
class Approval:
    """A signed approval and whether its signature verifies with the key enrolled then."""

    entry: Entry
    role: str
    decision: str
    signer: str
    conditions: str | None
    expires: str | None
    verified: bool


@dataclass(frozen=True)
class Facts:
    """Everything documents say about one model version, read once."""

    ref: str
    name: str
    version: int
    entry: Entry
    row: ModelVersion
    head: Head
    at: str  # the ledger's time: the ts of its last entry
    checkpoint: tuple[int, int, str, str] | None  # (n, size, root base64, ts), covered by head
    policy: Policy
    status: Status
    datasets: tuple[DatasetFacts, ...]
    findings: tuple[Finding, ...]
    approvals: tuple[Approval, ...]
    narrative: Narrative | None
    validation_narrative: Narrative | None
    explanations: tuple[Recorded[ExplanationGenerated], ...]
    reason_table: Recorded[ReasonTableRegistered] | None
    deployments: tuple[DeploymentEvent, ...]
    monitoring: tuple[Entry, ...]
    # document.generated for this model name, oldest first
    documents: tuple[Recorded[DocumentGenerated], ...]
    challengers: tuple[Challenger, ...]
    predictions: int
    versions: tuple[int, ...]  # every version of this model name
    # recorded comparisons (`govern compare --record`) naming this registration, either side
    comparisons: tuple[Entry, ...] = ()
    # recorded fair-lending analyses (`govern fairness --record`) of this registration, whose
    # signature and authority verify, oldest first
    fairness: tuple[Entry, ...] = ()

    @property
    def registration(self) -> ModelRegistered:
        """The version's ``model.registered`` record."""
        return self.row.record

    @property
    def model_leaf(self) -> str:
        return self.entry.leaf.hex()

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.head.root).decode("ascii")

    @property
    def training(self) -> tuple[DatasetFacts, ...]:
        return tuple(d for d in self.datasets if d.role == "training")

    @property
    def holdouts(self) -> tuple[DatasetFacts, ...]:
        return tuple(d for d in self.datasets if d.role == "holdout")

    @property
    def rule(self) -> TierRule:
        """The policy's rule for the version's tier (status() has already resolved it)."""
        return self.policy.tier(self.row.risk_tier)

    @property
    def metrics(self) -> Mapping[str, JSONObject]:
        """Holdout NAME@V -> the metrics recorded at registration."""
        return self.registration.metrics

    def holdout_metrics(self, holdout: str) -> ClassifierMetrics | RegressorMetrics:
        """The metrics recorded on ``holdout``, typed by the version's task."""
        if self.registration.task == "regression":
            return self.registration.regressor_metrics(holdout)
        return self.registration.classifier_metrics(holdout)

    @property
    def all_entries(self) -> tuple[Entry, ...]:
        """Every entry cited about this version, in ledger order."""
        found: dict[int, Entry] = {self.entry.seq: self.entry}
        for d in self.datasets:
            if d.entry is not None:
                found[d.entry.seq] = d.entry
        for a in self.approvals:
            found[a.entry.seq] = a.entry
        for x in self.explanations:
            found[x.seq] = x.entry
        for e in self.monitoring:
            found[e.seq] = e
        for n in (self.narrative, self.validation_narrative):
            if n is not None:
                found[n.seq] = _stub(n)
        if self.reason_table is not None:
            found[self.reason_table.seq] = self.reason_table.entry
        return tuple(found[k] for k in sorted(found))


def _stub(n: Narrative) -> Entry:
    # A narrative is cited by seq, kind and leaf; its body is not needed again.
    return Entry(
        seq=n.seq,
        kind=n.kind,
        ts=n.ts,
        actor=n.actor,
        subject=None,
        leaf=bytes.fromhex(n.leaf),
        body=b"",
    )


class Citable(Protocol):
    """An entry, or a record with its entry (``Recorded``)."""

    @property
    def seq(self) -> int: ...

    @property
    def kind(self) -> str: ...


def cite(entry: Citable | None) -> str | None:
    """How a document names an entry: its seq and kind (the appendix lists its leaf hash)."""
    if entry is None:
        return None
    return f"entry {entry.seq} ({entry.kind})"


def gather(reg: Registry, ref: str) -> Facts:
    """Read what the ledger holds about ``ref`` as of its head."""
    row = models.resolve(reg, ref)
    model = row.ref
    head = reg.ledger.head()
    stop = head.size
    entry = reg.entry(row.seq)
    registration = row.record
    at = head.last_ts
    datasets = []
    for role, refs in (
        ("training", registration.training_data),
        ("holdout", registration.validation_data),
    ):
        for d in refs:
            found = catalog.find(reg, d.name, d.version)
            datasets.append(
                DatasetFacts(
                    d.ref,
                    role,
                    d.sha256,
                    None if found is None else reg.entry(found.seq),
                    None if found is None else found.record,
                )
            )
    checkpoint = None
    for n, size, root, ts, _note in reg.ledger.checkpoints():
        if size <= head.size:
            checkpoint = (n, size, base64.b64encode(root).decode("ascii"), ts)
    approvals = tuple(_approvals(reg, model, stop))
    explanations = tuple(
        Recorded.of(ExplanationGenerated, e)
        for e in reg.ledger.entries(
            subject=subjects.explanation(model), kind=ExplanationGenerated.KIND, stop=stop
        )
    )
    table = next(
        iter(
            reg.ledger.entries(
                subject=subjects.reason_table(row.name),
                kind=ReasonTableRegistered.KIND,
                stop=stop,
                newest_first=True,
                limit=1,
            )
        ),
        None,
    )
    reason_table = None if table is None else Recorded.of(ReasonTableRegistered, table)
    # Only monitoring results recorded for this very registration count (docs/monitoring.md).
    monitoring = tuple(
        e
        for e in reg.ledger.checked(
            subject=subjects.monitoring(model), kinds=[MonitoringResult.KIND]
        )
        if (stop is None or e.seq < stop)
        and MonitoringResult.from_entry(e).model_entry == entry.leaf.hex()
    )
    documents = tuple(
        released
        for e in reg.ledger.entries(kind=DocumentGenerated.KIND, stop=stop)
        for released in (Recorded.of(DocumentGenerated, e),)
        if released.record.model.partition("@")[0] == row.name
    )
    versions = tuple(sorted(v.version for v in models.versions(reg, row.name)))
    return Facts(
        ref=model,
        name=row.name,
        version=row.version,
        entry=entry,
        row=row,
        head=head,
        at=at,
        checkpoint=checkpoint,
        policy=reg.policy(at),
        status=status(reg, model, at),
        datasets=tuple(datasets),
        findings=tuple(findings_mod.all_findings(reg, model)),
        approvals=approvals,
        narrative=narrative_mod.latest(reg, model, "card.narrative", stop=stop),
        validation_narrative=narrative_mod.latest(reg, model, "validation.narrative", stop=stop),
        explanations=explanations,
        reason_table=reason_table,
        deployments=tuple(deployment_history(reg, model)),
        monitoring=monitoring,
        comparisons=_comparisons(reg, model, entry.leaf.hex(), stop),
        fairness=_fairness(reg, model, entry.leaf.hex(), stop),
        documents=documents,
        challengers=tuple(_challengers(reg, model, registration, stop)),
        predictions=_predictions(reg, model, entry.leaf.hex(), stop),
        versions=versions,
    )


def _approvals(reg: Registry, model: str, stop: int) -> list[Approval]:
    out = []
    ns = signing.namespace("approval", reg.origin)
    for e in reg.ledger.entries(
        subject=subjects.approval(model), kind=ApprovalSigned.KIND, stop=stop
    ):
        signed = ApprovalSigned.from_entry(e)
        st = signed.statement
        enrolment = next(
            iter(
                reg.ledger.entries(
                    subject=subjects.person(st.signer),
                    kind=PersonEnrolled.KIND,
                    stop=e.seq,
                    newest_first=True,
                    limit=1,
                )
            ),
            None,
        )
        verified = False
        if enrolment is not None:
            key = PersonEnrolled.from_entry(enrolment).ssh_public_key
            try:
                signing.verify(st, signed.signature, key, ns)
                verified = True
            except SignatureInvalid:
                verified = False
        out.append(
            Approval(e, st.role, st.decision, st.signer, st.conditions, st.expires, verified)
        )
    return out


def _challengers(
    reg: Registry, model: str, registration: ModelRegistered, stop: int
) -> list[Challenger]:
    """The versions designated as challengers of this one (docs/registry.md, "Challengers")
    that have metrics on a holdout of identical bytes. Never inferred: a scratch version that
    reuses the holdout is no challenger unless someone designated it."""
    ours = {d.sha256: d.ref for d in registration.validation_data}
    if not ours:
        return []
    out = []
    for other, designated in models.challengers_of(reg, model):
        if designated >= stop:
            continue
        for d in other.record.validation_data:
            if d.sha256 in ours and d.ref in other.record.metrics:
                out.append(
                    Challenger(
                        other.ref,
                        reg.entry(other.seq),
                        other.record,
                        d.ref,
                        ours[d.sha256],
                        d.sha256,
                    )
                )
                break
    return out


def _comparisons(reg: Registry, model: str, leaf: str, stop: int) -> tuple[Entry, ...]:
    return tuple(
        e
        for e in reg.ledger.checked(kinds=[ComparisonResult.KIND])
        if e.seq < stop
        for r in (ComparisonResult.from_entry(e),)
        if (r.candidate, r.candidate_entry) == (model, leaf)
        or (r.live, r.live_entry) == (model, leaf)
    )


def _fairness(reg: Registry, model: str, leaf: str, stop: int) -> tuple[Entry, ...]:
    from govern.registry import trusted

    found = reg.ledger.checked(subject=subjects.fairness(model), kinds=[FairnessResult.KIND])
    return tuple(
        e
        for e in trusted.accepted(reg, found)
        if e.seq < stop and FairnessResult.from_entry(e).model_entry == leaf
    )


def reasons_stating_designated(f: Facts) -> list[str]:
    """The designated attributes the reason-code table in force states as adverse-action
    reasons (a table recorded before the groups were designated: flagged, docs/fairness.md)."""
    from govern.explain.reasons import parse_reason_table

    rule = f.policy.fairness_for(f.name)
    if rule is None or f.reason_table is None:
        return []
    table = parse_reason_table(f.reason_table.record.text.encode("utf-8"), source="ledger")
    return table.states_designated([a.name for a in rule.attributes])


def fairness_blocks(f: Facts) -> list[Any]:
    """The latest recorded fair-lending analysis as blocks (the card's section 9 and the
    validation report): the designated attributes the model uses first, then each group's
    figures and the breaches (docs/fairness.md)."""
    from govern import presentation as b

    if not f.fairness:
        return []
    e = f.fairness[-1]
    r = FairnessResult.from_entry(e)
    blocks: list[Any] = []
    if r.uses_designated:
        blocks.append(
            b.alert(
                [f"this model uses {name}, a designated attribute" for name in r.uses_designated],
                heading="Designated attributes among the features",
            )
        )

    def num(value: float | None, digits: int = 3) -> str | None:
        return None if value is None else f"{value:.{digits}f}"

    rows = [
        [
            g.attribute,
            g.group,
            f"{g.count:,}",
            num(g.approval_rate),
            num(g.air),
            None
            if g.air_low is None or g.air_high is None
            else f"{g.air_low:.3f} to {g.air_high:.3f}",
            num(g.smd),
            g.status,
        ]
        for g in r.groups
    ]
    blocks.append(
        b.table(
            [
                "Attribute",
                "Group",
                "Rows",
                "Approval rate",
                "AIR",
                "AIR 95 % interval",
                "SMD",
                "Status",
            ],
            rows,
            title=f"Fair-lending analysis on {r.source} ({r.rows:,} rows): "
            + ("no threshold breached" if r.passed else "thresholds breached"),
            source=f"fairness.result, entry {e.seq} ({e.ts[:10]}, {e.actor})",
        )
    )
    if r.breaches:
        blocks.append(b.alert(list(r.breaches), heading="Breaches of the policy's thresholds"))
    return blocks


def comparison_table(entries: Sequence[Entry]) -> Any:
    """The recorded comparisons as a table block (the card and the validation report)."""
    from govern import presentation as b

    rows = []
    for e in entries:
        r = ComparisonResult.from_entry(e)
        by = {c.check: c for c in r.checks}
        changes = by.get("action_changes")
        rows.append(
            [
                str(e.seq),
                r.candidate,
                r.live,
                f"{r.source} ({r.rows:,} rows)",
                "PASS" if r.passed else "FAIL",
                None
                if changes is None or changes.candidate is None
                else f"{changes.candidate:.4f}",
                "; ".join(
                    f"{c.check} {c.status}"
                    for c in r.checks
                    if c.status in ("pass", "fail", "not measured")
                ),
            ]
        )
    return b.table(
        ["Entry", "Candidate", "Live", "Rows", "Gate", "Action changes", "Checks"],
        rows,
        title="Recorded comparisons (govern compare --record)",
        source="comparison.result entries",
    )


def _predictions(reg: Registry, model: str, leaf: str, stop: int) -> int:
    count = 0
    for e in reg.ledger.entries(
        kind=PredictionLogged.KIND, stop=stop, newest_first=True, limit=PREDICTION_SEARCH
    ):
        p = PredictionLogged.from_entry(e)
        if p.model == model or p.model_entry == leaf:
            count += 1
    return count


# ---- evidence --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """Whether one kind of evidence exists for a model version, and where."""

    name: str
    present: bool
    detail: str
    seqs: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "present": self.present,
            "detail": self.detail,
            "entries": list(self.seqs),
        }


Check = Callable[[Facts], Evidence]


def _ev(name: str, present: bool, yes: str, no: str, seqs: Sequence[int] = ()) -> Evidence:
    return Evidence(name, present, yes if present else no, tuple(seqs) if present else ())


def _registration(f: Facts) -> Evidence:
    return Evidence(
        "registration", True, f"{f.ref} registered in entry {f.entry.seq}", (f.entry.seq,)
    )


def _intended_use(f: Facts) -> Evidence:
    return _ev(
        "intended_use",
        bool(f.registration.intended_use.strip()),
        f"intended use recorded at registration (entry {f.entry.seq})",
        "no intended use recorded",
        (f.entry.seq,),
    )


def _limitations(f: Facts) -> Evidence:
    seqs = []
    if f.registration.limitations.strip():
        seqs.append(f.entry.seq)
    if f.narrative is not None and f.narrative.get("limitations"):
        seqs.append(f.narrative.seq)
    return _ev(
        "limitations",
        bool(seqs),
        "limitations recorded (entries " + ", ".join(map(str, seqs)) + ")",
        "no limitations recorded",
        seqs,
    )


def _methodology(f: Facts) -> Evidence:
    est = f.registration.estimator
    return _ev(
        "methodology",
        bool(est.class_),
        f"estimator {est.class_} and its parameters (entry {f.entry.seq})",
        "no estimator description recorded",
        (f.entry.seq,),
    )


def _training_data(f: Facts) -> Evidence:
    seqs = [d.entry.seq for d in f.training if d.entry is not None]
    return _ev(
        "training_data",
        bool(f.training) and len(seqs) == len(f.training),
        "training data " + ", ".join(d.ref for d in f.training) + " registered by digest",
        "no registered training data",
        seqs,
    )


def _data_profile(f: Facts) -> Evidence:
    profiled = [d for d in f.datasets if d.record is not None and d.record.profile]
    seqs = [d.entry.seq for d in profiled if d.entry is not None]
    return _ev(
        "data_profile",
        bool(f.datasets) and len(profiled) == len(f.datasets),
        f"profiles (schema, missing values, distributions) of {len(profiled)} dataset(s)",
        "a dataset has no recorded profile",
        seqs,
    )


def _holdout_metrics(f: Facts) -> Evidence:
    keys = [d.ref for d in f.holdouts if d.ref in f.metrics]
    return _ev(
        "holdout_metrics",
        bool(keys),
        "holdout metrics on " + ", ".join(keys),
        "no holdout data: no metrics on held-out data were recorded",
        (f.entry.seq,),
    )


def _independent_holdout(f: Facts) -> Evidence:
    trained = {d.sha256 for d in f.training}
    keys = [d.ref for d in f.holdouts if d.sha256 not in trained and d.ref in f.metrics]
    return _ev(
        "independent_holdout",
        bool(keys),
        "outcomes on data not used in development: "
        + ", ".join(keys)
        + " (SHA-256 differs from every training dataset)",
        "no outcomes analysis on data not used in development (no holdout distinct "
        "from the training data)",
        (f.entry.seq,),
    )


def _calibration(f: Facts) -> Evidence:
    keys = [k for k, m in f.metrics.items() if isinstance(m, Mapping) and m.get("calibration")]
    return _ev(
        "calibration",
        bool(keys),
        "calibration table on " + ", ".join(keys),
        "no calibration table recorded",
        (f.entry.seq,),
    )


def _challenger(f: Facts) -> Evidence:
    return _ev(
        "challenger",
        bool(f.challengers),
        "challenger(s) on the same holdout bytes: "
        + ", ".join(sorted({c.ref for c in f.challengers})),
        "no challenger registered on the same holdout data",
        sorted({c.entry.seq for c in f.challengers}),
    )


def _explanation(f: Facts) -> Evidence:
    good = [x for x in f.explanations if x.record.kind == "global" and x.record.fidelity.passed]
    return _ev(
        "explanation",
        bool(good),
        f"global explanation with a passed fidelity check (entry {good[-1].seq})" if good else "",
        "no global explanation with a passed fidelity check recorded",
        [e.seq for e in good],
    )


def _reason_codes(f: Facts) -> Evidence:
    e = f.reason_table
    return _ev(
        "reason_codes",
        e is not None,
        f"reason-code table {e.record.version} registered (entry {e.seq})" if e is not None else "",
        "no reason-code table registered for this model",
        [e.seq] if e is not None else [],
    )


def _code_version(f: Facts) -> Evidence:
    code = f.registration.code
    ok = bool(code.commit) and not code.dirty
    return _ev(
        "code_version",
        ok,
        f"code commit {code.commit} (clean tree)",
        "no clean code commit recorded"
        if not code.commit
        else "the code was registered from a tree with uncommitted changes",
        (f.entry.seq,),
    )


def _environment(f: Facts) -> Evidence:
    env = f.registration.environment
    return _ev(
        "environment",
        "python" in env,
        f"Python {env.get('python')} and {len(env) - 1} library versions",
        "no environment recorded",
        (f.entry.seq,),
    )


def independent_validators(f: Facts) -> list[Approval]:
    """Validator sign-offs by someone who neither owns nor registered the version."""
    return [
        a
        for a in f.approvals
        if a.role == "validator"
        and a.verified
        and a.signer not in (f.row.owner, f.row.registered_by)
    ]


def _validator_review(f: Facts) -> Evidence:
    found = independent_validators(f)
    return _ev(
        "validator_review",
        bool(found),
        "independent validator sign-off by " + ", ".join(sorted({a.signer for a in found})),
        "no sign-off by an independent validator",
        [a.entry.seq for a in found],
    )


def _approval(f: Facts) -> Evidence:
    # A stale approval is evidence that the people the policy names signed (the card and the
    # status say what changed since); deploy and scoring refuse it (docs/registry.md).
    # The approval alone counts, whatever the deployments: a retired version whose sign-offs
    # are in force is still approved (a rollback puts it back).
    ok = f.status.approval in (APPROVED, STALE)
    seqs = [s.entry for s in f.status.signoffs if s.in_force]
    return _ev(
        "approval",
        ok,
        f"{f.status.status}: every required sign-off in force"
        + (", but what they pinned has changed since" if f.status.status == STALE else ""),
        f"not approved: the version is {f.status.status}",
        seqs,
    )


def _findings_resolved(f: Facts) -> Evidence:
    # the findings that stop the model (automatic monitoring findings flag it: status.py)
    blocking = list(f.status.blocking)
    return Evidence(
        "findings_resolved",
        not blocking,
        "no finding of a blocking severity is open"
        if not blocking
        else "open blocking finding(s): "
        + ", ".join(f"#{x.number} ({x.severity})" for x in blocking),
        tuple(x.seq for x in f.findings),
    )


def _review_scheduled(f: Facts) -> Evidence:
    due = f.status.next_review_due
    return _ev(
        "review_scheduled",
        due is not None,
        f"next review due {(due or '')[:10]}",
        "no review date: no sign-off is in force",
        [s.entry for s in f.status.signoffs],
    )


def _monitoring_results(f: Facts) -> Evidence:
    """A recorded monitoring result of this version, recent by the tier's frequency."""
    if not f.monitoring:
        return _ev("monitoring_results", False, "", "no monitoring result recorded", [])
    last = f.monitoring[-1]
    result = MonitoringResult.from_entry(last)
    every = f.policy.monitoring_rule(f.row.risk_tier).frequency_months
    due = format_ts(add_months(parse_ts(last.ts), every))
    recent = due >= f.at
    return _ev(
        "monitoring_results",
        recent,
        f"monitoring {result.status} for {result.start[:10]} to {result.end[:10]} "
        f"(entry {last.seq}; {len(f.monitoring)} results)",
        f"the latest monitoring result (entry {last.seq}, {last.ts[:10]}) is older than the "
        f"tier's {every} months",
        [e.seq for e in f.monitoring],
    )


def _backtesting(f: Facts) -> Evidence:
    """A recorded monitoring result holding outcomes analysis on matured cohorts."""
    with_outcomes = [
        e
        for e in f.monitoring
        for r in (MonitoringResult.from_entry(e),)
        if any(c.metric in ("auc_drop", "calibration_gap") for c in r.checks)
    ]
    return _ev(
        "backtesting",
        bool(with_outcomes),
        f"outcomes analysis on matured cohorts recorded (entry "
        f"{with_outcomes[-1].seq if with_outcomes else ''})",
        "no back-testing on outcomes realised in use is recorded",
        [e.seq for e in with_outcomes],
    )


def _fairness_testing(f: Facts) -> Evidence:
    """Disparity measured on the groups the bank designates (`govern fairness --record`); a
    narrative counts only where no groups are designated for the model (docs/fairness.md)."""
    if f.fairness:
        e = f.fairness[-1]
        r = FairnessResult.from_entry(e)
        verdict = "no threshold breached" if r.passed else f"{len(r.breaches)} breaches"
        return _ev(
            "fairness_testing",
            True,
            f"fair-lending analysis on {r.source}, {verdict} (entry {e.seq})",
            "",
            [x.seq for x in f.fairness],
        )
    if f.policy.fairness_for(f.name) is not None:
        return _ev(
            "fairness_testing",
            False,
            "",
            "groups are designated for this model but no fair-lending analysis is recorded "
            "(govern fairness --record); a narrative alone does not meet this",
        )
    n = f.narrative
    if n is not None and n.get("fairness"):
        return _ev(
            "fairness_testing",
            True,
            f"no groups designated; card narrative section 'Fairness' (entry {n.seq})",
            "",
            [n.seq],
        )
    return _ev(
        "fairness_testing",
        False,
        "",
        "no fair-lending analysis recorded and no groups designated (policy [fairness])",
    )


def _prediction_log(f: Facts) -> Evidence:
    return _ev(
        "prediction_log",
        f.predictions > 0,
        f"{f.predictions} logged predictions name this version",
        "no logged predictions name this version",
        [],
    )


EVIDENCE: Mapping[str, Check] = {
    "registration": _registration,
    "intended_use": _intended_use,
    "limitations": _limitations,
    "methodology": _methodology,
    "training_data": _training_data,
    "data_profile": _data_profile,
    "holdout_metrics": _holdout_metrics,
    "independent_holdout": _independent_holdout,
    "calibration": _calibration,
    "challenger": _challenger,
    "explanation": _explanation,
    "reason_codes": _reason_codes,
    "code_version": _code_version,
    "environment": _environment,
    "validator_review": _validator_review,
    "approval": _approval,
    "findings_resolved": _findings_resolved,
    "review_scheduled": _review_scheduled,
    "monitoring_results": _monitoring_results,
    "backtesting": _backtesting,
    "prediction_log": _prediction_log,
    "fairness_testing": _fairness_testing,
}
NARRATIVE_PREFIXES: Mapping[str, narrative_mod.Kind] = {
    "narrative": "card.narrative",
    "validation": "validation.narrative",
}


def known(name: str) -> bool:
    """Whether ``name`` (one alternative, e.g. ``narrative:purpose``) is an evidence name."""
    prefix, sep, key = name.partition(":")
    if sep:
        kind = NARRATIVE_PREFIXES.get(prefix)
        return kind is not None and any(s.key == key for s in narrative_mod.SPECS[kind])
    return name in EVIDENCE


def check(facts: Facts, name: str) -> Evidence:
    """The evidence ``name`` for these facts (``narrative:KEY`` for a narrative section)."""
    prefix, sep, key = name.partition(":")
    if sep:
        kind = NARRATIVE_PREFIXES[prefix]
        n = facts.narrative if kind == "card.narrative" else facts.validation_narrative
        title = narrative_mod.title_of(key, kind)
        what = "card narrative" if kind == "card.narrative" else "validation narrative"
        if n is not None and n.get(key):
            return Evidence(name, True, f"{what} section '{title}' (entry {n.seq})", (n.seq,))
        return Evidence(name, False, f"no '{title}' section in the {what}")
    return EVIDENCE[name](facts)
