"""Seeded generators of json-formula expressions and data for the differential test.

The grammar covers what trust profiles write: paths, quoted identifiers, index, slice,
projections, flatten, filters, pipes, literals of every kind, all operators (so the coercion
rules are exercised on mixed types), list and object expressions, ``$globals`` and the
functions of the engine's subset.
"""

from __future__ import annotations

import json
import random
from typing import Any

KEYS = ["a", "b", "c", "n", "s", "x y"]
STRINGS = ["", "abc", "12", "3.5", " 7 ", "-2", "1e2", "true", "Abc", "a.b", "x,y", "0"]
NUMBERS = [0, 1, 2, -1, 3, 0.5, 2.5, -3.25, 10, 100, 1e-7, 123456789]

DATES = ["2026-01-02", "2026-01-02T03:04:05Z", "2025-06-17T22:44:49.717Z", "1999-12-31T23:59:59+02:00",
         "not a date", "2026-13-01", "2024-02-29T12:00:00", ""]

GLOBALS = {"$t": 0.5, "$names": ["abc", "Abc"], "$o": {"a": 1}}


def make_data(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth >= 3 or roll < 0.35:
        return _scalar(rng)
    if roll < 0.65:
        return [make_data(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {k: make_data(rng, depth + 1) for k in rng.sample(KEYS, rng.randint(1, 4))}


def make_root(rng: random.Random) -> dict[str, Any]:
    """A top-level object so most paths find something."""
    root = {k: make_data(rng, 1) for k in KEYS}
    root["items"] = [{k: make_data(rng, 2) for k in rng.sample(KEYS, 3)} for _ in range(rng.randint(0, 4))]
    root["nums"] = [rng.choice(NUMBERS) for _ in range(rng.randint(0, 5))]
    root["strs"] = [rng.choice(STRINGS) for _ in range(rng.randint(0, 4))]
    return root


def _scalar(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(NUMBERS)
    if roll < 0.7:
        return rng.choice(STRINGS)
    if roll < 0.85:
        return rng.choice([True, False])
    return None


def _identifier(rng: random.Random) -> str:
    key = rng.choice([*KEYS, "items", "nums", "strs", "missing"])
    return f"'{key}'" if " " in key or rng.random() < 0.1 else key


def _path(rng: random.Random, depth: int) -> str:
    base = rng.choice([_identifier(rng), _identifier(rng), "@", "items", "nums", "strs"])
    for _ in range(rng.randint(0, 2)):
        roll = rng.random()
        if roll < 0.3:
            base += "." + _identifier(rng)
        elif roll < 0.45:
            base += f"[{rng.choice([0, 1, -1, 5])}]"
        elif roll < 0.55:
            base += rng.choice(["[*]", "[]", "[1:]", "[:2]", "[::-1]", ".*"])
        elif roll < 0.7 and depth < 3:
            base += f"[?{_expression(rng, depth + 1)}]"
        elif roll < 0.8:
            base += "." + _identifier(rng)
    return base


def _literal(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(["0", "1", "2", "0.5", ".5", "10", "1e2", "3"])
    if roll < 0.6:
        return json.dumps(rng.choice(STRINGS))
    if roll < 0.8:
        return "`" + json.dumps(rng.choice([1, "a", [1, 2], {"a": 1}, None, True, [], {}, 0.5])) + "`"
    return rng.choice(["true()", "false()", "null()", "$t", "$names", "$o"])


_BINARY = ["+", "-", "*", "/", "&", "~", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "=", "<>"]
_FUNCTIONS: dict[str, int] = {
    "length": 1, "contains": 2, "keys": 1, "values": 1, "hasProperty": 2, "notNull": 2, "if": 3,
    "max": 1, "min": 1, "sum": 1, "join": 2, "upper": 1, "lower": 1, "startsWith": 2,
    "endsWith": 2, "type": 1, "toNumber": 1, "not": 1, "and": 2, "or": 2, "abs": 1, "ceil": 1,
    "floor": 1, "round": 2, "sort": 1, "reverse": 1, "unique": 1, "split": 2, "value": 2,
    "merge": 2, "left": 2, "right": 2, "toArray": 1, "entries": 1, "sign": 1, "trunc": 1,
    "avg": 1, "mid": 3, "rept": 2, "power": 2, "mod": 2, "sqrt": 1, "trim": 1, "zip": 2,
    "fromEntries": 1, "toString": 1, "exp": 1, "log": 1, "log10": 1, "year": 1, "month": 1,
    "day": 1, "hour": 1, "minute": 1, "second": 1, "weekday": 2, "toDate": 1, "datetime": 3,
}


def _expression(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth >= 3 or roll < 0.3:
        return _path(rng, depth) if rng.random() < 0.6 else _literal(rng)
    if roll < 0.55:
        op = rng.choice(_BINARY)
        return f"{_expression(rng, depth + 1)} {op} {_expression(rng, depth + 1)}"
    if roll < 0.62:
        return rng.choice(["!", "-"]) + _expression(rng, depth + 1)
    if roll < 0.67:
        return f"({_expression(rng, depth + 1)})"
    if roll < 0.72:
        return f"[{_expression(rng, depth + 1)}, {_expression(rng, depth + 1)}]"
    if roll < 0.75:
        return f"{{k: {_expression(rng, depth + 1)}, 'x y': {_expression(rng, depth + 1)}}}"
    if roll < 0.8:
        return f"{_path(rng, depth)} | {_expression(rng, depth + 1)}"
    if roll < 0.82:
        return f"map({_path(rng, depth)}, &{_expression(rng, depth + 1)})"
    if roll < 0.84:
        return rng.choice([
            f"sortBy({_path(rng, depth)}, &{_expression(rng, depth + 1)})",
            f"reduce({_path(rng, depth)}, &accumulated + current, {_literal(rng)})",
            f"max({_expression(rng, depth + 1)}, {_expression(rng, depth + 1)}, {_literal(rng)})",
            f"notNull({_path(rng, depth)}, {_path(rng, depth)}, {_literal(rng)})",
            f"toDate({json.dumps(rng.choice(DATES))})",
            f"datetime({rng.randint(1960, 2040)}, {rng.randint(-2, 14)}, {rng.randint(0, 33)})",
        ])
    name = rng.choice(sorted(_FUNCTIONS))
    args = ", ".join(_expression(rng, depth + 1) for _ in range(_FUNCTIONS[name]))
    return f"{name}({args})"


def generated_cases(count: int, seed: int = 13) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        cases.append({"expression": _expression(rng, 0), "data": make_root(rng), "globals": GLOBALS})
    return cases
