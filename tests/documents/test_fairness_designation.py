"""Designated groups before any analysis: what the policy's [fairness] section changes in the
registry, the reason codes and the documents (docs/fairness.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.pipeline import Pipeline

from govern.documents import coverage as cov
from govern.documents.card import build_card
from govern.errors import PolicyViolation
from govern.explain.registered import register_reason_table
from govern.records import PolicySet, subjects
from govern.registry import policy as policy_mod
from tests.conftest import World, make_world
from tests.provenance.conftest import register

FAIRNESS = """
[fairness]
refuse_designated_features = {refuse}

[[fairness.attributes]]
name = "personal_status_and_sex"
reference = "male"
groups = {{ "male : single" = "male", "male : married/widowed" = "male", "male : divorced/separated" = "male", "female : divorced/separated/married" = "female" }}

[[fairness.attributes]]
name = "age_in_years"
reference = "25 to 61"
bands = [[0, "under 25"], [25, "25 to 61"], [62, "62 and over"]]
"""

TABLE = """
model = "credit-risk"
version = "1"

[[reason]]
code = "S01"
feature = "personal_status_and_sex"
statement = "Personal status and sex"
"""


def designate(world: World, tmp_path: Path, *, refuse: bool = False) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(FAIRNESS.format(refuse=str(refuse).lower()), encoding="utf-8")
    reg = world.act("ada")
    reg.record(PolicySet(subject=subjects.POLICY, policy=policy_mod.load_file(path).as_dict()))


@pytest.fixture
def sqlite_world(tmp_path: Path, german_split):  # type: ignore[no-untyped-def]
    world = make_world(str(tmp_path / "registry.db"), tmp_path, german_split)
    yield world
    world.reg.close()


def test_a_table_stating_a_designated_attribute_is_refused(
    sqlite_world: World, pipeline: Pipeline, tmp_path: Path
) -> None:
    mv = register(sqlite_world, pipeline)
    designate(sqlite_world, tmp_path)
    (tmp_path / "reasons.toml").write_text(TABLE, encoding="utf-8")
    reg = sqlite_world.act("dan")
    size = reg.ledger.size
    with pytest.raises(PolicyViolation, match="states personal_status_and_sex"):
        register_reason_table(reg, mv.ref, tmp_path / "reasons.toml")
    assert reg.ledger.size == size


def test_a_table_recorded_before_the_designation_is_flagged_and_a_narrative_no_longer_suffices(
    sqlite_world: World, pipeline: Pipeline, tmp_path: Path
) -> None:
    mv = register(sqlite_world, pipeline)
    (tmp_path / "reasons.toml").write_text(TABLE, encoding="utf-8")
    reg = sqlite_world.act("dan")
    register_reason_table(reg, mv.ref, tmp_path / "reasons.toml")
    before = cov.coverage(reg, mv.ref, "reg-b")
    [row] = [r for r in before.rows if r.requirement.id == "disparity"]
    assert not row.satisfied and "no groups designated" in row.evidence[0].detail
    designate(sqlite_world, tmp_path)
    after = cov.coverage(reg, mv.ref, "reg-b")
    [row] = [r for r in after.rows if r.requirement.id == "disparity"]
    assert not row.satisfied and "groups are designated" in row.evidence[0].detail
    text = " ".join(build_card(reg, mv.ref, explain=False).plain.split())
    assert "states personal_status_and_sex as an adverse-action reason" in text


def test_the_policy_may_refuse_a_model_that_uses_a_designated_attribute(
    sqlite_world: World, pipeline: Pipeline, tmp_path: Path
) -> None:
    designate(sqlite_world, tmp_path, refuse=True)
    size = sqlite_world.reg.ledger.size
    with pytest.raises(PolicyViolation, match="uses personal_status_and_sex, age_in_years"):
        register(sqlite_world, pipeline)
    assert sqlite_world.reg.ledger.size == size
