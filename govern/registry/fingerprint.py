"""What a model is, named the way the ledger records it (docs/registry.md, "Models").

`model_fingerprint` gives a model's class, parameters, classes and features as JSON-safe values
for its ledger entry; `reachable_types` lists the classes a loaded pickle holds. Two loads of the
same model give the same fingerprint: nothing in it depends on memory addresses.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from govern.errors import BadInput

__all__ = ["class_path", "model_fingerprint", "reachable_types"]


def class_path(cls: type) -> str:
    """How govern names a class or function: ``module.qualname``."""
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
        found.add(class_path(type(item)))
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
        return class_path(value)
    if hasattr(value, "get_params") and hasattr(value, "fit"):
        return class_path(type(value))
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
    return class_path(type(value)) if " at 0x" in text else text


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
            f"a {class_path(type(estimator))} is not a scikit-learn compatible estimator "
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
        "class": class_path(type(estimator)),
        "params": _json_safe(get_params(deep=False)),
        "final_estimator": final if isinstance(final, str) else class_path(type(final)),
        "classes": None if classes is None else _labels(classes),
        "n_features_in": None if n_features is None else int(n_features),
        "feature_names_in": None if names is None else [str(n) for n in names],
    }
