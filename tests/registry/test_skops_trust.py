"""Tests for govern.registry.skops_trust: the allow-list and what a skops file may ask for."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
import skops.io as sio

from govern.errors import BadInput
from govern.registry.skops_trust import is_trusted_type, load_skops_bytes


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
