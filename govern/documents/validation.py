"""The validation report: the second line of defence's account of one model version.

Built from the ledger: the validator's signed decision (the conclusion), findings (the register
and the effective challenge: each finding a question, its resolution the answer), sign-offs and
the revalidation schedule, the challenger comparison, outcomes on data not used in development,
and a replication of the registered metrics from the hash-verified artifact and data. What the
validator writes in words comes from the recorded validation narrative (``govern report
narrative``); where evidence is missing the report says "not recorded".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern import presentation as b
from govern._version import __version__
from govern.documents import coverage as cov
from govern.documents import evidence as ev
from govern.documents.evidence import Facts, cite
from govern.documents.narrative import title_of
from govern.errors import GovernError
from govern.presentation import check_template_dir
from govern.records import ClassifierMetrics, MonitoringResult, PersonEnrolled, subjects
from govern.registry import models

if TYPE_CHECKING:
    from govern.registry.core import Registry

FORMAT = "govern.validation/1"
DECISION_WORDS = {
    "approve": "approve",
    "conditional": "approve with conditions",
    "reject": "reject",
}
#: Scalar metrics compared by the replication (curves and tables are compared whole).
REPLICATED = (
    "n",
    "positives",
    "roc_auc",
    "gini",
    "ks",
    "pr_auc",
    "brier",
    "log_loss",
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "f1",
    "mae",
    "rmse",
    "r2",
)

SECTIONS: tuple[tuple[int, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        1,
        "conclusion",
        "Conclusion and rating",
        (("sr11-7", "V-independence"), ("sr26-2", "validation")),
    ),
    (
        2,
        "scope",
        "Scope and independence of the validator",
        (("sr11-7", "V-independence"), ("sr11-7", "III-challenge"), ("sr26-2", "validation")),
    ),
    (
        3,
        "soundness",
        "Conceptual soundness",
        (("sr11-7", "V.1"), ("sr26-2", "conceptual-soundness"), ("eu-ai-act", "Annex-IV-2ab")),
    ),
    (
        4,
        "replication",
        "Replication from hash-verified artifacts",
        (("sr11-7", "V.2"), ("sr11-7", "IV-implementation")),
    ),
    (
        5,
        "benchmarking",
        "Benchmarking against a challenger",
        (("sr11-7", "V.2-benchmarking"), ("sr26-2", "benchmarking")),
    ),
    (
        6,
        "outcomes",
        "Outcomes analysis and back-testing",
        (
            ("sr11-7", "V.3"),
            ("sr11-7", "V.3-backtesting"),
            ("sr26-2", "outcomes"),
            ("eu-ai-act", "Annex-IV-2g"),
        ),
    ),
    (
        7,
        "monitoring",
        "Adequacy of monitoring",
        (("sr11-7", "V.2"), ("sr26-2", "monitoring"), ("eu-ai-act", "Annex-IV-9")),
    ),
    (8, "findings", "Findings register", (("sr11-7", "VI-roles"), ("eu-ai-act", "Annex-IV-5"))),
    (9, "challenge", "Effective challenge", (("sr11-7", "III-challenge"),)),
    (
        10,
        "signoff",
        "Sign-off and revalidation schedule",
        (
            ("sr11-7", "V-periodic"),
            ("sr11-7", "VI-roles"),
            ("sr26-2", "frequency"),
            ("sr26-2", "governance"),
        ),
    ),
    (
        11,
        "coverage",
        "Evidence coverage",
        (("sr11-7", "VI-documentation"), ("sr26-2", "documentation")),
    ),
)


def _cites(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    out = []
    for pack_id, req_id in pairs:
        pack = cov.load(pack_id)
        req = next(r for r in pack.requirements if r.id == req_id)
        out.append({"pack": pack_id, "id": req_id, "cite": req.cite})
    return out


def _narr(f: Facts, key: str) -> list[b.Block]:
    n = f.validation_narrative
    title = title_of(key, "validation.narrative")
    if n is not None and n.get(key):
        return [
            b.text(
                n.sections[key],
                f"validation narrative, ledger entry {n.seq} (recorded "
                f"by {n.actor} on {n.ts[:10]}, sha256 {n.sha256[:16]})",
                title,
            )
        ]
    return [
        b.missing(
            f"the validator's '{title}'",
            "the validation narrative has no such section (govern report narrative)",
        )
    ]


def _latest(f: Facts, role: str) -> ev.Approval | None:
    found = [a for a in f.approvals if a.role == role]
    return found[-1] if found else None


def _s_conclusion(f: Facts) -> list[b.Block]:
    val = _latest(f, "validator")
    app = _latest(f, "approver")
    rating = f.validation_narrative.get("rating") if f.validation_narrative else None
    blocks: list[b.Block] = [
        b.fields(
            [
                (
                    "Conclusion",
                    DECISION_WORDS.get(val.decision, val.decision) if val else None,
                    cite(val.entry) if val else "no validator sign-off",
                ),
                (
                    "Conditions",
                    (val.conditions or "none") if val else None,
                    cite(val.entry) if val else None,
                ),
                ("Validator", val.signer if val else None, cite(val.entry) if val else None),
                ("Signed", val.entry.ts if val else None, None),
                (
                    "Signature",
                    ("verified" if val.verified else "DOES NOT VERIFY") if val else None,
                    "checked with the key enrolled for the signer then",
                ),
                (
                    "Rating",
                    " ".join(rating.split()) if rating else None,
                    f"validation narrative, entry {f.validation_narrative.seq}"
                    if rating and f.validation_narrative
                    else None,
                ),
                (
                    "Approver's decision",
                    DECISION_WORDS.get(app.decision, app.decision) if app else None,
                    cite(app.entry) if app else None,
                ),
                ("Status", f"{f.status.status} (as of {f.at})", "derived from the ledger"),
            ]
        ),
    ]
    blocks += _narr(f, "conclusion")
    return blocks


def _s_scope(reg: Registry, f: Facts) -> list[b.Block]:
    owner, registrant = f.row.owner, f.row.registered_by
    rows = []
    validators = sorted(
        {a.signer for a in f.approvals if a.role == "validator"} | {x.raised_by for x in f.findings}
    )
    for name in validators:
        roles = None
        enrolled = next(
            iter(
                reg.ledger.entries(
                    subject=subjects.person(name),
                    kind=PersonEnrolled.KIND,
                    stop=f.head.size,
                    newest_first=True,
                    limit=1,
                )
            ),
            None,
        )
        if enrolled is not None:
            roles = ", ".join(PersonEnrolled.from_entry(enrolled).roles)
        independent = name not in (owner, registrant)
        rows.append(
            [
                name,
                roles,
                "yes" if independent else "NO",
                "neither the owner nor the registrant"
                if independent
                else ("the owner" if name == owner else "the registrant"),
                str(enrolled.seq) if enrolled else None,
            ]
        )
    blocks: list[b.Block] = [
        b.fields(
            [
                ("Model version", f.ref, cite(f.entry)),
                ("Risk tier", f.row.risk_tier, cite(f.entry)),
                ("Owner", owner, cite(f.entry)),
                ("Developer (registered by)", registrant, cite(f.entry)),
                (
                    "Evidence in scope",
                    f"the artifact, {len(f.datasets)} dataset version(s), "
                    f"{len(f.findings)} finding(s), {len(f.approvals)} sign-off(s) in the "
                    f"ledger at size {f.head.size}",
                    "the ledger",
                ),
            ]
        ),
    ]
    if rows:
        blocks.append(
            b.table(
                ["Validator", "Enrolled roles", "Independent", "Why", "Enrolment"],
                rows,
                title="Independence",
                source="person.enrolled, finding and approval entries",
            )
        )
    else:
        blocks.append(b.missing("a validator", "no validator has raised a finding or signed"))
    blocks += _narr(f, "scope")
    return blocks


def _s_soundness(f: Facts) -> list[b.Block]:
    est = f.registration.estimator
    n = f.narrative
    have = [
        title_of(k)
        for k in ("methodology", "assumptions", "limitations")
        if n is not None and n.get(k)
    ]
    blocks: list[b.Block] = [
        b.fields(
            [
                ("Estimator", est.class_, cite(f.entry)),
                ("Features", f"{len(f.registration.features)}", cite(f.entry)),
                ("Training data", ", ".join(d.ref for d in f.training) or None, cite(f.entry)),
                (
                    "Developer's documentation",
                    ", ".join(have) or None,
                    f"card narrative, entry {n.seq}" if n else "no card narrative recorded",
                ),
            ]
        ),
    ]
    blocks += _narr(f, "soundness")
    return blocks


def _same(a: Any, b_: Any) -> bool:
    if isinstance(a, float) and isinstance(b_, float):
        return a == b_ or (math.isnan(a) and math.isnan(b_))
    return bool(a == b_)


def _s_replication(reg: Registry, f: Facts, replicate: bool) -> list[b.Block]:
    blocks: list[b.Block] = []
    if not f.metrics:
        blocks.append(
            b.missing(
                "replication",
                "no metrics were recorded at registration (no "
                "holdout data), so there is nothing to replicate",
            )
        )
    elif not replicate:
        blocks.append(b.missing("replication", "not performed for this report (--no-replicate)"))
    else:
        try:
            again = models.recompute_metrics(reg, f.ref)
        except GovernError as exc:
            again = None
            blocks.append(
                b.missing("replication", f"the artifact or data could not be loaded: {exc.message}")
            )
        if again is not None:
            rows = []
            differ = 0
            for key, recorded in sorted(f.metrics.items()):
                now = again.get(key) or {}
                for name in REPLICATED:
                    if name not in recorded:
                        continue
                    same = _same(recorded[name], now.get(name))
                    differ += 0 if same else 1
                    rows.append(
                        [
                            key,
                            name,
                            repr(recorded[name]),
                            repr(now.get(name)),
                            "identical" if same else "DIFFERS",
                        ]
                    )
                for name in ("roc_curve", "calibration", "score_histogram", "confusion"):
                    if name in recorded:
                        same = recorded[name] == now.get(name)
                        differ += 0 if same else 1
                        rows.append(
                            [
                                key,
                                name,
                                "recorded",
                                "recomputed",
                                "identical" if same else "DIFFERS",
                            ]
                        )
            art = f.registration.artifact.sha256
            blocks.append(
                b.note(
                    f"The artifact (sha256 {art[:16]}) and the holdout data were loaded from the "
                    "artifact store, their digests checked against the ledger, and the metrics "
                    "recomputed: "
                    + (
                        "every value is identical to the one recorded at registration."
                        if not differ
                        else f"{differ} value(s) DIFFER from those recorded."
                    )
                )
            )
            blocks.append(
                b.table(
                    ["Holdout", "Metric", "Recorded", "Recomputed", "Result"],
                    rows,
                    title="Replicated metrics",
                    source=f"{cite(f.entry)}; recomputed with govern {__version__}",
                )
            )
    blocks += _narr(f, "replication")
    return blocks


def _s_benchmarking(f: Facts) -> list[b.Block]:
    blocks: list[b.Block] = [
        b.note(
            "Challenger rule: a version designated as a challenger of this one (at its "
            "registration, or by a later signed entry; never inferred) whose holdout metrics were "
            "computed on a dataset of identical bytes (the same SHA-256) as one of this "
            "version's holdouts."
        )
    ]
    if f.challengers:
        rows = []
        compared = ("roc_auc", "gini", "ks", "brier")
        for d in f.holdouts:
            mine = f.holdout_metrics(d.ref) if d.ref in f.metrics else None
            rows.append(
                [
                    f"{f.ref} (validated)",
                    d.ref,
                    *[b.fmt(getattr(mine, x, None)) for x in compared],
                    "(reference)",
                    str(f.entry.seq),
                ]
            )
            for c in f.challengers:
                if c.ours != d.ref:
                    continue
                theirs = c.classifier_metrics()
                ours_auc = getattr(mine, "roc_auc", None)
                their_auc = None if theirs is None else theirs.roc_auc
                delta = None
                if ours_auc is not None and their_auc is not None:
                    delta = b.fmt(float(ours_auc) - float(their_auc), sign=True)
                rows.append(
                    [
                        c.ref,
                        c.dataset,
                        *[b.fmt(getattr(theirs, x, None)) for x in compared],
                        delta,
                        str(c.entry.seq),
                    ]
                )
        blocks.append(
            b.table(
                [
                    "Model",
                    "Holdout",
                    "ROC AUC",
                    "Gini",
                    "KS",
                    "Brier",
                    "AUC of validated minus challenger",
                    "Entry",
                ],
                rows,
                title="Challenger comparison",
                source="model.registered entries (metrics recorded at registration)",
            )
        )
    else:
        blocks.append(
            b.missing(
                "a challenger",
                "no other model version is registered with metrics on the same holdout data",
            )
        )
    if f.comparisons:
        blocks.append(ev.comparison_table(f.comparisons))
    blocks += _narr(f, "benchmarking")
    return blocks


def _s_outcomes(f: Facts) -> list[b.Block]:
    trained = {d.sha256 for d in f.training}
    blocks: list[b.Block] = []
    if f.holdouts:
        rows = []
        for d in f.holdouts:
            m = f.holdout_metrics(d.ref) if d.ref in f.metrics else None
            gaps = []
            if isinstance(m, ClassifierMetrics):
                cal = m.calibration
                gaps = [
                    abs(float(s) - float(o))
                    for s, o in zip(cal.mean_score, cal.observed_rate, strict=False)
                    if s is not None and o is not None
                ]
            rows.append(
                [
                    d.ref,
                    "yes" if d.sha256 not in trained else "NO (same bytes as training data)",
                    b.fmt(getattr(m, "n", None)),
                    b.fmt(getattr(m, "roc_auc", None)),
                    b.fmt(getattr(m, "ks", None)),
                    b.fmt(getattr(m, "brier", None)),
                    b.fmt(max(gaps)) if gaps else None,
                ]
            )
        blocks.append(
            b.table(
                [
                    "Holdout",
                    "Not used in development",
                    "Rows",
                    "ROC AUC",
                    "KS",
                    "Brier",
                    "Largest calibration gap",
                ],
                rows,
                title="Outcomes on held-out data",
                source=f"{cite(f.entry)}; independence by SHA-256 against the training data",
            )
        )
    else:
        blocks.append(
            b.missing(
                "outcomes analysis on data not used in development",
                "the version was registered without holdout data",
            )
        )
    if f.monitoring:
        blocks.append(
            b.table(
                ["Entry", "Status", "Period", "Decisions", "Outcomes analysis", "When"],
                [
                    [
                        str(e.seq),
                        r.status,
                        f"{r.start[:10]} to {r.end[:10]}",
                        f"{r.rows:,}",
                        "; ".join(
                            f"{c.metric} {c.value:.4f} ({c.status})"
                            for c in r.checks
                            if c.metric in ("auc_drop", "calibration_gap")
                        )
                        or "no matured outcomes",
                        e.ts,
                    ]
                    for e in f.monitoring
                    for r in (MonitoringResult.from_entry(e),)
                ],
                title="Back-testing and monitoring results",
                source="monitoring.result entries",
            )
        )
    else:
        blocks.append(
            b.missing(
                "back-testing against outcomes realised in use",
                "no monitoring results are recorded for this version",
            )
        )
    # disparate impact by designated group: part of the outcomes the validator challenges
    blocks += ev.fairness_blocks(f)
    if not f.fairness and f.policy.fairness_for(f.name) is not None:
        blocks.append(
            b.missing(
                "fair-lending analysis",
                "the policy designates groups for this model but no fairness.result is recorded",
            )
        )
    blocks += _narr(f, "outcomes")
    return blocks


def _s_monitoring(f: Facts) -> list[b.Block]:
    months = f.rule.revalidation_months
    n = f.narrative
    blocks: list[b.Block] = [
        b.fields(
            [
                (
                    "Monitoring plan (developer)",
                    "recorded" if n and n.get("monitoring") else None,
                    f"card narrative, entry {n.seq}" if n and n.get("monitoring") else None,
                ),
                (
                    "Revalidation interval",
                    f"{months} months" if months else None,
                    "the policy in force",
                ),
                (
                    "Monitoring results",
                    f"{len(f.monitoring)} entries" if f.monitoring else None,
                    "monitoring entries",
                ),
                (
                    "Conditions of approval",
                    "; ".join(a.conditions for a in f.approvals if a.conditions) or "none",
                    "approval.signed entries",
                ),
            ]
        ),
    ]
    if n and n.get("monitoring"):
        blocks.append(
            b.text(
                n.sections["monitoring"],
                f"card narrative, ledger entry {n.seq}",
                "The developer's monitoring plan",
            )
        )
    blocks += _narr(f, "monitoring")
    return blocks


def _s_findings(f: Facts) -> list[b.Block]:
    if not f.findings:
        return [b.missing("findings", "no finding has been raised against this version")]
    owner = f.row.owner
    return [
        b.table(
            ["Id", "Type", "Severity", "Finding", "Owner", "Due", "Status", "Raised", "Closed"],
            [
                [
                    f"#{x.number}",
                    x.type,
                    x.severity,
                    x.text,
                    owner,
                    b.day(x.due),
                    x.status,
                    f"{x.raised_by} {x.raised_at[:10]} (entry {x.seq})",
                    f"{x.closed_by} {x.closed_at[:10]}" if x.closed_at else "open",
                ]
                for x in f.findings
            ],
            title="Findings",
            source="finding.raised and finding.closed entries; a "
            "finding names no owner of its own, so the owner shown is the model's",
        ),
    ]


def _s_challenge(f: Facts) -> list[b.Block]:
    blocks: list[b.Block] = []
    if f.findings:
        blocks.append(
            b.table(
                ["Question raised", "By", "Answer and change made", "Closed by"],
                [
                    [f"#{x.number}: {x.text}", x.raised_by, x.resolution, x.closed_by or "open"]
                    for x in f.findings
                ],
                title="Findings as questions and answers",
                source="finding.raised and finding.closed entries",
            )
        )
    else:
        blocks.append(b.missing("questions raised", "no finding has been raised"))
    blocks += _narr(f, "challenge")
    return blocks


def _s_signoff(f: Facts) -> list[b.Block]:
    st = f.status
    months = f.rule.revalidation_months
    blocks: list[b.Block] = []
    if f.approvals:
        by_seq = {s.entry: s for s in st.signoffs}
        blocks.append(
            b.table(
                [
                    "Role",
                    "Decision",
                    "Signer",
                    "Signed",
                    "Expires",
                    "In force",
                    "Signature",
                    "Entry",
                ],
                [
                    [
                        a.role,
                        DECISION_WORDS.get(a.decision, a.decision),
                        a.signer,
                        a.entry.ts,
                        by_seq[a.entry.seq].expires if a.entry.seq in by_seq else a.expires,
                        b.fmt(by_seq[a.entry.seq].in_force) if a.entry.seq in by_seq else None,
                        "verified" if a.verified else "DOES NOT VERIFY",
                        str(a.entry.seq),
                    ]
                    for a in f.approvals
                ],
                title="Sign-offs",
                source="approval.signed entries",
            )
        )
    else:
        blocks.append(b.missing("sign-offs", "no approval has been signed for this version"))
    blocks.append(
        b.fields(
            [
                ("Required sign-offs", ", ".join(st.required_roles), "the policy in force"),
                (
                    "Revalidation interval",
                    f"{months} months" if months else None,
                    "the policy in force",
                ),
                (
                    "Revalidate by",
                    b.day(st.next_review_due),
                    "the earliest expiry of the sign-offs in force",
                ),
            ],
            title="Revalidation schedule",
        )
    )
    return blocks


def _s_coverage(f: Facts) -> list[b.Block]:
    blocks: list[b.Block] = []
    for name in cov.DEFAULT_PACKS:
        c = cov.check_pack(f, cov.load(name))
        blocks.append(
            b.table(
                ["Requirement", f"Mandatory ({c.tier})", "State", "Missing"],
                [
                    [
                        r.requirement.cite,
                        "yes" if r.mandatory else "no",
                        r.state,
                        "; ".join(r.missing) or "none",
                    ]
                    for r in c.rows
                ],
                title=c.pack.title,
                source="govern coverage",
            )
        )
    return blocks


def report_data(reg: Registry, f: Facts, *, replicate: bool = True) -> dict[str, Any]:
    """The validation report's JSON data."""
    builders: Mapping[str, Any] = {
        "conclusion": lambda: _s_conclusion(f),
        "scope": lambda: _s_scope(reg, f),
        "soundness": lambda: _s_soundness(f),
        "replication": lambda: _s_replication(reg, f, replicate),
        "benchmarking": lambda: _s_benchmarking(f),
        "outcomes": lambda: _s_outcomes(f),
        "monitoring": lambda: _s_monitoring(f),
        "findings": lambda: _s_findings(f),
        "challenge": lambda: _s_challenge(f),
        "signoff": lambda: _s_signoff(f),
        "coverage": lambda: _s_coverage(f),
    }
    val = _latest(f, "validator")
    return {
        "format": FORMAT,
        "title": f"Validation report: {f.ref}",
        "govern": {
            "model": f.ref,
            "generator": f"govern {__version__}",
            "ledger": {
                "origin": f.head.origin,
                "size": f.head.size,
                "root": f.root_b64,
                "as_of": f.at,
            },
            "model_entry": {"seq": f.entry.seq, "leaf": f.model_leaf},
            "conclusion": DECISION_WORDS.get(val.decision, val.decision) if val else None,
            "status": f.status.status,
            "risk_tier": f.row.risk_tier,
        },
        "sections": [
            b.section(n, key, title, _cites(reqs), builders[key]())
            for n, key, title, reqs in SECTIONS
        ],
    }


def build_validation_report(
    reg: Registry,
    ref: str,
    *,
    template_dir: Path | None = None,
    replicate: bool = True,
    facts: Facts | None = None,
) -> b.Document:
    """The validation report of ``ref`` as the ledger stands now."""
    check_template_dir(template_dir)
    f = facts or ev.gather(reg, ref)
    return b.Document("validation", report_data(reg, f, replicate=replicate), template_dir)
