"""Help, version and command registration."""

from __future__ import annotations

import click
import pytest

from fakemedia import __version__
from fakemedia.cli import main

from .conftest import Run


def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    # Through list_commands/get_command: the main group loads its commands lazily.
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out += _paths(command, (*prefix, name))
    return out


COMMANDS = _paths(main)
WITH_EXIT_CODES = {("annotate",), ("verify",), ("history",), ("keys",), ("strip",)}


def test_expected_commands_are_registered() -> None:
    expected = {("annotate",), ("verify",), ("history",), ("keys",), ("keys", "init"), ("keys", "show"),
                ("schema",), ("strip",)}
    assert expected <= set(COMMANDS)


def test_top_level_help_lists_every_exit_code(run: Run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Exit codes:" in result.stdout
    for line in ("0   success", "1   verify: the manifest is Invalid", "2   usage error",
                 "3   unreadable input", "4   no manifest", "5   signing or identity",
                 "6   detector", "7   batch", "70  internal error", "130 interrupted"):
        assert line in result.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help(run: Run, path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    assert result.stderr == ""
    if path in WITH_EXIT_CODES:
        assert "Exit codes" in result.stdout


def test_version(run: Run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_no_arguments_shows_help(run: Run) -> None:
    result = run()
    assert "Usage: " in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_standalone_false_returns_exit_code(tmp_path: object) -> None:
    assert main(["--version"], standalone_mode=False) == 0
    assert main(["verify", "--no-such-flag"], standalone_mode=False) == 2


def test_the_help_names_the_variables_and_file_the_library_reads() -> None:
    # cli/_options keeps them literal so that --help loads no api; they must not drift.
    from fakemedia import api
    from fakemedia.cli import _options

    assert (_options.ENV_TRUST_ANCHORS, _options.ENV_DECRYPT_PASSPHRASE, _options.ANCHORS_FILE) == \
        (api.ENV_TRUST_ANCHORS, api.ENV_DECRYPT_PASSPHRASE, api.ANCHORS_FILE)
