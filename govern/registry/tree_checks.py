"""Checks that the trees of a loaded model cannot make predict read or write out of bounds.

skops leaves sklearn.tree._tree.Tree and HistGradientBoosting's TreePredictor untrusted by
default because scikit-learn's compiled predict follows their node indices without bounds
checks (scikit-learn PR 34558): a crafted file loads, then crashes or reads or writes out
of bounds on predict. govern trusts them only after checking, before any prediction, that
every index they hold stays inside the arrays and inputs that predict will use.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

from govern.errors import BadInput
from govern.registry.fingerprint import class_path

__all__ = ["check_tree_structures"]


def check_tree_structures(root: object) -> None:
    """BadInput if any tree reachable from ``root`` has an index predict could overrun."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    seen: set[tuple[int, int | None]] = set()
    # (object, input width of its nearest enclosing estimator, that estimator)
    stack: list[tuple[object, int | None, object | None]] = [(root, None, None)]
    while stack:
        obj, width, owner = stack.pop()
        # A shared object is checked once per width it is used with.
        key = (id(obj), width)
        if key in seen:
            continue
        seen.add(key)
        if isinstance(obj, Tree):
            _check_tree(obj)
            continue
        if isinstance(obj, TreePredictor):
            _check_predictor(obj, width, owner)
            continue
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend((item, width, owner) for item in obj.ravel())
            continue
        if isinstance(obj, dict):
            stack.extend((item, width, owner) for item in obj.values())
            continue
        if isinstance(obj, list | tuple | set | frozenset):
            stack.extend((item, width, owner) for item in obj)
            continue
        if isinstance(obj, type) or not hasattr(obj, "__dict__"):
            continue
        attrs = vars(obj)
        own_width = attrs.get("n_features_in_")
        if own_width is not None:
            own_width = _as_int(own_width, obj, "n_features_in_")
            _check_estimator(obj, attrs, own_width)
            if attrs.get("_preprocessor") is not None and attrs.get("_predictors") is not None:
                _check_hgb_preprocessor(obj, attrs["_preprocessor"], own_width)
            width, owner = own_width, obj
        elif "tree_" in attrs and isinstance(attrs["tree_"], Tree):
            raise _unsafe(obj, "it holds a tree but no n_features_in_")
        stack.extend((item, width, owner) for item in attrs.values())


def _unsafe(obj: object, why: str) -> BadInput:
    return BadInput(
        f"the model file's {class_path(type(obj))} is malformed: {why}",
        "a model saved by scikit-learn never looks like this; the file may have been crafted, "
        "so do not load it with trust either",
    )


def _as_int(value: object, obj: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise _unsafe(obj, f"{name} is not an integer")
    return int(value)


def _check_estimator(obj: object, attrs: dict[str, Any], width: int) -> None:
    from sklearn.ensemble._gb import BaseGradientBoosting
    from sklearn.tree._tree import Tree

    tree = attrs.get("tree_")
    if isinstance(tree, Tree) and tree.n_features != width:
        raise _unsafe(obj, f"its tree expects {tree.n_features} features, it {width}")
    subs = attrs.get("estimators_")
    if subs is not None:
        # Ensembles hand their (already checked) input straight to the sub-estimators'
        # trees; a sub-estimator may see fewer features (bagging), never more.
        flat = subs.ravel() if isinstance(subs, np.ndarray) else _flatten(subs)
        for sub in flat:
            sub_width = getattr(sub, "__dict__", {}).get("n_features_in_")
            if sub_width is not None and _as_int(sub_width, sub, "n_features_in_") > width:
                raise _unsafe(obj, "a sub-estimator expects more features than the ensemble")
    if isinstance(obj, BaseGradientBoosting) and subs is not None:
        # predict_stages writes out[i, k] for k < estimators_.shape[1] into an array of
        # n_trees_per_iteration_ columns.
        k = attrs.get("n_trees_per_iteration_")
        if not (isinstance(subs, np.ndarray) and subs.ndim == 2 and subs.shape[1] == k):
            raise _unsafe(obj, "estimators_ does not have one column per tree of an iteration")


def _check_hgb_preprocessor(obj: object, pre: Any, width: int) -> None:
    """HistGradientBoosting sends its input through this ColumnTransformer before its trees;
    their feature indices are checked against ``width``, so its output must be that wide."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

    if not isinstance(pre, ColumnTransformer) or not isinstance(
        getattr(pre, "transformers_", None), list
    ):
        raise _unsafe(obj, "its categorical preprocessor is not a fitted ColumnTransformer")
    total = 0
    for item in pre.transformers_:
        if not (isinstance(item, tuple) and len(item) == 3):
            raise _unsafe(obj, "its categorical preprocessor is malformed")
        _, transformer, columns = item
        if isinstance(transformer, str) and transformer == "drop":
            continue
        selected = _n_selected(columns, width)
        if selected is None:
            raise _unsafe(obj, "its categorical preprocessor selects columns govern cannot count")
        if isinstance(transformer, str) and transformer == "passthrough":
            total += selected
        elif isinstance(transformer, OrdinalEncoder):
            categories = getattr(transformer, "categories_", None)
            if not isinstance(categories, list) or len(categories) != selected:
                raise _unsafe(obj, "its ordinal encoder does not match its columns")
            total += selected
        elif (
            isinstance(transformer, FunctionTransformer)
            and isinstance(transformer.func, functools.partial)
            and transformer.func.func.__qualname__ == "check_array"
            and transformer.func.func.__module__ == "sklearn.utils.validation"
            and not transformer.func.args
        ):
            total += selected
        else:
            raise _unsafe(obj, "its categorical preprocessor holds an unexpected transformer")
    if total != width:
        raise _unsafe(obj, f"its categorical preprocessor outputs {total} columns, not {width}")


def _n_selected(columns: object, width: int) -> int | None:
    # The column selections a ColumnTransformer stores once fitted: a mask, indices, a slice,
    # or names (one column each).
    if isinstance(columns, slice):
        return len(range(width)[columns])
    if isinstance(columns, str | int | np.integer):
        return 1
    values = np.asarray(columns)
    if values.ndim != 1:
        return None
    if values.dtype == bool:
        return int(values.sum()) if values.size == width else None
    if values.dtype.kind in "iu":
        return values.size if bool(((values >= 0) & (values < width)).all()) else None
    if values.dtype.kind in "UO":
        return values.size
    return None


def _flatten(items: object) -> Iterator[object]:
    if isinstance(items, list | tuple):
        for item in items:
            yield from _flatten(item)
    else:
        yield items


def _check_tree(tree: Any) -> None:
    n = int(tree.node_count)
    left = np.asarray(tree.children_left, dtype=np.int64)
    right = np.asarray(tree.children_right, dtype=np.int64)
    feature = np.asarray(tree.feature, dtype=np.int64)
    value = np.asarray(tree.value)
    if n < 1 or not (len(left) == len(right) == len(feature) == value.shape[0] == n):
        raise _unsafe(tree, "its node arrays do not all have node_count entries")
    if value.shape[1:] != (tree.n_outputs, tree.max_n_classes):
        raise _unsafe(tree, "its value array does not match its outputs and classes")
    index = np.arange(n)
    # Compiled predict walks while left_child != -1; a child must come after its parent
    # (as scikit-learn builds trees), which also rules out cycles.
    inner = left != -1
    ok = (
        (left[inner] > index[inner])
        & (left[inner] < n)
        & (right[inner] > index[inner])
        & (right[inner] < n)
        & (feature[inner] >= 0)
        & (feature[inner] < tree.n_features)
    )
    if not ok.all():
        raise _unsafe(tree, f"node {int(index[inner][~ok][0])} points outside the tree")
    # decision_path allocates max_depth + 1 slots per sample for the nodes on its path.
    if _depth(left, right, inner) > tree.max_depth:
        raise _unsafe(tree, "its nodes are deeper than its max_depth")


def _depth(left: np.ndarray, right: np.ndarray, inner: np.ndarray) -> int:
    frontier = np.array([0])
    depth = 0
    while True:
        frontier = frontier[inner[frontier]]
        if frontier.size == 0:
            return depth
        frontier = np.unique(np.concatenate([left[frontier], right[frontier]]))
        depth += 1


def _check_predictor(pred: Any, width: int | None, owner: object | None) -> None:
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = getattr(pred, "nodes", None)
    if width is None or owner is None:
        raise _unsafe(pred, "it is not inside an estimator that states its number of features")
    if not (
        isinstance(nodes, np.ndarray)
        and nodes.dtype == PREDICTOR_RECORD_DTYPE
        and nodes.ndim == 1
        and len(nodes) >= 1
    ):
        raise _unsafe(pred, "its nodes are not a one-dimensional array of predictor records")
    n = len(nodes)
    index = np.arange(n)
    inner = nodes["is_leaf"] == 0
    left = nodes["left"].astype(np.int64)
    right = nodes["right"].astype(np.int64)
    feature = nodes["feature_idx"].astype(np.int64)
    ok = (
        (left[inner] > index[inner])
        & (left[inner] < n)
        & (right[inner] > index[inner])
        & (right[inner] < n)
        & (feature[inner] >= 0)
        & (feature[inner] < width)
    )
    if not ok.all():
        raise _unsafe(pred, f"node {int(index[inner][~ok][0])} points outside the tree")
    categorical = inner & (nodes["is_categorical"] != 0)
    if not categorical.any():
        return
    # Categorical splits index two bitset tables: the predictor's own (by bitset_idx), and
    # the known categories the owner's bin mapper builds (via f_idx_map[feature_idx]).
    bitset_idx = nodes["bitset_idx"][categorical].astype(np.int64)
    for name in ("raw_left_cat_bitsets", "binned_left_cat_bitsets"):
        table = getattr(pred, name, None)
        if not (
            isinstance(table, np.ndarray)
            and table.ndim == 2
            and table.shape[1] == 8
            and bool((bitset_idx < table.shape[0]).all())
        ):
            raise _unsafe(pred, f"a categorical split points outside {name}")
    is_cat = getattr(getattr(owner, "_bin_mapper", None), "is_categorical_", None)
    if not (
        isinstance(is_cat, np.ndarray)
        and is_cat.ndim == 1
        and is_cat.size >= width
        and bool(is_cat[feature[categorical]].all())
    ):
        raise _unsafe(pred, "a categorical split is on a feature its bin mapper calls numeric")
