"""The model card: the development documentation of one model version (docs/documents.md, sections
0-15), generated from the ledger.

Every number comes from a ledger entry or from an artifact whose digest the ledger holds (the
model, a dataset), and each block says which. Sections people write come from the recorded
narrative (``govern card narrative``); where evidence is missing the card says "not recorded".
The card is data (JSON, Model Card Toolkit field names where they overlap, docs/card.schema.json)
rendered to Markdown, HTML and PDF; the same ledger state gives the same bytes: the "generated
at" is the ledger's head (size, root, time of its last entry), never the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern import presentation as b
from govern._version import __version__
from govern.documents import coverage as cov
from govern.documents import evidence as ev
from govern.documents import plots
from govern.documents.evidence import Facts, cite
from govern.errors import GovernError
from govern.presentation import check_template_dir
from govern.records import (
    FAVOURABLE_NOT_STATED,
    CategoricalColumn,
    ClassifierMetrics,
    ExplanationGenerated,
    MonitoringResult,
    Recorded,
)
from govern.registry import catalog, models, profiles

if TYPE_CHECKING:
    from govern.registry.core import Registry

FORMAT = "govern.card/1"
SCHEMA_URL = "https://github.com/govern/govern/blob/main/docs/card.schema.json"
PACK_ORDER = ("sr11-7", "sr26-2", "eu-ai-act", "reg-b", "gdpr")
#: The background of the card's SHAP importance, as `govern explain` samples it.
BACKGROUND_ROWS = 200
SEED = 0
TOP_FEATURES = 15

SECTIONS: tuple[tuple[int, str, str], ...] = (
    (0, "control", "Document control"),
    (1, "identification", "Identification"),
    (2, "purpose", "Purpose and intended use"),
    (3, "materiality", "Materiality and risk tier"),
    (4, "methodology", "Methodology"),
    (5, "data", "Data"),
    (6, "features", "Features"),
    (7, "performance", "Performance"),
    (8, "explainability", "Explainability"),
    (9, "fairness", "Fairness"),
    (10, "limitations", "Assumptions, limitations and compensating controls"),
    (11, "implementation", "Implementation"),
    (12, "use", "Use and outputs"),
    (13, "monitoring", "Ongoing monitoring plan"),
    (14, "governance", "Governance and approvals"),
    (15, "appendix", "Appendix: provenance manifest"),
)

CLASSIFICATION_METRICS: tuple[tuple[str, str], ...] = (
    ("ROC AUC", "roc_auc"),
    ("Gini", "gini"),
    ("KS", "ks"),
    ("KS at score", "ks_score"),
    ("PR AUC (average precision)", "pr_auc"),
    ("Brier score", "brier"),
    ("Log loss", "log_loss"),
    ("Observed positive rate", "positive_rate"),
    ("Decision threshold", "threshold"),
    ("Accuracy at threshold", "accuracy"),
    ("Precision at threshold", "precision"),
    ("Recall at threshold", "recall"),
    ("Specificity at threshold", "specificity"),
    ("F1 at threshold", "f1"),
    ("Predicted positive rate", "predicted_positive_rate"),
    ("Rows", "n"),
    ("Positives", "positives"),
    ("Negatives", "negatives"),
)
REGRESSION_METRICS: tuple[tuple[str, str], ...] = (
    ("Rows", "n"),
    ("Mean absolute error", "mae"),
    ("Root mean squared error", "rmse"),
    ("R squared", "r2"),
    ("Median absolute error", "median_ae"),
    ("Mean residual", "mean_residual"),
)
#: Feature-name tokens suggesting an ECOA / Reg B prohibited basis (12 CFR 1002.2(z)).
PROHIBITED_TERMS: Mapping[str, str] = {
    "sex": "sex",
    "gender": "sex",
    "marital": "marital status",
    "married": "marital status",
    "personal status": "marital status",
    "age": "age",
    "race": "race",
    "colour": "colour",
    "color": "colour",
    "religion": "religion",
    "ethnicity": "national origin",
    "nationality": "national origin",
    "foreign": "national origin",
    "citizenship": "national origin",
    "origin": "national origin",
    "welfare": "public assistance income",
    "assistance": "public assistance income",
}


# ---- requirements ----------------------------------------------------------------------------


def _packs() -> list[cov.Pack]:
    names = [n for n in PACK_ORDER if n in cov.available()]
    names += [n for n in cov.available() if n not in names]
    return [cov.load(n) for n in names]


def requirements_of(number: int) -> list[dict[str, str]]:
    """The requirements (of every packaged pack) that model-card section ``number`` answers."""
    return [
        {"pack": p.id, "id": r.id, "cite": r.cite}
        for p in _packs()
        for r in p.requirements
        if number in r.sections
    ]


# ---- helpers ---------------------------------------------------------------------------------


def _narr(f: Facts, key: str, title: str | None = None) -> list[b.Block]:
    """The narrative section ``key`` as a text block, or a "not recorded" block."""
    from govern.documents.narrative import title_of

    name = title or title_of(key)
    n = f.narrative
    if n is not None and n.get(key):
        return [
            b.text(
                n.sections[key],
                f"card narrative, ledger entry {n.seq} "
                f"(recorded by {n.actor} on {n.ts[:10]}, sha256 {n.sha256[:16]})",
                name,
            )
        ]
    return [
        b.missing(
            name, f"the card narrative has no '## {title_of(key)}' section (govern card narrative)"
        )
    ]


def _reg(f: Facts) -> str:
    return cite(f.entry) or ""


def _pct(x: Any) -> str | None:
    return None if x is None else f"{100 * float(x):.1f}%"


def _positive_negative(f: Facts) -> tuple[str, str]:
    pos = f.registration.positive_label
    classes = [str(c) for c in f.registration.estimator.classes or ()]
    neg = next((c for c in classes if c != str(pos)), "other")
    return (str(pos) if pos is not None else "positive", neg)


def _how_reasons(f: Facts) -> str:
    mapped = (
        "mapped through this table to at most four principal reasons "
        "(Reg B 12 CFR 1002.9(b)(2)), each with its direction"
    )
    if f.registration.task != "classification":
        return f"the features with the largest contributions toward the adverse direction, {mapped}"
    return (
        f"for an adverse decision (any outcome but the favourable {_favourable(f)}), the "
        f"features with the largest contributions toward it, {mapped}; a favourable decision "
        "has no adverse-action reasons"
    )


def _favourable(f: Facts) -> str:
    """The favourable outcome as the card names it, saying when registration did not."""
    r = f.registration
    if r.favorable_label is not None:
        return repr(r.favorable_label)
    return f"{r.favourable_outcome!r} ({FAVOURABLE_NOT_STATED}; read as the positive label)"


@dataclass(frozen=True)
class Loaded:
    """The registered estimator, loaded from the artifact store (digest checked), or why not."""

    model: Any
    problem: str | None


def _load_model(reg: Registry, f: Facts) -> Loaded:
    try:
        return Loaded(models.load(reg, f.ref), None)
    except GovernError as exc:
        return Loaded(None, exc.message)


def _artifact_source(f: Facts) -> str:
    sha = f.registration.artifact.sha256
    return f"model artifact sha256 {sha[:16]} (digest checked on load; {cite(f.entry)})"


def _dataset_source(d: ev.DatasetFacts) -> str:
    return f"dataset {d.ref} sha256 {d.sha256[:16]} ({cite(d.entry)})"


# ---- SHAP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Importance:
    features: tuple[str, ...]
    values: tuple[float, ...]
    method: Mapping[str, Any]
    fidelity: Mapping[str, Any]
    data: ev.DatasetFacts
    background: ev.DatasetFacts
    rows: int
    recorded: Recorded[ExplanationGenerated] | None  # the latest global explanation, if any
    agrees: bool | None


def _importance(reg: Registry, f: Facts, loaded: Loaded) -> Importance | str:
    """Global mean |SHAP| on a holdout, recomputed from the artifact and registered data."""
    if loaded.model is None:
        return f"the model artifact could not be loaded: {loaded.problem}"
    try:
        from govern.explain import ModelExplainer
    except ImportError as exc:  # pragma: no cover - the explain package ships with govern
        return f"the explain package is not available: {exc}"
    recorded = next((x for x in reversed(f.explanations) if x.record.kind == "global"), None)
    by_ref = {d.ref: d for d in f.datasets}
    data = f.holdouts[0] if f.holdouts else None
    background = f.training[0] if f.training else None
    sample = None
    if recorded is not None:
        r = recorded.record
        data = by_ref.get(r.data.ref or "", data)
        background = by_ref.get((r.background.ref if r.background else None) or "", background)
        sample = r.sample
    if data is None:
        return "no holdout data is registered with the model to explain it on"
    if background is None:
        return "no training data is registered to serve as the background"
    features = f.registration.feature_names
    try:
        frame = catalog.load(reg, data.ref)[features]
        if isinstance(sample, int) and sample > 0:
            frame = frame.sample(n=min(sample, len(frame)), random_state=SEED).sort_index()
        full = catalog.load(reg, background.ref)[features]
        bg = full.sample(n=min(BACKGROUND_ROWS, len(full)), random_state=SEED).sort_index()
        explanation = ModelExplainer(loaded.model, background=bg, seed=SEED).explain(frame)
    except GovernError as exc:
        return f"the explanation could not be computed: {exc.message}"
    except (KeyError, ValueError) as exc:
        return f"the explanation could not be computed: {exc}"
    summary = explanation.to_dict()
    agrees = None
    if recorded is not None:
        was = recorded.record.method.base_value
        now = summary["explanation"].get("base_value")
        agrees = (
            was is not None
            and now is not None
            and abs(float(was) - float(now)) <= 1e-9 * max(1.0, abs(float(was)))
        )
    top = summary["importance"]
    return Importance(
        features=tuple(str(i["feature"]) for i in top),
        values=tuple(float(i["mean_abs_contribution"] or 0.0) for i in top),
        method=summary["explanation"],
        fidelity=summary["fidelity"],
        data=data,
        background=background,
        rows=int(summary["rows"]),
        recorded=recorded,
        agrees=agrees,
    )


# ---- key fields and the previous card --------------------------------------------------------


def key_fields(f: Facts) -> dict[str, str]:
    """The fields compared between one card and the next (kept in document.generated)."""
    r = f.registration
    out = {
        "model": f.ref,
        "model entry": f.model_leaf,
        "artifact sha256": r.artifact.sha256,
        "estimator": r.estimator.class_,
        "code commit": str(r.code.commit),
        "training data": ", ".join(f"{d.ref} {d.sha256[:12]}" for d in f.training) or "none",
        "holdout data": ", ".join(f"{d.ref} {d.sha256[:12]}" for d in f.holdouts) or "none",
        "features": ", ".join(r.feature_names),
        "target": r.target,
        "threshold": r.threshold,
        **(
            {"favourable outcome": r.favorable_label or FAVOURABLE_NOT_STATED}
            if r.task == "classification"
            else {}
        ),
        "risk tier": r.risk_tier,
        "owner": r.owner,
        "intended use": r.intended_use,
        "status": f.status.status,
        "narrative sha256": f.narrative.sha256 if f.narrative else "none",
        "reason table": f.reason_table.record.version if f.reason_table else "none",
    }
    for d in f.holdouts:
        if d.ref in f.metrics:
            m = f.holdout_metrics(d.ref)
            if isinstance(m, ClassifierMetrics):
                out[f"ROC AUC on {d.ref}"] = b.fmt(m.roc_auc) or "none"
    return out


def _previous(reg: Registry, f: Facts) -> tuple[str, dict[str, str]] | None:
    """The previous card of this model: the latest issued one (document.generated) for this or
    an earlier version, else the previous version's card data."""
    issued = [
        x for x in f.documents if _version_of(x.record.model) <= f.version and x.record.key_fields
    ]
    if issued:
        x = issued[-1]
        return (
            f"card {x.record.card_version} of {x.record.model}, issued in ledger entry {x.seq}",
            dict(x.record.key_fields),
        )
    earlier = [v for v in f.versions if v < f.version]
    if earlier:
        prev = ev.gather(reg, f"{f.name}@{earlier[-1]}")
        return (
            f"the card data of {prev.ref} (ledger entry {prev.entry.seq}); no card of this "
            "model was issued with `govern release` yet",
            key_fields(prev),
        )
    return None


def _version_of(model: object) -> int:
    _, _, v = str(model).partition("@")
    return int(v) if v.isdigit() else 0


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[list[str | None]]:
    """Rows (field, before, now) for every key field that differs."""
    rows: list[list[str | None]] = []
    for key in sorted(
        set(before) | set(after), key=lambda k: list(after).index(k) if k in after else len(after)
    ):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "features" and old is not None and new is not None:
            was, now = old.split(", "), new.split(", ")
            added = [x for x in now if x not in was]
            dropped = [x for x in was if x not in now]
            rows.append(
                [
                    key,
                    "removed: " + (", ".join(dropped) or "none"),
                    "added: " + (", ".join(added) or "none"),
                ]
            )
            continue
        rows.append(
            [key, old if old is not None else "absent", new if new is not None else "absent"]
        )
    return rows


# ---- sections --------------------------------------------------------------------------------


def _s0_control(
    reg: Registry, f: Facts, card_version: str, released: bool, coverages: Sequence[cov.Coverage]
) -> list[b.Block]:
    authors = sorted({f.row.registered_by, *([f.narrative.actor] if f.narrative else [])})
    reviewers = sorted({a.signer for a in f.approvals})
    if released:
        document = (
            "released with `govern release`; the document.generated entry recording "
            f"its digests follows this ledger state (entry {f.head.size})"
        )
        checkpoint: str | None = (
            f"signed at size {f.head.size}, root {f.root_b64} (checkpoint.txt of this release)"
        )
    else:
        document = "preview (`govern card`): not recorded in the ledger"
        checkpoint = None
        if f.checkpoint is not None:
            n, size, root, ts = f.checkpoint
            checkpoint = f"checkpoint {n}: size {size}, root {root}, signed {ts[:10]}"
    blocks = [
        b.fields(
            [
                ("Model", f.ref, _reg(f)),
                (
                    "Card version",
                    card_version,
                    f"{len([d for d in f.documents if d.record.model == f.ref])} earlier "
                    "card(s) of this version issued (document.generated entries)",
                ),
                ("Document", document, None),
                ("Generator", f"govern {__version__}", None),
                (
                    "Generated at (ledger state)",
                    f"size {f.head.size}, root {f.root_b64}, last entry {f.at}",
                    "ledger head",
                ),
                ("Log", f.head.origin, "ledger entry 0"),
                ("Model entry hash", f.model_leaf, _reg(f)),
                ("Latest signed checkpoint", checkpoint, "ledger_checkpoints"),
                ("Authors", ", ".join(authors), "model.registered and card.narrative entries"),
                ("Reviewers", ", ".join(reviewers) or None, "approval.signed entries"),
                (
                    "Approval status",
                    f"{f.status.status} (as of {f.at})"
                    + ("; what the sign-offs pinned has changed: see 14" if f.status.stale else ""),
                    "registry status derived from the ledger",
                ),
            ]
        ),
    ]
    prev = _previous(reg, f)
    now = key_fields(f)
    if prev is None:
        blocks.append(
            b.note(
                "Changes since the previous card: this is the first card of "
                f"{f.name}; no earlier version or issued card exists."
            )
        )
    else:
        where, before = prev
        rows = changes(before, now)
        if rows:
            blocks.append(
                b.table(
                    ["Field", "Previous card", "This card"],
                    rows,
                    title="Changes since the previous card",
                    source=where,
                )
            )
        else:
            blocks.append(
                b.note(
                    f"Changes since the previous card ({where}): none of the key fields changed."
                )
            )
    cov_rows = []
    for c in coverages:
        cov_rows.append(
            [
                c.pack.title,
                f"{sum(1 for r in c.rows if r.satisfied)} of {len(c.rows)}",
                ", ".join(r.requirement.cite for r in c.missing_mandatory) or "none",
            ]
        )
    blocks.append(
        b.table(
            [
                "Regulation pack",
                "Requirements with evidence",
                f"Mandatory for tier {f.row.risk_tier} but missing",
            ],
            cov_rows,
            title="Coverage (govern coverage)",
            source=f"ledger at size {f.head.size}; the rule: docs/documents.md",
        )
    )
    return blocks


def _s1_identification(f: Facts) -> list[b.Block]:
    r = f.registration
    validators = sorted(
        {a.signer for a in f.approvals if a.role == "validator"} | {x.raised_by for x in f.findings}
    )
    status = f.status
    lifecycle = status.status + (
        f"; deployed in {', '.join(status.deployed_in)}" if status.deployed_in else ""
    )
    blocks: list[b.Block] = [
        b.fields(
            [
                ("Name", f.name, _reg(f)),
                ("Version", str(f.version), _reg(f)),
                ("Owner", r.owner, _reg(f)),
                ("Developer (registered by)", f.row.registered_by, _reg(f)),
                ("Validator", ", ".join(validators) or None, "finding and approval entries"),
                ("Task", r.task, _reg(f)),
                ("Lifecycle status", lifecycle, f"status as of {f.at}"),
                ("Registered", f.entry.ts, _reg(f)),
                (
                    "Other versions",
                    ", ".join(f"{f.name}@{v}" for v in f.versions if v != f.version) or "none",
                    "model.registered entries",
                ),
            ]
        ),
    ]
    blocks += _narr(f, "users")
    blocks += _narr(f, "sourcing", "In-house or vendor")
    blocks += _narr(f, "dependencies", "Upstream models and dependencies")
    return blocks


def _s2_purpose(f: Facts) -> list[b.Block]:
    blocks = [
        b.fields([("Intended use (at registration)", f.registration.intended_use or None, _reg(f))])
    ]
    blocks += _narr(f, "purpose", "Decisions supported")
    blocks += _narr(f, "users", "Intended users")
    blocks += _narr(f, "out_of_scope", "Restrictions and out-of-scope uses")
    return blocks


def _s3_materiality(f: Facts, coverages: Sequence[cov.Coverage]) -> list[b.Block]:
    tier = f.row.risk_tier
    approval_path = " and ".join(f.rule.requires) + " sign-off"
    revalidation = f"every {f.rule.revalidation_months} months (approvals lapse after this)"
    mandatory = sorted({r.requirement.cite for c in coverages for r in c.rows if r.mandatory})
    blocks: list[b.Block] = [
        b.fields(
            [
                ("Risk tier", tier, _reg(f)),
                ("Approval path", approval_path, "the policy in force"),
                ("Revalidation", revalidation, "the policy in force"),
                (
                    "Blocking finding severities",
                    ", ".join(f.policy.blocking_severities),
                    "the policy in force",
                ),
                (
                    "Validation depth",
                    f"{len(mandatory)} mandatory requirements for tier {tier} "
                    f"in {', '.join(c.pack.short for c in coverages)}",
                    "regulation packs",
                ),
                ("Monitoring frequency", None, "the policy in force sets none; see section 13"),
            ]
        ),
    ]
    blocks += _narr(f, "materiality", "Exposure and purpose")
    return blocks


def _hyperparameters(model: Any) -> list[list[str | None]]:
    try:
        params = model.get_params(deep=True)
    except Exception:  # a model without get_params: nothing to list
        return []
    rows = []
    for key in sorted(params):
        value = params[key]
        if value is None or isinstance(value, bool | int | float | str):
            rows.append([key, repr(value)])
    return rows


def _s4_methodology(f: Facts, loaded: Loaded) -> list[b.Block]:
    est = f.registration.estimator
    blocks: list[b.Block] = [
        b.fields(
            [
                ("Task", f.registration.task, _reg(f)),
                ("Estimator", est.class_, _reg(f)),
                ("Final estimator", est.final_estimator or est.class_, _reg(f)),
                ("Classes", ", ".join(str(c) for c in est.classes or ()) or None, _reg(f)),
                (
                    "Inputs",
                    f"{est.n_features_in} features" if est.n_features_in else None,
                    _reg(f),
                ),
            ]
        ),
    ]
    if loaded.model is not None:
        rows = _hyperparameters(loaded.model)
        if rows:
            blocks.append(
                b.table(
                    ["Hyperparameter", "Value"],
                    rows,
                    title="Hyperparameters",
                    source=_artifact_source(f),
                )
            )
        else:
            blocks.append(b.missing("hyperparameters", "the estimator exposes no get_params"))
    else:
        blocks.append(b.missing("hyperparameters", loaded.problem))
    blocks += _narr(f, "methodology", "Design choices and alternatives considered")
    blocks += _narr(f, "assumptions", "Key assumptions")
    return blocks


def _profile_summary(d: ev.DatasetFacts) -> list[str | None]:
    prof = None if d.record is None else d.record.profile_view
    if prof is None:
        return [d.ref, d.role, None, None, None, None]
    columns = [prof.column(name) for name in prof.columns]
    missing_cells = sum(c.missing for c in columns)
    rate = None
    if prof.target and prof.target in prof.columns:
        target = prof.column(prof.target)
        if isinstance(target, CategoricalColumn) and target.top:
            rate = ", ".join(f"{t.value} {_pct(t.share)}" for t in target.top[:3])
    return [d.ref, d.role, b.fmt(prof.rows), b.fmt(len(columns)), b.fmt(missing_cells), rate]


def _s5_data(f: Facts) -> list[b.Block]:
    if not f.datasets:
        return [b.missing("datasets", "no dataset is registered with this version")]
    rows = []
    for d in f.datasets:
        r = d.record
        rows.append(
            [
                d.ref,
                d.role,
                d.sha256,
                None if r is None else r.format,
                None if r is None else r.source,
                None if r is None else b.fmt(r.size_bytes),
                str(d.entry.seq) if d.entry else None,
            ]
        )
    blocks: list[b.Block] = [
        b.table(
            ["Dataset", "Role", "SHA-256", "Format", "Source", "Bytes", "Entry"],
            rows,
            title="Dataset versions",
            source="dataset.registered entries",
        ),
        b.table(
            ["Dataset", "Role", "Rows", "Columns", "Missing cells", "Target classes"],
            [_profile_summary(d) for d in f.datasets],
            title="Profiles and quality checks",
            source="profiles recorded with each dataset.registered entry",
        ),
    ]
    trained = {d.sha256 for d in f.training}
    overlap = [d.ref for d in f.holdouts if d.sha256 in trained]
    if f.holdouts:
        blocks.append(
            b.note(
                "Split: "
                + ", ".join(d.ref for d in f.training)
                + " for training; "
                + ", ".join(d.ref for d in f.holdouts)
                + " held out"
                + (
                    f" (identical bytes to training data: {', '.join(overlap)})"
                    if overlap
                    else " (no holdout has the bytes of a training dataset)"
                )
                + "."
            )
        )
    else:
        blocks.append(
            b.missing(
                "holdout data", "the version was registered without holdout (validation) data"
            )
        )
    blocks += _narr(f, "data", "Selection, exclusions, labelling and cleaning")
    return blocks


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t]


def prohibited_matches(feature: str) -> list[str]:
    """Prohibited bases whose terms appear in a feature's name (a name match, not a review)."""
    tokens = _tokens(feature)
    joined = " ".join(tokens)
    found = []
    for term, basis in PROHIBITED_TERMS.items():
        hit = f" {term} " in f" {joined} " if " " in term else term in tokens
        if hit and basis not in found:
            found.append(basis)
    return found


def _transformations(model: Any) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    steps = getattr(model, "steps", None)
    if not steps:
        return rows
    for name, step in steps[:-1]:
        inner = getattr(step, "transformers_", None)
        if inner:
            for tname, trans, cols in inner:
                if trans == "drop":
                    kind = "dropped"
                elif trans == "passthrough":
                    kind = "passed through"
                else:
                    kind = type(trans).__name__
                columns = ", ".join(map(str, cols)) if isinstance(cols, list | tuple) else str(cols)
                rows.append([f"{name} / {tname}", kind, columns])
        else:
            rows.append([str(name), type(step).__name__, "all"])
    return rows


def _s6_features(f: Facts, loaded: Loaded) -> list[b.Block]:
    feats = f.registration.features
    train = f.training[0] if f.training else None
    prof = None if train is None or train.record is None else train.record.profile_view
    rows = []
    for x in feats:
        known = prof is not None and x.name in prof.columns
        rows.append(
            [
                x.name,
                x.dtype,
                x.kind,
                b.fmt(prof.column(x.name).missing) if prof is not None and known else None,
                ", ".join(prohibited_matches(x.name)) or "none",
            ]
        )
    blocks: list[b.Block] = [
        b.table(
            ["Feature", "Type", "Kind", "Missing (training)", "Name suggests"],
            rows,
            title=f"{len(feats)} features",
            source=f"{_reg(f)}; missing counts from "
            + (_dataset_source(train) if train else "no training profile"),
        ),
    ]
    flagged = [r[0] for r in rows if r[4] != "none"]
    blocks.append(
        b.note(
            (
                "Features whose names suggest a prohibited basis under ECOA / Reg B (12 CFR "
                f"1002.2(z)): {', '.join(str(x) for x in flagged)}. This is a match on names, "
                "not a review: the review is the owner's section below."
            )
            if flagged
            else "No feature name matches a prohibited-basis term (a match on names, not a review)."
        )
    )
    if loaded.model is not None:
        trans = _transformations(loaded.model)
        if trans:
            blocks.append(
                b.table(
                    ["Step", "Transformation", "Columns"],
                    trans,
                    title="Transformations",
                    source=_artifact_source(f),
                )
            )
        else:
            blocks.append(
                b.note(
                    "Transformations: the estimator takes the features as given "
                    "(it is not a scikit-learn Pipeline)."
                )
            )
    else:
        blocks.append(b.missing("transformations", loaded.problem))
    blocks += _narr(f, "features", "Prohibited-basis and proxy review")
    return blocks


def _psi_rows(reg: Registry, f: Facts, loaded: Loaded) -> tuple[list[list[str | None]], str]:
    """Population stability: each holdout against the first training profile; the score too."""
    train = f.training[0] if f.training else None
    if train is None or not f.holdouts:
        return [], "no training baseline and holdout pair"
    profile = None if train.record is None else train.record.profile
    view = None if train.record is None else train.record.profile_view
    if not profile or view is None:
        return [], f"{train.ref} has no recorded profile"
    names = f.registration.feature_names
    rows: list[list[str | None]] = []
    try:
        sprof: dict[str, Any] | None = None  # the score's profile on the training data
        for d in f.holdouts:
            frame = catalog.load(reg, d.ref)
            shares = profiles.bin_frame(frame, dict(profile), columns=names)
            if loaded.model is not None and f.registration.task == "classification":
                import pandas as pd

                pos = _positive_index(loaded.model, f.registration.positive_label)
                proba = loaded.model.predict_proba
                if sprof is None:
                    train_frame = catalog.load(reg, train.ref)
                    sprof = profiles.profile(
                        pd.DataFrame({"score": proba(train_frame[names])[:, pos]})
                    )
                now = pd.DataFrame({"score": proba(frame[names])[:, pos]})
                score_psi = profiles.psi(
                    sprof["bins"]["score"], profiles.bin_frame(now, sprof)["score"]
                )
                rows.append([d.ref, "model score", b.fmt(score_psi)])
            for name in names:
                rows.append([d.ref, name, b.fmt(profiles.psi(dict(view.bins[name]), shares[name]))])
    except GovernError as exc:
        return [], exc.message
    return rows, ""


def _positive_index(model: Any, label: object) -> int:
    classes = [str(c) for c in getattr(model, "classes_", [])]
    return classes.index(str(label)) if str(label) in classes else len(classes) - 1


def _s7_performance(reg: Registry, f: Facts, loaded: Loaded, figs: dict[str, Any]) -> list[b.Block]:
    blocks: list[b.Block] = []
    keys = [d.ref for d in f.holdouts if d.ref in f.metrics]
    if not keys:
        return [
            b.missing(
                "holdout metrics",
                "the version was registered without holdout data, "
                "so no metrics on data not used in development exist",
            ),
            b.missing("ROC curve, calibration and score distributions"),
            b.missing("stability"),
            *_benchmark(f, figs),
        ]
    catalog_ = REGRESSION_METRICS if f.registration.task == "regression" else CLASSIFICATION_METRICS
    typed = {k: f.holdout_metrics(k) for k in keys}
    rows = [[label, *[b.fmt(getattr(typed[k], key)) for k in keys]] for label, key in catalog_]
    blocks.append(
        b.table(
            ["Metric", *keys],
            rows,
            title="Holdout metrics",
            source=f"computed at registration and recorded in {_reg(f)}",
        )
    )
    pos, neg = _positive_negative(f)
    for k in keys:
        m = typed[k]
        if not isinstance(m, ClassifierMetrics):
            continue
        if m.roc_curve is not None:
            curves = [(f"{f.ref} (AUC {b.fmt(m.roc_auc)})", m.roc_curve.fpr, m.roc_curve.tpr)]
            for c in f.challengers:
                theirs = c.classifier_metrics()
                if c.ours == k and theirs is not None and theirs.roc_curve is not None:
                    curves.append(
                        (
                            f"{c.ref} (AUC {b.fmt(theirs.roc_auc)})",
                            theirs.roc_curve.fpr,
                            theirs.roc_curve.tpr,
                        )
                    )
            figs[f"roc:{k}"] = ("roc", curves)
            blocks.append(
                b.figure(
                    f"roc:{k}",
                    f"ROC curve on {k}" + (" with challengers" if len(curves) > 1 else ""),
                    f"roc_curve points recorded in {_reg(f)}",
                )
            )
        cal = m.calibration
        if cal.count:
            figs[f"calibration:{k}"] = ("calibration", cal)
            blocks.append(
                b.figure(
                    f"calibration:{k}",
                    f"Calibration on {k}",
                    f"calibration table recorded in {_reg(f)}",
                )
            )
            blocks.append(
                b.table(
                    ["Bin", "Upper edge", "Rows", "Mean score", "Observed rate"],
                    [
                        [
                            str(i + 1),
                            b.fmt(cal.edges[i + 1]),
                            b.fmt(cal.count[i]),
                            b.fmt(cal.mean_score[i]),
                            b.fmt(cal.observed_rate[i]),
                        ]
                        for i in range(len(cal.count))
                    ],
                    title=f"Calibration table on {k}",
                    source=f"recorded in {_reg(f)}",
                )
            )
        hist = m.score_histogram
        if hist.edges:
            figs[f"scores:{k}"] = ("scores", (hist, (pos, neg), m.threshold))
            blocks.append(
                b.figure(
                    f"scores:{k}",
                    f"Score distribution by observed class on {k}",
                    f"score_histogram recorded in {_reg(f)}",
                )
            )
    psi, why = _psi_rows(reg, f, loaded)
    if psi:
        blocks.append(
            b.table(
                ["Holdout", "Variable", "PSI"],
                psi,
                title="Stability: population stability index against the training baseline",
                source="holdout data and model artifact loaded by digest; baseline bins from the "
                f"training profile ({cite(f.training[0].entry)}); the model score binned on its "
                "training deciles",
            )
        )
    else:
        blocks.append(b.missing("stability", why))
    blocks += _benchmark(f, figs)
    return blocks


def _benchmark(f: Facts, figs: dict[str, Any]) -> list[b.Block]:
    blocks: list[b.Block] = []
    if f.challengers:
        rows = []
        compared = ("roc_auc", "gini", "ks", "brier", "log_loss")
        for k in [d.ref for d in f.holdouts if d.ref in f.metrics]:
            mine = f.holdout_metrics(k)
            rows.append(
                [
                    f"{f.ref} (this card)",
                    k,
                    *[b.fmt(getattr(mine, x, None)) for x in compared],
                    str(f.entry.seq),
                ]
            )
        for c in f.challengers:
            theirs = c.classifier_metrics()
            rows.append(
                [
                    c.ref,
                    c.ours,
                    *[b.fmt(getattr(theirs, x, None)) for x in compared],
                    str(c.entry.seq),
                ]
            )
        blocks.append(
            b.table(
                ["Model", "Holdout", "ROC AUC", "Gini", "KS", "Brier", "Log loss", "Entry"],
                rows,
                title="Challenger comparison",
                source="metrics recorded at each registration, on holdout data "
                "of identical SHA-256",
            )
        )
    else:
        blocks.append(
            b.missing(
                "challenger comparison",
                "no version is designated as a challenger of this one "
                "(`govern model add --challenger-of`, `govern model challenger`) with metrics "
                "on the same holdout data (same SHA-256)",
            )
        )
    if f.comparisons:
        blocks.append(ev.comparison_table(f.comparisons))
    blocks += _narr(f, "benchmarking", "Benchmarking")
    return blocks


def _s8_explainability(f: Facts, imp: Importance | str, figs: dict[str, Any]) -> list[b.Block]:
    blocks: list[b.Block] = []
    if isinstance(imp, str):
        blocks.append(b.missing("global SHAP importance", imp))
    else:
        space = imp.method.get("output_space")
        source = (
            f"recomputed from {_artifact_source(f)} on {_dataset_source(imp.data)}, "
            f"background {BACKGROUND_ROWS} rows (random_state={SEED}) of "
            f"{_dataset_source(imp.background)}"
        )
        top_f, top_v = imp.features[:TOP_FEATURES], imp.values[:TOP_FEATURES]
        figs["importance"] = ("importance", (top_f, top_v, f"mean |contribution| ({space})"))
        blocks.append(
            b.figure("importance", f"Global importance on {imp.data.ref} ({imp.rows} rows)", source)
        )
        blocks.append(
            b.table(
                ["Rank", "Feature", f"Mean |contribution| ({space})"],
                [
                    [str(i + 1), name, b.fmt(v)]
                    for i, (name, v) in enumerate(zip(imp.features, imp.values, strict=True))
                ],
                title="Global importance",
                source=source,
            )
        )
        fid = imp.fidelity
        verdict = "passed" if fid.get("passed") else "FAILED"
        blocks.append(
            b.fields(
                [
                    ("Method", str(imp.method.get("method_name")), source),
                    (
                        "Output space",
                        f"{space} of class {imp.method.get('positive_class')}"
                        if imp.method.get("positive_class")
                        else str(space),
                        None,
                    ),
                    ("Base value", b.fmt(imp.method.get("base_value"), 6), None),
                    (
                        "Fidelity (additivity) check",
                        f"{verdict}: largest |base + contributions - {fid.get('reference')}| = "
                        f"{b.fmt(fid.get('max_abs_error'))} over {imp.rows} rows, tolerance "
                        f"{b.fmt(fid.get('tolerance'))}",
                        source,
                    ),
                    (
                        "Recorded explanation",
                        (
                            f"agrees with {cite(imp.recorded)} (same base value)"
                            if imp.agrees
                            else f"DIFFERS from {cite(imp.recorded)}"
                        )
                        if imp.recorded is not None
                        else None,
                        "explanation.generated entries",
                    ),
                ],
                title="Method and fidelity",
            )
        )
    if f.reason_table is not None:
        table = f.reason_table.record
        blocks.append(
            b.fields(
                [
                    (
                        "Reason-code table",
                        f"version {table.version}, sha256 {table.sha256}",
                        cite(f.reason_table),
                    ),
                    (
                        "How reason codes are derived",
                        _how_reasons(f),
                        "govern explain",
                    ),
                ],
                title="Reason codes",
            )
        )
    else:
        blocks.append(
            b.missing(
                "reason-code table",
                "none registered for this model "
                "(govern reasons add); reasons would come from feature names",
            )
        )
    if f.explanations:
        rows = []
        for x in f.explanations:
            r = x.record
            rows.append(
                [
                    str(x.seq),
                    r.kind,
                    r.data.ref or r.data.file,
                    b.fmt(r.fidelity.rows),
                    "passed" if r.fidelity.passed else "failed",
                    b.fmt(r.fidelity.max_abs_error),
                    r.report.sha256,
                ]
            )
        blocks.append(
            b.table(
                ["Entry", "Kind", "Data", "Rows", "Fidelity", "Max error", "Report sha256"],
                rows,
                title="Recorded explanations",
                source="explanation.generated entries",
            )
        )
    else:
        blocks.append(
            b.missing("recorded explanations", "no explanation.generated entry names this version")
        )
    return blocks


def _s9_fairness(f: Facts) -> list[b.Block]:
    blocks: list[b.Block] = list(ev.fairness_blocks(f))
    stated = ev.reasons_stating_designated(f)
    if stated:
        blocks.insert(
            0,
            b.alert(
                [
                    f"the reason-code table in force (entry {f.reason_table.seq}) states {a} "
                    "as an adverse-action reason, a designated attribute"
                    for a in stated
                    if f.reason_table is not None
                ],
                heading="Reason codes that state a designated attribute",
            ),
        )
    if not f.fairness and f.policy.fairness_for(f.name) is not None:
        blocks.append(
            b.missing(
                "fair-lending analysis",
                "the policy designates groups for this model, but no fairness.result is "
                f"recorded for it: run `govern fairness {f.ref} --data NAME@V --record`",
            )
        )
    blocks += _narr(f, "fairness", "Outcome and error-rate disparity")
    narrated = f.narrative is not None and bool(f.narrative.get("fairness"))
    if not f.fairness and not narrated and f.policy.fairness_for(f.name) is None:
        blocks.append(
            b.note(
                "No groups are designated for this model (the policy's [fairness] "
                "section), so govern has measured no disparity: the groups to compare are "
                "the bank's to designate (docs/fairness.md)."
            )
        )
    return blocks


def _s10_limitations(f: Facts) -> list[b.Block]:
    lim = f.registration.limitations.strip()
    blocks: list[b.Block] = []
    if lim:
        blocks.append(
            b.text(lim, f"recorded at registration, {_reg(f)}", "Limitations (at registration)")
        )
    else:
        blocks.append(b.missing("limitations at registration"))
    blocks += _narr(f, "assumptions", "Key assumptions")
    blocks += _narr(f, "limitations", "Limitations")
    blocks += _narr(f, "controls", "Compensating controls")
    conditions = [a for a in f.approvals if a.conditions]
    if conditions:
        blocks.append(
            b.table(
                ["Signer", "Role", "Condition", "Entry"],
                [[a.signer, a.role, a.conditions, str(a.entry.seq)] for a in conditions],
                title="Conditions of approval",
                source="approval.signed entries",
            )
        )
    return blocks


def _s11_implementation(f: Facts) -> list[b.Block]:
    r = f.registration
    code, art, env = r.code, r.artifact, r.environment
    return [
        b.fields(
            [
                ("Code commit", code.commit, _reg(f)),
                ("Repository", code.remote, _reg(f)),
                ("Branch", code.branch, _reg(f)),
                ("Path in repository", code.path, _reg(f)),
                ("Uncommitted changes", b.fmt(code.dirty), _reg(f)),
                ("Artifact SHA-256", art.sha256, _reg(f)),
                ("Artifact format", art.format, _reg(f)),
                ("Artifact size (bytes)", b.fmt(art.size), _reg(f)),
                ("Trusted pickle", b.fmt(art.trusted_pickle), _reg(f)),
                ("Converted from", art.converted_from or "not converted", _reg(f)),
            ],
            title="Code and artifact",
        ),
        b.table(
            ["Package", "Version"],
            [[k, str(v)] for k, v in sorted(env.items())],
            title="Environment",
            source=_reg(f),
        )
        if env
        else b.missing("environment"),
    ]


def _s12_use(f: Facts) -> list[b.Block]:
    r = f.registration
    pos, _neg = _positive_negative(f)
    rows: list[tuple[str, str | None, str | None]]
    if r.task == "classification":
        output = f"the probability of the class {pos!r} (score in [0, 1])"
        rule = f"score >= {r.threshold} predicts {pos!r}"
        favourable = (
            f"{r.favorable_label!r}: the outcome that is good for the applicant; "
            "adverse-action reasons are the factors that pushed away from it"
            if r.favorable_label is not None
            else f"{FAVOURABLE_NOT_STATED}; read as the positive label {pos!r}"
        )
        rows = [
            ("Output", output, _reg(f)),
            ("Target", r.target, _reg(f)),
            ("Decision threshold", r.threshold, _reg(f)),
            ("Decision rule", rule, _reg(f)),
            ("Favourable outcome", favourable, _reg(f)),
        ]
    else:
        rows = [
            ("Output", f"a prediction of {r.target}", _reg(f)),
            ("Target", r.target, _reg(f)),
            ("Decision threshold", r.threshold, _reg(f)),
            ("Decision rule", None, _reg(f)),
        ]
    blocks: list[b.Block] = [b.fields(rows)]
    blocks += _narr(f, "use", "Use of the output and override policy")
    if f.deployments:
        blocks.append(
            b.table(
                ["Entry", "Action", "Environment", "By", "When", "Override"],
                [
                    [
                        str(d.entry),
                        d.action,
                        d.env,
                        d.actor,
                        d.ts,
                        d.justification if d.override else "no",
                    ]
                    for d in f.deployments
                ],
                title="Deployments",
                source="model.deployed and model.retired entries",
            )
        )
    else:
        blocks.append(b.note("The version has not been deployed."))
    return blocks


def _s13_monitoring(f: Facts) -> list[b.Block]:
    revalidation = f"at least every {f.rule.revalidation_months} months (tier {f.row.risk_tier})"
    train = f.training[0] if f.training else None
    blocks: list[b.Block] = [
        b.fields(
            [
                ("Revalidation", revalidation, "the policy in force"),
                (
                    "Next review due",
                    b.day(f.status.next_review_due),
                    "the earliest expiry of the sign-offs in force",
                ),
                (
                    "Drift baseline",
                    f"the profile of {train.ref}" if train else None,
                    cite(train.entry) if train else None,
                ),
            ]
        ),
    ]
    blocks += _narr(f, "monitoring", "Metrics, thresholds, frequency and revalidation triggers")
    if f.monitoring:
        last = f.monitoring[-1]
        result = MonitoringResult.from_entry(last)
        blocks.append(
            b.table(
                ["Metric", "On", "Value", "Amber", "Red", "Status"],
                [
                    [c.metric, c.on, f"{c.value:.4f}", f"{c.amber:g}", f"{c.red:g}", c.status]
                    for c in result.checks
                    if c.status != "green" or c.metric != "psi"
                ],
                title=f"Latest monitoring: {result.status} ({result.start[:10]} to "
                f"{result.end[:10]}, {result.rows:,} decisions; features with green PSI "
                "not listed)",
                source=cite(last),
            )
        )
        blocks.append(
            b.table(
                ["Entry", "Status", "Period", "When", "By"],
                [
                    [str(e.seq), r.status, f"{r.start[:10]} to {r.end[:10]}", e.ts, e.actor]
                    for e in f.monitoring
                    for r in (MonitoringResult.from_entry(e),)
                ],
                title="Monitoring results",
                source="monitoring.result entries",
            )
        )
    else:
        blocks.append(
            b.missing("monitoring results", "no monitoring result names this version yet")
        )
    return blocks


def _s14_governance(f: Facts) -> list[b.Block]:
    st = f.status
    blocks: list[b.Block] = [
        b.fields(
            [
                ("Status", f"{st.status} (as of {f.at})", "derived from the ledger"),
                ("Required sign-offs", ", ".join(st.required_roles), "the policy in force"),
                ("Next review date", b.day(st.next_review_due), "sign-offs in force"),
            ]
        ),
    ]
    if st.stale:
        lines = [f"{c.detail} ({c.ts[:10]})" for c in st.stale]
        lines.append(
            f"An approver's signed override (entry {st.overridden_by}) lets it run meanwhile."
            if st.overridden_by is not None
            else "Deploy and scoring refuse the version until it is signed again or an "
            "approver signs an override."
        )
        blocks.append(
            b.alert(lines, heading="The approval is stale: what it pinned has changed since")
        )
    if st.flags:
        blocks.append(
            b.table(
                ["Flag", "Date", "What"],
                [[x.kind, b.day(x.date), x.detail] for x in st.flags],
                title="Flags (they do not stop the model)",
                source="status derived from the ledger (docs/registry.md)",
            )
        )
    if f.approvals:
        by_seq = {s.entry: s for s in st.signoffs}
        rows = []
        for a in f.approvals:
            s = by_seq.get(a.entry.seq)
            rows.append(
                [
                    a.role,
                    a.decision,
                    a.signer,
                    a.entry.ts,
                    s.expires if s else a.expires,
                    a.conditions or "none",
                    b.fmt(s.in_force) if s else None,
                    "verified" if a.verified else "DOES NOT VERIFY",
                    str(a.entry.seq),
                ]
            )
        blocks.append(
            b.table(
                [
                    "Role",
                    "Decision",
                    "Signer",
                    "Signed",
                    "Expires",
                    "Conditions",
                    "In force",
                    "Signature",
                    "Entry",
                ],
                rows,
                title="Sign-offs",
                source="approval.signed entries; signatures checked with the key "
                "enrolled for the signer at the time",
            )
        )
    else:
        blocks.append(b.missing("sign-offs", "no approval has been signed for this version"))
    if f.findings:
        blocks.append(
            b.table(
                ["#", "Type", "Severity", "Finding", "Raised", "Due", "Status", "Resolution"],
                [
                    [
                        str(x.number),
                        x.type,
                        x.severity,
                        x.text,
                        f"{x.raised_by} {x.raised_at[:10]}",
                        b.day(x.due),
                        x.status,
                        x.resolution or ("" if x.status == "open" else None),
                    ]
                    for x in f.findings
                ],
                title="Findings",
                source="finding.raised and finding.closed entries",
            )
        )
    else:
        blocks.append(b.missing("findings", "no finding has been raised against this version"))
    return blocks


def _s15_appendix(f: Facts, coverages: Sequence[cov.Coverage]) -> list[b.Block]:
    r = f.registration
    manifest: list[list[str | None]] = [
        ["model artifact", r.artifact.sha256, str(f.entry.seq)],
    ]
    for d in f.datasets:
        manifest.append([f"{d.role} data {d.ref}", d.sha256, str(d.entry.seq) if d.entry else None])
    manifest.append(["code commit", r.code.commit, str(f.entry.seq)])
    manifest.append(
        [
            "configuration: threshold, features, target",
            f"threshold {r.threshold}, {len(r.features)} features, target {r.target}",
            str(f.entry.seq),
        ]
    )
    if f.narrative is not None:
        manifest.append(["card narrative", f.narrative.sha256, str(f.narrative.seq)])
    if f.validation_narrative is not None:
        manifest.append(
            ["validation narrative", f.validation_narrative.sha256, str(f.validation_narrative.seq)]
        )
    if f.reason_table is not None:
        manifest.append(
            ["reason-code table", f.reason_table.record.sha256, str(f.reason_table.seq)]
        )
    entries = [[str(e.seq), e.kind, e.ts, e.actor, e.leaf.hex()] for e in f.all_entries]
    cov_rows = [
        [
            c.pack.short,
            r.requirement.cite,
            "yes" if r.mandatory else "no",
            r.state,
            "; ".join(r.missing) or "none",
        ]
        for c in coverages
        for r in c.rows
    ]
    blocks: list[b.Block] = [
        b.table(
            ["Item", "Digest or value", "Entry"], manifest, title="Manifest", source="the ledger"
        ),
        b.table(
            ["Seq", "Kind", "Time", "Actor", "Leaf hash"],
            entries,
            title="Ledger entries cited",
            source=f"{f.head.origin} at size {f.head.size}",
        ),
        b.table(
            ["Pack", "Requirement", f"Mandatory ({f.row.risk_tier})", "State", "Missing"],
            cov_rows,
            title="Coverage matrix",
            source="govern coverage",
        ),
    ]
    blocks += _narr(f, "standards", "Standards applied")
    blocks.append(
        b.code(
            f"govern model show {f.ref}\n"
            f'python -c "from govern.registry import Registry, models; '
            f"print(models.recompute_metrics(Registry.open(), '{f.ref}'))\"\n"
            f"govern explain {f.ref} --data "
            + (f.holdouts[0].ref if f.holdouts else "NAME@V")
            + "\n"
            f"govern report validation {f.ref} --format pdf -o validation.pdf",
            "How to reproduce",
        )
    )
    blocks.append(
        b.code(
            "govern verify --checkpoint checkpoint.txt --verifier-key KEY\n"
            f"govern proof {f.entry.seq} --size {f.head.size}\n"
            f"govern show {f.entry.seq}",
            "How to verify",
        )
    )
    return blocks


# ---- Model Card Toolkit fields ---------------------------------------------------------------


def _mct(f: Facts, coverages: Sequence[cov.Coverage], diff: str) -> dict[str, Any]:
    r = f.registration
    n = f.narrative
    code = r.code
    refs = [{"reference": code.remote}] if code.remote else []
    refs += [{"reference": pk.primary_text} for pk in _packs()]
    est = r.estimator
    metrics = []
    for d in f.holdouts:
        if d.ref not in f.metrics:
            continue
        m = f.holdout_metrics(d.ref)
        for label, key in CLASSIFICATION_METRICS if r.task != "regression" else REGRESSION_METRICS:
            value = getattr(m, key, None)
            if value is not None:
                metrics.append(
                    {"type": key, "value": repr(value), "slice": d.ref, "description": label}
                )
    users = [{"description": n.sections["users"]}] if n and n.get("users") else []
    limitations = []
    if r.limitations.strip():
        limitations.append({"description": r.limitations})
    if n and n.get("limitations"):
        limitations.append({"description": n.sections["limitations"]})
    ethical = [
        {
            "name": f"the feature {x.name} may relate to a prohibited basis "
            f"({', '.join(prohibited_matches(x.name))})",
            "mitigation_strategy": n.sections["features"]
            if n and n.get("features")
            else b.NOT_RECORDED,
        }
        for x in r.features
        if prohibited_matches(x.name)
    ]
    if n and n.get("fairness"):
        ethical.append(
            {
                "name": "outcome and error-rate disparity",
                "mitigation_strategy": n.sections["fairness"],
            }
        )
    return {
        "model_details": {
            "name": f.name,
            "overview": r.intended_use,
            "documentation": n.sections["purpose"] if n and n.get("purpose") else b.NOT_RECORDED,
            "owners": [{"name": r.owner, "contact": b.NOT_RECORDED}],
            "version": {"name": str(f.version), "date": f.entry.ts, "diff": diff},
            "licenses": [],
            "references": refs,
            "citations": [],
            "path": f"sha256:{r.artifact.sha256}",
            "regulatory_requirements": ", ".join(c.pack.short for c in coverages),
        },
        "model_parameters": {
            "model_architecture": str(est.final_estimator or est.class_),
            "data": [
                {
                    "name": d.ref,
                    "link": (d.record.source if d.record else None) or "",
                    "description": f"{d.role} data",
                    "sha256": d.sha256,
                }
                for d in f.datasets
            ],
            "input_format": ", ".join(f"{x.name} ({x.dtype})" for x in r.features),
            "output_format": f"probability of {r.positive_label!s}"
            if r.task == "classification"
            else f"prediction of {r.target}",
        },
        "quantitative_analysis": {"performance_metrics": metrics},
        "considerations": {
            "users": users,
            "use_cases": [{"description": r.intended_use}],
            "limitations": limitations,
            "tradeoffs": [],
            "ethical_considerations": ethical,
        },
    }


# ---- the card --------------------------------------------------------------------------------


def card_data(
    reg: Registry, f: Facts, *, released: bool = False, explain: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The card's JSON data and the specifications of its figures (drawn only for HTML)."""
    coverages = [cov.check_pack(f, cov.load(name)) for name in cov.DEFAULT_PACKS]
    issued = [d for d in f.documents if d.record.model == f.ref]
    card_version = f"{f.version}.{len(issued) + 1}"
    loaded = _load_model(reg, f)
    imp: Importance | str = (
        _importance(reg, f, loaded)
        if explain
        else "not computed (the card was generated without explanations)"
    )
    figs: dict[str, Any] = {}
    builders = {
        0: lambda: _s0_control(reg, f, card_version, released, coverages),
        1: lambda: _s1_identification(f),
        2: lambda: _s2_purpose(f),
        3: lambda: _s3_materiality(f, coverages),
        4: lambda: _s4_methodology(f, loaded),
        5: lambda: _s5_data(f),
        6: lambda: _s6_features(f, loaded),
        7: lambda: _s7_performance(reg, f, loaded, figs),
        8: lambda: _s8_explainability(f, imp, figs),
        9: lambda: _s9_fairness(f),
        10: lambda: _s10_limitations(f),
        11: lambda: _s11_implementation(f),
        12: lambda: _s12_use(f),
        13: lambda: _s13_monitoring(f),
        14: lambda: _s14_governance(f),
        15: lambda: _s15_appendix(f, coverages),
    }
    sections = [
        b.section(n, key, title, requirements_of(n), builders[n]()) for n, key, title in SECTIONS
    ]
    control = sections[0]["blocks"]
    diff_table = next(
        (
            x
            for x in control
            if x["type"] == "table" and x.get("title") == "Changes since the previous card"
        ),
        None,
    )
    diff = (
        "; ".join(f"{r[0]} changed" for r in diff_table["rows"])
        if diff_table
        else next((x["text"] for x in control if x["type"] == "note"), "")
    )
    data: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "format": FORMAT,
        "title": f"Model card: {f.ref}",
        **_mct(f, coverages, diff),
        "govern": {
            "model": f.ref,
            "card_version": card_version,
            "generator": f"govern {__version__}",
            "released": released,
            "ledger": {
                "origin": f.head.origin,
                "size": f.head.size,
                "root": f.root_b64,
                "as_of": f.at,
            },
            "model_entry": {"seq": f.entry.seq, "leaf": f.model_leaf},
            "checkpoint": None
            if f.checkpoint is None
            else {"n": f.checkpoint[0], "size": f.checkpoint[1], "root": f.checkpoint[2]},
            "status": f.status.status,
            "stale": [
                {"item": c.item, "entry": c.entry, "ts": c.ts, "detail": c.detail}
                for c in f.status.stale
            ],
            "flags": [{"kind": x.kind, "date": x.date, "detail": x.detail} for x in f.status.flags],
            "risk_tier": f.row.risk_tier,
            "key_fields": key_fields(f),
            "coverage": [
                {
                    "pack": c.pack.id,
                    "complete": c.complete,
                    "missing_mandatory": [r.requirement.id for r in c.missing_mandatory],
                    "missing": [r.requirement.id for r in c.missing],
                }
                for c in coverages
            ],
        },
        "sections": sections,
    }
    return data, figs


def draw(specs: Mapping[str, Any]) -> dict[str, str]:
    """Draw the figures a card's data asks for, as PNG data URIs."""
    out: dict[str, str] = {}
    for key in sorted(specs):
        kind, arg = specs[key]
        if kind == "roc":
            out[key] = plots.roc(arg)
        elif kind == "calibration":
            out[key] = plots.calibration(arg.mean_score, arg.observed_rate, arg.count)
        elif kind == "scores":
            hist, labels, threshold = arg
            out[key] = plots.score_distribution(
                hist.edges, hist.positive, hist.negative, labels, threshold
            )
        elif kind == "importance":
            names, values, label = arg
            out[key] = plots.importance(names, values, label)
    return out


def build_card(
    reg: Registry,
    ref: str,
    *,
    template_dir: Path | None = None,
    released: bool = False,
    explain: bool = True,
    facts: Facts | None = None,
) -> b.Document:
    """The model card of ``ref`` as the ledger stands now (render it with .html, .markdown,
    .json(), or .write(path))."""
    check_template_dir(template_dir)
    f = facts or ev.gather(reg, ref)
    data, specs = card_data(reg, f, released=released, explain=explain)
    return b.Document("card", data, template_dir, lambda: draw(specs))
