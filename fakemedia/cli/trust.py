"""``fakemedia trust``: JPEG Trust indicator sets, profile evaluation and reports (the work is
:mod:`fakemedia.trust`'s, through :mod:`fakemedia.api`; the exit codes are in its --help)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from fakemedia import api
from fakemedia.cli._options import flagged, identity_option, resolve_identity
from fakemedia.present import help as texts

_FORMATS = click.Choice(["json", "yaml", "md"])


def _anchors(path: str | None) -> bytes | None:
    with flagged():
        return api.read_anchor_file(path)


def _emit(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=not text.endswith("\n"))


class _TrustGroup(click.Group):
    """``trust IMG …`` evaluates an image; ``trust eval|indicators|profile`` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["image", *args]
        return super().parse_args(ctx, args)


@click.group("trust", help=texts.TRUST, cls=_TrustGroup, invoke_without_command=False,
             context_settings={"help_option_names": ["-h", "--help"]})
def trust_group() -> None:
    ...


def _profile_option(f: Any) -> Any:
    return click.option("--profile", "profile", required=True, type=click.Path(dir_okay=False),
                        help="Trust Profile (YAML), or a shipped one: "
                             f"{', '.join(api.trust_profiles())}.")(f)


def _report_options(f: Any) -> Any:
    f = click.option("-o", "--output", "out", type=click.Path(dir_okay=False),
                     help="Write the report here.")(f)
    f = click.option("--format", "fmt", type=_FORMATS, default="json", show_default=True)(f)
    f = click.option("--lang", default="en", show_default=True, help="Report text language.")(f)
    return f


@trust_group.command("image", hidden=True)
@click.argument("image", type=click.Path(dir_okay=False))
@_profile_option
@_report_options
@click.option("--trust-anchors", type=click.Path(dir_okay=False), help="PEM file of trusted roots.")
@click.option("--embed-report", "embed_out", type=click.Path(dir_okay=False),
              help="Also write a copy of IMG with a new signed manifest carrying the report.")
@identity_option
@click.option("--force", is_flag=True, help="Replace an existing --embed-report file.")
def image_cmd(image: str, profile: str, lang: str, fmt: str, out: str | None,
              trust_anchors: str | None, embed_out: str | None, identity: Path | None, force: bool) -> int:
    report, data = api.trust_evaluate_image(image, profile, language=lang,
                                           trust_anchors=_anchors(trust_anchors))
    if embed_out:
        signer = api.load_identity(*resolve_identity(identity))
        written = api.trust_embed_report(data, report, signer, embed_out, source=image,
                                         force=force, title=Path(image).name)
        click.echo(f"signed report written to {written}", err=True)
    _emit(api.trust_report(report, fmt), out)
    return api.trust_exit_status(report)


@trust_group.command("eval")
@click.argument("indicator_set", type=click.Path(dir_okay=False))
@_profile_option
@_report_options
def eval_cmd(indicator_set: str, profile: str, lang: str, fmt: str, out: str | None) -> int:
    """Evaluate a profile on an existing indicator set (not verified here)."""
    report = api.trust_evaluate_indicators(indicator_set, profile, language=lang)
    _emit(api.trust_report(report, fmt), out)
    return api.trust_exit_status(report)


@trust_group.command("indicators")
@click.argument("image", type=click.Path(dir_okay=False))
@click.option("--trust-anchors", type=click.Path(dir_okay=False), help="PEM file of trusted roots.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False))
def indicators_cmd(image: str, trust_anchors: str | None, out: str | None) -> int:
    """Print the Trust Indicator Set built from verifying IMG."""
    indicators, _ = api.trust_indicators(image, trust_anchors=_anchors(trust_anchors))
    _emit(json.dumps(indicators, indent=2, ensure_ascii=False) + "\n", out)
    return 0


@trust_group.group("profile")
def profile_group() -> None:
    """Work with Trust Profiles."""


@profile_group.command("check", help=texts.TRUST_PROFILE_CHECK)
@click.argument("profile", type=click.Path(dir_okay=False))
@click.option("--against", multiple=True, type=click.Path(dir_okay=False),
              help="Indicator set (JSON) to trace the profile's fields on; repeatable. "
                   "Default: the shipped reference sets.")
def profile_check_cmd(profile: str, against: tuple[str, ...]) -> int:
    warnings = api.trust_check_profile(profile, against)
    for line in warnings:
        click.echo(f"warning: {line}")
    click.echo(f"{Path(profile).name}: ok ({len(warnings)} warning(s))")
    return 0


@profile_group.command("new")
@click.option("--template", "template", required=True, type=click.Choice(list(api.trust_templates())))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the profile (the library it includes goes beside it).")
@click.option("--force", is_flag=True, help="Replace existing files.")
def profile_new_cmd(template: str, out: str, force: bool) -> int:
    """Write a shipped profile (or a blank one) to start from."""
    for path in api.trust_write_template(template, out, force=force):
        click.echo(f"wrote {path}")
    return 0
