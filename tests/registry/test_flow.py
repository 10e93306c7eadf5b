"""The whole registry flow on the German credit data, and every refusal the issue names."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from govern.errors import (
    ArtifactTampered,
    BadInput,
    EntrySignatureBad,
    NotFound,
    PolicyViolation,
    SignatureInvalid,
)
from govern.registry import approvals, catalog, deployments, findings, models, people, status
from govern.registry.inventory import inventory
from govern.registry.projections import ProjectionStale
from govern.registry.sshsig import new_keypair
from tests.credit import CODE, TARGET
from tests.registry.conftest import World


def register(world: World, pipeline, **kw):  # type: ignore[no-untyped-def]
    world.act("dan")
    args = dict(
        name="credit-risk",
        training_data=["german-train@1"],
        validation_data=["german-holdout@latest"],
        target=TARGET,
        intended_use="Probability that a consumer credit applicant repays (retail lending).",
        limitations="Trained on 1970s German data; not for business credit.",
        owner="dan",
        risk_tier="high",
        positive_label="good",
        favorable_label="good",
        code=CODE,
    )
    args.update(kw)
    return models.register_model(world.reg, pipeline, **args)


def snapshot(world: World) -> int:
    return world.reg.ledger.size


def test_whole_flow(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    mv = register(world, pipeline)
    assert mv.ref == "credit-risk@1"
    p = models.entry_of(reg, "credit-risk@1").payload
    assert p["estimator"]["class"].endswith("Pipeline")
    assert len(p["features"]) == 20 and p["artifact"]["format"] == "skops"
    m = p["metrics"]["german-holdout@1"]
    assert 0.6 < m["roc_auc"] < 0.95 and math.isclose(m["gini"], 2 * m["roc_auc"] - 1)
    # replication: the same artifact and data give the same numbers
    assert models.recompute_metrics(reg, "credit-risk@1") == p["metrics"]
    assert status.status(reg, "credit-risk@1").status == "registered"

    world.act("val")
    findings.raise_finding(
        reg, "credit-risk@1", severity="high", text="No back-testing on recent data"
    )
    assert status.status(reg, "credit-risk@1").status == "in validation"
    with pytest.raises(PolicyViolation, match="open high-severity finding"):
        approvals.approve(
            reg, "credit-risk@1", decision="approve", role="validator", key=world.keys["val"]
        )
    findings.close_finding(reg, "credit-risk@1", 1, resolution="Back-test on 2025 data added")
    approvals.approve(
        reg, "credit-risk@1", decision="approve", role="validator", key=world.keys["val"]
    )
    assert status.status(reg, "credit-risk@1").status == "in validation"
    with pytest.raises(PolicyViolation, match="not approved"):
        deployments.deploy(reg, "credit-risk@1")
    world.act("apo")
    approvals.approve(
        reg,
        "credit-risk@1",
        decision="conditional",
        role="approver",
        key=world.keys["apo"],
        conditions="Monitor PSI monthly",
        expires="2030-01-31",
    )
    st = status.status(reg, "credit-risk@1")
    assert st.status == "approved" and st.next_review_due is not None
    deployments.deploy(reg, "credit-risk@1", env="production")
    assert status.status(reg, "credit-risk@1").status == "deployed"

    rows = inventory(reg)
    assert len(rows) == 1
    row = rows[0]
    assert (row.name, row.version, row.tier, row.owner, row.status) == (
        "credit-risk",
        1,
        "high",
        "dan",
        "deployed",
    )
    assert row.open_findings == 0 and row.last_validation is not None
    assert (
        "validator approve by val" in row.approvals
        and "approver conditional by apo" in row.approvals
    )

    report = reg.verify()
    assert report.size == reg.ledger.size
    before = {
        t: reg.rows(t)
        for t in __import__("govern.registry.projections", fromlist=["TABLES"]).TABLES
    }
    assert reg.rebuild() > 0
    after = {t: reg.rows(t) for t in before}
    assert before == after


def test_status_as_of_a_past_moment(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    register(world, pipeline, risk_tier="low")
    registered_at = reg.ledger.head().last_ts
    world.act("apo")
    approvals.approve(
        reg, "credit-risk@1", decision="approve", role="approver", key=world.keys["apo"]
    )
    assert status.status(reg, "credit-risk@1").status == "approved"
    assert status.status(reg, "credit-risk@1", as_of=registered_at).status == "registered"


def test_segregation_of_duties(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    register(world, pipeline, owner="apo")
    size = snapshot(world)
    world.act("apo")
    with pytest.raises(PolicyViolation, match="owns"):
        approvals.approve(
            reg, "credit-risk@1", decision="approve", role="approver", key=world.keys["apo"]
        )
    # the registrant (dan) is not an approver at all; enrol him as one to test the rule itself
    world.act("vic")
    approvals.approve(
        reg, "credit-risk@1", decision="approve", role="validator", key=world.keys["vic"]
    )
    size = snapshot(world)
    with pytest.raises(PolicyViolation, match="both roles"):
        approvals.approve(
            reg, "credit-risk@1", decision="approve", role="approver", key=world.keys["vic"]
        )
    assert snapshot(world) == size


def test_registrant_may_not_approve(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    world.act("ada")
    pub = Path(str(world.keys["vic"]) + ".pub").read_text()
    people.enroll(
        reg,
        "dan",
        ["developer", "approver"],
        Path(str(world.keys["dan"]) + ".pub").read_text(),
        admin="ada",
        admin_key=world.keys["ada"],
    )
    register(world, pipeline, owner="val")
    size = snapshot(world)
    world.act("dan")
    with pytest.raises(PolicyViolation, match="registered"):
        approvals.approve(
            reg, "credit-risk@1", decision="approve", role="approver", key=world.keys["dan"]
        )
    assert snapshot(world) == size and pub


def test_revoked_and_expired_keys(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    register(world, pipeline)
    people.revoke(reg, "val", reason="left the bank", admin="ada", admin_key=world.keys["ada"])
    size = snapshot(world)
    world.act("val")
    with pytest.raises(PolicyViolation, match="revoked"):
        approvals.approve(
            reg, "credit-risk@1", decision="approve", role="validator", key=world.keys["val"]
        )
    world.keys["old"] = world.folder / "old_ed25519"
    people.enroll(
        reg,
        "old",
        ["validator"],
        new_keypair(world.keys["old"], comment="old").openssh(),
        admin="ada",
        admin_key=world.keys["ada"],
        valid_until="2020-01-01T00:00:00.000000Z",
    )
    size = snapshot(world)
    with pytest.raises(PolicyViolation, match="expired"):
        approvals.approve(
            reg, "credit-risk@1", decision="approve", role="validator", key=world.keys["old"]
        )
    assert snapshot(world) == size


def test_signature_over_a_different_statement(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    from govern.registry import signing

    reg = world.reg
    register(world, pipeline)
    register(world, pipeline, limitations="v2")
    world.act("val")
    st1 = approvals.statement(
        reg, "credit-risk@1", decision="approve", role="validator", signer="val"
    )
    st2 = approvals.statement(
        reg, "credit-risk@2", decision="approve", role="validator", signer="val"
    )
    sig1 = signing.sign(st1, world.keys["val"], signing.namespace("approval", reg.origin))
    size = snapshot(world)
    with pytest.raises(SignatureInvalid):
        approvals.submit(reg, st2, sig1)
    tampered = dict(st1.to_json(), decision="conditional", conditions="x")
    with pytest.raises(SignatureInvalid):
        approvals.submit(reg, tampered, sig1)
    other = signing.sign(st1, world.keys["apo"], signing.namespace("approval", reg.origin))
    with pytest.raises(SignatureInvalid):
        approvals.submit(reg, st1, other)
    assert snapshot(world) == size
    approvals.submit(reg, st1, sig1)  # the real one goes through


def test_override_deploy_is_signed_and_recorded(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    register(world, pipeline)
    world.act("apo")
    entry = deployments.deploy(
        reg,
        "credit-risk@1",
        override="Regulatory deadline; validation in progress",
        key=world.keys["apo"],
    )
    assert entry.payload["override"]["fingerprint"].startswith("SHA256:")
    st = status.status(reg, "credit-risk@1")
    assert st.status == "in validation" or st.status == "registered"
    assert st.warnings and "override" in st.warnings[0]


def test_bad_references_and_inputs(world: World, pipeline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    size = snapshot(world)
    with pytest.raises(NotFound):
        models.resolve(reg, "nope@1")
    with pytest.raises(NotFound):
        register(world, pipeline, training_data=["german-train@9"])
    with pytest.raises(BadInput, match="missing from the training data"):
        register(world, pipeline, features=["age_in_years", "shoe_size"])
    bad = tmp_path / "data.txt"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(BadInput, match="CSV or Parquet"):
        catalog.add_dataset(reg, bad, name="weird")
    pkl = tmp_path / "model.pkl"
    import pickle

    pkl.write_bytes(pickle.dumps(pipeline))
    with pytest.raises(BadInput, match="can run any code"):
        register(world, None, artifact_file=pkl)
    assert snapshot(world) == size
    mv = register(world, None, artifact_file=pkl, trust_pickle=True)
    assert models.entry_of(reg, mv.ref).payload["artifact"]["trusted_pickle"] is True


def test_identical_bytes_return_the_existing_version(world: World, german_split) -> None:  # type: ignore[no-untyped-def]
    size = snapshot(world)
    again = catalog.add_dataset(world.reg, german_split["train"], name="german-train")
    assert (again.version, again.created) == (1, False)
    assert snapshot(world) == size
    p = catalog.entry_of(world.reg, "german-train@1").payload
    assert p["source"].startswith("s3://bank-data/german/train.csv?versionId=")
    assert p["profile"]["rows"] == 700


def test_tampered_artifact_refuses_to_load(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    register(world, pipeline)
    row = models.resolve(world.reg, "credit-risk@1")
    path = world.reg.artifacts.path_of(row.artifact.sha256)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactTampered):
        models.load(world.reg, "credit-risk@1")


def test_stale_projection_is_reported_and_rebuilt(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from govern.registry import projections as proj

    register(world, pipeline)
    with world.reg.ledger.engine.begin() as conn:
        conn.execute(update(proj.models).values(owner="mallory"))
    with pytest.raises(ProjectionStale):
        world.reg.verify()
    world.reg.rebuild()
    world.reg.verify()
    assert models.resolve(world.reg, "credit-risk@1").owner == "dan"


def test_verify_rechecks_every_signature(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    from govern.registry.audit import audit

    reg = world.reg
    register(world, pipeline)
    world.act("val")
    approvals.approve(
        reg, "credit-risk@1", decision="approve", role="validator", key=world.keys["val"]
    )
    entries = list(reg.ledger.entries())
    # the administrator's own enrolment, five enrolments by her, two datasets, the model and
    # the approval: every entry but the log's first is signed by who made it
    report = audit(entries, reg.origin)
    assert (report.signed, report.unsigned_legacy, report.required_from) == (10, 0, 1)
    # An approval whose statement was edited after signing: the ledger itself would also catch
    # the changed bytes; here we check the signature layer on its own.
    approval = entries[-1]
    forged = approval.body.replace(b'"decision":"approve"', b'"decision":"reject"')
    from dataclasses import replace

    with pytest.raises(EntrySignatureBad, match=f"entry {approval.seq}"):
        audit([*entries[:-1], replace(approval, body=forged)], reg.origin)
