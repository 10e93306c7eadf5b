"""Tests for govern.registry.artifacts: the content-addressed store and model files in it.

Real models (scikit-learn, LightGBM, XGBoost) are fitted on small synthetic data, stored, loaded
back and must predict exactly as before. Refused files: tampered bytes, pickles without trust,
and types off the allow-list; nothing is stored for a refused file.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from govern.errors import ArtifactTampered, BadInput, NotFound
from govern.registry.artifacts import ArtifactStore, SavedModel
from govern.registry.fingerprint import model_fingerprint
from tests.registry.fitted_models import (
    FAMILIES,
    LABELS,
    NUMERIC,
    HomeMadeClassifier,
    double,
)


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "artifacts")


def stored_files(store: ArtifactStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file()) if store.root.exists() else []


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
    store.root.mkdir()  # a store that is there, without that artifact
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


# --- models: files the allow-list refuses -------------------------------------------------------


def test_custom_function_in_a_pipeline_is_refused(store: ArtifactStore, tmp_path: Path) -> None:
    model = make_pipeline(FunctionTransformer(double), LogisticRegression()).fit(NUMERIC, LABELS)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    with pytest.raises(BadInput) as caught:
        store.import_model_file(path, trust_pickle=False)
    assert caught.value.message == (
        "the model file contains types govern does not trust: tests.registry.fitted_models.double"
    )
    assert caught.value.hint == "add them to the allow-list only if you trust the file's author"
    assert stored_files(store) == []
    # The caller can extend the allow-list for a file whose author it trusts.
    saved = store.import_model_file(
        path, trust_pickle=False, extra_trusted=["tests.registry.fitted_models.double"]
    )
    with pytest.raises(BadInput, match=r"fitted_models\.double"):
        store.load_model(saved.digest, format="skops")
    loaded: Any = store.load_model(
        saved.digest, format="skops", extra_trusted=["tests.registry.fitted_models.double"]
    )
    np.testing.assert_array_equal(loaded.predict(NUMERIC), model.predict(NUMERIC))


def test_home_made_class_is_refused(store: ArtifactStore, tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    sio.dump(HomeMadeClassifier().fit(NUMERIC, LABELS), path)
    with pytest.raises(BadInput, match=r"does not trust: tests\.registry\.fitted_models\.Home"):
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
    assert "tests.registry.fitted_models.HomeMadeClassifier" in saved.types
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


def test_a_store_that_is_not_there_is_its_own_error(tmp_path: Path) -> None:
    """A wrong path is ArtifactStoreMissing (exit 57), not a missing or changed artifact."""
    from govern.errors import ArtifactStoreMissing

    with pytest.raises(ArtifactStoreMissing, match="no such folder") as caught:
        ArtifactStore(tmp_path / "elsewhere").get_bytes("ab" * 32)
    assert caught.value.exit_code == 57
