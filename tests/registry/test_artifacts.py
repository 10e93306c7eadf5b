"""Tests for govern.registry.artifacts: the content-addressed store and model files in it.

Real models (scikit-learn, LightGBM, XGBoost) are fitted on small synthetic data, stored, loaded
back and must predict exactly as before. Crafted files check the refusals: tampered bytes,
pickles without trust, types off the allow-list, and trees whose indices point outside
their arrays (which scikit-learn's compiled predict would follow without checking).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import pickle
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import joblib
import lightgbm
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import xgboost
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from govern.errors import ArtifactTampered, BadInput, NotFound
from govern.registry.artifacts import (
    ArtifactStore,
    SavedModel,
    is_trusted_type,
    load_skops_bytes,
    model_fingerprint,
)

# --- data and models --------------------------------------------------------------------------


def credit_frame(n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "income": rng.normal(50.0, 12.0, n),
            "purpose": rng.choice(["car", "house", "education"], n),
        }
    )
    signal = frame["age"] / 80 + (frame["purpose"] == "car") + rng.normal(0, 0.3, n)
    return frame, (signal > 1.0).astype(int).to_numpy()


FRAME, LABELS = credit_frame()
NUMERIC = FRAME[["age", "income"]].to_numpy()
# A third numeric column holding category codes, for HistGradientBoosting's categorical splits.
CODED = np.column_stack([NUMERIC, FRAME["purpose"].astype("category").cat.codes.to_numpy()])


def credit_pipeline() -> Pipeline:
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["purpose"]),
            ("num", StandardScaler(), ["age", "income"]),
        ]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(FRAME, LABELS)


def fit(name: str) -> tuple[Any, Any]:
    """A fitted model of the named family and the input it predicts on."""
    if name == "pipeline":
        return credit_pipeline(), FRAME
    models: dict[str, Any] = {
        "random_forest": RandomForestClassifier(n_estimators=8, random_state=0),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=10, random_state=0),
        "gradient_boosting": GradientBoostingClassifier(n_estimators=10, random_state=0),
        "decision_tree": DecisionTreeClassifier(max_depth=4, random_state=0),
        "extra_trees": ExtraTreesClassifier(n_estimators=5, random_state=0),
        "bagging": BaggingClassifier(n_estimators=4, max_features=0.5, random_state=0),
        "adaboost": AdaBoostClassifier(n_estimators=5, random_state=0),
        "lightgbm": lightgbm.LGBMClassifier(n_estimators=10, n_jobs=1, verbose=-1),
        "xgboost": xgboost.XGBClassifier(n_estimators=10, n_jobs=1, max_depth=3),
    }
    if name == "hgb_pandas_categorical":
        frame = FRAME.astype({"purpose": "category"})
        model = HistGradientBoostingClassifier(max_iter=10, random_state=0)
        return model.fit(frame, LABELS), frame
    if name == "hgb_categorical":
        model = HistGradientBoostingClassifier(
            max_iter=10, categorical_features=[2], random_state=0
        )
        return model.fit(CODED, LABELS), CODED
    return models[name].fit(NUMERIC, LABELS), NUMERIC


FAMILIES = [
    "pipeline",
    "random_forest",
    "hist_gradient_boosting",
    "hgb_categorical",
    "hgb_pandas_categorical",
    "gradient_boosting",
    "decision_tree",
    "extra_trees",
    "bagging",
    "adaboost",
    "lightgbm",
    "xgboost",
]


@pytest.fixture(scope="module")
def fitted() -> dict[str, tuple[Any, Any]]:
    return {name: fit(name) for name in FAMILIES}


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "artifacts")


def stored_files(store: ArtifactStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file()) if store.root.exists() else []


def double(values: Any) -> Any:
    """A function from this test module: not on govern's allow-list."""
    return values * 2


class HomeMadeClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A classifier defined outside any trusted package."""

    def fit(self, X: Any, y: Any) -> HomeMadeClassifier:
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.classes_[0])


# --- bytes --------------------------------------------------------------------------------------


def test_put_bytes_layout_and_read_only(store: ArtifactStore) -> None:
    data = b"model bytes"
    digest = store.put_bytes(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = store.path_of(digest)
    assert path == store.root / "sha256" / digest[:2] / digest
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert store.get_bytes(digest) == data
    assert store.get_bytes("sha256:" + digest.upper()) == data
    assert stored_files(store) == [path]  # no temporary file left behind


def test_present_file_is_not_rewritten(store: ArtifactStore, tmp_path: Path) -> None:
    digest = store.put_bytes(b"same")
    before = store.path_of(digest).stat()
    source = tmp_path / "same.bin"
    source.write_bytes(b"same")
    assert store.put_bytes(b"same") == digest
    assert store.put_file(source) == digest
    after = store.path_of(digest).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(stored_files(store)) == 1


def test_put_file_streams_and_matches_put_bytes(store: ArtifactStore, tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)  # more than one read chunk
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    digest = store.put_file(source)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.get_bytes(digest) == data
    assert stat.S_IMODE(store.path_of(digest).stat().st_mode) == 0o444
    assert stored_files(store) == [store.path_of(digest)]


def test_missing_artifact_and_file(store: ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as caught:
        store.get_bytes("ab" * 32)
    assert caught.value.exit_code == 4
    with pytest.raises(NotFound):
        store.put_file(tmp_path / "absent.bin")


@pytest.mark.parametrize("bad", ["", "abc", "z" * 64, "sha512:" + "a" * 64, "a" * 65])
def test_malformed_digest(store: ArtifactStore, bad: str) -> None:
    with pytest.raises(BadInput, match="is not a SHA-256 digest"):
        store.path_of(bad)


def flip_a_byte(path: Path, offset: int = 100) -> None:
    path.chmod(0o644)
    raw = bytearray(path.read_bytes())
    raw[offset % len(raw)] ^= 0x01
    path.write_bytes(bytes(raw))


def test_tampered_bytes_are_refused(store: ArtifactStore) -> None:
    digest = store.put_bytes(b"approved model, version 1")
    flip_a_byte(store.path_of(digest), offset=3)
    with pytest.raises(ArtifactTampered) as caught:
        store.get_bytes(digest)
    assert caught.value.exit_code == 19
    assert f"sha256:{digest[:12]}" in caught.value.message
    assert "no longer matches its digest" in caught.value.message
    assert caught.value.hint is not None and "trusted copy" in caught.value.hint
    # Storing the right bytes again reports the tampering instead of hiding it.
    with pytest.raises(ArtifactTampered):
        store.put_bytes(b"approved model, version 1")


# --- models: round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_model_round_trip(store: ArtifactStore, fitted: dict[str, Any], family: str) -> None:
    model, X = fitted[family]
    saved = store.save_model(model)
    assert saved.format == "skops"
    assert saved.size == store.path_of(saved.digest).stat().st_size
    assert saved.converted_from is None and saved.trusted_pickle is False
    assert saved.types == tuple(sorted(set(saved.types)))
    assert f"{type(model).__module__}.{type(model).__qualname__}" in saved.types
    loaded: Any = store.load_model(saved.digest, format="skops")
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert model_fingerprint(loaded) == model_fingerprint(model)


def test_types_needing_trust_are_recorded(store: ArtifactStore, fitted: dict[str, Any]) -> None:
    assert "sklearn.tree._tree.Tree" in store.save_model(fitted["random_forest"][0]).types
    hgb = store.save_model(fitted["hist_gradient_boosting"][0])
    assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in hgb.types
    lgbm = store.save_model(fitted["lightgbm"][0])
    assert {"lightgbm.basic.Booster", "lightgbm.sklearn.LGBMClassifier"} <= set(lgbm.types)
    xgb = store.save_model(fitted["xgboost"][0])
    assert {"xgboost.core.Booster", "xgboost.sklearn.XGBClassifier"} <= set(xgb.types)


def test_tampered_model_is_not_loaded(store: ArtifactStore, fitted: dict[str, Any]) -> None:
    saved = store.save_model(fitted["random_forest"][0])
    flip_a_byte(store.path_of(saved.digest), offset=saved.size // 2)
    with pytest.raises(ArtifactTampered, match="no longer matches its digest"):
        store.load_model(saved.digest, format="skops")


def test_unknown_format(store: ArtifactStore, fitted: dict[str, Any]) -> None:
    saved = store.save_model(fitted["decision_tree"][0])
    with pytest.raises(BadInput, match="unknown model format"):
        store.load_model(saved.digest, format="onnx")


def test_saved_model_as_dict() -> None:
    record = SavedModel("ab" * 32, "skops", 10, ("numpy.ndarray",), "pickle", True).as_dict()
    assert record == {
        "digest": "ab" * 32,
        "format": "skops",
        "size": 10,
        "types": ["numpy.ndarray"],
        "converted_from": "pickle",
        "trusted_pickle": True,
    }
    json.dumps(record)


# --- models: the allow-list ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._forest.RandomForestClassifier",
        "sklearn._loss.loss.HalfBinomialLoss",
        "numpy.ndarray",
        "numpy.float64",
        "numpy.dtypes.Float64DType",
        "numpy.random.mtrand.RandomState",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csr.csr_array",
        "collections.OrderedDict",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.basic.Booster",
        "xgboost.sklearn.XGBRegressor",
        "xgboost.core.Booster",
    ],
)
def test_allow_list_trusts(name: str) -> None:
    assert is_trusted_type(name)


@pytest.mark.parametrize(
    "name",
    [
        "mypkg.Evil",
        "builtins.eval",
        "os.system",
        "subprocess.Popen",
        "numpy.load",  # a function: numpy.load(..., allow_pickle=True) runs pickles
        "numpy.lib._npyio_impl.load",
        "numpy.memmap",  # an ndarray subclass that opens and writes files
        "numpy.ma.core.MaskedArray",
        "sklearn.datasets._svmlight_format_io.dump_svmlight_file",  # a function that writes
        "sklearn.utils._joblib.Memory",  # re-exported from joblib, not defined in sklearn
        "sklearn.utils._testing.TempMemmap",
        "sklearn.does_not_exist.Thing",
        "scipy.io._mmio.MMFile",
        "sklearn.externals._arff.ArffDecoder",
        "lightgbm.basic.Dataset",
        "xgboost.core.DMatrix",
    ],
)
def test_allow_list_refuses(name: str) -> None:
    assert not is_trusted_type(name)


def test_custom_function_in_a_pipeline_is_refused(store: ArtifactStore, tmp_path: Path) -> None:
    model = make_pipeline(FunctionTransformer(double), LogisticRegression()).fit(NUMERIC, LABELS)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    with pytest.raises(BadInput) as caught:
        store.import_model_file(path, trust_pickle=False)
    assert caught.value.message == (
        "the model file contains types govern does not trust: tests.registry.test_artifacts.double"
    )
    assert caught.value.hint == "add them to the allow-list only if you trust the file's author"
    assert stored_files(store) == []
    # The caller can extend the allow-list for a file whose author it trusts.
    saved = store.import_model_file(
        path, trust_pickle=False, extra_trusted=["tests.registry.test_artifacts.double"]
    )
    with pytest.raises(BadInput, match=r"test_artifacts\.double"):
        store.load_model(saved.digest, format="skops")
    loaded: Any = store.load_model(
        saved.digest, format="skops", extra_trusted=["tests.registry.test_artifacts.double"]
    )
    np.testing.assert_array_equal(loaded.predict(NUMERIC), model.predict(NUMERIC))


def test_home_made_class_is_refused(store: ArtifactStore, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    sio.dump(HomeMadeClassifier().fit(NUMERIC, LABELS), path)
    with pytest.raises(BadInput, match=r"does not trust: tests\.registry\.test_artifacts\.Home"):
        store.import_model_file(path, trust_pickle=False)
    assert stored_files(store) == []


def test_numpy_function_is_refused(store: ArtifactStore, tmp_path: Path) -> None:
    model = make_pipeline(FunctionTransformer(np.load, kw_args={"allow_pickle": True}))
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    with pytest.raises(BadInput, match=r"does not trust: numpy\..*load"):
        store.import_model_file(path, trust_pickle=False)


def test_numpy_ufunc_in_a_pipeline_loads(store: ArtifactStore) -> None:
    model = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression())
    model.fit(np.abs(NUMERIC), LABELS)
    saved = store.save_model(model)
    loaded: Any = store.load_model(saved.digest, format="skops")
    np.testing.assert_array_equal(loaded.predict(np.abs(NUMERIC)), model.predict(np.abs(NUMERIC)))


def test_skops_file_is_stored_as_is(
    store: ArtifactStore, fitted: dict[str, Any], tmp_path: Path
) -> None:
    model, X = fitted["gradient_boosting"]
    path = tmp_path / "gb.skops"
    sio.dump(model, path)
    saved = store.import_model_file(path, trust_pickle=False)
    assert saved.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (saved.format, saved.converted_from, saved.trusted_pickle) == ("skops", None, False)
    loaded: Any = store.load_model(saved.digest, format="skops")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_not_a_skops_file(store: ArtifactStore, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(b"not a zip file")
    with pytest.raises(BadInput, match="not a skops model file"):
        store.import_model_file(path, trust_pickle=False)
    assert stored_files(store) == []


@pytest.mark.parametrize("suffix", [".onnx", ".txt", ""])
def test_other_suffixes_are_refused(store: ArtifactStore, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    path.write_bytes(b"whatever")
    with pytest.raises(BadInput, match=r"\.skops, \.pkl, \.pickle or \.joblib"):
        store.import_model_file(path, trust_pickle=True)


def test_missing_model_file(store: ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        store.import_model_file(tmp_path / "absent.skops", trust_pickle=False)


# --- models: pickles ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".pkl", ".pickle", ".joblib"])
def test_pickle_without_trust_is_refused_and_nothing_stored(
    store: ArtifactStore, fitted: dict[str, Any], tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"model{suffix}"
    joblib.dump(fitted["random_forest"][0], path)
    with pytest.raises(BadInput) as caught:
        store.import_model_file(path, trust_pickle=False)
    assert "a pickle file can run any code when loaded" in caught.value.message
    assert caught.value.hint == "pass --trust-pickle if you trust its author"
    assert stored_files(store) == []


@pytest.mark.parametrize(
    ("family", "suffix", "dump"),
    [
        ("random_forest", ".pkl", "pickle"),
        ("pipeline", ".joblib", "joblib"),
        ("hist_gradient_boosting", ".pickle", "pickle"),
        ("lightgbm", ".joblib", "joblib"),
    ],
)
def test_trusted_pickle_is_converted_to_skops(
    store: ArtifactStore,
    fitted: dict[str, Any],
    tmp_path: Path,
    family: str,
    suffix: str,
    dump: str,
) -> None:
    model, X = fitted[family]
    path = tmp_path / f"model{suffix}"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(model))
    else:
        joblib.dump(model, path)
    saved = store.import_model_file(path, trust_pickle=True)
    assert (saved.format, saved.converted_from, saved.trusted_pickle) == ("skops", "pickle", True)
    assert saved.digest != hashlib.sha256(path.read_bytes()).hexdigest()
    loaded: Any = store.load_model(saved.digest, format="skops")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_trusted_pickle_off_the_allow_list_stays_a_pickle(
    store: ArtifactStore, tmp_path: Path
) -> None:
    model = HomeMadeClassifier().fit(NUMERIC, LABELS)
    path = tmp_path / "home.pkl"
    path.write_bytes(pickle.dumps(model))
    saved = store.import_model_file(path, trust_pickle=True)
    assert (saved.format, saved.converted_from, saved.trusted_pickle) == ("pickle", None, True)
    assert saved.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "tests.registry.test_artifacts.HomeMadeClassifier" in saved.types
    with pytest.raises(BadInput, match="stored as a pickle"):
        store.load_model(saved.digest, format="pickle")
    loaded: Any = store.load_model(saved.digest, format="pickle", trusted_pickle=True)
    np.testing.assert_array_equal(loaded.predict(NUMERIC), model.predict(NUMERIC))


def test_broken_pickle_with_trust(store: ArtifactStore, tmp_path: Path) -> None:
    path = tmp_path / "broken.pkl"
    path.write_bytes(b"\x80\x05not really")
    with pytest.raises(BadInput, match="cannot be loaded"):
        store.import_model_file(path, trust_pickle=True)
    assert stored_files(store) == []


# --- crafted trees: trusted types with unsafe contents ------------------------------------------


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


def test_constructor_call_for_an_added_type_is_refused(fitted: dict[str, Any]) -> None:
    data = sio.dumps(fitted["lightgbm"][0])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])

    def swap(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("__class__") == "Booster" and node.get("__loader__") == "ObjectNode":
                # Booster(model_file=...) would read a model file from this machine.
                node["__loader__"] = "ConstructorFromReduceNode"
                node["content"] = {
                    "__class__": "tuple",
                    "__module__": "builtins",
                    "__loader__": "TupleNode",
                    "content": [],
                }
            for value in node.values():
                swap(value)
        elif isinstance(node, list):
            for value in node:
                swap(value)

    swap(schema)
    members["schema.json"] = json.dumps(schema).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(BadInput, match=r"calling them .*lightgbm\.basic\.Booster"):
        load_skops_bytes(out.getvalue())


# --- fingerprints -------------------------------------------------------------------------------


def test_pipeline_fingerprint() -> None:
    model = credit_pipeline()
    print_ = model_fingerprint(model)
    assert print_["class"] == "sklearn.pipeline.Pipeline"
    assert print_["final_estimator"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert print_["params"]["steps"] == [
        ["prep", "sklearn.compose._column_transformer.ColumnTransformer"],
        ["model", "sklearn.linear_model._logistic.LogisticRegression"],
    ]
    assert print_["classes"] == ["0", "1"]
    assert print_["n_features_in"] == 3
    assert print_["feature_names_in"] == ["age", "income", "purpose"]
    json.dumps(print_, allow_nan=False)


def test_fingerprint_params_are_json_safe(fitted: dict[str, Any]) -> None:
    xgb = model_fingerprint(fitted["xgboost"][0])
    assert xgb["class"] == "xgboost.sklearn.XGBClassifier"
    assert xgb["final_estimator"] == "xgboost.sklearn.XGBClassifier"
    assert xgb["params"]["missing"] == "NaN"
    json.dumps(xgb, allow_nan=False)

    transformer = FunctionTransformer(
        np.log1p,
        inverse_func=double,
        kw_args={"cap": float("inf"), "floor": -np.inf, "n": np.int64(3), "w": np.float32(0.5)},
    )
    params = model_fingerprint(transformer)["params"]
    assert params["func"] == "numpy.log1p"
    assert params["inverse_func"] == "tests.registry.test_artifacts.double"
    assert params["kw_args"] == {"cap": "Infinity", "floor": "-Infinity", "n": 3, "w": 0.5}
    assert type(params["kw_args"]["n"]) is int
    json.dumps(params, allow_nan=False)


def test_fingerprint_of_nested_estimators_and_unfitted_models() -> None:
    bagging = BaggingClassifier(estimator=DecisionTreeClassifier(), n_estimators=3)
    print_ = model_fingerprint(bagging)
    assert print_["params"]["estimator"] == "sklearn.tree._classes.DecisionTreeClassifier"
    assert print_["classes"] is None and print_["n_features_in"] is None
    assert print_["feature_names_in"] is None
    inner = make_pipeline(StandardScaler(), RandomForestRegressor(n_estimators=2))
    outer = make_pipeline(StandardScaler(), inner)
    assert model_fingerprint(outer)["final_estimator"] == (
        "sklearn.ensemble._forest.RandomForestRegressor"
    )


def test_fingerprint_of_multi_output_and_regressors() -> None:
    targets = np.column_stack([LABELS, 1 - LABELS])
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(NUMERIC, targets)
    assert model_fingerprint(forest)["classes"] == [["0", "1"], ["0", "1"]]
    regressor = HistGradientBoostingRegressor(max_iter=3).fit(NUMERIC, NUMERIC[:, 0])
    assert model_fingerprint(regressor)["classes"] is None
    assert model_fingerprint(regressor)["n_features_in"] == 2


def test_fingerprint_needs_get_params() -> None:
    with pytest.raises(BadInput, match="not a scikit-learn compatible estimator"):
        model_fingerprint(object())
