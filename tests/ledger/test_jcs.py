"""RFC 8785 canonical JSON: the published vectors, differential tests against the `rfc8785`
package, the fast path against the careful encoder, refusals, and strict parsing."""

from __future__ import annotations

import enum
import json
import math
import struct
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.errors import BadInput
from govern.ledger import jcs
from govern.ledger.jcs import canonicalize, canonicalize_str, loads_strict

VECTORS = Path(__file__).parent.parent / "vectors" / "jcs"
VECTOR_NAMES = sorted(p.stem for p in (VECTORS / "input").glob("*.json"))

MAX_SAFE = 2**53 - 1


# --- Published vectors ----------------------------------------------------------------------


def test_all_vectors_found() -> None:
    assert VECTOR_NAMES == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_vector(name: str) -> None:
    want = (VECTORS / "output" / f"{name}.json").read_bytes()
    assert want.hex() == "".join((VECTORS / "outhex" / f"{name}.txt").read_text().split())
    value = loads_strict((VECTORS / "input" / f"{name}.json").read_bytes())
    assert canonicalize(value) == want
    assert jcs._canonicalize_careful(value) == want
    assert canonicalize_str(value) == want.decode("utf-8")
    # Canonical output is a fixed point.
    assert canonicalize(loads_strict(want)) == want


# RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript strings (checked against V8).
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def _double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_appendix_b_numbers(bits: str, text: str) -> None:
    x = _double(bits)
    assert canonicalize(x) == text.encode()
    # Inside a container the fast path sees the float first.
    assert canonicalize([x]) == f"[{text}]".encode()
    assert canonicalize({"x": x}) == f'{{"x":{text}}}'.encode()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (-0.0, "0"),
        (0.0, "0"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e16, "10000000000000000"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (1e-5, "0.00001"),
        (1e-4, "0.0001"),
        (0.5, "0.5"),
        (-1.5e-9, "-1.5e-9"),
        (123456789.0, "123456789"),
        (2.0**53, "9007199254740992"),
        (2.0**60, "1152921504606847000"),
        (4503599627370495.5, "4503599627370495.5"),
        (1.5e300, "1.5e+300"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (MAX_SAFE, "9007199254740991"),
        (-MAX_SAFE, "-9007199254740991"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
    ],
)
def test_scalars(value: object, text: str) -> None:
    assert canonicalize(value) == text.encode()
    assert canonicalize([value]) == f"[{text}]".encode()


def test_bool_is_not_int() -> None:
    assert canonicalize([True, 1, False, 0, 1.0]) == b"[true,1,false,0,1]"
    assert canonicalize({"a": True, "b": 1}) == b'{"a":true,"b":1}'


def test_string_escapes() -> None:
    s = "".join(chr(i) for i in range(0x20)) + '"\\/\x7f\u2028\u00e9\U0001f600'
    want = (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r'
        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019"
        '\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\"\\\\/\x7f\u2028\u00e9\U0001f600"'
    )
    assert canonicalize(s) == want.encode("utf-8")
    assert canonicalize({"k": s}) == b'{"k":' + want.encode("utf-8") + b"}"


def test_keys_sort_by_utf16_code_units() -> None:
    # U+1F600 is D83D DE00 in UTF-16, so it sorts before U+E000 and U+FFFF, unlike code points.
    obj = {"\uffff": 1, "\U0001f600": 2, "\ue000": 3, "a": 4, "": 5}
    want = '{"":5,"a":4,"\U0001f600":2,"\ue000":3,"\uffff":1}'.encode()
    assert canonicalize(obj) == want
    assert canonicalize({"nested": [obj]}) == b'{"nested":[' + want + b"]}"
    assert rfc8785.dumps(obj) == want


def test_subclasses_and_tuples() -> None:
    class Colour(enum.StrEnum):
        RED = "red"

    class Count(enum.IntEnum):
        TWO = 2

    class Ratio(float):
        pass

    value = OrderedDict([("b", (Colour.RED, Count.TWO, Ratio(0.5))), ("a", [])])
    assert canonicalize(value) == b'{"a":[],"b":["red",2,0.5]}'
    assert canonicalize(value) == rfc8785.dumps(value)


def test_common_payloads_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")

    class Count(enum.IntEnum):
        TWO = 2

    def careful(obj: object) -> bytes:
        raise AssertionError("the careful encoder was used")

    value = {
        "v": 1,
        "kind": "prediction.logged",
        "payload": {
            "output": 0.7342,
            "proba": [0.25, 0.75, 1.0, 0.0, -0.0],
            "numpy": np.float64(0.5),
            "count": Count.TWO,
            "amount": 1500.0,
            "tiny": -0.0001,
            "big": 123456789012.5,
            "flags": (True, False, None),
            "text": 'caf\u00e9 \u2028 \x00 "q"',
        },
    }
    want = rfc8785.dumps(value)
    monkeypatch.setattr(jcs, "_canonicalize_careful", careful)
    assert canonicalize(value) == want
    assert canonicalize(np.float64(3.0)) == b"3"


def test_input_is_not_modified() -> None:
    value = {"a": 1.0, "b": [2.0, {"c": -0.0}], "d": (3.0,)}
    snapshot = repr(value)
    assert canonicalize(value) == b'{"a":1,"b":[2,{"c":0}],"d":[3]}'
    assert repr(value) == snapshot


# --- Differential tests ---------------------------------------------------------------------

BOUNDARY_FLOATS = [
    5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    1.7976931348623157e308,
    1e-7,
    1e-6,
    1e-5,
    1e-4,
    1e15,
    1e16,
    1e21,
    1e22,
    2.0**53,
    2.0**53 - 1,
    2.0**53 + 2,
    0.1,
    1 / 3,
]
BOUNDARY_FLOATS += [math.nextafter(x, math.inf) for x in BOUNDARY_FLOATS]
BOUNDARY_FLOATS += [math.nextafter(x, 0.0) for x in BOUNDARY_FLOATS]
BOUNDARY_FLOATS = [x for x in BOUNDARY_FLOATS if math.isfinite(x)]
BOUNDARY_FLOATS += [-x for x in BOUNDARY_FLOATS]

# Characters where escaping or UTF-16 ordering is delicate.
TRICKY_CHARS = ["a", "Z", "\x00", "\x08", "\x1f", '"', "\\", "/", "\x7f", "\u00e9", "\u2028"]
TRICKY_CHARS += ["\ud7ff", "\ue000", "\uffff", "\U00010000", "\U0001f600", "\U0010ffff"]

finite_floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(BOUNDARY_FLOATS),
    st.integers(-(2**70), 2**70).map(float),
    st.integers(-(10**6), 10**6).map(lambda n: n / 1000),
)
texts = st.one_of(st.text(), st.text(alphabet=st.sampled_from(TRICKY_CHARS)))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE, MAX_SAFE),
    st.sampled_from([MAX_SAFE, -MAX_SAFE, 0]),
    finite_floats,
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(texts, inner, max_size=6),
    ),
    max_leaves=40,
)


@settings(max_examples=2000, deadline=None)
@given(json_values)
def test_matches_rfc8785_package(value: object) -> None:
    want = rfc8785.dumps(value)  # type: ignore[arg-type]
    assert canonicalize(value) == want
    assert jcs._canonicalize_careful(value) == want


@settings(max_examples=3000, deadline=None)
@given(finite_floats)
def test_floats_match_rfc8785_package(x: float) -> None:
    want = rfc8785.dumps(x)
    assert canonicalize(x) == want
    assert canonicalize([x]) == b"[" + want + b"]"
    # The canonical number text reads back as the same double.
    assert float(want) == x


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(texts, scalars, min_size=2, max_size=12))
def test_key_order_matches_rfc8785_package(value: dict[str, object]) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_parse_round_trip(value: object) -> None:
    data = canonicalize(value)
    assert canonicalize(loads_strict(data)) == data


# --- Refusals -------------------------------------------------------------------------------


def _refusal(value: object) -> str:
    with pytest.raises(BadInput) as info:
        canonicalize(value)
    with pytest.raises(BadInput):
        jcs._canonicalize_careful(value)
    return info.value.message


@pytest.mark.parametrize(
    ("bad", "what"),
    [(math.nan, "is NaN"), (math.inf, "is an infinity"), (-math.inf, "is an infinity")],
)
def test_refuses_non_finite(bad: float, what: str) -> None:
    value = {"kind": "x", "payload": {"scores": [0.1, 0.2, 0.3, bad]}}
    msg = _refusal(value)
    assert msg.startswith(f"payload.scores[3] {what}")
    assert "write it as null or a decimal string" in msg


@pytest.mark.parametrize("n", [2**53, -(2**53), 10**30, -(10**30)])
def test_refuses_unsafe_integers(n: int) -> None:
    msg = _refusal({"payload": {"amount": n}})
    assert msg.startswith(f"payload.amount is the integer {n}")
    assert "write it as a decimal string" in msg


def test_accepts_largest_safe_integers() -> None:
    assert canonicalize([MAX_SAFE, -MAX_SAFE]) == b"[9007199254740991,-9007199254740991]"


@pytest.mark.parametrize("key", [1, 1.5, None, True, (1, 2)])
def test_refuses_non_string_keys(key: object) -> None:
    msg = _refusal({"payload": {"rows": [{key: "v"}]}})
    assert msg.startswith(f"payload.rows[0] has the key {key!r} of type {type(key).__name__}")
    assert "str()" in msg


@pytest.mark.parametrize("bad", [{1, 2}, b"bytes", Decimal("1.5"), object(), 1j])
def test_refuses_unsupported_types(bad: object) -> None:
    msg = _refusal({"payload": {"x": bad}})
    assert msg.startswith(f"payload.x is of type {type(bad).__name__}, which has no JSON form")


def test_refuses_numpy_integer_with_hint() -> None:
    np = pytest.importorskip("numpy")
    msg = _refusal({"payload": {"n": np.int64(3)}})
    assert msg.startswith("payload.n is of type int64")
    assert ".item()" in msg
    # A numpy float64 is a float subclass, hence a float.
    assert canonicalize({"x": np.float64(0.25)}) == b'{"x":0.25}'


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"payload": {"s": "ok\ud800"}}, "payload.s holds a lone surrogate (U+D800)"),
        ({"payload": {"s\udfff": 1}}, 'payload["s\\udfff"] holds a lone surrogate (U+DFFF)'),
        ({"payload": ["\udc00"]}, "payload[0] holds a lone surrogate (U+DC00)"),
    ],
)
def test_refuses_lone_surrogates(value: object, where: str) -> None:
    assert _refusal(value).startswith(where)


def test_refuses_circular_structures() -> None:
    loop: list[object] = [1]
    loop.append({"again": loop})
    msg = _refusal({"payload": loop})
    assert msg.startswith("payload[1].again contains itself")


def test_refuses_deep_nesting() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    assert _refusal(deep).startswith("the value is nested too deeply")


def test_path_rendering() -> None:
    assert _refusal(math.nan).startswith("the value is NaN")
    assert _refusal([[math.nan]]).startswith("[0][0] is NaN")
    assert _refusal({"a b": {"c.d": [math.inf]}}).startswith('["a b"]["c.d"][0] is an infinity')


def test_refusal_is_govern_error_with_exit_code() -> None:
    with pytest.raises(BadInput) as info:
        canonicalize(math.nan)
    assert info.value.exit_code == 3


# --- Strict parsing -------------------------------------------------------------------------


def test_loads_strict_accepts_json() -> None:
    data = b'{"a":[1,2.5,"\\u00e9",null,true,false],"b":{"c":-0}}'
    assert loads_strict(data) == json.loads(data)


def test_loads_strict_reads_large_integers_as_doubles() -> None:
    assert loads_strict(b"[9007199254740991,9007199254740992]") == [MAX_SAFE, 2.0**53]
    assert loads_strict(b"100000000000000000000") == 1e20
    with pytest.raises(BadInput, match="too large"):
        loads_strict(b"1" + b"0" * 400)
    with pytest.raises(BadInput, match="too large"):
        loads_strict(b"-" + b"9" * 5000)


def test_loads_strict_refuses_deep_nesting() -> None:
    with pytest.raises(BadInput, match="nested too deeply"):
        loads_strict(b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"a":1,"a":2}', "key 'a' twice"),
        (b'{"x":{"b":1,"b":1}}', "key 'b' twice"),
        (b'[{"": 1, "": 1}]', "key '' twice"),
        (b'{"a":NaN}', "NaN"),
        (b"[Infinity]", "Infinity"),
        (b"[-Infinity]", "-Infinity"),
        (b"[1e400]", "too large"),
        (b"[-1e400]", "too large"),
        (b'["\xff"]', "not valid UTF-8"),
        (b'\xef\xbb\xbf{"a":1}', "malformed"),
        (b'{"a":1', "malformed"),
        (b"", "malformed"),
        (b"[1] [2]", "malformed"),
        ('"x"'.encode("utf-16"), "UTF-8"),
    ],
)
def test_loads_strict_refuses(data: bytes, fragment: str) -> None:
    with pytest.raises(BadInput) as info:
        loads_strict(data)
    assert fragment in info.value.message


def test_fast_path_escapes_every_low_and_separator_character_like_rfc8785() -> None:
    # The fast path goes through orjson; hold it to the reference for each awkward character.
    chars = [chr(c) for c in range(0x00, 0xA0)] + ["\u2028", "\u2029", "\ufeff", "\uffff"]
    for ch in chars:
        value = {"k" + ch: "a" + ch + "b", "n": [1.5, 0.0001, 123456789.125]}
        assert canonicalize(value) == rfc8785.dumps(value), repr(ch)
