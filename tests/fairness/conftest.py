"""Fair-lending fixtures: a policy designating sex and marital status and age bands, and a
German credit model trained with a bias injected against one group."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from govern.ledger import jcs
from govern.records import PolicySet, subjects
from govern.registry import Registry
from govern.registry import policy as policy_mod
from tests.credit import TARGET, make_pipeline
from tests.provenance.conftest import demo, demo_template  # noqa: F401  (fixtures, by name)

SEX = "personal_status_and_sex"
AGE = "age_in_years"
FEMALE = "female : divorced/separated/married"

POLICY = f"""
[fairness]
air_min = 0.8
smd_max = 0.5
min_rows = 30

[[fairness.attributes]]
name = "{SEX}"
reference = "male"
groups = {{ "male : single" = "male", "male : married/widowed" = "male", \
"male : divorced/separated" = "male", "{FEMALE}" = "female" }}

[[fairness.attributes]]
name = "{AGE}"
reference = "25 to 59"
bands = [[0, "under 25"], [25, "25 to 59"], [60, "60 and over"]]
"""

#: A designated attribute the bank holds apart from the scoring data (invented for the tests).
REGION = "region"
WITH_REGION = (
    POLICY
    + f"""
[[fairness.attributes]]
name = "{REGION}"
reference = "north"
groups = {{ "n" = "north", "s" = "south" }}
"""
)


def set_policy(reg: Registry, text: str = POLICY) -> None:
    """Record ``text`` as the policy (``reg`` acting as an administrator), through its
    canonical JSON: the ledger writes a band's lower bound 0.0 as 0, and the stored row must
    match the entry."""
    rule = policy_mod.from_dict(tomllib.loads(text))
    recorded = json.loads(jcs.canonicalize(rule.as_dict()))
    reg.record(PolicySet(subject=subjects.POLICY, policy=recorded))


@pytest.fixture(scope="session")
def biased_pipeline(german_split: dict[str, Path]) -> Pipeline:
    """Trained on data where most good outcomes of women were flipped to bad."""
    train = pd.read_csv(german_split["train"])
    rng = np.random.default_rng(3)
    women = (train[SEX] == FEMALE) & (train[TARGET] == "good")
    flip = women & (rng.random(len(train)) < 0.8)
    train.loc[flip, TARGET] = "bad"
    model = make_pipeline(train)
    model.fit(train.drop(columns=[TARGET]), train[TARGET])
    return model


@pytest.fixture(scope="session")
def blind_pipeline(german_split: dict[str, Path]) -> Pipeline:
    """A model that sees neither designated attribute."""
    train = pd.read_csv(german_split["train"]).drop(columns=[SEX, AGE])
    model = make_pipeline(train)
    model.fit(train.drop(columns=[TARGET]), train[TARGET])
    return model
