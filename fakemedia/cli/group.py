"""The ``fakemedia`` click group: one error handler for every command, loaded lazily.

Every command shares one error handler (:class:`FakemediaGroup`): a deliberate
:class:`~fakemedia.errors.FakemediaError` becomes one ``fakemedia: error: …`` line on stderr and
the exit code of its class; usage errors exit 2, Ctrl-C 130, anything unexpected 70 (the table
is :data:`fakemedia.errors.EXIT_CODES`). This package is click only: it imports
:mod:`fakemedia.api`, :mod:`fakemedia.batch`, :mod:`fakemedia.present`, :mod:`fakemedia.errors`
and the annotation vocabulary, and loads each command's module when that command runs.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from fakemedia import __version__
from fakemedia.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, FakemediaError
from fakemedia.present import help as texts

__all__ = ["FakemediaGroup", "main"]


class _Failure(click.ClickException):
    """A translated error: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        # click declares exit_code on the class; each translated error carries its own.
        vars(self)["exit_code"] = code


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


#: Subcommands by name → (module, attribute). Modules load only when their command runs, so
#: ``fakemedia verify`` never pays for what ``annotate`` needs (jsonschema, the annotation model).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "annotate": ("fakemedia.cli.annotate", "annotate_cmd"),
    "verify": ("fakemedia.cli.verify", "verify_cmd"),
    "history": ("fakemedia.cli.verify", "history_cmd"),
    "report": ("fakemedia.cli.verify", "report_cmd"),
    "detect": ("fakemedia.cli.detect", "detect_cmd"),
    "keys": ("fakemedia.cli.keys", "keys_group"),
    "schema": ("fakemedia.cli.schema", "schema_cmd"),
    "strip": ("fakemedia.cli.schema", "strip_cmd"),
    "trust": ("fakemedia.cli.trust", "trust_group"),
    "serve": ("fakemedia.cli.serve", "serve_cmd"),
    "recover": ("fakemedia.cli.repo", "recover_cmd"),
    "repo": ("fakemedia.cli.repo", "repo_group"),
}
class FakemediaGroup(click.Group):
    """A click group whose subcommands share one error handler and load lazily.

    ``main(standalone_mode=False)`` prints errors the same way but returns the exit code
    instead of calling ``sys.exit`` (handy for tests and embedding).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(LAZY_COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attr)
            self.add_command(command, cmd_name)
            return command
        return None

    def invoke(self, ctx: click.Context) -> Any:
        verbose = bool(ctx.params.get("verbose"))
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except FakemediaError as exc:
            if verbose:
                traceback.print_exc()
            raise _Failure(str(exc).replace("use force to", "use --force to"), exc.exit_code) from exc
        except KeyboardInterrupt as exc:
            raise _Failure("interrupted", EXIT_INTERRUPTED) from exc
        except Exception as exc:
            if verbose:
                traceback.print_exc()
            detail = _one_line(str(exc)) or "no details"
            raise _Failure(f"internal error: {type(exc).__name__}: {detail} (rerun with -v)",
                           EXIT_INTERNAL) from exc

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        code = 0
        try:
            result = super().main(args, prog_name or "fakemedia", complete_var,
                                  standalone_mode=False, **extra)
            code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
            code = exc.exit_code
        except click.ClickException as exc:
            message = exc.format_message()
            hint = _usage_hint(exc)
            click.echo(f"fakemedia: error: {_one_line(message)}{hint}", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("fakemedia: error: interrupted", err=True)
            code = EXIT_INTERRUPTED
        except KeyboardInterrupt:
            click.echo("fakemedia: error: interrupted", err=True)
            code = EXIT_INTERRUPTED
        if standalone_mode:
            sys.exit(code)
        return code


def _usage_hint(exc: click.ClickException) -> str:
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        return f" (see '{exc.ctx.command_path} --help')"
    return ""


@click.group(help=texts.MAIN, cls=FakemediaGroup, epilog=texts.MAIN_EPILOG,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="fakemedia")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback for errors.")
def main(verbose: bool) -> None:
    ...
