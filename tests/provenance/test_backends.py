"""The whole story on each backend: SQLite always, PostgreSQL when GOVERN_TEST_PG_URL is set."""

from __future__ import annotations

import pandas as pd
import pytest

from govern.demo import TARGET
from govern.errors import BadInput, Conflict, DuplicatePrediction, ModelNotDeployed
from govern.ledger.logkey import load_key
from govern.provenance import erase, provenance, receipt
from govern.provenance.report import render_html, render_text, write
from govern.provenance.scorer import Scorer
from tests.conftest import World
from tests.provenance.conftest import approve_and_deploy, register
from tests.provenance.helpers import OVERRIDE, as_privacy_officer, state
from tests.provenance.test_lookup import pdf_text
from tests.provenance.test_receipt import script


def test_scored_before_approval_is_flagged(world: World, pipeline, german_split) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    key = load_key(world.folder / "log.key")
    X = pd.read_csv(german_split["holdout"]).drop(columns=[TARGET]).iloc[:50]
    mv = register(world, pipeline)
    world.act("svc")

    before = state(reg)
    with pytest.raises(ModelNotDeployed, match="credit-risk@1 is registered, not deployed"):
        Scorer(reg, mv.ref).decide(X, ids=[f"pre-{i}" for i in range(50)])
    assert state(reg) == before

    early = Scorer(reg, mv.ref, override="pilot before sign-off, ticket MRM-42")
    batch = early.decide(X, ids=[f"pre-{i}" for i in range(50)])
    assert reg.entry(batch.first_seq).payload["override"] == {
        "reason": "pilot before sign-off, ticket MRM-42",
        "status": "registered",
    }

    approve_and_deploy(world, mv.ref)
    world.act("svc")
    after = Scorer(reg, mv.ref).decide(X, ids=[f"post-{i}" for i in range(50)])
    assert after.override is None

    flagged = provenance(reg, "pre-7", key=key)
    assert flagged.model.status == "registered" and not flagged.model.approved
    assert flagged.model.signoffs == () and flagged.model.deployments == ()
    assert flagged.warnings[0].startswith("credit-risk@1 was NOT APPROVED when this decision")
    assert "pilot before sign-off, ticket MRM-42" in flagged.warnings[0]
    assert flagged.ok and flagged.rescore.state == "same"  # flagged, not failed
    assert "WARNING: credit-risk@1 was NOT APPROVED" in render_html(flagged)
    # loud: before everything else in the text, framed, in capitals; and in the PDF
    lines = render_text(flagged).splitlines()
    assert lines[3] == "!" * 78 and lines[4].startswith("WARNING: credit-risk@1 was NOT APPROVED")
    assert lines.index("Decision") > 4 and "Status at the decision         REGISTERED" in lines
    write(flagged, world.folder / "flagged.pdf", "pdf")
    shown = pdf_text(world.folder / "flagged.pdf")
    assert shown.index("WARNING: credit-risk@1 was NOT APPROVED when this decision was made") < (
        shown.index("Decision Answers")
    )
    assert "pilot before sign-off, ticket MRM-42" in shown

    clean = provenance(reg, "post-7", key=key, explain=False)
    assert clean.model.status == "deployed" and clean.model.approved
    assert [s.signer for s in clean.model.signoffs] == ["val", "apo"]
    assert not any("NOT APPROVED" in w for w in clean.warnings)
    assert clean.rescore.state == "same" and clean.integrity.verified

    # duplicates against the ledger, and bad input, leave nothing behind
    before = state(reg)
    with pytest.raises(DuplicatePrediction, match="'post-3' is already logged"):
        Scorer(reg, mv.ref).decide(X.iloc[:5], ids=["new-1", "new-2", "post-3", "n4", "n5"])
    with pytest.raises(BadInput, match="missing column age_in_years"):
        Scorer(reg, mv.ref).decide(X.drop(columns=["age_in_years"]))
    assert state(reg) == before

    # erasure, receipts and verification on this backend
    text = receipt(reg, "post-7", key=key)
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra ")
    # the standalone verifier (examples/verify_receipt.py) accepts it, on either backend
    checked = script().verify(text.encode(), reg.ledger.log_created()["verifier_key"])
    assert checked["payload"]["subject"] == "post-7"
    world.act("ada")
    as_privacy_officer(reg, world.folder)
    done = erase(reg, "post-7", reason="erasure request 9", retention_override=OVERRIDE)
    if reg.ledger.engine.dialect.name == "postgresql":
        assert done.wal_truncated is None and "VACUUM" in done.residue[0]
    else:
        assert done.wal_truncated is True
    assert state(reg) == (before[0] + 2, before[1] - 1)  # priya's enrolment, the erasure
    gone = provenance(reg, "post-7", key=key, explain=False)
    assert gone.data.input.state == "erased" and gone.ok
    with pytest.raises(Conflict):
        erase(reg, "post-7", reason="again", retention_override=OVERRIDE)
    reg.verify()


def test_a_regressor_is_logged_without_a_decision(world: World, german_split) -> None:  # type: ignore[no-untyped-def]
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    reg = world.reg
    key = load_key(world.folder / "log.key")
    train = pd.read_csv(german_split["train"]).drop(columns=[TARGET])
    X = train.drop(columns=["credit_amount"])
    cats = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    model = Pipeline(
        [
            (
                "pre",
                ColumnTransformer(
                    [("cat", OneHotEncoder(handle_unknown="ignore"), cats)], remainder="passthrough"
                ),
            ),
            ("reg", Ridge()),
        ]
    ).fit(X, train["credit_amount"])
    features = list(X.columns)
    mv = register(
        world,
        model,
        name="amount",
        target="credit_amount",
        features=features,
        validation_data=[],
        positive_label=None,
        favorable_label=None,
    )
    scorer = Scorer(reg, mv.ref, override="shadow mode")
    with pytest.raises(BadInput, match="regressor"):
        scorer.decide(X.iloc[:3])
    predicted = scorer.predict(X.iloc[:3], ids=["amt-1", "amt-2", "amt-3"])
    entry = reg.entry(scorer.last.first_seq)
    assert entry.payload["output"] == {"decision": None, "score": repr(float(predicted[0]))}
    p = provenance(reg, "amt-1", key=key)
    assert p.rescore.state == "same" and p.output.decision is None
    assert p.explanation.state == "explained" and p.explanation.output_space == "raw"
    assert p.warnings[0].startswith("amount@1 was NOT APPROVED")
