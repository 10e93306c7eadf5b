"""RFC 8785 JSON Canonicalization Scheme (JCS): the exact bytes of every ledger entry.

Implements RFC 8785 section 3.2 (3.2.2.1 literals, 3.2.2.2 strings, 3.2.2.3 numbers in the
ECMAScript Number-to-String form of ECMA-262 7.1.12.1, 3.2.3 property sorting by UTF-16 code
units, 3.2.4 UTF-8 output) over the I-JSON subset of RFC 7493 (no NaN or infinities, integers
within +-(2**53-1), no lone surrogates). ``loads_strict`` parses stored entry bytes the way
RFC 7493 section 2 asks: UTF-8 only, no duplicate member names, no non-finite numbers.

Speed: prediction logging canonicalizes millions of small payloads, so ``canonicalize`` first
checks the value in one pass and, when CPython's C JSON encoder is known to emit exactly the JCS
bytes for it, lets that encoder write them. Anything else (floats CPython formats differently,
keys whose code-point order may differ from UTF-16 order, every error) goes through a careful
pure-Python encoder, which is also the one that names the path of a bad value.
"""

from __future__ import annotations

import json
import json.encoder
import math
from collections.abc import Callable
from typing import Any

import orjson

from govern.errors import BadInput

__all__ = ["canonicalize", "canonicalize_str", "loads_strict"]

_MAX_SAFE_INT = 2**53 - 1
_TWO_53 = 9007199254740992.0
_BMP_MAX = "\uffff"
_SUPPORTED = "a str, int, float, bool, None, list, tuple or dict"


class _NotFast(Exception):
    """The value needs the careful encoder (or is invalid and needs its error message)."""


def _fast_value(obj: Any) -> Any:
    """Return ``obj``, or a copy with integral floats below 2**53 made ints.

    Raises _NotFast unless CPython's encoder (sort_keys, ensure_ascii=False, compact separators)
    writes exactly the RFC 8785 bytes for the result. Python's float repr agrees with
    ECMAScript for non-integral magnitudes in [1e-4, 1e16); an integral float below 2**53 is
    exactly its int, which repr would write with a trailing ".0". Code-point key order equals
    UTF-16 order unless a key holds a character beyond the BMP.
    """
    t = type(obj)
    if t is dict:
        out: Any = None
        for k, v in obj.items():
            if type(k) is not str or (not k.isascii() and max(k) > _BMP_MAX):
                raise _NotFast
            tv = type(v)
            if tv is str or v is None or tv is bool:
                continue
            if tv is int:
                if -_MAX_SAFE_INT <= v <= _MAX_SAFE_INT:
                    continue
                raise _NotFast
            if tv is float:
                if v.is_integer():
                    if -_TWO_53 < v < _TWO_53:
                        if out is None:
                            out = dict(obj)
                        out[k] = int(v)
                        continue
                    raise _NotFast
                if 1e-4 <= v < 1e16 or -1e16 < v <= -1e-4:
                    continue
                raise _NotFast
            nv = _fast_value(v)
            if nv is not v:
                if out is None:
                    out = dict(obj)
                out[k] = nv
        return obj if out is None else out
    if t is list or t is tuple:
        out = None
        for i, v in enumerate(obj):
            tv = type(v)
            if tv is str or v is None or tv is bool:
                continue
            if tv is int:
                if -_MAX_SAFE_INT <= v <= _MAX_SAFE_INT:
                    continue
                raise _NotFast
            if tv is float:
                if v.is_integer():
                    if -_TWO_53 < v < _TWO_53:
                        if out is None:
                            out = list(obj)
                        out[i] = int(v)
                        continue
                    raise _NotFast
                if 1e-4 <= v < 1e16 or -1e16 < v <= -1e-4:
                    continue
                raise _NotFast
            nv = _fast_value(v)
            if nv is not v:
                if out is None:
                    out = list(obj)
                out[i] = nv
        return obj if out is None else out
    if t is str or obj is None or t is bool:
        return obj
    # Off the hot path: bare scalars and subclasses (numpy.float64, IntEnum, StrEnum), which the
    # C encoder writes by their value; the same rules as above, on the plain value.
    if isinstance(obj, float):
        x = float(obj)
        if x.is_integer():
            if -_TWO_53 < x < _TWO_53:
                return int(x)
        elif 1e-4 <= x < 1e16 or -1e16 < x <= -1e-4:
            return x
    elif isinstance(obj, int):
        n = int(obj)
        if -_MAX_SAFE_INT <= n <= _MAX_SAFE_INT:
            return n
    elif isinstance(obj, str):
        return obj
    raise _NotFast


def _unsupported(o: object) -> object:
    raise TypeError(type(o).__name__)


def _make_fast_encoder() -> Callable[[object], str]:
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - interpreters without the _json accelerator
        return json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True
        ).encode
    # One C encoder reused for every call: json.dumps would build a new JSONEncoder each time.
    iterencode = make(
        None,  # no circular-reference markers: _fast_value would have recursed forever first
        _unsupported,
        json.encoder.encode_basestring,  # RFC 8785 3.2.2.2 escaping (ensure_ascii=False)
        None,  # indent
        ":",
        ",",
        True,  # sort_keys
        False,  # skipkeys
        False,  # allow_nan
    )

    def encode(obj: object) -> str:
        return "".join(iterencode(obj, 0))

    return encode


_fast_encode = _make_fast_encoder()
# orjson writes the same bytes as the C encoder above for every value _fast_value lets through
# (shortest round-trip floats in [1e-4, 1e16), RFC 8259 escapes, code-point key order) and is
# about ten times faster; the differential tests against `rfc8785` hold it to that.
_orjson_dumps = orjson.dumps
_SORT = orjson.OPT_SORT_KEYS


def canonicalize(obj: object) -> bytes:
    """Return the RFC 8785 canonical JSON bytes of ``obj``.

    ``obj`` is built from dict (str keys), list, tuple, str, int, float, bool and None.
    Raises BadInput, naming the path of the offending value, for anything that is not I-JSON.
    """
    try:
        return _orjson_dumps(_fast_value(obj), option=_SORT)
    except (_NotFast, RecursionError, ValueError, TypeError, orjson.JSONEncodeError):
        # ValueError covers UnicodeEncodeError (a lone surrogate): the careful encoder says where.
        return _canonicalize_careful(obj)


def canonicalize_str(obj: object) -> str:
    """Return the RFC 8785 canonical JSON of ``obj`` as text (see ``canonicalize``)."""
    return canonicalize(obj).decode("utf-8")


# --- The careful encoder ---------------------------------------------------------------------


def _canonicalize_careful(obj: object) -> bytes:
    parts: list[str] = []
    try:
        _encode(obj, parts, [], set())
    except RecursionError:
        raise BadInput(
            "the value is nested too deeply to canonicalize; flatten it before logging it"
        ) from None
    return "".join(parts).encode("utf-8")


def _where(path: list[str | int]) -> str:
    """Render a JSON path such as ``payload.scores[3]`` for an error message."""
    if not path:
        return "the value"
    out: list[str] = []
    for p in path:
        if isinstance(p, int):
            out.append(f"[{p}]")
        elif p.isidentifier():
            out.append(f".{p}" if out else p)
        else:
            out.append(f"[{json.dumps(p, ensure_ascii=True)}]")
    return "".join(out)


def _string(s: str, path: list[str | int]) -> str:
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError as e:
            bad = ord(s[e.start])
            raise BadInput(
                f"{_where(path)} holds a lone surrogate (U+{bad:04X}), which is not Unicode text "
                "and has no UTF-8 form; decode the source text correctly or remove the character"
            ) from None
    return json.encoder.encode_basestring(s)


def _number(x: float) -> str:
    """ECMAScript Number::toString for a finite double (ECMA-262 7.1.12.1, RFC 8785 3.2.2.3)."""
    if x == 0:
        return "0"  # also -0.0: RFC 8785 3.2.2.3 writes minus zero as 0
    r = repr(x)  # shortest round-trip digits, the same digits ECMAScript chooses
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    mantissa, _, exp = r.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    stripped = digits.lstrip("0")
    # x = 0.<stripped> * 10**n
    n = len(whole) + (int(exp) if exp else 0) - (len(digits) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        out = f"0.{'0' * -n}{digits}"
    else:
        e = n - 1
        out = f"{digits[0]}{'.' if k > 1 else ''}{digits[1:]}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + out


def _encode(obj: object, parts: list[str], path: list[str | int], active: set[int]) -> None:
    # bool before int: True is an int in Python but JSON true (RFC 8785 3.2.2.1).
    if obj is None:
        parts.append("null")
    elif obj is True:
        parts.append("true")
    elif obj is False:
        parts.append("false")
    elif isinstance(obj, str):
        parts.append(_string(obj, path))
    elif isinstance(obj, int):
        n = int(obj)
        if not -_MAX_SAFE_INT <= n <= _MAX_SAFE_INT:
            raise BadInput(
                f"{_where(path)} is the integer {n}, outside the +-(2**53-1) range a JSON number "
                "holds exactly; write it as a decimal string"
            )
        parts.append(str(n))
    elif isinstance(obj, float):
        x = float(obj)
        if not math.isfinite(x):
            what = "NaN" if math.isnan(x) else "an infinity"
            raise BadInput(
                f"{_where(path)} is {what}, which is not JSON; write it as null or a decimal string"
            )
        parts.append(_number(x))
    elif isinstance(obj, (list, tuple)):
        _enter(obj, path, active)
        parts.append("[")
        for i, v in enumerate(obj):
            if i:
                parts.append(",")
            path.append(i)
            _encode(v, parts, path, active)
            path.pop()
        parts.append("]")
        active.discard(id(obj))
    elif isinstance(obj, dict):
        _enter(obj, path, active)
        for k in obj:
            if not isinstance(k, str):
                raise BadInput(
                    f"{_where(path)} has the key {k!r} of type {type(k).__name__}; JSON object "
                    "keys are strings: convert the keys with str() first"
                )
        items: list[tuple[bytes, str, str, object]] = []
        for k, v in obj.items():
            path.append(k)
            key_json = _string(k, path)
            path.pop()
            # RFC 8785 3.2.3: sort by UTF-16 code units; _string has refused lone surrogates.
            items.append((k.encode("utf-16-be"), key_json, k, v))
        items.sort(key=lambda item: item[0])
        parts.append("{")
        for i, (_, key_json, k, v) in enumerate(items):
            if i:
                parts.append(",")
            parts.append(key_json)
            parts.append(":")
            path.append(k)
            _encode(v, parts, path, active)
            path.pop()
        parts.append("}")
        active.discard(id(obj))
    else:
        raise BadInput(
            f"{_where(path)} is of type {type(obj).__name__}, which has no JSON form; "
            f"convert it to {_SUPPORTED} first (for a numpy scalar, use .item())"
        )


def _enter(obj: object, path: list[str | int], active: set[int]) -> None:
    if id(obj) in active:
        raise BadInput(f"{_where(path)} contains itself; a circular structure has no JSON form")
    active.add(id(obj))


# --- Strict parsing --------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise BadInput(f"the JSON has an object with the key {k!r} twice")
            seen.add(k)
    return d


def _no_constant(name: str) -> object:
    raise BadInput(f"the JSON holds {name}, which is not JSON")


def _finite_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise BadInput(f"the JSON number {text[:40]} is too large for a double")
    return x


def _json_int(text: str) -> int | float:
    # 2**53-1 has 16 digits; longer texts skip int(), which refuses more than 4300 digits.
    if len(text) <= 17:
        n = int(text)
        if -_MAX_SAFE_INT <= n <= _MAX_SAFE_INT:
            return n
    # I-JSON numbers are doubles: 1e20 is written 100000000000000000000 and must read back as
    # the float it was, not as an int canonicalize would refuse.
    return _finite_float(text)


def loads_strict(data: bytes) -> object:
    """Parse JSON bytes, refusing what RFC 8785 / I-JSON refuse (raises BadInput).

    Refused: bytes that are not UTF-8 (or start with a BOM), syntax errors, duplicate keys,
    NaN / Infinity constants and numbers that overflow a double. Integers beyond +-(2**53-1)
    are read as floats, so ``canonicalize(loads_strict(b)) == b`` for canonical ``b``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput(f"the JSON is not valid UTF-8 (byte {e.start})") from None
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_json_int,
        )
    except json.JSONDecodeError as e:
        raise BadInput(f"the JSON is malformed: {e}") from None
    except RecursionError:
        raise BadInput("the JSON is nested too deeply to parse") from None
