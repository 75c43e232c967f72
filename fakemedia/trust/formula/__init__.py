"""A json-formula 2.0 engine written from the public specification (paths, projections,
filters, pipes, operators with json-formula coercion, globals, functions, ``register``).

Profiles are untrusted input: every search is bounded by :mod:`fakemedia.limits`
(expression length, nesting depth, evaluation steps, value size) and any failure is one
:class:`FormulaError`. Expressions cannot reach files, the network or Python.
"""

from __future__ import annotations

from typing import Any

from .errors import LIMIT, FormulaError
from .functions import FUNCTIONS
from .interpreter import FieldHook, Interpreter
from .parser import Node, parse
from .values import ExpRef, to_json

__all__ = ["FUNCTIONS", "FormulaEngine", "FormulaError", "compile_expression", "search"]


def compile_expression(text: str) -> Node:
    """Parse once; raises FormulaError (SyntaxError or LimitError)."""
    return parse(text)


class FormulaEngine:
    """An engine instance: functions registered with ``register()`` persist across searches,
    as in @adobe/json-formula."""

    def __init__(self, on_field: FieldHook | None = None) -> None:
        self.user_functions: dict[str, ExpRef] = {}
        self._compiled: dict[str, Node] = {}
        #: Sees every field lookup on an object (the profile lint traces paths with it).
        self.on_field = on_field

    @property
    def compiled(self) -> dict[str, Node]:
        """Every expression text searched so far, with its syntax tree."""
        return dict(self._compiled)

    def compile(self, text: str) -> Node:
        node = self._compiled.get(text)
        if node is None:
            node = parse(text)
            self._compiled[text] = node
        return node

    def search(self, expression: str | Node, data: Any, globals_: dict[str, Any] | None = None) -> Any:
        node = self.compile(expression) if isinstance(expression, str) else expression
        interpreter = Interpreter(FUNCTIONS, self.user_functions, dict(globals_ or {}), self.on_field)
        try:
            return to_json(interpreter.visit(node, data))
        except RecursionError as exc:
            raise FormulaError(LIMIT, "data or expression nested too deeply") from exc


def search(expression: str, data: Any, globals_: dict[str, Any] | None = None) -> Any:
    """Evaluate one expression with a fresh engine."""
    return FormulaEngine().search(expression, data, globals_)
