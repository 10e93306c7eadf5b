"""Between typed records and the JSON values of ledger payloads, exactly.

A record is a frozen dataclass whose field names are the payload's keys (a field may name
another key in its metadata, for keys that are Python words such as ``class``). Converting a
payload to a record and back gives the same JSON value, so the same canonical bytes: fields marked
``omit_none`` are left out of the payload when None (keys that older writers leave out when there
is nothing to say), every other field is always written, null included.

A record read from a payload remembers which optional keys the payload did not have
(``_absent``), so a key that an older writer left out stays out, and one it wrote as null stays
null.

Reading is strict: a key the record does not know, a missing required key or a value of the
wrong type is an ``EntryMalformed`` naming the entry and the path of the value, never a
``KeyError`` deep in a caller.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias, TypeVar, Union, cast

from govern.errors import EntryMalformed

JSON: TypeAlias = str | int | float | bool | list["JSON"] | dict[str, "JSON"] | None
JSONObject: TypeAlias = dict[str, JSON]

T = TypeVar("T")
Convert = Callable[[Any, str], Any]

_OMIT = "omit_none"
_KEY = "key"
ABSENT = "_absent"


def optional(*, key: str | None = None) -> Any:
    """A field that defaults to None and is left out of the payload when None."""
    metadata: dict[str, object] = {_OMIT: True}
    if key is not None:
        metadata[_KEY] = key
    return dataclasses.field(default=None, metadata=metadata)


def named(key: str, **kwargs: Any) -> Any:
    """A field written under another key (``class``, ``from``, ...)."""
    return dataclasses.field(metadata={_KEY: key}, **kwargs)


class _Malformed(Exception):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path or 'the payload'} {why}")


def _check(kinds: tuple[type, ...], label: str) -> Convert:
    def convert(value: Any, path: str) -> Any:
        if isinstance(value, bool) and bool not in kinds:
            raise _Malformed(path, f"is a boolean, not {label}")
        if not isinstance(value, kinds):
            raise _Malformed(path, f"is {type(value).__name__}, not {label}")
        return value

    return convert


def _any(value: Any, path: str) -> Any:
    return value


def _converter(hint: Any) -> Convert:
    """How to read one value of type ``hint`` from JSON."""
    if hint is Any or hint is object:
        return _any
    if hint is JSON or hint == JSON:
        return _any
    if hint is str:
        return _check((str,), "text")
    if hint is bool:
        return _check((bool,), "true or false")
    if hint is int:
        return _check((int,), "an integer")
    if hint is float:
        return _check((int, float), "a number")
    if hint is type(None):

        def none(value: Any, path: str) -> None:
            if value is not None:
                raise _Malformed(path, "must be null")

        return none
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return functools.partial(_from_object, hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        nullable = len(options) < len(args)
        if len(options) == 1:
            inner = _converter(options[0])

            def maybe(value: Any, path: str) -> Any:
                return None if value is None and nullable else inner(value, path)

            return maybe
        if all(o in (str, int, float, bool) for o in options):
            kinds = tuple(options) + ((type(None),) if nullable else ())
            return _check(kinds, " or ".join(o.__name__ for o in options))
        return _any  # a JSON union such as the JSON alias itself
    if origin is typing.Literal:

        def literal(value: Any, path: str) -> Any:
            if value not in args:
                raise _Malformed(path, f"is {value!r}, not one of {', '.join(map(repr, args))}")
            return value

        return literal
    if origin is tuple:
        item = _converter(args[0])

        def sequence(value: Any, path: str) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise _Malformed(path, f"is {type(value).__name__}, not a list")
            return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))

        return sequence
    if origin in (dict, Mapping) or origin is typing.Mapping:
        item = _converter(args[1])

        def mapping(value: Any, path: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise _Malformed(path, f"is {type(value).__name__}, not an object")
            return {k: item(v, f"{path}.{k}") for k, v in value.items()}

        return mapping
    if origin is list:
        return _any
    raise TypeError(f"no JSON reading for {hint!r}")  # a bug in a record class


@functools.cache
def _plan(cls: Any) -> tuple[tuple[str, str, Convert, bool, bool], ...]:
    """(attribute, key, converter, required, omit_none) for every field of ``cls``."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in dataclasses.fields(cls):
        if not f.init or f.name == ABSENT:
            continue
        key = f.metadata.get(_KEY, f.name)
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        plan.append((f.name, key, _converter(hints[f.name]), required, bool(f.metadata.get(_OMIT))))
    return tuple(plan)


def _from_object(cls: type[T], value: Any, path: str) -> T:
    if not isinstance(value, dict):
        raise _Malformed(path, f"is {type(value).__name__}, not an object")
    plan = _plan(cast(Any, cls))
    known = {key for _a, key, _c, _r, _o in plan}
    unknown = [k for k in value if k not in known]
    if unknown:
        raise _Malformed(f"{path}.{unknown[0]}" if path else unknown[0], "is not a known field")
    kwargs: dict[str, Any] = {}
    absent = []
    for attr, key, convert, required, _omit in plan:
        if key in value:
            kwargs[attr] = convert(value[key], f"{path}.{key}" if path else key)
        elif required:
            raise _Malformed(f"{path}.{key}" if path else key, "is missing")
        else:
            absent.append(key)
    if absent and ABSENT in {f.name for f in dataclasses.fields(cls)}:  # type: ignore[arg-type]
        kwargs[ABSENT] = frozenset(absent)
    return cls(**kwargs)


def from_json(cls: type[T], value: Any, *, what: str, seq: int | None = None) -> T:
    """``value`` (a parsed payload) as a ``cls``; EntryMalformed naming ``what`` and the path."""
    try:
        return _from_object(cls, value, "")
    except _Malformed as exc:
        where = f"entry {seq} ({what})" if seq is not None else what
        raise EntryMalformed(
            f"{where} does not have the shape of a {what} record: {exc}", seq=seq
        ) from None


def to_json(value: Any) -> Any:
    """A record (or any value inside one) as JSON values: lists, dicts, str, numbers, null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        absent: frozenset[str] = getattr(value, ABSENT, frozenset())
        for attr, key, _convert, _required, omit in _plan(type(value)):
            item = getattr(value, attr)
            if (item is None and omit) or key in absent:
                continue
            out[key] = to_json(item)
        return out
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    return value
