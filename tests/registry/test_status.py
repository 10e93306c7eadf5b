"""Tests for govern.registry.status: when a sign-off without an explicit expiry lapses."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import pytest
from sklearn.pipeline import Pipeline

from govern.ledger import entry as ledger_entry
from govern.registry import approvals, models, status
from tests.credit import CODE, TARGET
from tests.registry.conftest import World

SIGNED = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


class _Clock(datetime):
    """Every ledger time is SIGNED: the registry is built and signed on 31 January 2026."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Clock:
        return cls.fromtimestamp(SIGNED.timestamp(), tz)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_entry, "datetime", _Clock)


@pytest.fixture
def world_on_the_31st(frozen_clock: None, world: World) -> World:
    return world


def test_a_sign_off_on_the_31st_lapses_on_the_31st(
    world_on_the_31st: World, pipeline: Pipeline
) -> None:
    reg = world_on_the_31st.reg
    keys = world_on_the_31st.keys
    world_on_the_31st.act("dan")
    models.register_model(
        reg,
        pipeline,
        name="credit-risk",
        training_data=["german-train@1"],
        validation_data=["german-holdout@latest"],
        target=TARGET,
        intended_use="Probability that a consumer credit applicant repays (retail lending).",
        owner="dan",
        risk_tier="high",  # revalidation after 12 months
        positive_label="good",
        favorable_label="good",
        code=CODE,
    )
    world_on_the_31st.act("val")
    approvals.approve(reg, "credit-risk@1", decision="approve", role="validator", key=keys["val"])
    world_on_the_31st.act("apo")
    approvals.approve(reg, "credit-risk@1", decision="approve", role="approver", key=keys["apo"])

    st = status.status(reg, "credit-risk@1", as_of="2026-02-01T00:00:00.000000Z")
    assert {s.signed_at for s in st.signoffs} == {"2026-01-31T09:30:00.000000Z"}
    # 12 months later, same day and time of day (it used to be clamped to the 28th).
    assert {s.expires for s in st.signoffs} == {"2027-01-31T09:30:00.000000Z"}
    assert st.next_review_due == "2027-01-31T09:30:00.000000Z"
    for still_in_force in ("2027-01-30T12:00:00.000000Z", "2027-01-31T09:29:59.999999Z"):
        assert status.status(reg, "credit-risk@1", as_of=still_in_force).status == status.APPROVED
    lapsed = status.status(reg, "credit-risk@1", as_of="2027-01-31T09:30:00.000000Z")
    assert lapsed.status == status.EXPIRED
