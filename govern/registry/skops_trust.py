"""Which types govern lets skops build when it loads a model file, and the loading itself.

skops only builds the types it is told to trust; govern tells it an explicit allow-list
(`is_trusted_type`), never ``trusted=True``, and checks the trees of what it loaded before
anything predicts with them (`govern.registry.tree_checks`). docs/registry.md, "Models".
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import zipfile
from collections.abc import Collection
from typing import Any

import numpy as np
import scipy.sparse

from govern.errors import BadInput
from govern.registry.tree_checks import check_tree_structures

__all__ = ["UNTRUSTED_HINT", "is_trusted_type", "load_skops_bytes", "skops_types"]

# Types trusted by exact name, beyond what `is_trusted_type` derives from sklearn, numpy and
# scipy. The boosting wrappers are listed one by one (not "lightgbm.*"): skops restores them
# from their saved state, and their Boosters parse the model text/bytes in their own C code.
_TRUSTED_NAMES = frozenset(
    {
        # Containers skops does not trust by default but that models hold.
        "builtins.bytes",
        "builtins.bytearray",
        "builtins.complex",
        "builtins.frozenset",
        "builtins.set",
        "builtins.slice",
        "collections.OrderedDict",
        "collections.defaultdict",
        # HistGradientBoosting with categorical features keeps this partial(check_array) in
        # its preprocessor. partial only binds arguments; skops audits the function it wraps.
        "functools.partial",
        "sklearn.utils.validation.check_array",
        # LightGBM's scikit-learn wrappers and the Booster they hold.
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
        "lightgbm.sklearn.LGBMRanker",
        # XGBoost's scikit-learn wrappers and the Booster they hold.
        "xgboost.core.Booster",
        "xgboost.sklearn.XGBClassifier",
        "xgboost.sklearn.XGBRegressor",
        "xgboost.sklearn.XGBRanker",
        "xgboost.sklearn.XGBRFClassifier",
        "xgboost.sklearn.XGBRFRegressor",
    }
)

# Module path parts that mark test or build helpers: nothing a production model should hold.
_UNTRUSTED_MODULE_PARTS = frozenset(
    {
        "tests",
        "testing",
        "_testing",
        "conftest",
        "estimator_checks",
        "externals",  # third-party code vendored into scikit-learn, not scikit-learn's own
        "f2py",
        "distutils",
    }
)

UNTRUSTED_HINT = "add them to the allow-list only if you trust the file's author"


def is_trusted_type(name: str) -> bool:
    """Whether govern lets skops build objects of the type (or function) named ``name``.

    Trusted: classes defined in scikit-learn (estimators, ``sklearn.tree._tree.Tree``,
    HistGradientBoosting's ``TreePredictor`` and their loss, link and binning internals);
    ``numpy.ndarray``, numpy dtypes and scalar types and random generators; scipy's sparse
    matrices and arrays; the LightGBM and XGBoost scikit-learn wrappers and their Boosters;
    and a few containers. Functions are not trusted beyond skops' defaults (numpy and
    scipy ufuncs) and scikit-learn's ``check_array``: a function from a trusted package,
    such as ``numpy.load``, can still read or write files when a FunctionTransformer calls it.
    """
    if name in _TRUSTED_NAMES:
        return True
    module, _, qualname = name.rpartition(".")
    top = module.split(".", 1)[0]
    if top not in ("sklearn", "numpy", "scipy") or not qualname:
        return False
    if _UNTRUSTED_MODULE_PARTS.intersection(module.split(".")):
        return False
    cls = _resolve_class(module, qualname, may_import=top == "sklearn")
    if cls is None:
        return False
    if top == "sklearn":
        return True
    if top == "numpy":
        return (
            cls is np.ndarray
            or issubclass(cls, (np.generic, np.dtype, np.random.BitGenerator))
            or cls in (np.random.Generator, np.random.RandomState, np.random.SeedSequence)
        )
    return module.startswith("scipy.sparse.") and issubclass(
        cls, (scipy.sparse.sparray, scipy.sparse.spmatrix)
    )


def _resolve_class(module: str, qualname: str, *, may_import: bool) -> type | None:
    """The class ``module.qualname`` if it is a class *defined* there, else None.

    Re-exports do not count: a name such as ``sklearn.x.Popen`` must not reach a class that a
    scikit-learn module merely imported from elsewhere.
    """
    mod = sys.modules.get(module)
    if mod is None and may_import:
        # Only scikit-learn's own modules are imported here; skops would import them to
        # build the object anyway.
        try:
            mod = importlib.import_module(module)
        except Exception:
            # A module that does not import holds no class govern trusts.
            return None
    if mod is None:
        return None
    obj: Any = mod
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    if not isinstance(obj, type):
        return None
    if obj.__module__ != module or obj.__qualname__ != qualname:
        return None
    return obj


def _schema_nodes(data: bytes) -> set[tuple[str, str]]:
    """Every (type name, skops loader) pair in a skops file's schema."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BadInput(f"the file is not a skops model file: {exc}") from exc
    found: set[tuple[str, str]] = set()
    stack: list[Any] = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__loader__" in item and "__module__" in item and "__class__" in item:
                found.add((f"{item['__module__']}.{item['__class__']}", str(item["__loader__"])))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def skops_types(data: bytes) -> tuple[str, ...]:
    """The sorted names of all types a skops file holds (trusted by default or not)."""
    return tuple(sorted({name for name, _ in _schema_nodes(data)}))


def load_skops_bytes(data: bytes, *, extra_trusted: Collection[str] = ()) -> object:
    """Load a skops file, trusting exactly the allow-listed types it needs.

    BadInput, naming the types, if the file holds any type outside skops' defaults, the
    allow-list and ``extra_trusted``, or if its trees' structure is unsafe to predict with.
    """
    import skops.io as sio

    nodes = _schema_nodes(data)
    try:
        untrusted = sorted(sio.get_untrusted_types(data=data))
    except Exception as exc:
        raise BadInput(f"the skops file cannot be read: {type(exc).__name__}: {exc}") from exc
    extra = set(extra_trusted)
    refused = [name for name in untrusted if name not in extra and not is_trusted_type(name)]
    if refused:
        raise BadInput(
            f"the model file contains types govern does not trust: {', '.join(refused)}",
            UNTRUSTED_HINT,
        )
    # skops can restore an object by calling its class with arguments from the file. For the
    # types govern adds to skops' defaults, only the state-restoring form is accepted: a
    # constructor call could, for a Booster, read another model file from this machine.
    called = sorted(
        name
        for name, loader in nodes
        if loader == "ConstructorFromReduceNode" and name in untrusted
    )
    if called:
        raise BadInput(
            "the model file asks to build these types by calling them with arguments from the "
            f"file, which skops does not write for them: {', '.join(called)}",
            "re-save the model with skops.io.dump from the estimator itself",
        )
    try:
        # An explicit list, never trusted=True: skops re-audits the tree against it.
        obj = sio.loads(data, trusted=untrusted)
    except Exception as exc:
        raise BadInput(f"the skops file cannot be loaded: {type(exc).__name__}: {exc}") from exc
    check_tree_structures(obj)
    return obj
