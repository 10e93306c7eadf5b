"""The deployment gate (govern.gates, `govern deploy`): approvals in force and not stale, the
documentation the packs mark mandatory, a released card; one version per environment; every
refusal its own exit code with the ledger unchanged; a signed override recorded."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from govern import gates
from govern.demo import narrative_path
from govern.documents import narrative
from govern.documents.explanation import explain_global
from govern.records import ComparisonResult, ModelDeployed, subjects
from govern.registry import approvals, models, trusted
from tests.documents.conftest import Demo, govern, ok, one_line_error, register_copy


def ledger(demo: Demo) -> tuple[int, str]:
    with demo.open() as reg:
        head = reg.ledger.head()
        return head.size, base64.b64encode(head.root).decode()


def deploy(demo: Demo, ref: str, *extra: str | Path):  # type: ignore[no-untyped-def]
    return govern("--sign-with", demo.key_of("otto"), "deploy", ref, *extra, "--db", demo.db)


def refused(demo: Demo, ref: str, code: int, *words: str) -> None:
    before = ledger(demo)
    one_line_error(deploy(demo, ref), code, *words)
    assert ledger(demo) == before


def approved_v2(demo: Demo) -> str:
    """credit-risk@2: the demo's estimator again, with both narratives and both sign-offs, but
    neither a global explanation nor a released card."""
    with demo.open("dan") as reg:
        ref = register_copy(reg, "credit-risk", holdout=True)
        narrative.record(reg, ref, narrative_path("card"))
        reg.use_key(demo.key_of("vera"))
        narrative.record(reg, ref, narrative_path("validation"), "validation.narrative")
        approvals.approve(reg, ref, decision="approve", role="validator")
        reg.use_key(demo.key_of("otto"))
        approvals.approve(reg, ref, decision="approve", role="approver")
    return ref


def status_of(demo: Demo, ref: str) -> dict:  # type: ignore[type-arg]
    return dict(json.loads(ok("status", ref, "--json", "--db", demo.db)))


def test_deploy_needs_the_mandatory_documentation_and_a_released_card(
    demo: Demo, tmp_path: Path
) -> None:
    ref = approved_v2(demo)
    assert ref == "credit-risk@2"
    refused(demo, ref, 34, "mandatory for tier high lack evidence", "SR 11-7 IV (testing")
    with demo.open("dan") as reg:
        explain_global(reg, ref, "german-holdout@1", output=tmp_path / "explanation.html")
    refused(demo, ref, 45, f"no model card of {ref} was released")
    ok("--sign-with", demo.key_of("dan"), "release", ref, "-o", tmp_path / "r2", "--db", demo.db)
    # it would replace credit-risk@1: the release gate asks for a passing recorded comparison
    refused(demo, ref, 48, f"{ref} would replace credit-risk@1 in production without a passing")
    ok(
        "--sign-with",
        demo.key_of("vera"),
        "compare",
        ref,
        "credit-risk@1",
        "--data",
        "german-holdout@1",
        "--record",
        "--db",
        demo.db,
    )

    printed = ok("--sign-with", demo.key_of("otto"), "deploy", ref, "--db", demo.db)
    assert "credit-risk@1 retired from production" in printed
    entry = demo.latest("model.deployed")
    record = ModelDeployed.from_entry(entry)
    assert (record.model, record.replaces, record.override) == (ref, "credit-risk@1", None)
    assert status_of(demo, ref)["status"] == "deployed"
    v1 = status_of(demo, "credit-risk@1")
    assert (v1["status"], v1["deployed_in"]) == ("retired", [])
    rows = json.loads(ok("inventory", "--json", "--db", demo.db))
    assert {(r["version"], r["status"]) for r in rows if r["name"] == "credit-risk"} == {
        (1, "retired"),
        (2, "deployed"),
    }
    refused(demo, ref, 46, f"{ref} already runs in production")
    # putting back the version that ran before is a rollback: no comparison, but a reason
    refused(demo, "credit-risk@1", 3, "a rollback needs no comparison, but it needs a reason")
    ok(
        "--sign-with",
        demo.key_of("otto"),
        "deploy",
        "credit-risk@1",
        "--rollback-reason",
        "INC-7: v2 declines thin-file applicants",
        "--db",
        demo.db,
    )
    back = ModelDeployed.from_entry(demo.latest("model.deployed"))
    assert (back.replaces, back.rollback_reason) == (ref, "INC-7: v2 declines thin-file applicants")
    ok("verify", "--db", demo.db)


def test_a_signed_override_lets_an_undocumented_version_through(demo: Demo) -> None:
    ref = approved_v2(demo)
    before = ledger(demo)
    printed = ok(
        "--sign-with",
        demo.key_of("otto"),
        "deploy",
        ref,
        "--override",
        "Regulator's deadline; the explanation is scheduled for next week (MRM-31)",
        "--db",
        demo.db,
    )
    assert ledger(demo)[0] == before[0] + 1
    record = ModelDeployed.from_entry(demo.latest("model.deployed"))
    assert record.override is not None and record.override.statement.signer == "otto"
    gates = record.override.statement.gates or ()
    assert [g.split(":")[0] for g in gates] == [
        "CoverageIncomplete",
        "CardNotReleased",
        "ComparisonMissing",
    ]
    assert "CoverageIncomplete" in printed and record.replaces == "credit-risk@1"
    assert status_of(demo, ref)["status"] == "deployed"
    ok("verify", "--db", demo.db)


def test_an_override_needs_an_approver(demo: Demo) -> None:
    ref = approved_v2(demo)
    before = ledger(demo)
    result = govern(
        "--sign-with", demo.key_of("dan"), "deploy", ref, "--override", "x", "--db", demo.db
    )
    assert result.exit_code == 6 and "approver" in result.stderr
    assert ledger(demo) == before


def test_a_stale_approval_through_the_command_line(demo: Demo, tmp_path: Path) -> None:
    text = narrative_path("card").read_text(encoding="utf-8") + "\nReviewed again in 2027.\n"
    path = tmp_path / "card.md"
    path.write_text(text, encoding="utf-8")
    ok(
        "--sign-with",
        demo.key_of("dan"),
        "card",
        "narrative",
        "credit-risk@1",
        path,
        "--db",
        demo.db,
    )
    st = status_of(demo, "credit-risk@1")
    assert st["status"] == "approval stale" and st["stale"][0]["item"] == "card narrative"
    printed = ok("status", "credit-risk@1", "--db", demo.db)
    assert "stale: the card narrative of entry" in printed
    rows = json.loads(ok("inventory", "--json", "--db", demo.db))
    (row,) = [r for r in rows if (r["name"], r["version"]) == ("credit-risk", 1)]
    assert row["status"] == "approval stale" and row["stale"].startswith("card narrative")
    card = ok("card", "credit-risk@1", "--db", demo.db)
    assert "The approval is stale" in card and "Deploy and scoring refuse" in card
    refused(demo, "credit-risk@1", 44, "the approval of credit-risk@1 is stale")
    ok(
        "--sign-with",
        demo.key_of("otto"),
        "deploy",
        "credit-risk@1",
        "--override",
        "Card wording only",
        "--db",
        demo.db,
    )
    assert status_of(demo, "credit-risk@1")["overridden_by"] == demo.latest("model.deployed").seq
    assert "overridden: an approver's signed override" in ok(
        "status", "credit-risk@1", "--db", demo.db
    )


def test_a_forged_passing_comparison_counts_for_nothing(demo: Demo, tmp_path: Path) -> None:
    """An insider appends a passing comparison nobody signed, straight into the log."""
    ref = approved_v2(demo)
    with demo.open("dan") as reg:
        explain_global(reg, ref, "german-holdout@1", output=tmp_path / "explanation.html")
    ok("--sign-with", demo.key_of("dan"), "release", ref, "-o", tmp_path / "r2", "--db", demo.db)
    with demo.open() as reg:
        cand, live = models.resolve(reg, ref), models.resolve(reg, "credit-risk@1")
        forged = ComparisonResult(
            subject=subjects.comparison(ref),
            candidate=ref,
            candidate_entry=cand.leaf,
            live=live.ref,
            live_entry=live.leaf,
            source="german-holdout@1",
            source_sha256="0" * 64,
            rows=300,
            erased=0,
            passed=True,
            checks=(),
            files=(),
            figures={},
        )
        entry = reg.ledger.append(forged.KIND, forged.to_payload(), actor="vera")
        assert gates.passing_comparison(reg, ref, "credit-risk@1") is None
    # the release gate still finds no passing comparison, and nothing is written
    refused(demo, ref, 48, f"{ref} would replace credit-risk@1 in production without a passing")
    with demo.open() as reg:
        assert entry.seq in trusted.view(reg).rejected
