"""json-formula engine: the specification's examples, its traps, and the resource limits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakemedia import limits
from fakemedia.trust.formula import FormulaEngine, FormulaError, search
from fakemedia.trust.formula.values import js_number_text

# (expression, data, expected) — examples from the json-formula 2.0 specification's text.
SPEC_EXAMPLES: list[tuple[str, Any, Any]] = [
    ('"abc" & 123', {}, "abc123"),
    ('"123" * 2', {}, 246),
    ("[1,2,3] ~ 4", {}, [1, 2, 3, 4]),
    ('123 < "124"', {}, True),
    ('"23" > 111', {}, False),
    ('1 == "1"', {}, False),
    ("2 + `true`", {}, 3),
    ("foo | [1]", {"foo": [3, 4, 5]}, 4),
    ("foo | @[-1]", {"foo": [3, 4, 5]}, 5),
    ("foo | [1, 2]", {"foo": [3, 4, 5]}, [1, 2]),
    ("6 / 3", {}, 2),
    ("1e2", {}, 100),
    ("'with space'", {"with space": "value"}, "value"),
    ("'quote\\'char'", {"quote'char": "value"}, "value"),
    ("[1,2,3] + [2,3,4]", {}, [3, 5, 7]),
    ("[1,2,3,4] * [1,2,3]", {}, [1, 4, 9, 0]),
    ('[1,2,3,4] & "%"', {}, ["1%", "2%", "3%", "4%"]),
    ("a ~ `null`", {"a": [0, 1, 2]}, [0, 1, 2, None]),
    ("a[] ~ b[]", {"a": [[0, 1, 2]], "b": [[3, 4, 5]]}, [0, 1, 2, 3, 4, 5]),
    ("foo || bar", {"bar": "bar-value"}, "bar-value"),
    ("override || myarray[-1]", {"myarray": ["one", "two"]}, "two"),
    ("Number && EmptyList", {"Number": 5, "EmptyList": []}, []),
    ("--n", {"n": 5}, 5),
    ("[::-1]", [0, 1, 2, 3], [3, 2, 1, 0]),
    ("[-2:]", [0, 1, 2, 3], [2, 3]),
    ("foo[][]", {"foo": [[0, 1], [1, 2], [3, [4, 5]]]}, [0, 1, 1, 2, 3, 4, 5]),
    ("[*].foo", [{"foo": 1}, {"foo": 2}, {"bar": 3}], [1, 2, None]),
    ("items[0:2].price * 2", {"items": [{"price": 3}, {"price": 1.5}, {"price": 9}]}, [6, 3]),
    ("items[*].price | sum(@)", {"items": [{"price": 3}, {"price": 1.5}]}, 4.5),
    ("foo[*].bar | [0]", {"foo": [{"bar": ["a1", "b1"]}, {"bar": ["a2", "b2"]}]}, ["a1", "b1"]),
    ("foo[*].bar[0]", {"foo": [{"bar": ["a1", "b1"]}, {"bar": ["a2", "b2"]}]}, ["a1", "a2"]),
    ("foo[?a < b]", {"foo": [{"a": "char", "b": "bar"}, {"a": 2, "b": 1}, {"a": 1, "b": 2},
                             {"a": False, "b": "1"}, {"a": 10, "b": "12"}]},
     [{"a": 1, "b": 2}, {"a": False, "b": "1"}, {"a": 10, "b": "12"}]),
    ("{foo: foo, foo: 42}", {"foo": "a"}, {"foo": 42}),
    ('map(values, &"$" & @)', {"values": [123.45, 44.32, 99.00]}, ["$123.45", "$44.32", "$99"]),
    ("[].toNumber(@)", ["1", "2", "3", "notanumber", None, True], [1, 2, 3, 0, 0, 1]),
    ('register("_product", &@[0] * @[1]) | _product([2, 21])', {}, 42),
    ("datetime(1970,1,2,0,0,0) - datetime(1970,1,1,0,0,0)", {}, 1),
    ("datetime(2010,1,21,12,0,0) | {month: month(@), day: day(@), hour: hour(@)}", {},
     {"month": 1, "day": 21, "hour": 12}),
    ("value($days, weekday(datetime(2023, 9, 13), 3))", {}, "Wednesday"),
]


@pytest.mark.parametrize(("expression", "data", "expected"), SPEC_EXAMPLES, ids=[e[0] for e in SPEC_EXAMPLES])
def test_specification_examples(expression: str, data: Any, expected: Any) -> None:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert search(expression, data, {"$days": days}) == expected


# The traps profile authors meet (each differs from JMESPath or from a naive port).
TRAPS: list[tuple[str, Any, Any]] = [
    ("p > 0.5", {"p": 0.7}, True),  # a comparison is a boolean, never the operand
    ("p > 0.5", {}, False),
    ("p < 0.5", {}, True),  # null orders as 0
    ('"10" > "9"', {}, False),  # two strings compare as strings
    ('"0.62" == 0.62', {}, False),  # equality never coerces
    ("true", {"true": 1}, 1),  # bare true is a field
    ("true()", {}, True),
    ("[]", {"a": 1}, None),  # bare [] flattens @, it is no empty array
    ("`[]`", {}, []),
    ("[{v: `1`}, `{}`][*].v", {}, [1, None]),  # projections keep nulls
    ('0 || "d"', {}, "d"),
    ("a.'c2pa.actions.v2'.n", {"a": {"c2pa.actions.v2": {"n": 2}}}, 2),
    ("length(x)", {"x": [1, 2]}, 2),
    ('contains(x, "b")', {"x": "abc"}, True),
]


@pytest.mark.parametrize(("expression", "data", "expected"), TRAPS, ids=[t[0] for t in TRAPS])
def test_profile_traps(expression: str, data: Any, expected: Any) -> None:
    assert search(expression, data) == expected


@pytest.mark.parametrize(("expression", "kind"), [
    ("a %", "SyntaxError"), ("a[", "SyntaxError"), ("{}", "SyntaxError"), ('"open', "SyntaxError"),
    ("`{bad`", "SyntaxError"), ("nosuch(1)", "FunctionError"), ("if(1)", "FunctionError"),
    ("1/0", "EvaluationError"), ("`[1]`[::0]", "EvaluationError"), ("`{}` + 1", "TypeError"),
    ('register("x", &@)', "FunctionError"), ("keys(`[]`)", "TypeError"),
])
def test_errors_have_their_json_formula_kind(expression: str, kind: str) -> None:
    with pytest.raises(FormulaError) as info:
        search(expression, {})
    assert info.value.kind == kind
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_registered_functions_persist_on_one_engine() -> None:
    engine = FormulaEngine()
    engine.search('register("_twice", &@ * 2)', {})
    assert engine.search("_twice(21)", {}) == 42
    with pytest.raises(FormulaError):
        FormulaEngine().search("_twice(21)", {})


def test_oversized_expression_is_refused() -> None:
    with pytest.raises(FormulaError) as info:
        search("a" * (limits.MAX_FORMULA_CHARS + 1), {})
    assert info.value.kind == "LimitError"


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(FormulaError) as info:
        search("(" * (limits.MAX_FORMULA_DEPTH + 1) + "1" + ")" * (limits.MAX_FORMULA_DEPTH + 1), {})
    assert info.value.kind == "LimitError"
    with pytest.raises(FormulaError):
        search("-" * 5000 + "1", {})


def test_runaway_evaluation_is_stopped() -> None:
    # Each level doubles the work: map over map over ... would run for ages unbounded.
    expression = "map($a, &map($a, &map($a, &map($a, &length($a)))))"
    with pytest.raises(FormulaError) as info:
        search(expression, {}, {"$a": list(range(60))})
    assert info.value.kind == "LimitError"


def test_oversized_values_are_refused() -> None:
    with pytest.raises(FormulaError) as info:
        search('rept("x", 100000000)', {})
    assert info.value.kind == "LimitError"
    with pytest.raises(FormulaError):
        search('join(map(a, &rept("y", 50000)), "")', {"a": list(range(100))})


def test_deep_data_is_a_limit_error() -> None:
    data: Any = 1
    for _ in range(5000):
        data = [data]
    with pytest.raises(FormulaError):
        search("a == b", {"a": data, "b": data})


def test_expressions_cannot_reach_python() -> None:
    for expression in ('__import__("os")', "eval(1)", 'open("/etc/passwd")', "exec(1)"):
        with pytest.raises(FormulaError):
            search(expression, {"a": 1})
    # Names are only ever JSON keys: nothing else is looked up.
    assert search("a.__class__", {"a": 1}) is None
    assert search("__class__", {}) is None


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_text_round_trips(value: float) -> None:
    text = js_number_text(value)
    assert float(text) == value
    assert "e-0" not in text and not text.endswith(".0")


@pytest.mark.parametrize(("value", "text"), [
    (1e21, "1e+21"), (1e-7, "1e-7"), (123456789012345680000.0, "123456789012345680000"), (0.1, "0.1"),
    (-0.0, "0"), (1.5e-6, "0.0000015"), (2.0, "2"), (100.0, "100"),
])
def test_number_text_follows_ecmascript(value: float, text: str) -> None:
    assert js_number_text(value) == text
