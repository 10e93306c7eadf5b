"""A content-addressed store for model files and other artifacts, kept beside the registry.

Each artifact is stored once, under the SHA-256 of its bytes (FIPS 180-4), at
``root/sha256/<first 2 hex>/<64 hex>``, read-only. The ledger records the digest; reading an
artifact back re-hashes it, so a file changed after registration is refused, never used.

Models are stored in the skops format, which restores objects without running pickle. skops
only builds the types it is told to trust, and govern tells it an explicit allow-list
(`is_trusted_type`), never ``trusted=True``. Pickle files are refused unless the caller says
they trust the file's author; even then govern converts them to skops when it can.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import io
import json
import math
import os
import sys
import tempfile
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse

from govern.errors import ArtifactTampered, BadInput, NotFound

_HEX = frozenset("0123456789abcdef")
_CHUNK = 1 << 20

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
SKOPS_SUFFIX = ".skops"

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
PICKLE_HINT = "pass --trust-pickle if you trust its author"


@dataclass(frozen=True)
class SavedModel:
    """A model stored in the artifact store, as the ledger records it.

    ``types`` lists the classes and functions the stored file names (for a pickle, those
    reachable from the loaded object). ``converted_from`` is ``"pickle"`` when a trusted
    pickle was re-saved as skops, and ``trusted_pickle`` whether pickle trust was given.
    """

    digest: str
    format: str
    size: int
    types: tuple[str, ...]
    converted_from: str | None = None
    trusted_pickle: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (``types`` as a list)."""
        record = asdict(self)
        record["types"] = list(self.types)
        return record


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def normalize_digest(digest: str) -> str:
    """``digest`` as 64 lowercase hex digits, accepting a ``sha256:`` prefix; BadInput otherwise."""
    text = digest.strip().lower().removeprefix("sha256:")
    if len(text) != 64 or not set(text) <= _HEX:
        raise BadInput(
            f"{digest!r} is not a SHA-256 digest",
            "give the 64 hex digits the registry shows for the artifact",
        )
    return text


def _short(digest: str) -> str:
    return f"sha256:{digest[:12]}…"


class ArtifactStore:
    """Files stored by their SHA-256 under ``root/sha256/``; written once, read-only after."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._base = self.root / "sha256"

    # --- bytes -------------------------------------------------------------------------------

    def path_of(self, digest: str) -> Path:
        """Where the artifact with this digest lives (whether or not it is there)."""
        hexd = normalize_digest(digest)
        return self._base / hexd[:2] / hexd

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256 hex.

        Raises ArtifactTampered if a file is already stored under that digest with other bytes.
        """
        digest = sha256_hex(data)
        target = self.path_of(digest)
        if self._already_stored(digest, target):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            self._place(Path(tmp), target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return digest

    def put_file(self, path: Path) -> str:
        """Store a copy of the file at ``path`` (once) and return its SHA-256 hex.

        The file is hashed while it is copied, so the stored bytes are the hashed bytes even if
        the source changes meanwhile. NotFound if ``path`` does not exist; ArtifactTampered as
        for `put_bytes`.
        """
        source = Path(path)
        if not source.is_file():
            raise NotFound(f"no file at {source}")
        self._base.mkdir(parents=True, exist_ok=True)
        # The digest is known only after reading, so the copy goes to a temporary file in
        # sha256/ itself: the same file system as its final folder, so os.replace stays atomic.
        fd, tmp = tempfile.mkstemp(dir=self._base, prefix=".tmp-")
        try:
            hasher = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = hasher.hexdigest()
            target = self.path_of(digest)
            if self._already_stored(digest, target):
                os.unlink(tmp)
                return digest
            target.parent.mkdir(parents=True, exist_ok=True)
            self._place(Path(tmp), target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return digest

    def get_bytes(self, digest: str) -> bytes:
        """The stored bytes, after checking they still hash to ``digest``.

        NotFound if nothing is stored under it; ArtifactTampered if the bytes changed.
        """
        hexd = normalize_digest(digest)
        target = self.path_of(hexd)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"the artifact store at {self.root} holds no artifact {_short(hexd)}",
                "check that the registry and the artifact store given are the ones it was "
                "registered with",
            ) from None
        if sha256_hex(data) != hexd:
            raise _tampered(hexd, target)
        return data

    def _already_stored(self, digest: str, target: Path) -> bool:
        # A present file is never rewritten; but one whose bytes changed is reported, not
        # silently replaced, so the evidence of tampering stays for whoever investigates.
        if not target.exists():
            return False
        hasher = hashlib.sha256()
        with target.open("rb") as stored:
            while chunk := stored.read(_CHUNK):
                hasher.update(chunk)
        if hasher.hexdigest() != digest:
            raise _tampered(digest, target)
        return True

    def _place(self, tmp: Path, target: Path) -> None:
        # Read-only before it gets its name, so the file never appears writable under it.
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    # --- models ------------------------------------------------------------------------------

    def save_model(self, estimator: object) -> SavedModel:
        """Serialise ``estimator`` with skops, store it, and describe what was stored.

        BadInput if skops cannot serialise it.
        """
        import skops.io as sio

        try:
            data = sio.dumps(estimator)
        except Exception as exc:
            raise BadInput(
                f"skops cannot save a {_class_path(type(estimator))}: {exc}",
                "save the model as a scikit-learn compatible estimator",
            ) from exc
        digest = self.put_bytes(data)
        return SavedModel(digest, "skops", len(data), skops_types(data))

    def load_model(
        self,
        digest: str,
        *,
        format: str,
        trusted_pickle: bool = False,
        extra_trusted: Collection[str] = (),
    ) -> object:
        """Load a stored model after checking its bytes still match ``digest``.

        A skops file loads only if every type in it is on govern's allow-list (or in
        ``extra_trusted``); a pickle only with ``trusted_pickle``. BadInput otherwise.
        """
        if format not in ("skops", "pickle"):
            raise BadInput(f"unknown model format {format!r}", "the formats are skops and pickle")
        if format == "pickle" and not trusted_pickle:
            # Refuse before reading, so the answer does not depend on the file.
            raise BadInput(
                "this model is stored as a pickle, which can run any code when loaded",
                "load it with pickle trust only if you trust the author of the file",
            )
        data = self.get_bytes(digest)
        if format == "skops":
            return load_skops_bytes(data, extra_trusted=extra_trusted)
        return _unpickle(data)

    def import_model_file(
        self, path: Path, *, trust_pickle: bool, extra_trusted: Collection[str] = ()
    ) -> SavedModel:
        """Check a model file and store it; the stored form is what later loads.

        ``.skops``: loaded with the allow-list, stored as is. ``.pkl``/``.pickle``/``.joblib``:
        refused without ``trust_pickle``; with it, loaded, then re-saved as skops if the
        allow-list accepts the result, else stored as the original bytes (format "pickle").
        Nothing is stored when the file is refused.
        """
        source = Path(path)
        suffix = source.suffix.lower()
        if suffix not in (SKOPS_SUFFIX, *PICKLE_SUFFIXES):
            raise BadInput(
                f"{source.name}: govern imports models from .skops, .pkl, .pickle or .joblib "
                "files only",
                "save the model with skops.io.dump (preferred) or joblib.dump",
            )
        if suffix in PICKLE_SUFFIXES and not trust_pickle:
            raise BadInput(
                f"{source.name}: a pickle file can run any code when loaded", PICKLE_HINT
            )
        try:
            data = source.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no file at {source}") from None

        if suffix == SKOPS_SUFFIX:
            load_skops_bytes(data, extra_trusted=extra_trusted)
            digest = self.put_bytes(data)
            return SavedModel(digest, "skops", len(data), skops_types(data))

        obj = _unpickle(data)
        converted = _as_trusted_skops(obj, extra_trusted)
        if converted is not None:
            digest = self.put_bytes(converted)
            return SavedModel(
                digest,
                "skops",
                len(converted),
                skops_types(converted),
                converted_from="pickle",
                trusted_pickle=True,
            )
        digest = self.put_bytes(data)
        return SavedModel(digest, "pickle", len(data), reachable_types(obj), trusted_pickle=True)


def _tampered(digest: str, target: Path) -> ArtifactTampered:
    return ArtifactTampered(
        f"the stored artifact {_short(digest)} no longer matches its digest: it was changed "
        "after registration",
        f"restore {target} from a trusted copy (its SHA-256 must be {digest}); keep the changed "
        "file aside for investigation",
    )


def _fsync_dir(folder: Path) -> None:
    # The new directory entry must reach the disk too, or a crash could lose the file.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unpickle(data: bytes) -> object:
    import joblib

    # joblib.load reads joblib files and plain pickles alike; only called with the caller's
    # explicit trust, since unpickling runs whatever code the file names.
    try:
        return joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise BadInput(f"the pickle file cannot be loaded: {type(exc).__name__}: {exc}") from exc


def _as_trusted_skops(obj: object, extra_trusted: Collection[str]) -> bytes | None:
    """skops bytes for ``obj`` if skops can save it and the allow-list accepts the result."""
    import skops.io as sio

    try:
        data: bytes = sio.dumps(obj)
        load_skops_bytes(data, extra_trusted=extra_trusted)
    except BadInput:
        return None
    except Exception:
        # skops cannot represent some objects; they stay pickles, loadable with trust only.
        return None
    return data


# --- the allow-list -------------------------------------------------------------------------


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


# --- structural checks on trusted tree types --------------------------------------------------
# skops leaves sklearn.tree._tree.Tree and HistGradientBoosting's TreePredictor untrusted by
# default because scikit-learn's compiled predict follows their node indices without bounds
# checks (scikit-learn PR 34558): a crafted file loads, then crashes or reads or writes out
# of bounds on predict. govern trusts them only after checking, before any prediction, that
# every index they hold stays inside the arrays and inputs that predict will use.


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
        f"the model file's {_class_path(type(obj))} is malformed: {why}",
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


# --- describing a model -----------------------------------------------------------------------


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def reachable_types(obj: object, limit: int = 100_000) -> tuple[str, ...]:
    """The sorted class paths of objects reachable from ``obj`` through containers and
    attributes (at most ``limit`` objects visited); used to describe a stored pickle."""
    found: set[str] = set()
    seen: set[int] = set()
    stack: list[object] = [obj]
    while stack and len(seen) < limit:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        found.add(_class_path(type(item)))
        if isinstance(item, np.ndarray):
            if item.dtype == object:
                stack.extend(item.ravel())
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif not isinstance(item, type) and hasattr(item, "__dict__"):
            stack.extend(vars(item).values())
    return tuple(sorted(found))


def _json_safe(value: Any) -> Any:
    """``value`` as JSON values: no NaN or infinity, estimators and callables by name."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
        if not isinstance(value, bool | int | float | str):
            return repr(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, type):
        return _class_path(value)
    if hasattr(value, "get_params") and hasattr(value, "fit"):
        return _class_path(type(value))
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_json_safe(v) for v in value), key=repr)
    if isinstance(value, functools.partial):
        return f"functools.partial({_json_safe(value.func)})"
    if callable(value):
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if module and qualname:
            return f"{module}.{qualname}"
    text = repr(value)
    # The default repr holds a memory address, which would make the fingerprint differ
    # between two loads of the same model.
    return _class_path(type(value)) if " at 0x" in text else text


def _final_estimator(estimator: object) -> object:
    from sklearn.pipeline import Pipeline

    while isinstance(estimator, Pipeline) and estimator.steps:
        estimator = estimator.steps[-1][1]
    return estimator


def _labels(classes: Any) -> list[Any]:
    # One array of labels, or (multi-output) a list of them; labels as strings either way.
    if isinstance(classes, list) and classes and isinstance(classes[0], np.ndarray):
        return [_labels(c) for c in classes]
    return [str(c) for c in np.asarray(classes).tolist()]


def model_fingerprint(estimator: object) -> dict[str, Any]:
    """What the model is, as JSON-safe values the ledger can record.

    Keys: ``class`` (module.qualname), ``params`` (``get_params(deep=False)``, JSON-safe),
    ``final_estimator`` (for a Pipeline the class of its last step, else ``class``),
    ``classes``, ``n_features_in`` and ``feature_names_in`` (None when the model has none).
    BadInput if ``estimator`` has no ``get_params``.
    """
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        raise BadInput(
            f"a {_class_path(type(estimator))} is not a scikit-learn compatible estimator "
            "(it has no get_params)",
        )
    final = _final_estimator(estimator)

    def fitted(name: str) -> Any:
        # Pipeline exposes these as properties that raise when unfitted or absent.
        try:
            return getattr(estimator, name)
        except AttributeError:
            return None

    classes = fitted("classes_")
    n_features = fitted("n_features_in_")
    names = fitted("feature_names_in_")
    return {
        "class": _class_path(type(estimator)),
        "params": _json_safe(get_params(deep=False)),
        "final_estimator": final if isinstance(final, str) else _class_path(type(final)),
        "classes": None if classes is None else _labels(classes),
        "n_features_in": None if n_features is None else int(n_features),
        "feature_names_in": None if names is None else [str(n) for n in names],
    }


__all__ = [
    "PICKLE_SUFFIXES",
    "SKOPS_SUFFIX",
    "ArtifactStore",
    "SavedModel",
    "check_tree_structures",
    "is_trusted_type",
    "load_skops_bytes",
    "model_fingerprint",
    "normalize_digest",
    "reachable_types",
    "sha256_hex",
    "skops_types",
]
