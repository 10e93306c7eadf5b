"""Tests for govern.registry.tree_checks: trusted tree types with unsafe contents are refused.

Crafted files hold trees whose indices point outside their arrays, which scikit-learn's compiled
predict would follow without checking; loading them must fail before anything predicts.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio

from govern.errors import BadInput
from govern.registry.skops_trust import load_skops_bytes


def rewrite_tree(tree: Any, **changes: Any) -> None:
    """Set fields of a fitted Tree's state, as an attacker editing a file could."""
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    for field, (index, value) in changes.items():
        if field in nodes.dtype.names:
            nodes[field][index] = value
        else:
            state[field] = value
    tree.__setstate__({**state, "nodes": nodes})


def refused(model: Any, match: str) -> None:
    data = sio.dumps(model)
    with pytest.raises(BadInput, match=match) as caught:
        load_skops_bytes(data)
    assert "malformed" in caught.value.message


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"left_child": (0, 10**6)}, "points outside the tree"),
        ({"right_child": (0, 0)}, "points outside the tree"),  # a cycle back to the root
        ({"feature": (0, 50)}, "points outside the tree"),
        ({"feature": (0, -3)}, "points outside the tree"),
        ({"max_depth": (None, 0)}, "deeper than its max_depth"),
    ],
)
def test_crafted_decision_tree_is_refused(
    fitted: dict[str, Any], changes: dict[str, Any], match: str
) -> None:
    model = copy.deepcopy(fitted["random_forest"][0])
    rewrite_tree(model.estimators_[3].tree_, **changes)
    refused(model, match)


def test_sub_estimator_wider_than_the_forest_is_refused(fitted: dict[str, Any]) -> None:
    model = copy.deepcopy(fitted["random_forest"][0])
    model.n_features_in_ = 1
    refused(model, "expects")


def test_gradient_boosting_stage_shape_is_checked(fitted: dict[str, Any]) -> None:
    model = copy.deepcopy(fitted["gradient_boosting"][0])
    model.estimators_ = np.concatenate([model.estimators_, model.estimators_], axis=1)
    refused(model, "one column per tree")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("left", 10**6, "points outside the tree"),
        ("right", 0, "points outside the tree"),
        ("feature_idx", 2, "points outside the tree"),
    ],
)
def test_crafted_hist_gradient_boosting_tree_is_refused(
    fitted: dict[str, Any], field: str, value: int, match: str
) -> None:
    model = copy.deepcopy(fitted["hist_gradient_boosting"][0])
    nodes = model._predictors[2][0].nodes
    root = int(np.flatnonzero(nodes["is_leaf"] == 0)[0])
    nodes[field][root] = value
    refused(model, match)


def test_crafted_categorical_split_is_refused(fitted: dict[str, Any]) -> None:
    model = copy.deepcopy(fitted["hgb_categorical"][0])
    predictor = next(p for (p,) in model._predictors if (p.nodes["is_categorical"] != 0).any())
    split = int(np.flatnonzero(predictor.nodes["is_categorical"] != 0)[0])
    predictor.nodes["bitset_idx"][split] = 10**6
    refused(model, "outside raw_left_cat_bitsets")

    model = copy.deepcopy(fitted["hgb_categorical"][0])
    model._bin_mapper.is_categorical_[:] = False
    refused(model, "bin mapper calls numeric")


@pytest.mark.parametrize("family", ["hgb_categorical", "hgb_pandas_categorical"])
def test_narrowed_categorical_preprocessor_is_refused(fitted: dict[str, Any], family: str) -> None:
    # Trees index columns of the preprocessor's output; dropping a column would let them
    # read past the end of each row.
    model = copy.deepcopy(fitted[family][0])
    name, _, columns = model._preprocessor.transformers_[1]
    model._preprocessor.transformers_[1] = (name, "drop", columns)
    refused(model, "outputs 1 columns, not 3")


def test_crafted_tree_crashes_plain_skops_but_govern_refuses_it(
    fitted: dict[str, Any], tmp_path: Path
) -> None:
    """Why the structural checks exist: trusting Tree by type alone lets a file crash predict."""
    model = copy.deepcopy(fitted["random_forest"][0])
    rewrite_tree(model.estimators_[0].tree_, feature=(0, 10**9))
    path = tmp_path / "crafted.skops"
    sio.dump(model, path)
    script = (
        "import sys, numpy as np, skops.io as sio\n"
        "model = sio.load(sys.argv[1], trusted=['sklearn.tree._tree.Tree'])\n"
        "model.predict(np.zeros((4, 2)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, check=False
    )
    assert done.returncode != 0
    with pytest.raises(BadInput, match="points outside the tree"):
        load_skops_bytes(path.read_bytes())
