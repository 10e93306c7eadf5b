"""Model versions: the artifact, its data, its code, its hyperparameters and its holdout metrics.

``register_model`` writes one ``model.registered`` entry tying a content-addressed artifact to the
dataset versions it was trained and validated on (by digest), the code commit, the estimator's
parameters, the feature list and types read from the training data, and the standard metrics
computed on each holdout set. Versions number 1, 2, 3 per name.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import BadInput, FavourableOutcomeMissing, NotFound, PolicyViolation
from govern.ledger import Entry
from govern.records import (
    Artifact,
    ChallengerDesignated,
    Code,
    Designated,
    Estimator,
    Feature,
    ModelRegistered,
    from_json,
    subjects,
)
from govern.registry import people, trusted
from govern.registry import projections as proj
from govern.registry.codeversion import CodeVersion, capture
from govern.registry.entities import DatasetVersion, ModelVersion
from govern.registry.policy import TIERS
from govern.registry.refs import Ref, check_name, parse_ref

if TYPE_CHECKING:
    import pandas as pd

    from govern.registry.core import Registry
    from govern.registry.schema import Schema

ENV_PACKAGES = ("scikit-learn", "numpy", "pandas", "scipy", "skops", "shap", "lightgbm", "xgboost")


def environment() -> dict[str, str]:
    """Python and the versions of the libraries a model depends on (those installed)."""
    env = {"python": platform.python_version()}
    for pkg in ENV_PACKAGES:
        try:
            env[pkg] = importlib_metadata.version(pkg)
        except importlib_metadata.PackageNotFoundError:
            continue
    return env


def _dataset_refs(reg: Registry, refs: Sequence[str], what: str) -> list[DatasetVersion]:
    from govern.registry import catalog

    rows = []
    for text in refs:
        rows.append(catalog.resolve(reg, text))
    if what == "training" and not rows:
        raise BadInput(
            "a model needs at least one training dataset version",
            hint="register the data with `govern data add` and pass --train NAME@V",
        )
    return rows


def _task(model: Any) -> str:
    if hasattr(model, "predict_proba") or getattr(model, "_estimator_type", "") == "classifier":
        return "classification"
    return "regression"


def _outcomes(
    model: Any, name: str, positive_label: Any, favorable_label: Any
) -> tuple[str, Any, str | None]:
    """The task, the positive label (a class of the model) and the favourable one, checked.

    The favourable outcome is asked for, never assumed: taking the positive class for it is
    right for a model of P(good) and exactly wrong for a model of P(default).
    """
    task = _task(model)
    if task != "classification":
        if favorable_label is not None:
            raise BadInput(
                f"{name} is a regressor: it has no favourable class (--favorable-label is for "
                "classifiers)",
                hint="leave out --favorable-label",
            )
        return task, positive_label, None
    classes = [str(c) for c in getattr(model, "classes_", [])]
    if positive_label is None and classes:
        positive_label = model.classes_[-1]
    if str(positive_label) not in classes:
        raise BadInput(
            f"the positive label {positive_label!r} is not one of the model's classes "
            f"({', '.join(classes)})"
        )
    if favorable_label is None:
        raise FavourableOutcomeMissing(
            f"{name} is a classifier: state its favourable outcome, the class that is good for "
            f"the applicant (one of {', '.join(classes)})",
            hint="pass --favorable-label (favorable_label=): 0 for a probability-of-default "
            "model whose label 1 is default, good for German credit",
        )
    if str(favorable_label) not in classes:
        raise BadInput(
            f"the favourable label {favorable_label!r} is not one of the model's classes "
            f"({', '.join(classes)})",
            hint="name the class that is good for the applicant, as the model's classes spell it",
        )
    return task, positive_label, str(favorable_label)


def register_model(
    reg: Registry,
    model: Any = None,
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
    positive_label: Any = None,
    favorable_label: Any = None,
    threshold: float = 0.5,
    code: CodeVersion | None = None,
    code_path: Path = Path("."),
    allow_dirty: bool = False,
    artifact_file: Path | None = None,
    trust_pickle: bool = False,
    challenger_of: str | None = None,
) -> ModelVersion:
    """Register the next version of ``name``; everything is checked before anything is written.

    ``challenger_of`` (NAME@V) designates the version this one would replace
    (docs/registry.md, "Challengers").

    ``positive_label`` is the class whose probability is the score (and that the metrics count
    as positive; default: the last of ``classes_``); ``favorable_label``, required for a
    classifier, is the outcome that is good for the applicant (0 for a probability-of-default
    model whose label 1 is default). A regressor takes neither.
    """
    from govern.registry import catalog
    from govern.registry.schema import Schema

    check_name(name, "model")
    if risk_tier not in TIERS:
        raise BadInput(f"risk tier {risk_tier!r} is not one of {', '.join(TIERS)}")
    if not intended_use.strip():
        raise BadInput("state the model's intended use (SR 11-7 section VI inventory field)")
    if not 0.0 < threshold < 1.0:
        raise BadInput(f"the decision threshold {threshold} must be between 0 and 1")
    # Segregation of duties compares identities, not spellings: the owner is an enrolled person.
    try:
        people.person(reg, owner)
    except NotFound:
        raise BadInput(
            f"the owner {owner!r} is not enrolled in this registry: a model's owner is an "
            "enrolled person, so that segregation of duties can tell who they are",
            hint="enrol them first (`govern people add`), or name an enrolled owner",
        ) from None
    live = None if challenger_of is None else _live(reg, challenger_of)
    train_rows = _dataset_refs(reg, training_data, "training")
    holdout_rows = _dataset_refs(reg, validation_data, "validation")
    train = catalog.load(reg, f"{train_rows[0].name}@{train_rows[0].version}")
    if target not in train.columns:
        raise BadInput(
            f"the target {target!r} is not a column of the training data "
            f"{train_rows[0].name}@{train_rows[0].version}"
        )
    chosen = list(features) if features is not None else [c for c in train.columns if c != target]
    missing = [f for f in chosen if f not in train.columns]
    if missing:
        raise BadInput(
            f"feature {missing[0]!r} is missing from the training data "
            f"{train_rows[0].name}@{train_rows[0].version}",
            hint="list only columns the training data has (--feature), or register the "
            "right data version",
        )
    schema = Schema.from_frame(train[chosen])
    _check_designated(reg, name, chosen)
    code_version = code or capture(code_path, allow_dirty=allow_dirty)

    if artifact_file is not None:
        saved = reg.artifacts.import_model_file(artifact_file, trust_pickle=trust_pickle)
        model = reg.artifacts.load_model(
            saved.digest, format=saved.format, trusted_pickle=trust_pickle
        )
        task, positive_label, favorable_label = _outcomes(
            model, name, positive_label, favorable_label
        )
    elif model is not None:
        task, positive_label, favorable_label = _outcomes(
            model, name, positive_label, favorable_label
        )
        saved = reg.artifacts.save_model(model)
    else:
        raise BadInput("give the fitted model or its artifact file")
    from govern.registry.fingerprint import model_fingerprint

    metrics = {}
    for row in holdout_rows:
        ref = f"{row.name}@{row.version}"
        metrics[ref] = evaluate(
            model,
            catalog.load(reg, ref),
            features=chosen,
            target=target,
            task=task,
            threshold=threshold,
            positive_label=positive_label,
            what=ref,
        )
    versions = trusted.rows(reg, proj.models, name=name)
    version = max((r.version for r in versions), default=0) + 1
    record = ModelRegistered(
        subject=subjects.model(f"{name}@{version}"),
        name=name,
        version=version,
        task=task,
        estimator=from_json(Estimator, model_fingerprint(model), what="estimator"),
        artifact=Artifact(
            sha256=saved.digest,
            format=saved.format,
            size=saved.size,
            trusted_pickle=saved.trusted_pickle,
            converted_from=saved.converted_from,
        ),
        features=tuple(Feature(name, dtype, kind) for name, dtype, kind in schema.columns),
        target=target,
        positive_label=None if positive_label is None else str(positive_label),
        favorable_label=favorable_label,
        threshold=repr(float(threshold)),
        training_data=tuple(r.record.as_ref() for r in train_rows),
        validation_data=tuple(r.record.as_ref() for r in holdout_rows),
        code=Code(
            commit=code_version.commit,
            remote=code_version.remote,
            branch=code_version.branch,
            dirty=code_version.dirty,
            path=code_version.path,
        ),
        intended_use=intended_use,
        limitations=limitations,
        owner=owner,
        risk_tier=risk_tier,
        metrics=metrics,
        environment=environment(),
        challenger_of=None if live is None else Designated(live.ref, live.leaf),
    )
    if live is not None and live.record.task != task:
        raise BadInput(f"{live.ref} is a {live.record.task} model: a challenger does the same task")
    entry = reg.record(record)
    return ModelVersion(record, entry.seq, entry.leaf.hex(), entry.ts, entry.actor)


def _check_designated(reg: Registry, name: str, features: list[str]) -> None:
    """Refuse a model that uses an attribute designated for fair-lending analysis, where the
    policy says so (``refuse_designated_features``; docs/fairness.md). Otherwise the fairness
    report states it first."""
    rule = reg.policy().fairness_for(name)
    if rule is None or not rule.refuse_designated_features:
        return
    used = [a.name for a in rule.attributes if a.name in features]
    if used:
        raise PolicyViolation(
            f"this model uses {', '.join(used)}, designated for fair-lending analysis, and the "
            "policy refuses such models; nothing was registered",
            hint="leave the designated attributes out of the features (--feature), or have an "
            "administrator change the policy's [fairness] refuse_designated_features",
        )


def _live(reg: Registry, ref: str) -> ModelVersion:
    live = resolve(reg, ref)
    if parse_ref(ref).version is None:
        raise BadInput(
            f"name the version a challenger would replace exactly: {live.ref}, not {ref}",
        )
    return live


def designate_challenger(reg: Registry, candidate: str, of: str, *, reason: str) -> Entry:
    """Record, after its registration, that ``candidate`` is a challenger of ``of``."""
    cand = resolve(reg, candidate)
    live = _live(reg, of)
    if cand.ref == live.ref:
        raise BadInput(f"{cand.ref} cannot be a challenger of itself")
    if cand.record.task != live.record.task:
        raise BadInput(f"{live.ref} is a {live.record.task} model: a challenger does the same task")
    if not reason.strip():
        raise BadInput("say why the version is designated (--reason)")
    if any(c.ref == cand.ref for c, _seq in challengers_of(reg, live.ref)):
        raise BadInput(f"{cand.ref} is already a designated challenger of {live.ref}")
    return reg.record(
        ChallengerDesignated(
            subject=subjects.model(cand.ref),
            candidate=cand.ref,
            candidate_entry=cand.leaf,
            of=Designated(live.ref, live.leaf),
            reason=reason.strip(),
        )
    )


def challengers_of(reg: Registry, ref: str) -> list[tuple[ModelVersion, int]]:
    """The designated challengers of ``ref`` (NAME@V), each with the entry that designated it
    (its registration or a later ``model.challenger``), in ledger order. Nothing is inferred:
    a version on the same holdout is no challenger unless someone said so."""
    live = resolve(reg, ref)
    out: dict[str, tuple[ModelVersion, int]] = {}
    for mv in versions(reg):
        d = mv.record.challenger_of
        if d is not None and d.ref == live.ref and d.entry == live.leaf:
            out[mv.ref] = (mv, mv.seq)
    for entry in trusted.accepted(reg, reg.ledger.checked(kinds=[ChallengerDesignated.KIND])):
        r = ChallengerDesignated.from_entry(entry)
        if r.of.ref == live.ref and r.of.entry == live.leaf and r.candidate not in out:
            cand = resolve(reg, r.candidate)
            if cand.leaf == r.candidate_entry:
                out[cand.ref] = (cand, entry.seq)
    return sorted(out.values(), key=lambda x: x[1])


def evaluate(
    model: Any,
    frame: pd.DataFrame,
    *,
    features: Sequence[str],
    target: str,
    task: str,
    threshold: float,
    positive_label: Any,
    what: str,
) -> dict[str, Any]:
    """The standard metrics of ``model`` on a holdout frame."""
    from govern.registry.metrics import regression_metrics, score_classifier

    missing = [c for c in [*features, target] if c not in frame.columns]
    if missing:
        raise BadInput(f"the holdout data {what} lacks column {missing[0]!r}")
    X, y = frame[list(features)], frame[target]
    if task == "classification":
        label = _matching_label(model, positive_label)
        return score_classifier(model, X, y, threshold=threshold, positive_label=label)
    return regression_metrics(y, model.predict(X))


def _matching_label(model: Any, label: Any) -> Any:
    for c in getattr(model, "classes_", []):
        if str(c) == str(label):
            return c
    return label


def resolve(reg: Registry, ref: str | Ref) -> ModelVersion:
    """The model version ``NAME@V`` (``NAME@latest``: the highest version), from its entry."""
    parsed = parse_ref(ref) if isinstance(ref, str) else ref
    if parsed.version is None:
        rows = trusted.rows(reg, proj.models, name=parsed.name)[::-1]
    else:
        rows = trusted.rows(reg, proj.models, name=parsed.name, version=parsed.version)
    if not rows:
        known = sorted({r.name for r in reg.rows(proj.models)})
        raise NotFound(
            f"there is no model version {parsed}",
            hint=f"registered models: {', '.join(known)}"
            if known
            else "no model is registered yet: `govern model add`",
        )
    entry, record = reg.recorded(ModelRegistered, rows[0].seq, rows[0].leaf)
    return ModelVersion(record, entry.seq, entry.leaf.hex(), entry.ts, entry.actor)


def schema_of(mv: ModelVersion) -> Schema:
    """The registered feature columns of a version, as the scorer checks data against them."""
    from govern.registry.schema import Schema

    return Schema.from_list(
        [{"name": f.name, "dtype": f.dtype, "kind": f.kind} for f in mv.features]
    )


def names(reg: Registry) -> list[str]:
    """Every registered model name, sorted."""
    return sorted({r.name for r in reg.rows(proj.models)})


def versions(reg: Registry, name: str | None = None) -> list[ModelVersion]:
    """Every registered version (of ``name``, when given), in ledger order."""
    where = [] if name is None else [proj.models.c.name == name]
    out = []
    for row in reg.rows(proj.models, *where, order=proj.models.c.seq):
        entry, record = reg.recorded(ModelRegistered, row.seq, row.leaf)
        out.append(ModelVersion(record, entry.seq, entry.leaf.hex(), entry.ts, entry.actor))
    return out


def entry_of(reg: Registry, ref: str | Ref) -> Entry:
    """The registration entry of ``ref``."""
    return reg.entry(resolve(reg, ref).seq)


def load(reg: Registry, ref: str | Ref | ModelVersion, *, trusted_pickle: bool = False) -> Any:
    """The registered estimator, its digest checked before it is loaded."""
    mv = ref if isinstance(ref, ModelVersion) else resolve(reg, ref)
    artifact = mv.artifact
    return reg.artifacts.load_model(
        artifact.sha256,
        format=artifact.format,
        trusted_pickle=trusted_pickle or artifact.trusted_pickle,
    )


def recompute_metrics(reg: Registry, ref: str | Ref) -> dict[str, Any]:
    """Recompute the registered metrics from the stored artifact and data (replication)."""
    from govern.registry import catalog

    mv = resolve(reg, ref)
    r = mv.record
    model = load(reg, mv)
    return {
        key: evaluate(
            model,
            catalog.load(reg, key),
            features=r.feature_names,
            target=r.target,
            task=r.task,
            threshold=float(r.threshold),
            positive_label=r.positive_label,
            what=key,
        )
        for key in r.metrics
    }
