"""Logging predictions: the payload and commitment formats, and every refusal (nothing logged)."""

from __future__ import annotations

import hashlib
import uuid

import numpy as np
import pandas as pd
import pytest

from govern.demo import SERVICE
from govern.errors import BadInput, DuplicatePrediction, ModelNotDeployed, NotFound
from govern.ledger.entry import read_envelope
from govern.ledger.jcs import canonicalize
from govern.provenance import PAD, Scorer, inputs
from govern.records import ScoringOverride
from govern.registry import Registry, deployments, models
from tests.provenance.conftest import Demo
from tests.provenance.helpers import state


def padded(frame: pd.DataFrame) -> pd.DataFrame:
    short = -len(frame) % PAD
    return pd.concat([frame, frame.iloc[[len(frame) - 1] * short]]) if short else frame


def test_every_prediction_is_logged_with_its_commitment(demo: Demo) -> None:
    reg = demo.reg
    X, ids = demo.applications()
    X, ids = X.iloc[:40], ids[:40]
    keys = [f"cust-{i}" for i in range(40)]
    scorer = Scorer(reg, "credit-risk@1", product="retail-loan")
    batch = scorer.decide(X, ids=ids, subject_keys=keys)

    model_row = models.resolve(reg, "credit-risk@1")
    estimator = models.load(reg, "credit-risk@1")
    good = list(estimator.classes_).index("good")
    proba = estimator.predict_proba(padded(X))[: len(X), good]
    assert batch.ids == tuple(ids) and len(batch.seqs) == 40
    assert batch.scores == tuple(repr(float(s)) for s in proba)
    assert batch.decisions == tuple("good" if s >= 0.5 else "bad" for s in proba)

    with reg.ledger.engine.connect() as conn:
        stored = [inputs.fetch(conn, seq) for seq in batch.seqs]
    salts = set()
    # the batch's signed statement leads it: the service's signature over every payload
    header = reg.entry(batch.first_seq - 1)
    assert (header.kind, header.actor) == ("prediction.batch", SERVICE)
    for i, seq in enumerate(batch.seqs):
        entry = reg.entry(seq)
        assert (entry.kind, entry.subject, entry.actor, entry.ts) == (
            "prediction.logged",
            ids[i],
            SERVICE,
            batch.ts,
        )
        row = stored[i]
        assert row is not None and len(row.salt) == 32
        salts.add(row.salt)
        values = {c: X[c].tolist()[i] for c in X.columns}
        assert row.row == canonicalize(values)
        assert entry.payload == {
            "subject": ids[i],
            "subject_key": keys[i],
            "product": "retail-loan",
            "method": "decide",
            "model": "credit-risk@1",
            "model_entry": model_row.leaf,
            "output": {"score": batch.scores[i], "decision": batch.decisions[i]},
            "override": None,
            "input_commitment": hashlib.sha256(row.salt + row.row).hexdigest(),
            "batch": header.subject,
        }
        # the stored bytes are exactly the canonical form of that payload
        assert read_envelope(entry.body).payload_json == canonicalize(entry.payload)
    assert len(salts) == 40
    reg.verify()


def test_estimator_interface_and_generated_ids(demo: Demo) -> None:
    reg = demo.reg
    X = demo.holdout.iloc[:33]
    scorer = Scorer(reg, "credit-risk@1")
    proba = scorer.predict_proba(X)
    np.testing.assert_array_equal(proba, scorer.model.predict_proba(padded(X))[:33])
    ids = scorer.last.ids  # type: ignore[union-attr]
    assert len(set(ids)) == 33 and all(uuid.UUID(i).version == 7 for i in ids)
    assert [reg.entry(s).subject for s in scorer.last.seqs] == list(ids)  # type: ignore[union-attr]
    assert reg.entry(scorer.last.first_seq).payload["method"] == "predict_proba"  # type: ignore[union-attr]

    labels = scorer.predict(X.iloc[:5], ids=[10, 11, 12, 13, 14])
    assert list(labels) == list(scorer.model.predict(padded(X.iloc[:5]))[:5])
    entry = reg.entry(scorer.last.first_seq)  # type: ignore[union-attr]
    assert entry.subject == "10" and entry.payload["output"]["label"] == str(labels[0])
    assert entry.payload["method"] == "predict"


def test_ids_that_need_escaping(demo: Demo) -> None:
    reg = demo.reg
    ids = ['quote"d', "back\\slash", "ünïcödé", "emoji 😀", "tab-free %s %b"]
    keys = ["k\n1", "k\t2", "k3", "k4", "k5"]  # keys may hold what ids may not
    batch = Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:5], ids=ids, subject_keys=keys)
    for seq, pid in zip(batch.seqs, ids, strict=True):
        entry = reg.entry(seq)
        assert entry.subject == pid and entry.payload["subject"] == pid
        assert entry.payload["subject_key"] == keys[seq - batch.first_seq]
        assert read_envelope(entry.body).payload_json == canonicalize(entry.payload)
    reg.verify()


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda X: X.drop(columns=["credit_amount"]), BadInput, "missing column credit_amount"),
        (lambda X: X.assign(shoe_size=42), BadInput, "unexpected column shoe_size"),
        (
            lambda X: X.assign(credit_amount=X["credit_amount"].astype(str)),
            BadInput,
            "column credit_amount holds text, but the model was trained on numbers",
        ),
        (
            lambda X: X.assign(purpose=np.arange(len(X))),
            BadInput,
            "column purpose holds numbers, but the model was trained on text",
        ),
        (lambda X: X.iloc[:0], BadInput, "no rows"),
        (lambda X: X.to_numpy(), BadInput, "DataFrame"),
    ],
    ids=["missing", "extra", "text-for-number", "number-for-text", "empty", "not-a-frame"],
)
def test_bad_input_is_refused_and_nothing_logged(demo: Demo, change, error, message) -> None:  # type: ignore[no-untyped-def]
    scorer = Scorer(demo.reg, "credit-risk@1")
    before = state(demo.reg)
    with pytest.raises(error, match=message):
        scorer.decide(change(demo.holdout.iloc[:10]))
    assert state(demo.reg) == before


def test_duplicate_ids_are_refused_and_nothing_logged(demo: Demo) -> None:
    reg = demo.reg
    scorer = Scorer(reg, "credit-risk@1")
    X = demo.holdout.iloc[:10]
    before = state(reg)
    ids = [f"d{i}" for i in range(9)] + ["d3"]
    with pytest.raises(DuplicatePrediction, match="'d3' appears more than once"):
        scorer.decide(X, ids=ids)
    assert state(reg) == before
    first = scorer.decide(X.iloc[:3], ids=["a", "b", "c"])
    before = state(reg)
    with pytest.raises(
        DuplicatePrediction, match=f"'b' is already logged \\(entry {first.first_seq + 1}\\)"
    ):
        scorer.decide(X.iloc[:3], ids=["x", "b", "y"])
    assert state(reg) == before
    for bad_ids, message in (
        (["a"] * 2, "2 ids were given for 3 rows"),
        (["p", None, "q"], "prediction id 1 is None"),
        (["p", "", "q"], "empty"),
        (["p", "x" * 257, "q"], "257 characters"),
        (["p", "line\nbreak", "q"], "control character"),
    ):
        with pytest.raises(BadInput, match=message):
            scorer.decide(X.iloc[:3], ids=bad_ids)
    assert state(reg) == before


def test_unknown_model_and_regressors_of_the_wrong_kind(demo: Demo) -> None:
    with pytest.raises(NotFound, match="no model version credit-risk@9"):
        Scorer(demo.reg, "credit-risk@9")
    with pytest.raises(BadInput, match="reason"):
        Scorer(demo.reg, "credit-risk@1", override="  ")


def test_a_version_not_deployed_is_refused_unless_overridden(demo: Demo) -> None:
    reg = demo.reg
    demo.act("otto")
    deployments.retire(reg, "credit-risk@1", env="production", reason="replaced")
    demo.act(SERVICE)
    before = state(reg)
    with pytest.raises(ModelNotDeployed, match="credit-risk@1 is retired, not deployed"):
        Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:4])
    assert state(reg) == before
    scorer = Scorer(reg, "credit-risk@1", override="back-testing on 2025 applications")
    batch = scorer.decide(demo.holdout.iloc[:4])
    assert batch.override == ScoringOverride("back-testing on 2025 applications", "retired")
    for seq in batch.seqs:
        assert reg.entry(seq).payload["override"] == {
            "reason": "back-testing on 2025 applications",
            "status": "retired",
        }


def test_status_is_decided_again_when_another_writer_came_first(demo: Demo) -> None:
    """A retirement recorded (by another connection) after the status check but before the
    append refuses the batch inside the append's transaction; other predictions do not."""
    reg = demo.reg
    scorer = Scorer(reg, "credit-risk@1")
    X = demo.holdout.iloc[:20]

    def between(action):  # type: ignore[no-untyped-def]
        # `progress` is first called after scoring, before the append: another writer's moment.
        calls = []

        def step(_n: int) -> None:
            if not calls:
                action()
            calls.append(_n)

        return step

    def other_predictions() -> None:
        with Registry.open(str(demo.db), key=demo.key_of(SERVICE)) as other:
            Scorer(other, "credit-risk@1").decide(X.iloc[:3], ids=["o1", "o2", "o3"])

    batch, _raw = scorer.log(
        X, ids=[f"m{i}" for i in range(20)], progress=between(other_predictions)
    )
    assert reg.entry(batch.first_seq - 1).kind == "prediction.batch"  # this batch's signature
    assert reg.entry(batch.first_seq - 2).subject == "o3" and batch.override is None

    def retire() -> None:
        with Registry.open(str(demo.db), key=demo.key_of("otto")) as other:
            deployments.retire(other, "credit-risk@1", reason="replaced")

    before = state(reg)
    with pytest.raises(ModelNotDeployed, match=r"became retired .* while this batch was being"):
        scorer.log(
            X,
            ids=[f"n{i}" for i in range(20)],
            progress=between(retire),
        )
    size, kept = state(reg)
    assert (size, kept) == (before[0] + 1, before[1])  # the retirement only
    assert reg.entry(size - 1).kind != "prediction.logged"
    reg.verify()


def test_the_registry_shortcut_still_works_and_says_where_it_went(demo: Demo) -> None:
    with pytest.warns(DeprecationWarning, match=r"govern\.provenance\.Scorer"):
        scorer = demo.reg.scorer("credit-risk@1")
    assert isinstance(scorer, Scorer) and scorer.ref == "credit-risk@1"
