"""What an approval pins, when it goes stale, what only flags the model, and the deployments
that follow from it (docs/registry.md, "What an approval pins"), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sklearn.pipeline import Pipeline

from govern.demo import reason_table_path
from govern.documents import narrative
from govern.errors import (
    AlreadyDeployed,
    ApprovalStale,
    BadInput,
    NotApproved,
    OpenFinding,
    SignatureInvalid,
    StatementReplayed,
)
from govern.explain.registered import register_reason_table
from govern.ledger.entry import format_ts, parse_ts
from govern.records import ApprovalSigned, ModelDeployed, PolicySet, subjects
from govern.registry import approvals, deployments, findings, models, people, pins, signing, status
from govern.registry.sshsig import new_keypair
from tests.credit import CODE, TARGET
from tests.registry.conftest import World

CARD = "## Purpose\nScores retail credit applicants for the credit officer.\n"
NEWER = CARD + "\n## Methodology\nLogistic regression on one-hot categoricals.\n"


def register(world: World, pipeline: Pipeline, **kw: object) -> str:
    world.act("dan")
    args: dict[str, object] = dict(
        name="credit-risk",
        training_data=["german-train@1"],
        validation_data=["german-holdout@latest"],
        target=TARGET,
        intended_use="Probability that a consumer credit applicant repays (retail lending).",
        owner="dan",
        risk_tier="high",
        positive_label="good",
        favorable_label="good",
        code=CODE,
    )
    args.update(kw)
    return models.register_model(world.reg, pipeline, **args).ref  # type: ignore[arg-type]


def narrate(world: World, ref: str, text: str, kind: str = "card.narrative") -> int:
    path = world.folder / f"narrative-{abs(hash(text))}.md"
    path.write_text(text, encoding="utf-8")
    world.act("val" if kind == "validation.narrative" else "dan")
    return narrative.record(world.reg, ref, path, kind).seq  # type: ignore[arg-type]


def approve(world: World, ref: str) -> None:
    for who, role in (("val", "validator"), ("apo", "approver")):
        world.act(who)
        approvals.approve(world.reg, ref, decision="approve", role=role)


def ledger_state(world: World) -> tuple[int, str]:
    head = world.reg.ledger.head()
    return head.size, base64.b64encode(head.root).decode()


def set_policy(world: World, policy: dict[str, object]) -> int:
    world.act("ada")
    return world.reg.record(PolicySet(subject=subjects.POLICY, policy=policy)).seq


@pytest.fixture
def approved(world: World, pipeline: Pipeline) -> str:
    """credit-risk@1 with a card narrative, approved by val and apo and deployed."""
    ref = register(world, pipeline)
    narrate(world, ref, CARD)
    approve(world, ref)
    world.act("apo")
    deployments.deploy(world.reg, ref)
    assert status.status(world.reg, ref).status == status.DEPLOYED
    return ref


def test_the_statement_pins_what_was_approved(world: World, approved: str) -> None:
    reg = world.reg
    seq = next(iter(reg.ledger.entries(kind=ApprovalSigned.KIND, newest_first=True, limit=1))).seq
    pinned = ApprovalSigned.from_entry(reg.entry(seq)).statement.pinned
    assert pinned is not None
    card = next(iter(reg.ledger.entries(kind="card.narrative")))
    assert pinned.card_narrative is not None and pinned.card_narrative.entry == card.seq
    assert pinned.validation_narrative is None and pinned.reason_table is None
    assert pinned.threshold == models.resolve(reg, approved).threshold
    assert (pinned.policy.tier, pinned.policy.requires) == ("high", ("validator", "approver"))
    assert pinned.policy.revalidation_months == 12 and not pinned.policy.owner_may_approve


def test_a_new_card_narrative_makes_the_approval_stale(world: World, approved: str) -> None:
    reg = world.reg
    newer = narrate(world, approved, NEWER)
    st = status.status(reg, approved)
    assert st.status == status.STALE and not st.approved and not st.may_score
    assert [(c.item, c.entry) for c in st.stale] == [("card narrative", newer)]
    assert all(s.stale for s in st.signoffs if s.in_force)
    assert st.deployed_in == ("production",) and "approval stale" in st.warnings[0]
    # deploying it anywhere is refused, and nothing is written
    before = ledger_state(world)
    world.act("apo")
    with pytest.raises(ApprovalStale, match="card narrative of entry"):
        deployments.deploy(reg, approved, env="staging")
    assert ledger_state(world) == before
    # the same text recorded again is no change
    rows = status.status(reg, approved).stale
    narrate(world, approved, NEWER)
    assert [c.item for c in status.status(reg, approved).stale] == [c.item for c in rows]
    # signing again settles it
    approve(world, approved)
    assert status.status(reg, approved).status == status.DEPLOYED


def test_a_validation_narrative_or_reason_table_after_sign_off(
    world: World, approved: str, tmp_path: Path
) -> None:
    reg = world.reg
    narrate(world, approved, "## Scope\nThe whole model.\n", "validation.narrative")
    assert [c.item for c in status.status(reg, approved).stale] == ["validation narrative"]
    approve(world, approved)
    assert status.status(reg, approved).status == status.DEPLOYED
    world.act("dan")
    table = register_reason_table(reg, approved, reason_table_path()).seq
    st = status.status(reg, approved)
    assert st.status == status.STALE
    assert [(c.item, c.entry) for c in st.stale] == [("reason table", table)]
    # the reason table belongs to the model's name: every version's approval pinned it
    approve(world, approved)
    changed = tmp_path / "reasons.toml"
    changed.write_text(
        reason_table_path().read_text().replace('"2026.11-demo"', '"2027.01"'), encoding="utf-8"
    )
    world.act("dan")
    register_reason_table(reg, approved, changed)
    (c,) = status.status(reg, approved).stale
    assert c.item == "reason table" and "2027.01" in c.detail


def test_a_signed_override_lets_a_stale_version_run(world: World, approved: str) -> None:
    reg = world.reg
    newer = narrate(world, approved, NEWER)
    before = ledger_state(world)
    world.act("apo")
    with pytest.raises(ApprovalStale):  # it already runs, but not without an override
        deployments.deploy(reg, approved)
    assert ledger_state(world) == before
    entry = deployments.deploy(
        reg, approved, override="Wording of the card only; re-approval booked for Monday"
    )
    record = ModelDeployed.from_entry(entry)
    assert record.override is not None and record.status_at_deploy == status.STALE
    (gate,) = record.override.statement.gates or ()
    assert gate.startswith("ApprovalStale: the approval of credit-risk@1 is stale")
    st = status.status(reg, approved)
    assert st.status == status.STALE and st.overridden_by == entry.seq and st.may_score
    reg.verify()  # the override's signature and the record re-verify
    # a change after the override is not covered by it
    latest = narrate(world, approved, NEWER + "\n## Materiality\nHigh.\n")
    later = status.status(reg, approved)
    assert later.overridden_by is None and not later.may_score
    assert [c.entry for c in later.stale] == [latest] and latest > entry.seq > newer


def test_a_policy_edit_outside_the_pinned_settings_only_flags(world: World, approved: str) -> None:
    reg = world.reg
    seq = set_policy(
        world,
        {
            "blocking_severities": ["high", "medium"],
            "production_envs": ["production", "prod-eu"],
            "tiers": {
                "high": {"requires": ["validator", "approver"], "revalidation_months": 12},
                "medium": {"requires": ["validator"], "revalidation_months": 6},  # not its tier
                "low": {"requires": ["approver"], "revalidation_months": 36},
            },
        },
    )
    st = status.status(reg, approved)
    assert st.status == status.DEPLOYED and st.stale == () and st.may_score
    (flag,) = st.flags
    assert (flag.kind, flag.entry, flag.date) == ("policy changed", seq, reg.entry(seq).ts)


def test_a_change_to_the_tiers_settings_makes_it_stale(world: World, approved: str) -> None:
    reg = world.reg
    seq = set_policy(
        world,
        {"tiers": {"high": {"requires": ["validator", "approver"], "revalidation_months": 6}}},
    )
    st = status.status(reg, approved)
    assert st.status == status.STALE
    (c,) = st.stale
    assert (c.item, c.entry) == ("policy", seq) and "revalidation_months 12 -> 6" in c.detail
    assert [f.kind for f in st.flags] == []  # stale already says it; no second flag
    set_policy(world, {"owner_may_approve": True})
    assert "owner_may_approve false -> true" in status.status(reg, approved).stale[0].detail


def test_an_automatic_finding_flags_a_persons_finding_stops(world: World, approved: str) -> None:
    reg = world.reg
    world.act("ada")
    world.keys["mon"] = world.folder / "mon_ed25519"
    people.enroll(reg, "mon", ["monitor"], new_keypair(world.keys["mon"], comment="mon").openssh())
    world.act("mon")
    findings.raise_finding(reg, approved, severity="high", text="PSI 0.31 on the score")
    st = status.status(reg, approved)
    assert st.status == status.DEPLOYED and st.may_score and st.blocking == ()
    (flag,) = st.flags
    assert flag.kind == "automatic finding" and flag.date == st.open_findings[0].raised_at
    world.act("val")
    findings.raise_finding(reg, approved, severity="high", text="Back-test fails on 2025")
    st = status.status(reg, approved)
    assert st.status == status.IN_VALIDATION and not st.may_score
    before = ledger_state(world)
    world.act("apo")
    with pytest.raises(OpenFinding, match="#2: Back-test fails"):
        deployments.deploy(reg, approved, env="staging")
    assert ledger_state(world) == before


def test_revalidation_coming_due_flags_with_its_date(world: World, approved: str) -> None:
    reg = world.reg
    due = status.status(reg, approved).next_review_due
    assert due is not None and status.status(reg, approved).flags == ()
    soon = format_ts(parse_ts(due) - timedelta(days=30))
    st = status.status(reg, approved, as_of=soon)
    assert st.status == status.DEPLOYED
    (flag,) = [f for f in st.flags if f.kind == "revalidation due"]
    assert (flag.kind, flag.date) == ("revalidation due", due)
    # eleven months in use without monitoring, where the high tier asks for it every three
    (late,) = [f for f in st.flags if f.kind == "monitoring overdue"]
    assert "every 3 months" in late.detail and st.monitoring is not None
    assert st.monitoring.overdue and st.monitoring.last_status is None


def test_deploying_v2_retires_v1_and_what_runs_is_refused(
    world: World, approved: str, pipeline: Pipeline
) -> None:
    reg = world.reg
    v2 = register(world, pipeline, limitations="v2")
    before = ledger_state(world)
    world.act("apo")
    with pytest.raises(NotApproved):
        deployments.deploy(reg, v2)
    assert ledger_state(world) == before
    approve(world, v2)
    world.act("apo")
    entry = deployments.deploy(reg, v2)
    assert ModelDeployed.from_entry(entry).replaces == approved
    v1 = status.status(reg, approved)
    assert v1.status == status.RETIRED and v1.deployed_in == ()
    (retired,) = [e for e in status.deployment_history(reg, approved) if e.action == "retire"]
    assert (retired.entry, retired.replaced_by) == (entry.seq, v2)
    assert status.status(reg, v2).status == status.DEPLOYED
    before = ledger_state(world)
    with pytest.raises(AlreadyDeployed):
        deployments.deploy(reg, v2)
    with pytest.raises(BadInput, match="nothing to override"):
        deployments.deploy(reg, v2, env="staging", override="just in case")
    assert ledger_state(world) == before
    # another environment is another slot; rolling back to v1 retires v2 from production
    deployments.deploy(reg, v2, env="staging")
    back = deployments.deploy(reg, approved)
    assert ModelDeployed.from_entry(back).replaces == v2
    assert status.status(reg, v2).deployed_in == ("staging",)
    assert status.status(reg, approved).status == status.DEPLOYED
    reg.verify()
    reg.rebuild()
    assert status.status(reg, approved).status == status.DEPLOYED


def test_a_statement_written_before_a_change_is_refused(world: World, approved: str) -> None:
    reg = world.reg
    st = approvals.statement(reg, approved, decision="approve", role="validator", signer="val")
    signature = signing.sign(st, world.keys["val"], signing.namespace("approval", reg.origin))
    narrate(world, approved, NEWER)
    before = ledger_state(world)
    with pytest.raises(SignatureInvalid, match="other evidence"):
        approvals.submit(reg, st, signature)
    assert ledger_state(world) == before


def test_old_statements_read_back_byte_identical_and_pin_nothing(
    world: World, approved: str
) -> None:
    """A statement from before pins (no ``pinned`` key) reads, writes back without the key, is
    refused for a new sign-off, and is never stale."""
    reg = world.reg
    entry = next(iter(reg.ledger.entries(kind=ApprovalSigned.KIND, limit=1)))
    current = ApprovalSigned.from_entry(entry).statement.to_json()
    old = {k: v for k, v in current.items() if k != "pinned"}
    read = approvals.read_statement(old)
    assert read.pinned is None and read.to_json() == old
    assert signing.statement_bytes(read) == signing.statement_bytes(old)
    signature = signing.sign(read, world.keys["val"], signing.namespace("approval", reg.origin))
    with pytest.raises(SignatureInvalid, match="older govern"):
        approvals.submit(reg, read, signature)
    assert pins.changes(reg, models.resolve(reg, approved), None) == ()


def _recorded_statement(world: World, signer: str) -> tuple[ApprovalSigned, int]:
    for entry in world.reg.ledger.entries(kind=ApprovalSigned.KIND, newest_first=True):
        record = ApprovalSigned.from_entry(entry)
        if record.statement.signer == signer:
            return record, entry.seq
    raise AssertionError(f"no approval by {signer}")


def test_a_recorded_statement_cannot_be_submitted_again(world: World, approved: str) -> None:
    """The insider reads an approval and its signature from the ledger and submits them again."""
    record, seq = _recorded_statement(world, "val")
    assert record.statement.nonce is not None and len(record.statement.nonce) == 32
    before = ledger_state(world)
    with pytest.raises(StatementReplayed, match=rf"already recorded \(entry {seq}\)") as caught:
        approvals.submit(world.reg, record.statement, record.signature)
    assert caught.value.exit_code == 47
    assert ledger_state(world) == before


def test_a_rejection_after_an_approval_stays_a_rejection(world: World, approved: str) -> None:
    """val approved, then rejected; her earlier approval, replayed, must not undo the rejection."""
    approval, _ = _recorded_statement(world, "val")
    world.act("val")
    rejected = approvals.approve(world.reg, approved, decision="reject", role="validator")
    assert status.status(world.reg, approved).status != status.DEPLOYED
    before = ledger_state(world)
    with pytest.raises(
        StatementReplayed, match=rf"no later than their reject .* entry {rejected.seq}"
    ):
        approvals.submit(world.reg, approval.statement, approval.signature)
    assert ledger_state(world) == before
    assert status.status(world.reg, approved).status != status.DEPLOYED


def test_an_older_review_signed_later_cannot_overtake(world: World, approved: str) -> None:
    """Two statements written at once; the one signed against the older log state loses, whatever
    the order they are submitted in (decisions are ordered by the log state they reviewed)."""
    reg = world.reg
    ns = signing.namespace("approval", reg.origin)
    old = approvals.statement(reg, approved, decision="approve", role="validator", signer="val")
    old_sig = signing.sign(old, world.keys["val"], ns)
    world.act("val")
    approvals.approve(reg, approved, decision="reject", role="validator")
    before = ledger_state(world)
    with pytest.raises(StatementReplayed):
        approvals.submit(reg, old, old_sig)
    assert ledger_state(world) == before


def test_history_rewritten_behind_an_approval_fails_verify_without_a_checkpoint(
    world: World, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An insider with the database and the log key rebuilds the log without one entry from
    before the sign-offs: every entry, tree and signature is valid again, but the log state the
    officers signed as reviewed is gone, and verify says so with no checkpoint held."""
    from govern.errors import InconsistentWithCheckpoint
    from govern.ledger import store
    from govern.registry import Registry
    from tests.ledger.tamper import drop_guards, execute

    ref = register(world, pipeline)
    harmless = set_policy(world, world.reg.policy().as_dict())  # the same policy, recorded again
    approve(world, ref)
    reg = world.reg
    url = reg.ledger.url
    reg.verify()  # the genuine log verifies
    # kept with their times, so every entry before the removed one keeps its exact bytes
    items = [(e.kind, e.payload, e.actor, e.ts) for e in reg.ledger.entries() if e.seq != harmless]
    origin = reg.origin
    reg.close()
    drop_guards(url)
    for table in ("ledger_entries", "ledger_checkpoints", "ledger_head"):
        execute(url, f"DELETE FROM {table}")
    execute(
        url,
        "INSERT INTO ledger_head (id, origin, size, root, tip, frontier, last_ts) "
        "VALUES (1, :o, 0, :r, :t, :f, '2000-01-01T00:00:00.000000Z')",
        o=origin,
        r=hashlib.sha256(b"").digest(),
        t=bytes(32),
        f=b"",
    )
    with Registry.open(url, artifacts=world.folder / "artifacts") as rewritten:
        for kind, payload, actor, ts in items:
            monkeypatch.setattr(store, "now_ts", lambda ts=ts: ts)
            rewritten.ledger.append(kind, payload, actor=actor)
        monkeypatch.undo()
        rewritten.ledger.install_guards()
        rewritten.rebuild()
        with pytest.raises(InconsistentWithCheckpoint, match="rewritten behind a signed approval"):
            rewritten.verify()


def test_a_replay_written_around_the_writer_counts_for_nothing_and_fails_verify(
    world: World, approved: str
) -> None:
    """The insider appends a recorded approval again with the registry's own writer, skipping
    its replay check: the gates' view gives it no weight, and verify names it."""
    record, seq = _recorded_statement(world, "val")
    world.act("val")
    again = world.reg.record(record, actor="val")  # the record as read, signature and all
    with pytest.raises(StatementReplayed, match=rf"entry {again.seq}: val's statement") as caught:
        world.reg.verify()
    assert caught.value.exit_code == 47 and f"repeats entry {seq}" in caught.value.message
    # the view left it out: the approvals table holds a row the ledger's view does not
    with pytest.raises(StatementReplayed):
        status.status(world.reg, approved)
    world.reg.rebuild()
    with pytest.raises(StatementReplayed):
        status.status(world.reg, approved)
