"""Safe outputs: an existing file is replaced only when --force says so (as the reference
CLI asks for ``-f``), and option values that cannot be right are refused by name."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def force_option(func: F) -> F:
    return click.option("--force", "force", is_flag=True,
                        help="Replace output files that already exist (refused without it).")(func)


def refuse_existing(targets: Sequence[Path], force: bool, hint: str = "-o/--output") -> None:
    """A usage error (exit 2) naming --force when an output exists and --force is not given."""
    if force:
        return
    existing = [t for t in targets if t.exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise click.BadParameter(f"{existing[0]} already exists{more}; add --force to replace it",
                                 param_hint=hint)


def check_target(target: Path, source: Path, *, parent: bool = True) -> None:
    """Usage errors for an output that would overwrite its input or whose directory is missing."""
    if target.exists() and target.resolve() == source.resolve():
        raise click.BadParameter("the output would overwrite the input", param_hint="-o/--output")
    if parent and not target.parent.is_dir():
        raise click.BadParameter(f"directory {target.parent} does not exist", param_hint="-o/--output")


class FiniteFloat(click.ParamType):
    """A finite number within [low, high]: NaN and infinities are refused by name."""

    name = "P"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float) and math.isfinite(value):
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or not self.low <= number <= self.high:
            self.fail(f"{value!r} is not a number between {self.low:g} and {self.high:g}", param, ctx)
        return number
