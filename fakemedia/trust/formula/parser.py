"""json-formula 2.0 parser: tokens -> AST (a Pratt parser).

Binding powers follow the specification's precedence list, strongest first: brackets,
braces, dot, flatten, unary ``!``/``-``, ``* /``, ``+ - ~``, ``&``, comparisons, ``&&``,
``||``, ``|``. A projection (``[*]``, ``[]``, ``[?…]``, slices, ``.*``) keeps applying the
path that follows it until an operator weaker than the projection stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...limits import MAX_FORMULA_DEPTH
from .errors import LIMIT, SYNTAX, FormulaError
from .lexer import Token, tokenize

_COMPARATORS = frozenset({"==", "=", "!=", "<>", "<", "<=", ">", ">="})
_BP: dict[str, int] = {
    "eof": 0, "]": 0, ")": 0, "}": 0, ",": 0, ":": 0,
    "|": 1, "||": 2, "&&": 3, **{op: 5 for op in _COMPARATORS},
    "&": 6, "+": 7, "-": 7, "~": 7, "*": 8, "/": 8,
    "[]": 11, "[?": 21, ".": 40, "[": 55, "(": 60,
}
_UNARY_BP = 10
_STAR_BP = 20  # wildcard projections
_PROJECTION_STOP = 12


@dataclass(frozen=True)
class Node:
    """One AST node: ``kind`` names it, ``children`` are sub-nodes, ``value`` a payload."""

    kind: str
    children: tuple[Node, ...] = ()
    value: Any = None


CURRENT = Node("current")


def parse(text: str) -> Node:
    return _Parser(tokenize(text)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # -- token helpers --------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def expect(self, kind: str) -> Token:
        tok = self.advance()
        if tok.kind != kind:
            raise _unexpected(tok, f"expected {kind!r}")
        return tok

    # -- entry ---------------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expression(0)
        tok = self.peek()
        if tok.kind != "eof":
            raise _unexpected(tok)
        return node

    def expression(self, rbp: int) -> Node:
        self.depth += 1
        if self.depth > MAX_FORMULA_DEPTH:
            raise FormulaError(LIMIT, f"expression nested deeper than {MAX_FORMULA_DEPTH}")
        try:
            left = self.nud(self.advance())
            while rbp < _BP.get(self.peek().kind, 0):
                left = self.led(self.advance(), left)
            return left
        finally:
            self.depth -= 1

    # -- prefix positions ------------------------------------------------------------------------
    def nud(self, tok: Token) -> Node:
        kind = tok.kind
        if kind == "name":
            if self.peek().kind == "(":
                self.advance()
                return self.function_call(tok.value)
            return Node("field", value=tok.value)
        if kind == "quoted":
            return Node("field", value=tok.value)
        if kind in ("string", "number", "literal"):
            return Node("literal", value=tok.value)
        if kind == "@":
            return CURRENT
        if kind == "*":
            return Node("value_projection", (CURRENT, self.projection_rhs(_STAR_BP)))
        if kind == "[":
            return self.bracket(CURRENT, allow_list=True)
        if kind == "[]":
            return Node("projection", (Node("flatten", (CURRENT,)), self.projection_rhs(_BP["[]"])))
        if kind == "[?":
            return self.filter(CURRENT)
        if kind == "{":
            return self.object_expression()
        if kind == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if kind == "!":
            return Node("not", (self.expression(_UNARY_BP),))
        if kind == "-":
            return Node("negate", (self.expression(_UNARY_BP),))
        raise _unexpected(tok)

    # -- infix positions -------------------------------------------------------------------------
    def led(self, tok: Token, left: Node) -> Node:
        kind = tok.kind
        if kind == ".":
            return self.dot_rhs(left, _BP["."])
        if kind == "[":
            return self.bracket(left, allow_list=False)
        if kind == "[]":
            return Node("projection", (Node("flatten", (left,)), self.projection_rhs(_BP["[]"])))
        if kind == "[?":
            return self.filter(left)
        if kind == "|":
            return Node("pipe", (left, self.expression(_BP["|"])))
        if kind == "||":
            return Node("or", (left, self.expression(_BP["||"])))
        if kind == "&&":
            return Node("and", (left, self.expression(_BP["&&"])))
        if kind in _COMPARATORS:
            op = {"=": "==", "<>": "!="}.get(kind, kind)
            return Node("compare", (left, self.expression(_BP[kind])), op)
        if kind in ("+", "-", "*", "/"):
            return Node("arith", (left, self.expression(_BP[kind])), kind)
        if kind == "&":
            return Node("concat", (left, self.expression(_BP["&"])))
        if kind == "~":
            return Node("union", (left, self.expression(_BP["~"])))
        raise _unexpected(tok)

    # -- pieces ----------------------------------------------------------------------------------
    def dot_rhs(self, left: Node, bp: int) -> Node:
        tok = self.peek()
        if tok.kind in ("name", "quoted", "*"):
            # Parse on at this binding power so a projection keeps the whole path after it.
            return Node("subexpression", (left, self.expression(bp)))
        if tok.kind == "[":
            self.advance()
            return Node("subexpression", (left, self.list_expression()))
        if tok.kind == "{":
            self.advance()
            return Node("subexpression", (left, self.object_expression()))
        raise _unexpected(tok, "expected a name, '*', '[' or '{' after a dot")

    def projection_rhs(self, bp: int) -> Node:
        tok = self.peek()
        if _BP.get(tok.kind, 0) < _PROJECTION_STOP:
            return CURRENT
        if tok.kind in ("[", "[?"):
            return self.expression(bp)
        if tok.kind == ".":
            self.advance()
            return self.dot_rhs(CURRENT, bp)
        raise _unexpected(tok)

    def bracket(self, left: Node, *, allow_list: bool) -> Node:
        """After '[': a wildcard, an index, a slice, or (in prefix position) an array."""
        tok = self.peek()
        if tok.kind == "*" and self.peek(1).kind == "]":
            self.advance()
            self.advance()
            return Node("projection", (left, self.projection_rhs(_STAR_BP)))
        start = self.i
        index = self.signed_int()
        if index is not None and self.peek().kind == "]":
            self.advance()
            return Node("index_expression", (left, Node("index", value=index)))
        if self.peek().kind == ":":
            self.i = start
            slice_node = self.slice_spec()
            return Node("projection", (Node("slice", (left,), slice_node), self.projection_rhs(_STAR_BP)))
        self.i = start
        if not allow_list:
            raise _unexpected(tok, "expected an index, a slice or '*' inside brackets")
        return self.list_expression()

    def signed_int(self) -> int | None:
        negative = self.peek().kind == "-"
        tok = self.peek(1 if negative else 0)
        if tok.kind == "number" and tok.integer and self.peek(2 if negative else 1).kind in ("]", ":"):
            self.i += 2 if negative else 1
            value = int(tok.value)
            return -value if negative else value
        return None

    def slice_spec(self) -> tuple[int | None, int | None, int | None]:
        parts: list[int | None] = [None, None, None]
        for pos in range(3):
            parts[pos] = self.signed_int()
            if pos < 2 and self.peek().kind == ":":
                self.advance()
                continue
            break
        self.expect("]")
        return parts[0], parts[1], parts[2]

    def filter(self, left: Node) -> Node:
        condition = self.expression(0)
        self.expect("]")
        rhs = self.projection_rhs(_BP["[?"])
        return Node("filter_projection", (left, rhs, condition))

    def list_expression(self) -> Node:
        items = [self.expression(0)]
        while self.peek().kind == ",":
            self.advance()
            items.append(self.expression(0))
        self.expect("]")
        return Node("list", tuple(items))

    def object_expression(self) -> Node:
        keys: list[str] = []
        values: list[Node] = []
        while True:
            tok = self.advance()
            if tok.kind not in ("name", "quoted"):
                raise _unexpected(tok, "expected an identifier as object key")
            self.expect(":")
            keys.append(tok.value)
            values.append(self.expression(0))
            if self.peek().kind == ",":
                self.advance()
                continue
            self.expect("}")
            return Node("object", tuple(values), tuple(keys))

    def function_call(self, name: str) -> Node:
        args: list[Node] = []
        if self.peek().kind == ")":
            self.advance()
            return Node("function", (), name)
        while True:
            if self.peek().kind == "&":
                self.advance()
                args.append(Node("expref", (self.expression(0),)))
            else:
                args.append(self.expression(0))
            tok = self.advance()
            if tok.kind == ",":
                continue
            if tok.kind == ")":
                return Node("function", tuple(args), name)
            raise _unexpected(tok, "expected ',' or ')' in function arguments")


def _unexpected(tok: Token, hint: str = "") -> FormulaError:
    shown = tok.value if tok.value is not None else tok.kind
    what = "end of expression" if tok.kind == "eof" else repr(shown)
    return FormulaError(SYNTAX, f"unexpected {what} at {tok.pos}" + (f": {hint}" if hint else ""))
