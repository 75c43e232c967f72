"""One table of exit codes: the README, --help and each command's epilog come from errors.py."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from fakemedia import errors
from fakemedia.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_table_is_the_errors_table() -> None:
    assert errors.exit_code_markdown() in README.read_text(encoding="utf-8")


def test_help_lists_every_code_of_the_table() -> None:
    shown = CliRunner().invoke(main, ["--help"]).stdout
    for line in errors.exit_code_lines():
        assert line.split()[0] in shown and line[4:][:40] in shown


def test_every_error_class_exits_with_a_code_of_the_table() -> None:
    codes = {code for code, _ in errors.EXIT_CODES}
    classes = [errors.FakemediaError]
    while classes:
        cls = classes.pop()
        assert cls.exit_code in codes, cls
        classes += cls.__subclasses__()
    assert errors.ParentInvalid.exit_code == errors.EXIT_PARENT_INVALID == 8
