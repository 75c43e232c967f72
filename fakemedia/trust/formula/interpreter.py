"""json-formula 2.0 evaluator: AST + data -> value, within step, depth and size bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...limits import MAX_FORMULA_DEPTH, MAX_FORMULA_OUTPUT, MAX_FORMULA_STEPS
from .errors import EVALUATION, FUNCTION, LIMIT, TYPE, FormulaError
from .parser import Node
from .values import ExpRef, equal, is_number, js_text, number, order, to_number, to_string, truthy

#: Called for every field looked up on an object: (the field's node, whether the key is there).
FieldHook = Callable[[Node, bool], None]


class Interpreter:
    """One search: evaluates nodes against data with the host's globals and functions."""

    def __init__(self, functions: dict[str, Callable[..., Any]], user_functions: dict[str, ExpRef],
                 globals_: dict[str, Any], on_field: FieldHook | None = None) -> None:
        self.functions = functions
        self.user_functions = user_functions
        self.globals = globals_
        self.on_field = on_field
        self.steps = 0
        self.depth = 0

    def visit(self, node: Node, current: Any) -> Any:
        self.steps += 1
        if self.steps > MAX_FORMULA_STEPS:
            raise FormulaError(LIMIT, f"more than {MAX_FORMULA_STEPS} evaluation steps")
        self.depth += 1
        if self.depth > MAX_FORMULA_DEPTH * 4:
            raise FormulaError(LIMIT, "evaluation nested too deeply")
        try:
            return _HANDLERS[node.kind](self, node, current)
        finally:
            self.depth -= 1

    def call_expref(self, ref: ExpRef, current: Any) -> Any:
        return self.visit(ref.node, current)

    def check_size(self, size: int) -> None:
        if size > MAX_FORMULA_OUTPUT:
            raise FormulaError(LIMIT, f"a value larger than {MAX_FORMULA_OUTPUT} members or characters")


def _field(it: Interpreter, node: Node, current: Any) -> Any:
    name = node.value
    if name.startswith("$") and name in it.globals:
        return it.globals[name]
    if isinstance(current, dict):
        if it.on_field is not None:
            it.on_field(node, name in current)
        return current.get(name)
    return None


def _current(it: Interpreter, node: Node, current: Any) -> Any:
    return current


def _literal(it: Interpreter, node: Node, current: Any) -> Any:
    value = node.value
    return number(value) if isinstance(value, float) else value


def _subexpression(it: Interpreter, node: Node, current: Any) -> Any:
    return it.visit(node.children[1], it.visit(node.children[0], current))


_pipe = _subexpression


def _index_expression(it: Interpreter, node: Node, current: Any) -> Any:
    base = it.visit(node.children[0], current)
    if not isinstance(base, list):
        return None
    index = node.children[1].value
    if -len(base) <= index < len(base):
        return base[index]
    return None


def _slice(it: Interpreter, node: Node, current: Any) -> Any:
    base = it.visit(node.children[0], current)
    if not isinstance(base, list):
        return None
    start, stop, step = node.value
    if step == 0:
        raise FormulaError(EVALUATION, "slice step cannot be 0")
    return base[slice(start, stop, step)]


def _flatten(it: Interpreter, node: Node, current: Any) -> Any:
    base = it.visit(node.children[0], current)
    if not isinstance(base, list):
        return None
    out: list[Any] = []
    for item in base:
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    it.check_size(len(out))
    return out


def _projection(it: Interpreter, node: Node, current: Any) -> Any:
    base = it.visit(node.children[0], current)
    if not isinstance(base, list):
        return None
    rhs = node.children[1]
    # Projections keep nulls (unlike JMESPath): [{v:1},{}][*].v is [1, null].
    return [it.visit(rhs, item) for item in base]


def _value_projection(it: Interpreter, node: Node, current: Any) -> Any:
    base = it.visit(node.children[0], current)
    if not isinstance(base, dict):
        return None
    rhs = node.children[1]
    return [it.visit(rhs, item) for item in base.values()]


def _filter_projection(it: Interpreter, node: Node, current: Any) -> Any:
    base = it.visit(node.children[0], current)
    if not isinstance(base, list):
        return None
    rhs, condition = node.children[1], node.children[2]
    return [it.visit(rhs, item) for item in base if truthy(it.visit(condition, item))]


def _list(it: Interpreter, node: Node, current: Any) -> Any:
    return [it.visit(child, current) for child in node.children]


def _object(it: Interpreter, node: Node, current: Any) -> Any:
    return {key: it.visit(child, current) for key, child in zip(node.value, node.children, strict=False)}


def _or(it: Interpreter, node: Node, current: Any) -> Any:
    left = it.visit(node.children[0], current)
    return left if truthy(left) else it.visit(node.children[1], current)


def _and(it: Interpreter, node: Node, current: Any) -> Any:
    left = it.visit(node.children[0], current)
    return it.visit(node.children[1], current) if truthy(left) else left


def _not(it: Interpreter, node: Node, current: Any) -> Any:
    return not truthy(it.visit(node.children[0], current))


def _negate(it: Interpreter, node: Node, current: Any) -> Any:
    value = it.visit(node.children[0], current)
    if isinstance(value, (list, dict)):
        # Unary minus reads an array or object through its JavaScript text ("1,2" fails).
        value = js_text(value)
    return number(-to_number(value, strict=True))


def _compare(it: Interpreter, node: Node, current: Any) -> Any:
    left = it.visit(node.children[0], current)
    right = it.visit(node.children[1], current)
    op = node.value
    if op == "==":
        return equal(left, right)
    if op == "!=":
        return not equal(left, right)
    return order(op, left, right)


def arithmetic(it: Interpreter, op: str, left: Any, right: Any) -> Any:
    if isinstance(left, list) or isinstance(right, list):
        return _balanced(it, lambda a, b: arithmetic(it, op, a, b), left, right)
    a, b = to_number(left), to_number(right)
    if op == "+":
        return number(float(a) + float(b))
    if op == "-":
        return number(float(a) - float(b))
    if op == "*":
        return number(float(a) * float(b))
    if b == 0:
        raise FormulaError(EVALUATION, "division by zero")
    return number(float(a) / float(b))


def _arith(it: Interpreter, node: Node, current: Any) -> Any:
    left, right = (it.visit(child, current) for child in node.children)
    return arithmetic(it, node.value, left, right)


def concatenate(it: Interpreter, left: Any, right: Any) -> Any:
    if isinstance(left, dict) or isinstance(right, dict):
        raise FormulaError(TYPE, "cannot concatenate an object")
    if isinstance(left, list) or isinstance(right, list):
        return _balanced(it, lambda a, b: concatenate(it, a, b), left, right)
    text = to_string(left) + to_string(right)
    it.check_size(len(text))
    return text


def _concat(it: Interpreter, node: Node, current: Any) -> Any:
    return concatenate(it, it.visit(node.children[0], current), it.visit(node.children[1], current))


def _union(it: Interpreter, node: Node, current: Any) -> Any:
    parts = []
    for child in node.children:
        value = it.visit(child, current)
        if isinstance(value, dict):
            raise FormulaError(TYPE, "union expects arrays, not an object")
        parts.append(value if isinstance(value, list) else [value])
    out = parts[0] + parts[1]
    it.check_size(len(out))
    return out


def _balanced(it: Interpreter, op: Callable[[Any, Any], Any], left: Any, right: Any) -> list[Any]:
    """The array-operand rule: pad the shorter array with nulls, repeat a scalar."""
    size = max(len(v) for v in (left, right) if isinstance(v, list))
    it.check_size(size)
    lhs = left + [None] * (size - len(left)) if isinstance(left, list) else [left] * size
    rhs = right + [None] * (size - len(right)) if isinstance(right, list) else [right] * size
    return [op(a, b) for a, b in zip(lhs, rhs, strict=False)]


def _expref(it: Interpreter, node: Node, current: Any) -> Any:
    return ExpRef(node.children[0])


def _function(it: Interpreter, node: Node, current: Any) -> Any:
    name = node.value
    if name in it.user_functions and name not in it.functions:
        args = [it.visit(child, current) for child in node.children]
        # A registered function receives its first argument as '@' (json-formula register()).
        return it.call_expref(it.user_functions[name], args[0] if args else None)
    func = it.functions.get(name)
    if func is None:
        raise FormulaError(FUNCTION, f"unknown function {name}()")
    return func(it, node.children, current)


_HANDLERS: dict[str, Callable[[Interpreter, Node, Any], Any]] = {
    "field": _field, "current": _current, "literal": _literal, "subexpression": _subexpression,
    "pipe": _pipe, "index_expression": _index_expression, "slice": _slice, "flatten": _flatten,
    "projection": _projection, "value_projection": _value_projection,
    "filter_projection": _filter_projection, "list": _list, "object": _object, "or": _or,
    "and": _and, "not": _not, "negate": _negate, "compare": _compare, "arith": _arith,
    "concat": _concat, "union": _union, "expref": _expref, "function": _function,
}

__all__ = ["FieldHook", "Interpreter", "arithmetic", "concatenate", "is_number"]
