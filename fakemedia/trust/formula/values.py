"""json-formula values and the coercion rules of json-formula 2.0 (§ Type Coercion).

Values are plain JSON in Python form. Numbers are doubles as in the specification: integral
results within the exact range are kept as ``int`` so they print as JavaScript prints them.
``bool`` is never a number here, although Python makes it an ``int`` subclass.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .errors import TYPE, FormulaError
from .parser import Node

_NUMERIC_TEXT = re.compile(r"^\s*[-+]?(\d*)(\.\d+)?([eE][-+]?\d+)?\s*$")
_EXACT = 2**53


@dataclass(frozen=True)
class ExpRef:
    """An ``&expression`` argument: evaluated by the function that receives it."""

    node: Node


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, ExpRef):
        return "expression"
    raise FormulaError(TYPE, f"not a JSON value: {type(value).__name__}")


def number(value: float) -> int | float:
    """A double as the engine keeps it: integral values within 2**53 become ``int``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -_EXACT <= value <= _EXACT else float(value)
    double = float(value)
    if math.isfinite(double) and double.is_integer() and -_EXACT <= double <= _EXACT:
        return int(double)
    return double


def truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if value is True:
        return True
    if is_number(value):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, (str, list, dict)):
        return len(value) > 0
    return True


def parse_number_text(text: str) -> float | None:
    """A string's number per the specification's well-formedness rule, or None."""
    m = _NUMERIC_TEXT.match(text)
    if not m or (m.group(1) == "" and m.group(2) is None and m.group(3) is not None):
        return None
    stripped = text.strip()
    if stripped in ("", "+", "-"):
        return 0.0 if stripped == "" else None
    try:
        return float(stripped)
    except ValueError:
        return None


def to_number(value: Any, *, strict: bool = False) -> int | float:
    """Coerce for numeric operators. A malformed string is 0 (as @adobe/json-formula does),
    or a TypeError when ``strict``."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if is_number(value):
        return value
    if isinstance(value, str):
        parsed = parse_number_text(value)
        if parsed is None:
            if strict:
                raise FormulaError(TYPE, f"cannot convert {value!r} to a number")
            return 0
        return number(parsed)
    raise FormulaError(TYPE, f"cannot convert {type_name(value)} to a number")


def to_string(value: Any) -> str:
    """Coerce to a string: numbers as JavaScript prints them, null as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return js_number_text(value)
    if isinstance(value, str):
        return value
    raise FormulaError(TYPE, f"cannot convert {type_name(value)} to a string")


def js_number_text(value: float) -> str:
    """Number.prototype.toString() for doubles (ECMA-262 Number::toString, radix 10)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) < 10**21:
            return str(value)
        value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value < 0:
        return "-" + js_number_text(-value)
    digits, exponent = _shortest_digits(value)
    k, n = len(digits), exponent  # value = 0.digits * 10**n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    sign = "+" if n - 1 >= 0 else "-"
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{mantissa}e{sign}{abs(n - 1)}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a positive double and its exponent n
    (value = 0.d1d2… × 10**n). Python's repr is the shortest round-trip form."""
    text = repr(value)
    mantissa, _, exp = text.partition("e")
    exponent = int(exp) if exp else 0
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    lead = len(whole.lstrip("0")) if whole.strip("0") else -(len(frac) - len(frac.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    return digits, lead + exponent


def equal(a: Any, b: Any) -> bool:
    """Deep equality without coercion."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)


def order(op: str, a: Any, b: Any) -> bool:
    """``< <= > >=``: numbers numerically, strings by code point. Mixed operands go through a
    number coercion: against a number a malformed string counts as 0 (as @adobe/json-formula
    2.0 does); otherwise it, an array or an object makes the comparison false."""
    if not (isinstance(a, str) and isinstance(b, str)):
        if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
            return False
        lenient = is_number(a) or is_number(b)
        try:
            a, b = to_number(a, strict=not lenient), to_number(b, strict=not lenient)
        except FormulaError:
            return False
        if any(isinstance(x, float) and math.isnan(x) for x in (a, b)):
            return False
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def js_text(value: Any) -> str:
    """JavaScript's String(value) for JSON values (arrays joined by ',', null as '')."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(js_text(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return to_string(value)


def to_json(value: Any) -> Any:
    """A result as JSON.stringify would hand it back: non-finite numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, ExpRef):
        return None
    return value


def json_text(value: Any) -> str:
    """JSON.stringify(value) without spaces (numbers as JavaScript prints them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return js_number_text(value) if value == value and abs(value) != float("inf") else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        members = (json.dumps(k, ensure_ascii=False) + ":" + json_text(v) for k, v in value.items())
        return "{" + ",".join(members) + "}"
    return "null"
