"""The documents on a PostgreSQL registry (GOVERN_TEST_PG_URL): card, coverage, a refused and a
successful release. Skipped, with the reason, when no server is configured."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sklearn.pipeline import Pipeline

from govern.documents.explanation import explain_global
from govern.documents.release import release
from govern.errors import NotApproved
from govern.registry import Registry, approvals, catalog, findings, models, people
from govern.registry.bootstrap import init_registry
from govern.registry.sshsig import new_keypair
from tests.credit import CODE, TARGET
from tests.documents.conftest import NARRATIVE, govern, listing, ok, one_line_error

pytestmark = pytest.mark.postgres


def _register(reg: Registry, model: Pipeline) -> str:
    return models.register_model(
        reg,
        model,
        name="pg-credit",
        training_data=["german-train@1"],
        validation_data=["german-holdout@1"],
        target=TARGET,
        owner="dan",
        risk_tier="high",
        intended_use="Retail credit decisions on PostgreSQL.",
        positive_label="good",
        favorable_label="good",
        limitations="A test model.",
        code=CODE,
    ).ref


def test_documents_on_postgresql(
    pg_url: str, tmp_path: Path, german_split: dict[str, Path], pipeline: Pipeline
) -> None:
    init = init_registry(
        pg_url, "bank.example/govern/pg", key_path=tmp_path / "log.key", admin="ada"
    )
    assert init.admin_key is not None
    artifacts = tmp_path / "artifacts"
    keys = {"ada": init.admin_key}
    with Registry.open(pg_url, key=keys["ada"], artifacts=artifacts) as reg:
        for name, role in (("dan", "developer"), ("val", "validator"), ("apo", "approver")):
            keys[name] = tmp_path / f"{name}_ed25519"
            pub = new_keypair(keys[name], comment=name)
            people.enroll(reg, name, [role], pub.openssh())
        reg.use_key(keys["dan"])
        catalog.add_dataset(reg, german_split["train"], name="german-train", target=TARGET)
        catalog.add_dataset(reg, german_split["holdout"], name="german-holdout", target=TARGET)
        ref = _register(reg, pipeline)
        unapproved = _register(reg, pipeline)
        models.designate_challenger(reg, unapproved, ref, reason="the next version")
        explain_global(reg, ref, "german-holdout@1", output=tmp_path / "explanation.html")
        (tmp_path / "narrative.md").write_text(NARRATIVE, encoding="utf-8")
        ok(
            "--sign-with",
            keys["dan"],
            "card",
            "narrative",
            ref,
            tmp_path / "narrative.md",
            "--db",
            pg_url,
        )
        reg.use_key(keys["val"])
        findings.raise_finding(reg, ref, severity="high", text="Check the calibration")
        findings.close_finding(reg, ref, 1, resolution="Calibration table reviewed")
        approvals.approve(reg, ref, decision="approve", role="validator", key=keys["val"])
        reg.use_key(keys["apo"])
        approvals.approve(reg, ref, decision="approve", role="approver", key=keys["apo"])
        size = reg.ledger.size

    common = ["--db", pg_url, "--artifacts", str(artifacts)]
    md = ok("card", ref, "--format", "md", *common)
    assert "## 7. Performance" in md and "### Holdout metrics" in md
    assert "### Challenger comparison" in md and unapproved in md  # designated, same holdout
    assert md == ok("card", ref, "--format", "md", *common)
    card = json.loads(ok("card", ref, "--format", "json", *common))
    assert card["govern"]["ledger"]["size"] == size and card["govern"]["status"] == "approved"
    coverage = json.loads(ok("coverage", ref, "--json", "--db", pg_url))
    assert [c["missing_mandatory"] for c in coverage] == [[], []]

    refused = tmp_path / "refused"
    one_line_error(
        govern(
            "--sign-with",
            keys["dan"],
            "release",
            unapproved,
            "-o",
            refused,
            "--key",
            tmp_path / "log.key",
            *common,
        ),
        31,
        "is not approved",
    )
    assert not refused.exists()

    out = tmp_path / "release"
    with Registry.open(pg_url, key=keys["dan"], artifacts=artifacts) as reg:
        assert reg.ledger.size == size
        with pytest.raises(NotApproved):
            release(reg, unapproved, out, key_path=tmp_path / "log.key")
        assert listing(out) == [] and reg.ledger.size == size
        done = release(reg, ref, out, key_path=tmp_path / "log.key")
        assert reg.ledger.size == size + 1 and done.entry.seq == size
        assert done.checkpoint_size == size
        for f in done.entry.payload["files"]:
            assert hashlib.sha256((out / f["name"]).read_bytes()).hexdigest() == f["sha256"]
        assert reg.ledger.open_checkpoint((out / "checkpoint.txt").read_text()).size == size
    assert len(listing(out)) == 10
