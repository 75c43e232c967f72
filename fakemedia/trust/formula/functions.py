"""The json-formula 2.0 built-in functions a trust profile uses (a documented subset).

Each function checks its arity (FunctionError) and coerces its arguments by the
specification's rules (TypeError when no coercion exists). Scalar functions applied to
arrays follow the "array parameters" rule: every argument is balanced to the longest
array and the function is mapped element by element.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from typing import Any

from .errors import EVALUATION, FUNCTION, TYPE, FormulaError
from .interpreter import Interpreter
from .parser import Node
from .values import (
    ExpRef,
    equal,
    is_number,
    js_number_text,
    json_text,
    number,
    to_number,
    to_string,
    truthy,
    type_name,
)

Function = Callable[[Interpreter, tuple[Node, ...], Any], Any]
FUNCTIONS: dict[str, Function] = {}
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
    return [_broadcast(fn, *column) for column in zip(*rows, strict=False)]


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
    width = _integer(indent, "toString") if indent is not None else 0
    if width > 0 and isinstance(value, (list, dict)):
        return json.dumps(_for_json_text(value), ensure_ascii=False, indent=min(width, 10))
    return json_text(value)


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
    items = _array(value, "sort")
    if any(isinstance(item, (list, dict)) for item in items):
        raise FormulaError(EVALUATION, "sort() sorts numbers, strings, booleans and nulls only")
    return sorted(items, key=_sort_key)


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
    return [list(row) for row in zip(*arrays, strict=False)]


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
        return json_text(item)
    return to_string(item)


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
def _numeric(name: str, fn: Callable[[float], float], *, overflow: float | None = None) -> None:
    @_define(name, 1)
    def impl(it: Interpreter, value: Any) -> Any:
        _no_objects(name, value)

        def one(v: Any) -> Any:
            try:
                return number(fn(float(to_number(v))))
            except OverflowError as exc:
                if overflow is not None:
                    return overflow
                raise FormulaError(EVALUATION, f"{name}() resulted in an invalid number") from exc
            except ValueError as exc:
                raise FormulaError(EVALUATION, f"{name}() resulted in an invalid number") from exc
        return _broadcast(one, value)


_numeric("abs", abs)
_numeric("ceil", math.ceil)
_numeric("floor", math.floor)
_numeric("trunc", math.trunc)
_numeric("sqrt", math.sqrt)
_numeric("exp", math.exp, overflow=math.inf)
_numeric("log", math.log)
_numeric("log10", math.log10)
_numeric("sign", lambda x: (x > 0) - (x < 0))


@_define("round", 1, 2)
def _round(it: Interpreter, value: Any, digits: Any = 0) -> Any:
    _no_objects("round", value, digits)
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
    _no_objects("power", base, exponent)
    def one(a: Any, b: Any) -> Any:
        try:
            return number(math.pow(float(to_number(a)), float(to_number(b))))
        except (ValueError, OverflowError) as exc:
            raise FormulaError(EVALUATION, "power() out of range") from exc
    return _broadcast(one, base, exponent)


@_define("mod", 2)
def _mod(it: Interpreter, dividend: Any, divisor: Any) -> Any:
    _no_objects("mod", dividend, divisor)
    def one(a: Any, b: Any) -> Any:
        x, y = float(to_number(a)), float(to_number(b))
        if y == 0:
            raise FormulaError(EVALUATION, "mod() by zero")
        return number(math.fmod(x, y))
    return _broadcast(one, dividend, divisor)


# -- strings -------------------------------------------------------------------------------------
def _stringwise(name: str, fn: Callable[[str], str], *, nested: bool = True) -> None:
    @_define(name, 1)
    def impl(it: Interpreter, value: Any) -> Any:
        if not nested and isinstance(value, list) and any(isinstance(v, list) for v in value):
            raise FormulaError(TYPE, f"{name}() takes a string or an array of strings")
        return _broadcast(lambda v: fn(_string(v, name)), value)


_stringwise("upper", str.upper)
_stringwise("lower", str.lower)
_stringwise("trim", lambda s: " ".join(part for part in s.split(" ") if part))


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
    _no_objects("rept", text, count)
    def one(t: Any, c: Any) -> str:
        s, n = _string(t, "rept"), _integer(c, "rept")
        if n < 0:
            raise FormulaError(EVALUATION, "rept() count must not be negative")
        it.check_size(len(s) * n)
        return s * n
    return _broadcast(one, text, count)


# -- dates -----------------------------------------------------------------------------------------
# A date/time value is days since 1970-01-01 (UTC here: the engine takes UTC as the host time
# zone), the fraction being the time of day. Calendar arithmetic follows ECMAScript's Date
# (MakeDay/MakeTime: months and days roll over, years 0-99 mean 1900-1999) on the proleptic
# Gregorian calendar, and values beyond ±1e8 days are NaN, as a JavaScript Date is.
_MAX_DAYS = 1e8
_ISO_DATE = re.compile(
    r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$")


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def _make_date(year: float, month: float, day: float, hours: float = 0, minutes: float = 0,
               seconds: float = 0, millis: float = 0) -> float:
    parts = (year, month, day, hours, minutes, seconds, millis)
    if not all(math.isfinite(p) for p in parts):
        return math.nan
    y, mo = int(year), int(month)
    if 0 <= y <= 99:
        y += 1900
    y += (mo - 1) // 12
    mo = (mo - 1) % 12 + 1
    days = _days_from_civil(y, mo, 1) + int(day) - 1
    ms = (days * _MS_PER_DAY + int(hours) * 3_600_000 + int(minutes) * 60_000 + int(seconds) * 1000
          + int(millis))
    if abs(ms) > _MAX_DAYS * _MS_PER_DAY:
        return math.nan
    return ms / _MS_PER_DAY


def _date_fields(value: Any) -> tuple[int, int, int, int, int, int, int, int] | None:
    """(year, month, day, hour, minute, second, millisecond, weekday Sunday=0) or None."""
    days = float(to_number(value))
    if not math.isfinite(days) or abs(days) > _MAX_DAYS:
        return None
    ms = int(days * _MS_PER_DAY)  # a JavaScript time value is truncated to whole milliseconds
    whole, rest = divmod(ms, _MS_PER_DAY)
    year, month, day = _civil_from_days(whole)
    hour, rest = divmod(rest, 3_600_000)
    minute, rest = divmod(rest, 60_000)
    second, milli = divmod(rest, 1000)
    return year, month, day, hour, minute, second, milli, (whole + 4) % 7


def _no_objects(name: str, *values: Any) -> None:
    """Number and string parameters take no objects, even inside arrays (checked first)."""
    for value in values:
        if isinstance(value, dict):
            raise FormulaError(TYPE, f"{name}() cannot take an object")
        if isinstance(value, list):
            _no_objects(name, *value)


def _dates_argument(name: str, value: Any) -> None:
    """A date or an array of dates; an inner array may only hold numbers."""
    _no_objects(name, value)
    if isinstance(value, list):
        for inner in value:
            if isinstance(inner, list) and not all(is_number(v) for v in _flatten_all(inner)):
                raise FormulaError(TYPE, f"{name}() takes a date or an array of dates")


def _flatten_all(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        out.extend(_flatten_all(value) if isinstance(value, list) else [value])
    return out


def _scalars_only(name: str, *values: Any) -> None:
    """Parameters that take one value: no arrays (no array balancing) and no objects."""
    for value in values:
        if isinstance(value, (list, dict)):
            raise FormulaError(TYPE, f"{name}() expects a single value, got {type_name(value)}")


@_define("now", 0)
def _now(it: Interpreter) -> Any:
    return number(math.floor(time.time() * 1000) / _MS_PER_DAY)


@_define("today", 0)
def _today(it: Interpreter) -> Any:
    return number(float(math.floor(time.time() * 1000 / _MS_PER_DAY)))


@_define("toDate", 1)
def _to_date(it: Interpreter, value: Any) -> Any:
    _scalars_only("toDate", value)
    if not isinstance(value, str):
        return None
    m = _ISO_DATE.match(value.strip())
    if m is None:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour, minute = int(m.group(4) or 0), int(m.group(5) or 0)
    second, fraction = int(m.group(6) or 0), (m.group(7) or "0")
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute < 60 and second < 60):
        return None
    days = _days_from_civil(year, month, day)
    millis = int(fraction[:3].ljust(3, "0"))
    ms = days * _MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
    zone = m.group(8)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        ms -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
    return number(ms / _MS_PER_DAY)


@_define("datetime", 3, 7)
def _datetime(it: Interpreter, *parts: Any) -> Any:
    _scalars_only("datetime", *parts)
    values = [float(to_number(p)) for p in parts]
    return number(_make_date(*values))


def _date_part(name: str, index: int) -> None:
    @_define(name, 1)
    def impl(it: Interpreter, value: Any) -> Any:
        _dates_argument(name, value)

        def one(v: Any) -> Any:
            fields = _date_fields(v)
            return math.nan if fields is None else fields[index]
        return _broadcast(one, value)


for _index, _name in enumerate(("year", "month", "day", "hour", "minute", "second", "millisecond")):
    _date_part(_name, _index)


@_define("weekday", 1, 2)
def _weekday(it: Interpreter, value: Any, kind: Any = 1) -> Any:
    _scalars_only("weekday", kind)
    style = _integer(kind, "weekday")
    if style not in (1, 2, 3):
        raise FormulaError(FUNCTION, "weekday() type must be 1, 2 or 3")
    _dates_argument("weekday", value)

    def one(v: Any) -> Any:
        fields = _date_fields(v)
        if fields is None:
            return math.nan
        sunday0 = fields[7]
        if style == 1:
            return sunday0 + 1  # Sunday = 1 … Saturday = 7
        if style == 2:
            return (sunday0 + 6) % 7 + 1  # Monday = 1 … Sunday = 7
        return (sunday0 + 6) % 7  # Monday = 0 … Sunday = 6
    return _broadcast(one, value)


@_define("datedif", 3)
def _datedif(it: Interpreter, start: Any, end: Any, unit: Any) -> Any:
    a, b = _date_fields(start), _date_fields(end)
    if a is None or b is None:
        raise FormulaError(EVALUATION, "datedif() needs valid dates")
    if float(to_number(end)) < float(to_number(start)):
        raise FormulaError(EVALUATION, "datedif() end date is before the start date")
    u = _string(unit, "datedif").lower()
    months = (b[0] - a[0]) * 12 + b[1] - a[1] - (1 if b[2] < a[2] else 0)
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
