"""The ``fakemedia`` command line: a thin click layer over :mod:`fakemedia.api`.

Every command shares one error handler (:class:`FakemediaGroup`): a deliberate
:class:`~fakemedia.errors.FakemediaError` becomes one ``fakemedia: error: …`` line on stderr and
the exit code of its class; usage errors exit 2, Ctrl-C 130, anything unexpected 70.
Nothing here imports torch or scikit-learn; detector commands load them when they run.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

import click

from fakemedia import __version__
from fakemedia.errors import FakemediaError

__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "FakemediaGroup", "main"]

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70

_EPILOG = """\b
Exit codes:
  0   success; verify: the manifest is Valid or Trusted
  1   verify: the manifest is Invalid (a check failed)
  2   usage error (bad option, argument, annotation or trust-anchor file)
  3   unreadable input: missing file, not a JPEG, truncated, malformed
  4   no manifest found (or only a remote one, which is never fetched)
  5   signing or identity problem (key, passphrase, certificate)
  6   detector problem (model missing, foreign or corrupt)
  7   batch: some files failed, the others were processed
  70  internal error (a bug: please report it, rerun with -v)
  130 interrupted

\b
Environment:
  FAKEMEDIA_HOME                where the default identity lives (<home>/identity)
  FAKEMEDIA_KEY_PASSPHRASE      passphrase of an encrypted signing key
  FAKEMEDIA_DECRYPT_PASSPHRASE  passphrase of an encrypted --decrypt-key recipient key
  FAKEMEDIA_TRUST_ANCHORS       PEM file of trusted roots used when --trust-anchors is absent
"""


class _Failure(click.ClickException):
    """A translated error: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


#: Subcommands by name → (module, attribute). Modules load only when their command runs, so
#: ``fakemedia verify`` never pays for what ``annotate`` needs (jsonschema, the annotation model).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "annotate": ("fakemedia.cli.annotate", "annotate_cmd"),
    "verify": ("fakemedia.cli.verify", "verify_cmd"),
    "history": ("fakemedia.cli.verify", "history_cmd"),
    "report": ("fakemedia.cli.report", "report_cmd"),
    "keys": ("fakemedia.cli.keys", "keys_group"),
    "schema": ("fakemedia.cli.schema", "schema_cmd"),
    "strip": ("fakemedia.cli.schema", "strip_cmd"),
    "trust": ("fakemedia.cli.trust", "trust_group"),
    "serve": ("fakemedia.cli.serve", "serve_cmd"),
}
#: Detector commands come from one module that exposes ``COMMANDS`` (it loads torch lazily).
DETECT_MODULE = "fakemedia.cli.detect_commands"
DETECT_COMMANDS = ("detect", "train", "evaluate", "experiment")


class FakemediaGroup(click.Group):
    """A click group whose subcommands share one error handler and load lazily.

    ``main(standalone_mode=False)`` prints errors the same way but returns the exit code
    instead of calling ``sys.exit`` (handy for tests and embedding).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(LAZY_COMMANDS) | set(self.commands)
        names |= {n for n in DETECT_COMMANDS if self._detector(n) is not None}
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attr)
            self.add_command(command, cmd_name)
            return command
        if cmd_name in DETECT_COMMANDS:
            return self._detector(cmd_name)
        return None

    def _detector(self, name: str) -> click.Command | None:
        try:
            module = importlib.import_module(DETECT_MODULE)
        except Exception:  # optional dependencies missing: the commands are simply absent
            return None
        commands = getattr(module, "COMMANDS", ())
        if isinstance(commands, Mapping):
            commands = list(commands.values())
        for command in commands:
            if isinstance(command, click.Command) and command.name == name:
                self.add_command(command)
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
            raise _Failure(str(exc), exc.exit_code) from exc
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


@click.group(cls=FakemediaGroup, epilog=_EPILOG,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="fakemedia")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback for errors.")
def main(verbose: bool) -> None:
    """Sign JPEG Fake Media annotations into JPEGs as C2PA manifests, and verify them.

    \b
    Typical use:
      fakemedia annotate photo.jpg --type edited --purpose journalism
      fakemedia verify photo.signed.jpg
      fakemedia history photo.signed.jpg
    """
