"""The one error type of the json-formula engine.

json-formula 2.0 names four error kinds (SyntaxError, TypeError, FunctionError,
EvaluationError); the engine adds LimitError for its resource bounds. All are one
Python type, :class:`FormulaError`, whose ``kind`` names the json-formula kind.
"""

from __future__ import annotations

from ...errors import FakemediaError

SYNTAX = "SyntaxError"
TYPE = "TypeError"
FUNCTION = "FunctionError"
EVALUATION = "EvaluationError"
LIMIT = "LimitError"


class FormulaError(FakemediaError):
    """A json-formula expression cannot be parsed or evaluated (a usage error)."""

    exit_code = 2

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
