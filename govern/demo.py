"""`govern demo`: the whole story, end to end, on the German credit data, on SQLite.

A registry is created; a developer, a validator and an approver are enrolled with new SSH keys;
the data is split and both parts registered by digest; a scikit-learn Pipeline (one-hot
categoricals, scaled numbers, logistic regression) is trained and registered with its holdout
metrics, beside a gradient-boosted challenger on the same holdout; the owner registers the card
narrative and a reason-code table; the validator raises a finding, closes it and records her
narrative; validator and approver sign; the documents are released as CI would (card and
validation report, PDF/HTML/Markdown/JSON, and a checkpoint); the model is deployed through
the gate (approvals in force and not stale, mandatory documentation, a released card); 1,000
applications are scored by the bank's origination service, every prediction logged; the most
strongly declined applicant's decision is explained; a checkpoint is signed; that decision's
provenance is written as PDF and as an offline-verifiable receipt; and the whole registry is
verified against the checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from govern.errors import BadInput
from govern.ledger.logkey import load_key
from govern.registry import (
    Registry,
    approvals,
    catalog,
    findings,
    models,
    people,
)
from govern.registry.bootstrap import init_registry
from govern.registry.codeversion import CodeVersion
from govern.registry.inventory import InventoryRow, inventory
from govern.registry.sshsig import new_keypair

__all__ = [
    "MODEL",
    "ORIGIN",
    "SERVICE",
    "TARGET",
    "DemoResult",
    "german_credit_path",
    "narrative_path",
    "reason_table_path",
    "run_demo",
    "train_challenger",
    "train_pipeline",
]

ORIGIN = "demo.example/govern/credit-models"
TARGET = "creditability"
MODEL = "credit-risk"
SERVICE = "loan-origination"
APPLICATION_ID = "application_id"


def german_credit_path() -> Path:
    """The bundled UCI Statlog German Credit data (CC BY 4.0, Hofmann 1994)."""
    return Path(__file__).parent / "data" / "germancredit.csv"


@dataclass
class DemoResult:
    directory: Path
    db: Path
    entries: int
    root_b64: str
    model: str
    inventory: list[InventoryRow]
    artifacts: dict[str, Path] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    declined: str | None = None  # the prediction id of the challenged decision
    verifier_key: str = ""  # the log's verifier key, to check receipts and checkpoints with


def train_pipeline(train: pd.DataFrame) -> object:
    """The demo's model: one-hot categoricals, scaled numbers, logistic regression."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X = train.drop(columns=[TARGET])
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    model = Pipeline(
        [
            (
                "pre",
                ColumnTransformer(
                    [
                        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                        ("num", StandardScaler(), numeric),
                    ]
                ),
            ),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    )
    model.fit(X, train[TARGET])
    return model


def train_challenger(train: pd.DataFrame) -> object:
    """The demo's challenger: one-hot categoricals, numbers as they are, 100 gradient-boosted
    trees of depth 3 (dense, so TreeSHAP explains it directly)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X = train.drop(columns=[TARGET])
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    model = Pipeline(
        [
            (
                "pre",
                ColumnTransformer(
                    [("cat", OneHotEncoder(handle_unknown="ignore"), categorical)],
                    remainder="passthrough",
                    sparse_threshold=0,
                ),
            ),
            ("clf", GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)),
        ]
    )
    model.fit(X, train[TARGET])
    return model


def narrative_path(kind: str) -> Path:
    """The demo's narratives: the owner's card narrative and the validator's."""
    return Path(__file__).parent / "data" / f"germancredit_{kind}.md"


def reason_table_path() -> Path:
    """The demo's reason-code table for the German credit model."""
    return Path(__file__).parent / "data" / "germancredit_reasons.toml"


def _demo_code_version() -> CodeVersion:
    # The demo's training code is this file; there is no repository to read a commit from, so
    # record the git blob id of this file (what `git hash-object govern/demo.py` prints).
    source = Path(__file__).read_bytes()
    blob = hashlib.sha1(b"blob %d\x00" % len(source) + source).hexdigest()
    return CodeVersion(blob, None, None, False, "govern/demo.py")


def run_demo(directory: Path, say: Callable[[str], None] = lambda _s: None) -> DemoResult:
    """Run the demo into ``directory`` (created; must be empty or absent)."""
    from govern.presentation import fmt

    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BadInput(
            f"the demo folder {directory} is not empty",
            hint="give `govern demo` a new or empty folder",
        )
    steps: list[str] = []

    def step(text: str) -> None:
        steps.append(text)
        say(text)

    db = directory / "registry.db"
    init = init_registry(str(db), ORIGIN, admin="ada")
    assert init.admin_key is not None
    step(f"registry created with log {ORIGIN}; administrator ada")
    keys = {"ada": init.admin_key}
    reg = Registry.open(str(db), key=keys["ada"])
    try:
        enrolled = (
            ("dan", "developer"),
            ("vera", "validator"),
            ("otto", "approver"),
            (SERVICE, "service"),
        )
        for name, role in enrolled:
            keys[name] = directory / "keys" / f"{name}_ed25519"
            keys[name].parent.mkdir(exist_ok=True)
            pub = new_keypair(keys[name], comment=f"{name}@demo")
            people.enroll(reg, name, [role], pub.openssh())
        step(
            "people enrolled with new SSH keys, each enrolment signed by ada: dan (developer), "
            f"vera (validator), otto (approver), and the scoring service {SERVICE}"
        )

        data = pd.read_csv(german_credit_path())
        train = data.sample(frac=0.7, random_state=42).sort_index()
        holdout = data.drop(train.index)
        split = directory / "data"
        split.mkdir()
        train.to_csv(split / "german-train.csv", index=False)
        holdout.to_csv(split / "german-holdout.csv", index=False)
        reg.use_key(keys["dan"])
        source = "UCI Statlog German Credit (CC BY 4.0, Hofmann 1994), 70/30 split, seed 42"
        tr = catalog.add_dataset(
            reg, split / "german-train.csv", name="german-train", target=TARGET, source=source
        )
        ho = catalog.add_dataset(
            reg, split / "german-holdout.csv", name="german-holdout", target=TARGET, source=source
        )
        step(f"data registered: {tr.ref} ({len(train)} rows), {ho.ref} ({len(holdout)} rows)")

        def register(
            model: object,
            name: str,
            intended_use: str,
            limitations: str = "",
            challenger_of: str | None = None,
        ) -> tuple[str, float]:
            mv = models.register_model(
                reg,
                model,
                name=name,
                training_data=[tr.ref],
                validation_data=[ho.ref],
                target=TARGET,
                intended_use=intended_use,
                limitations=limitations,
                owner="dan",
                risk_tier="high",
                positive_label="good",
                favorable_label="good",
                threshold=0.5,
                code=_demo_code_version(),
                challenger_of=challenger_of,
            )
            return mv.ref, float(mv.record.classifier_metrics(ho.ref).roc_auc or 0.0)

        ref, auc = register(
            train_pipeline(train),
            MODEL,
            intended_use="Estimate the probability that a consumer credit applicant repays, "
            "to support (not replace) the credit officer's decision on retail loans.",
            limitations="Trained on 1,000 German applications from the 1970s; not for business "
            "credit; personal_status_and_sex and foreign_worker need prohibited-basis review.",
        )
        step(f"model registered: {ref}, holdout ROC AUC {fmt(auc)}")
        challenger, ch_auc = register(
            train_challenger(train),
            f"{MODEL}-challenger",
            intended_use=f"Challenger to {MODEL}: benchmark only, not for decisions.",
            challenger_of=ref,
        )
        step(f"challenger registered on the same holdout: {challenger}, ROC AUC {fmt(ch_auc)}")

        from govern.documents import narrative
        from govern.documents.explanation import explain_global, explain_row
        from govern.explain.registered import register_reason_table

        narrative.record(reg, ref, narrative_path("card"))
        reports = directory / "reports"
        reports.mkdir()
        register_reason_table(reg, ref, reason_table_path())
        explain_global(reg, ref, ho.ref, output=reports / "explanation.html")
        step(
            "owner's card narrative and reason-code table registered; global SHAP "
            "explanation written"
        )

        reg.use_key(keys["vera"])
        findings.raise_finding(
            reg, ref, severity="high", text="No stability analysis across age bands"
        )
        findings.close_finding(
            reg, ref, 1, resolution="Score stability by age band reviewed; PSI < 0.1"
        )
        narrative.record(reg, ref, narrative_path("validation"), "validation.narrative")
        step(
            "validator vera raised a high-severity finding, closed it, and recorded her "
            "validation narrative"
        )
        approvals.approve(reg, ref, decision="approve", role="validator")
        reg.use_key(keys["otto"])
        approvals.approve(
            reg,
            ref,
            decision="conditional",
            role="approver",
            conditions="Monitor population stability monthly",
        )
        step("vera (validator) and otto (approver, with conditions) signed with SSH keys")

        # What CI runs on a release tag: verify, check approvals, findings and coverage, then
        # write the card and validation report (PDF, HTML, Markdown, JSON) and a checkpoint.
        from govern.documents.release import release

        reg.use_key(keys["dan"])
        issued = release(reg, ref, reports / "release", key_path=init.key_path)
        step(
            f"released: model card {issued.card_version} and validation report as PDF, HTML, "
            f"Markdown and JSON, digests recorded in entry {issued.entry.seq}"
        )
        # The deployment gate: approvals in force and not stale, the documentation the
        # regulation packs mark mandatory, and the card just released.
        from govern import gates

        reg.use_key(keys["otto"])
        gates.deploy(reg, ref, env="production")
        step(f"{ref} deployed to production through every gate (approvals, coverage, card)")

        # The bank's origination system scores every application through the registry: each
        # prediction is logged (entry, model version, output, input commitment).
        applications = data.drop(columns=[TARGET])
        applications.insert(0, APPLICATION_ID, [f"demo-{i:04d}" for i in range(len(data))])
        applications.to_csv(split / "applications.csv", index=False)
        from govern.provenance import Lookup, receipt, score_file
        from govern.provenance.report import write as write_provenance

        reg.use_key(keys[SERVICE])
        batch = score_file(
            reg,
            ref,
            split / "applications.csv",
            id_col=APPLICATION_ID,
            product="retail consumer loan",
        )
        batch.write_csv(reports / "scored.csv")
        declined_n = sum(d != "good" for d in batch.decisions)
        step(
            f"{len(batch):,} applications scored by {SERVICE}, every prediction logged "
            f"({declined_n} declined)"
        )

        # A declined applicant challenges the decision: the most strongly declined one.
        lowest = min(range(len(batch)), key=lambda i: float(batch.scores[i]))
        pid = batch.ids[lowest]
        reg.use_key(keys["dan"])
        decision, _report, _entry = explain_row(
            reg,
            ref,
            str(split / "applications.csv"),
            pid,
            id_col=APPLICATION_ID,
            output=reports / f"decision-{pid}.pdf",
        )
        step(
            f"declined applicant {pid} (score {fmt(float(batch.scores[lowest]))}) explained; "
            "principal reasons: " + "; ".join(r.statement for r in decision.reasons)
        )

        log_key = load_key(init.key_path)
        note_text = reg.ledger.sign_checkpoint(log_key)
        checkpoint = directory / "checkpoint.txt"
        checkpoint.write_text(note_text, encoding="utf-8")
        prov = Lookup(reg, key=log_key)(pid)
        prov.check()
        write_provenance(prov, reports / f"provenance-{pid}.pdf", "pdf")
        (reports / f"receipt-{pid}.tlog-proof").write_text(
            receipt(reg, pid, key=log_key), encoding="utf-8"
        )
        step(f"provenance of {pid} written as PDF, with a receipt that verifies offline")

        report = reg.verify(checkpoint=note_text)
        rows = inventory(reg)
        verifier_key = str(reg.ledger.log_created()["verifier_key"])
        step(f"verified: {report.size} entries, every signature and registry table")
    finally:
        reg.close()
    return DemoResult(
        directory=directory,
        db=db,
        entries=report.size,
        root_b64=base64.b64encode(report.root).decode(),
        model=ref,
        inventory=rows,
        artifacts={
            "registry": db,
            "log key": init.key_path,
            "artifact store": directory / "registry.artifacts",
            "people's SSH keys": directory / "keys",
            "checkpoint": checkpoint,
            "applications": directory / "data" / "applications.csv",
            "scored applications": directory / "reports" / "scored.csv",
            "explanation (global)": directory / "reports" / "explanation.html",
            "declined applicant explained": directory / "reports" / f"decision-{pid}.pdf",
            "released documents": directory / "reports" / "release",
            "model card": directory / "reports" / "release" / "card.pdf",
            "validation report": directory / "reports" / "release" / "validation.pdf",
            "provenance of the decision": directory / "reports" / f"provenance-{pid}.pdf",
            "receipt": directory / "reports" / f"receipt-{pid}.tlog-proof",
        },
        steps=steps,
        declined=pid,
        verifier_key=verifier_key,
    )
