"""Production scoring and a stale approval: refused (whatever reason the service gives) until an
approver signs an override; a policy edit outside the pinned settings and an automatic finding
do not stop it (docs/provenance.md, "What scoring checks")."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from govern import gates
from govern.demo import SERVICE, narrative_path
from govern.documents import narrative
from govern.errors import ApprovalStale
from govern.provenance import Scorer, provenance
from govern.records import ModelDeployed, PolicySet, subjects
from govern.registry import findings, people, status
from govern.registry.sshsig import new_keypair
from tests.provenance.conftest import Demo
from tests.provenance.helpers import stored_inputs

#: The demo's card narrative with one sentence more: every section still there.
CHANGED = narrative_path("card").read_text(encoding="utf-8") + "\nReviewed again in 2027.\n"


def ledger(demo: Demo) -> tuple[int, str, int]:
    """What a refused batch must leave as it was: size, root and stored inputs."""
    head = demo.reg.ledger.head()
    return head.size, base64.b64encode(head.root).decode(), stored_inputs(demo.reg)


def change_the_card(demo: Demo, tmp_path: Path) -> int:
    path = tmp_path / "card.md"
    path.write_text(CHANGED, encoding="utf-8")
    demo.act("dan")
    seq = narrative.record(demo.reg, "credit-risk@1", path).seq
    demo.act(SERVICE)
    return seq


def test_a_stale_approval_stops_scoring_until_an_approver_overrides(
    demo: Demo, tmp_path: Path
) -> None:
    reg = demo.reg
    X = demo.holdout.iloc[:5]
    Scorer(reg, "credit-risk@1").decide(X, ids=[f"before-{i}" for i in range(5)])
    changed = change_the_card(demo, tmp_path)
    before = ledger(demo)
    with pytest.raises(ApprovalStale, match=f"card narrative of entry {changed}"):
        Scorer(reg, "credit-risk@1").decide(X)
    # the service's own reason does not lift it: only an approver's signature does
    with pytest.raises(ApprovalStale):
        Scorer(reg, "credit-risk@1", override="the card text only").decide(X)
    assert ledger(demo) == before

    demo.act("otto")
    entry = gates.deploy(reg, "credit-risk@1", override="Card wording only; MRM-12 re-approval")
    override = ModelDeployed.from_entry(entry).override
    assert override is not None and override.statement.signer == "otto"
    assert [g.split(":")[0] for g in override.statement.gates or ()] == ["ApprovalStale"]
    demo.act(SERVICE)
    batch = Scorer(reg, "credit-risk@1").decide(X, ids=[f"after-{i}" for i in range(5)])
    assert len(batch) == 5 and batch.override is None
    then = provenance(reg, "after-0", key=demo.key)
    assert then.model.status == status.STALE
    assert any(
        "approval was STALE" in w and f"signed override (entry {entry.seq})" in w
        for w in then.warnings
    )
    earlier = provenance(reg, "before-0", key=demo.key)
    assert earlier.model.status == status.DEPLOYED  # as it stood at that decision
    reg.verify()


def test_what_only_flags_the_model_does_not_stop_scoring(demo: Demo) -> None:
    reg = demo.reg
    demo.act("ada")
    reg.record(
        PolicySet(
            subject=subjects.POLICY,
            policy={"blocking_severities": ["high", "medium"], "production_envs": ["production"]},
        )
    )
    key = demo.folder / "keys" / "mon_ed25519"
    people.enroll(reg, "mon", ["monitor"], new_keypair(key, comment="mon").openssh())
    reg.use_key(key)
    findings.raise_finding(reg, "credit-risk@1", severity="high", text="PSI 0.27 on the score")
    demo.act(SERVICE)
    st = status.status(reg, "credit-risk@1")
    assert st.status == status.DEPLOYED
    assert sorted(f.kind for f in st.flags) == ["automatic finding", "policy changed"]
    batch = Scorer(reg, "credit-risk@1").decide(demo.holdout.iloc[:3])
    assert len(batch) == 3 and batch.override is None
