"""json-formula 2.0 lexer: expression text -> tokens.

Token kinds follow the grammar of the json-formula specification (identifiers, quoted
identifiers, string, number and JSON literals, operators). ``"…"`` is a string literal and
``'…'`` a quoted identifier, the opposite of JMESPath.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ...limits import MAX_FORMULA_CHARS
from .errors import LIMIT, SYNTAX, FormulaError

_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# Number literal: INT? '.' digits EXP? | INT EXP? (no sign: minus is an operator).
_NUMBER = re.compile(r"(?:[0-9]*\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Longest operators first so '&&' wins over '&', '<=' over '<' and so on.
_OPERATORS = (
    "[?", "[]", "&&", "||", "==", "!=", "<>", "<=", ">=",
    "&", "|", "=", "!", "<", ">", "+", "-", "*", "/", "~",
    "(", ")", "[", "]", "{", "}", ",", ":", ".", "@",
)
# After these a '.' is a member access, never the start of a number like '.5'.
_OPERAND_END = frozenset({"name", "quoted", "string", "number", "literal", "]", ")", "}", "@", "[]"})
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "`": "`",
            "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True)
class Token:
    kind: str  # 'name', 'quoted', 'string', 'number', 'literal', an operator text, or 'eof'
    value: Any
    pos: int
    integer: bool = False  # a number written as digits only (an index or slice bound)


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(LIMIT, f"expression longer than {MAX_FORMULA_CHARS} characters")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\n\r":
            i += 1
            continue
        prev = tokens[-1].kind if tokens else None
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit() and prev not in _OPERAND_END):
            m = _NUMBER.match(text, i)
            assert m is not None  # a digit or '.digit' always matches
            lexeme = m.group()
            value: Any = float(lexeme)
            tokens.append(Token("number", value, i, lexeme.isdigit()))
            i = m.end()
            continue
        if ch.isalpha() or ch in "_$":
            m = _NAME.match(text, i)
            assert m is not None
            tokens.append(Token("name", m.group(), i))
            i = m.end()
            continue
        if ch == '"':
            value, i2 = _quoted(text, i, '"')
            tokens.append(Token("string", value, i))
            i = i2
            continue
        if ch == "'":
            value, i2 = _quoted(text, i, "'")
            tokens.append(Token("quoted", value, i))
            i = i2
            continue
        if ch == "`":
            value, i2 = _json_literal(text, i)
            tokens.append(Token("literal", value, i))
            i = i2
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token(op, op, i))
                i += len(op)
                break
        else:
            raise FormulaError(SYNTAX, f"unknown character {ch!r} at {i}")
    tokens.append(Token("eof", None, n))
    return tokens


def _quoted(text: str, start: int, quote: str) -> tuple[str, int]:
    """A string or quoted identifier with JSON escapes; returns (value, index after it)."""
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            esc = text[i + 1]
            if esc == "u":
                hexdigits = text[i + 2:i + 6]
                if len(hexdigits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in hexdigits):
                    raise FormulaError(SYNTAX, f"bad unicode escape at {i}")
                out.append(chr(int(hexdigits, 16)))
                i += 6
                continue
            if esc not in _ESCAPES:
                raise FormulaError(SYNTAX, f"bad escape \\{esc} at {i}")
            out.append(_ESCAPES[esc])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise FormulaError(SYNTAX, f"unterminated {quote} at {start}")


def _json_literal(text: str, start: int) -> tuple[Any, int]:
    """A backtick JSON literal; '\\`' stands for a backtick inside it."""
    i, n = start + 1, len(text)
    out: list[str] = []
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] == "`":
            out.append("`")
            i += 2
            continue
        if ch == "`":
            body = "".join(out).strip()
            try:
                return json.loads(body, parse_constant=_reject_constant), i + 1
            except (ValueError, RecursionError) as exc:
                raise FormulaError(SYNTAX, f"bad JSON literal at {start}") from exc
        out.append(ch)
        i += 1
    raise FormulaError(SYNTAX, f"unterminated JSON literal at {start}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
