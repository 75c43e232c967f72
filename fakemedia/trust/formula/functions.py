"""The json-formula 2.0 built-in functions a trust profile uses (a documented subset).

Each function checks its arity (FunctionError) and coerces its arguments by the
specification's rules (TypeError when no coercion exists). Scalar functions applied to
arrays follow the "array parameters" rule: every argument is balanced to the longest
array and the function is mapped element by element.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import EVALUATION, FUNCTION, TYPE, FormulaError
from .interpreter import Interpreter
from .parser import Node
from .values import (
    ExpRef,
    equal,
    is_number,
    js_number_text,
    number,
    to_number,
    to_string,
    truthy,
    type_name,
)

Function = Callable[[Interpreter, tuple[Node, ...], Any], Any]
FUNCTIONS: dict[str, Function] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS_PER_DAY = 86_400_000


def _define(name: str, min_args: int, max_args: int | None = None, *, lazy: bool = False) -> Callable[
        [Callable[..., Any]], Callable[..., Any]]:
    """Register ``impl(it, *values)``; ``max_args=None`` means exactly ``min_args``,
    ``-1`` means variadic."""
    upper = min_args if max_args is None else max_args

    def wrap(impl: Callable[..., Any]) -> Callable[..., Any]:
        def call(it: Interpreter, nodes: tuple[Node, ...], current: Any) -> Any:
            if len(nodes) < min_args or (upper >= 0 and len(nodes) > upper):
                raise FormulaError(FUNCTION, f"{name}() takes {_arity_text(min_args, upper)} "
                                             f"but received {len(nodes)}")
            if lazy:
                return impl(it, nodes, current)
            return impl(it, *[it.visit(node, current) for node in nodes])

        FUNCTIONS[name] = call
        return impl

    return wrap


def _arity_text(low: int, high: int) -> str:
    if high < 0:
        return f"at least {low} arguments"
    if low == high:
        return f"{low} arguments"
    return f"{low} to {high} arguments"


def _broadcast(fn: Callable[..., Any], *args: Any) -> Any:
    """Apply a scalar function; when any argument is an array, balance and map (recursively)."""
    if not any(isinstance(a, list) for a in args):
        return fn(*args)
    size = max(len(a) for a in args if isinstance(a, list))
    rows = [a + [None] * (size - len(a)) if isinstance(a, list) else [a] * size for a in args]
    return [_broadcast(fn, *column) for column in zip(*rows)]


def _expref(value: Any, name: str) -> ExpRef:
    if not isinstance(value, ExpRef):
        raise FormulaError(TYPE, f"{name}() expects an expression (&…) argument")
    return value


def _array(value: Any, name: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None or isinstance(value, dict) or isinstance(value, ExpRef):
        raise FormulaError(TYPE, f"{name}() expects an array, got {type_name(value)}")
    return [value]


def _string(value: Any, name: str) -> str:
    if isinstance(value, (list, dict, ExpRef)):
        raise FormulaError(TYPE, f"{name}() expects a string, got {type_name(value)}")
    return to_string(value)


def _text_or_array(value: Any, name: str) -> str | list[Any]:
    """A 'string|array' parameter: null is ''; a number or boolean could become either, so
    (by the single-viable-coercion rule) it is a TypeError."""
    if isinstance(value, (str, list)):
        return value
    if value is None:
        return ""
    raise FormulaError(TYPE, f"{name}() expects a string or array, got {type_name(value)}")


def _integer(value: Any, name: str) -> int:
    if isinstance(value, (list, dict, ExpRef)):
        raise FormulaError(TYPE, f"{name}() expects an integer, got {type_name(value)}")
    number_value = float(to_number(value))
    if not math.isfinite(number_value):
        raise FormulaError(EVALUATION, f"{name}() expects a finite integer")
    return int(number_value)  # truncated, as the specification's integer rule says


def _flat_numbers(values: tuple[Any, ...] | list[Any]) -> list[float]:
    """Aggregating functions flatten nested arrays and skip what is not a number."""
    out: list[float] = []
    for value in values:
        if isinstance(value, list):
            out.extend(_flat_numbers(value))
        elif is_number(value):
            out.append(value)
    return out


# -- logic ---------------------------------------------------------------------------------------
@_define("if", 3, lazy=True)
def _if(it: Interpreter, nodes: tuple[Node, ...], current: Any) -> Any:
    return it.visit(nodes[1] if truthy(it.visit(nodes[0], current)) else nodes[2], current)


@_define("and", 1, -1)
def _and(it: Interpreter, *values: Any) -> bool:
    return all(truthy(v) for v in values)


@_define("or", 1, -1)
def _or(it: Interpreter, *values: Any) -> bool:
    return any(truthy(v) for v in values)


@_define("not", 1)
def _not(it: Interpreter, value: Any) -> bool:
    return not truthy(value)


@_define("true", 0)
def _true(it: Interpreter) -> bool:
    return True


@_define("false", 0)
def _false(it: Interpreter) -> bool:
    return False


@_define("null", 0)
def _null(it: Interpreter) -> None:
    return None


@_define("notNull", 1, -1)
def _not_null(it: Interpreter, *values: Any) -> Any:
    return next((v for v in values if v is not None), None)


# -- shape and lookup ----------------------------------------------------------------------------
@_define("length", 1)
def _length(it: Interpreter, value: Any) -> int:
    if isinstance(value, dict):
        return len(value)
    return len(_text_or_array(value, "length"))


@_define("type", 1)
def _type(it: Interpreter, value: Any) -> str:
    return type_name(value)


@_define("keys", 1)
def _keys(it: Interpreter, value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise FormulaError(TYPE, f"keys() expects an object, got {type_name(value)}")
    return list(value.keys())


@_define("values", 1)
def _values(it: Interpreter, value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise FormulaError(TYPE, f"values() expects an object, got {type_name(value)}")
    return list(value.values())


@_define("entries", 1)
def _entries(it: Interpreter, value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [[k, v] for k, v in value.items()]
    return [[str(i), v] for i, v in enumerate(_array(value, "entries"))]


@_define("fromEntries", 1)
def _from_entries(it: Interpreter, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in _array(value, "fromEntries"):
        if not isinstance(pair, list) or len(pair) != 2:
            raise FormulaError(TYPE, "fromEntries() expects [key, value] pairs")
        out[_string(pair[0], "fromEntries")] = pair[1]
    return out


@_define("hasProperty", 2)
def _has_property(it: Interpreter, subject: Any, name: Any) -> bool:
    if not isinstance(name, str) and not is_number(name):
        raise FormulaError(TYPE, f"hasProperty() expects a string or number name, got {type_name(name)}")
    if subject is None:
        return False
    if isinstance(subject, dict):
        if not isinstance(name, str):
            raise FormulaError(TYPE, "hasProperty() on an object expects a string key")
        return name in subject
    if isinstance(subject, list):
        if not is_number(name):
            raise FormulaError(TYPE, "hasProperty() on an array expects an integer index")
        return 0 <= int(name) < len(subject)
    raise FormulaError(TYPE, f"hasProperty() expects an object or array, got {type_name(subject)}")


@_define("value", 2)
def _value(it: Interpreter, subject: Any, index: Any) -> Any:
    if not isinstance(index, str) and not is_number(index):
        raise FormulaError(TYPE, f"value() expects a string or number index, got {type_name(index)}")
    if subject is None:
        return None
    if isinstance(subject, dict):
        if not isinstance(index, str):
            raise FormulaError(TYPE, "value() on an object expects a string index")
        return subject.get(index)
    if isinstance(subject, list):
        if not is_number(index):
            raise FormulaError(TYPE, "value() on an array expects an integer index")
        i = int(index)  # truncated; negative indexes find nothing here
        return subject[i] if 0 <= i < len(subject) else None
    raise FormulaError(TYPE, f"value() expects an object, array or null, got {type_name(subject)}")


@_define("contains", 2)
def _contains(it: Interpreter, subject: Any, search: Any) -> bool:
    haystack = _text_or_array(subject, "contains")
    if isinstance(haystack, list):
        return any(equal(item, search) for item in haystack)
    if not isinstance(search, str):
        raise FormulaError(TYPE, "contains() on a string expects a string to search")
    return search in haystack


@_define("toArray", 1)
def _to_array(it: Interpreter, value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@_define("toNumber", 1, 2)
def _to_number(it: Interpreter, value: Any, base: Any = None) -> Any:
    def one(v: Any) -> Any:
        return None if isinstance(v, dict) else to_number(v)
    return _broadcast(one, value)


@_define("toString", 1, 2)
def _to_string(it: Interpreter, value: Any, indent: Any = None) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)) or value is None:
        import json

        width = _integer(indent, "toString") if indent is not None else 0
        return json.dumps(_for_json_text(value), ensure_ascii=False, indent=width or None,
                          separators=(",", ":") if not width else (",", ": "))
    return to_string(value)


def _for_json_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_for_json_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _for_json_text(v) for k, v in value.items()}
    return value


# -- arrays --------------------------------------------------------------------------------------
@_define("map", 2)
def _map(it: Interpreter, items: Any, ref: Any) -> list[Any]:
    expr = _expref(ref, "map")
    return [it.call_expref(expr, item) for item in _array(items, "map")]


@_define("reduce", 2, 3)
def _reduce(it: Interpreter, items: Any, ref: Any, initial: Any = None) -> Any:
    expr = _expref(ref, "reduce")
    accumulated = initial
    for index, item in enumerate(_array(items, "reduce")):
        accumulated = it.call_expref(expr, {"accumulated": accumulated, "current": item, "index": index,
                                            "array": items})
    return accumulated


@_define("reverse", 1)
def _reverse(it: Interpreter, value: Any) -> Any:
    subject = _text_or_array(value, "reverse")
    return subject[::-1]


@_define("unique", 1)
def _unique(it: Interpreter, value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _array(value, "unique"):
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def _sort_key(value: Any) -> tuple[int, Any]:
    # sort(): numbers first (ascending), then strings, then the rest in input order.
    if is_number(value):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, 0)


@_define("sort", 1)
def _sort(it: Interpreter, value: Any) -> list[Any]:
    return sorted(_array(value, "sort"), key=_sort_key)


@_define("sortBy", 2)
def _sort_by(it: Interpreter, items: Any, ref: Any) -> list[Any]:
    expr = _expref(ref, "sortBy")
    keyed = [(it.call_expref(expr, item), item) for item in _array(items, "sortBy")]
    kinds = {type_name(k) for k, _ in keyed}
    if len(kinds) > 1 or not kinds <= {"number", "string"}:
        if keyed:
            raise FormulaError(TYPE, "sortBy() keys must all be numbers or all strings")
    return [item for _, item in sorted(keyed, key=lambda pair: pair[0])]


@_define("merge", 0, -1)
def _merge(it: Interpreter, *values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in values:
        if value is None:
            continue
        if not isinstance(value, dict):
            raise FormulaError(TYPE, f"merge() expects objects, got {type_name(value)}")
        out.update(value)
    return out


@_define("zip", 1, -1)
def _zip(it: Interpreter, *values: Any) -> list[Any]:
    arrays = [_array(v, "zip") for v in values]
    return [list(row) for row in zip(*arrays)]


@_define("join", 2)
def _join(it: Interpreter, items: Any, glue: Any) -> str:
    sep = _string(glue, "join")
    parts = [_join_text(item) for item in _array(items, "join")]
    text = sep.join(parts)
    it.check_size(len(text))
    return text


def _join_text(item: Any) -> str:
    if item is None:
        return "null"
    if isinstance(item, (list, dict)):
        return _to_string_value(item)
    return to_string(item)


def _to_string_value(value: Any) -> str:
    import json

    return json.dumps(_for_json_text(value), ensure_ascii=False, separators=(",", ":"))


# -- aggregates ----------------------------------------------------------------------------------
@_define("max", 1, -1)
def _max(it: Interpreter, *values: Any) -> Any:
    numbers = _flat_numbers(values)
    return max(numbers) if numbers else 0


@_define("min", 1, -1)
def _min(it: Interpreter, *values: Any) -> Any:
    numbers = _flat_numbers(values)
    return min(numbers) if numbers else 0


@_define("sum", 1)
def _sum(it: Interpreter, values: Any) -> Any:
    total = 0.0
    for v in _flat_numbers(_array(values, "sum")):
        total += v
    return number(total)


@_define("avg", 1)
def _avg(it: Interpreter, values: Any) -> Any:
    numbers = _flat_numbers(_array(values, "avg"))
    if not numbers:
        raise FormulaError(EVALUATION, "avg() of an empty array")
    total = 0.0
    for v in numbers:
        total += v
    return number(total / len(numbers))


# -- numbers -------------------------------------------------------------------------------------
def _numeric(name: str, fn: Callable[[float], float]) -> None:
    @_define(name, 1)
    def impl(it: Interpreter, value: Any) -> Any:
        def one(v: Any) -> Any:
            if isinstance(v, dict):
                raise FormulaError(TYPE, f"{name}() expects a number")
            try:
                return number(fn(float(to_number(v))))
            except (ValueError, OverflowError) as exc:
                raise FormulaError(EVALUATION, f"{name}() out of range") from exc
        return _broadcast(one, value)


_numeric("abs", abs)
_numeric("ceil", math.ceil)
_numeric("floor", math.floor)
_numeric("trunc", math.trunc)
_numeric("sqrt", math.sqrt)
_numeric("exp", math.exp)
_numeric("log", math.log)
_numeric("log10", math.log10)
_numeric("sign", lambda x: (x > 0) - (x < 0))


@_define("round", 1, 2)
def _round(it: Interpreter, value: Any, digits: Any = 0) -> Any:
    def one(v: Any, d: Any) -> Any:
        x, places = float(to_number(v)), int(to_number(d))
        try:
            scale = 10.0 ** places
        except OverflowError:
            scale = math.inf
        # Half values round up (towards +infinity), as the specification states; a scale
        # beyond the double range gives NaN as in IEEE arithmetic.
        scaled = x * scale + 0.5
        if not math.isfinite(scaled) or scale == 0:
            return math.nan
        return number(math.floor(scaled) / scale)
    return _broadcast(one, value, digits)


@_define("power", 2)
def _power(it: Interpreter, base: Any, exponent: Any) -> Any:
    def one(a: Any, b: Any) -> Any:
        try:
            return number(math.pow(float(to_number(a)), float(to_number(b))))
        except (ValueError, OverflowError) as exc:
            raise FormulaError(EVALUATION, "power() out of range") from exc
    return _broadcast(one, base, exponent)


@_define("mod", 2)
def _mod(it: Interpreter, dividend: Any, divisor: Any) -> Any:
    def one(a: Any, b: Any) -> Any:
        x, y = float(to_number(a)), float(to_number(b))
        if y == 0:
            raise FormulaError(EVALUATION, "mod() by zero")
        return number(math.fmod(x, y))
    return _broadcast(one, dividend, divisor)


# -- strings -------------------------------------------------------------------------------------
def _stringwise(name: str, fn: Callable[[str], str]) -> None:
    @_define(name, 1)
    def impl(it: Interpreter, value: Any) -> Any:
        return _broadcast(lambda v: fn(_string(v, name)), value)


_stringwise("upper", str.upper)
_stringwise("lower", str.lower)
_stringwise("trim", lambda s: " ".join(s.split(" ")).strip(" ") if s else s)


@_define("startsWith", 2)
def _starts_with(it: Interpreter, subject: Any, prefix: Any) -> Any:
    return _broadcast(lambda s, p: _string(s, "startsWith").startswith(_string(p, "startsWith")),
                      subject, prefix)


@_define("endsWith", 2)
def _ends_with(it: Interpreter, subject: Any, suffix: Any) -> Any:
    return _broadcast(lambda s, p: _string(s, "endsWith").endswith(_string(p, "endsWith")), subject, suffix)


@_define("split", 2)
def _split(it: Interpreter, text: Any, separator: Any) -> Any:
    def one(s: Any, sep: Any) -> list[str]:
        subject, glue = _string(s, "split"), _string(sep, "split")
        if glue == "":
            return list(subject)
        return subject.split(glue)
    return _broadcast(one, text, separator)


@_define("left", 1, 2)
def _left(it: Interpreter, subject: Any, count: Any = 1) -> Any:
    items = _text_or_array(subject, "left")
    n = _integer(count, "left")
    if n < 0:
        raise FormulaError(EVALUATION, "left() count must not be negative")
    return items[:n]


@_define("right", 1, 2)
def _right(it: Interpreter, subject: Any, count: Any = 1) -> Any:
    items = _text_or_array(subject, "right")
    n = _integer(count, "right")
    if n < 0:
        raise FormulaError(EVALUATION, "right() count must not be negative")
    return items[len(items) - n:] if n else items[:0]


@_define("mid", 3)
def _mid(it: Interpreter, subject: Any, start: Any, length: Any) -> Any:
    items = _text_or_array(subject, "mid")
    s, n = _integer(start, "mid"), _integer(length, "mid")
    if s < 0 or n < 0:
        raise FormulaError(EVALUATION, "mid() start and length must not be negative")
    return items[s:s + n]


@_define("rept", 2)
def _rept(it: Interpreter, text: Any, count: Any) -> Any:
    def one(t: Any, c: Any) -> str:
        s, n = _string(t, "rept"), _integer(c, "rept")
        if n < 0:
            raise FormulaError(EVALUATION, "rept() count must not be negative")
        it.check_size(len(s) * n)
        return s * n
    return _broadcast(one, text, count)


# -- dates (days since 1970-01-01 UTC; the fraction is the time of day) ----------------------
def _from_datetime(moment: datetime) -> float:
    return (moment - _EPOCH) / timedelta(days=1)


def _to_datetime(value: Any, name: str) -> datetime:
    days = float(to_number(value))
    try:
        return _EPOCH + timedelta(milliseconds=round(days * _MS_PER_DAY))
    except OverflowError as exc:
        raise FormulaError(EVALUATION, f"{name}() date out of range") from exc


@_define("now", 0)
def _now(it: Interpreter) -> Any:
    return number(time.time() * 1000 // 1 / _MS_PER_DAY)


@_define("today", 0)
def _today(it: Interpreter) -> Any:
    return number(float(int(time.time() // 86_400)))


@_define("toDate", 1)
def _to_date(it: Interpreter, value: Any) -> Any:
    text = _string(value, "toDate").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return number(_from_datetime(moment))


@_define("datetime", 3, 7)
def _datetime(it: Interpreter, *parts: Any) -> Any:
    y, mo, d, h, mi, s, ms = ([_integer(p, "datetime") for p in parts] + [0, 0, 0, 0])[:7]
    # Out-of-range months and days roll over, as spreadsheet date constructors do.
    y += (mo - 1) // 12
    mo = (mo - 1) % 12 + 1
    try:
        base = datetime(y, mo, 1, tzinfo=timezone.utc)
    except ValueError as exc:
        raise FormulaError(EVALUATION, "datetime() out of range") from exc
    moment = base + timedelta(days=d - 1, hours=h, minutes=mi, seconds=s, milliseconds=ms)
    return number(_from_datetime(moment))


def _date_part(name: str, pick: Callable[[datetime], int]) -> None:
    @_define(name, 1)
    def impl(it: Interpreter, value: Any) -> Any:
        return _broadcast(lambda v: pick(_to_datetime(v, name)), value)


_date_part("year", lambda m: m.year)
_date_part("month", lambda m: m.month)
_date_part("day", lambda m: m.day)
_date_part("hour", lambda m: m.hour)
_date_part("minute", lambda m: m.minute)
_date_part("second", lambda m: m.second)
_date_part("millisecond", lambda m: m.microsecond // 1000)


@_define("weekday", 1, 2)
def _weekday(it: Interpreter, value: Any, kind: Any = 1) -> Any:
    def one(v: Any, k: Any) -> int:
        monday0 = _to_datetime(v, "weekday").weekday()  # Monday = 0
        style = _integer(k, "weekday")
        if style == 1:
            return (monday0 + 1) % 7 + 1  # Sunday = 1 … Saturday = 7
        if style == 2:
            return monday0 + 1  # Monday = 1 … Sunday = 7
        if style == 3:
            return monday0  # Monday = 0 … Sunday = 6
        raise FormulaError(FUNCTION, "weekday() type must be 1, 2 or 3")
    return _broadcast(one, value, kind)


@_define("datedif", 3)
def _datedif(it: Interpreter, start: Any, end: Any, unit: Any) -> Any:
    a, b = _to_datetime(start, "datedif"), _to_datetime(end, "datedif")
    if b < a:
        raise FormulaError(EVALUATION, "datedif() end date is before the start date")
    u = _string(unit, "datedif").lower()
    months = (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0)
    if u == "d":
        return math.floor(float(to_number(end))) - math.floor(float(to_number(start)))
    if u == "m":
        return months
    if u == "y":
        return months // 12
    raise FormulaError(FUNCTION, f"datedif() unit {u!r} is not supported")


# -- user functions ------------------------------------------------------------------------------
@_define("register", 2)
def _register(it: Interpreter, name: Any, ref: Any) -> dict[str, Any]:
    fname = _string(name, "register")
    if not fname.startswith("_"):
        raise FormulaError(FUNCTION, f"registered function names start with '_': {fname!r}")
    if fname in it.functions:
        raise FormulaError(FUNCTION, f"cannot redefine {fname}()")
    it.user_functions[fname] = _expref(ref, "register")
    return {}


__all__ = ["FUNCTIONS", "js_number_text"]
