"""Options and helpers the commands share: inputs, JSON output, trust anchors, the signing
identity, recipient keys, batch runs and their JSON-lines log. Click only: the work is the API's."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from fakemedia.errors import BatchError, InvalidRequest
from fakemedia.present import help as texts

if TYPE_CHECKING:
    from datetime import datetime

    from fakemedia.api import Trust
    from fakemedia.batch import Input

F = TypeVar("F", bound=Callable[..., Any])

ENV_REPO = "FAKEMEDIA_REPO"
#: For the help text, as fakemedia.inputs names them (kept literal: --help loads no api).
ENV_DECRYPT_PASSPHRASE = "FAKEMEDIA_DECRYPT_PASSPHRASE"
ENV_TRUST_ANCHORS = "FAKEMEDIA_TRUST_ANCHORS"
ANCHORS_FILE = "trust-anchors.pem"


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print machine-readable JSON on stdout instead of text.")(func)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def warn(message: str) -> None:
    click.echo(f"fakemedia: {message}", err=True)


def on_terminal() -> bool:
    return sys.stdin.isatty()


def _prompt(label: str) -> bytes:
    return str(click.prompt(f"Passphrase for {label}", hide_input=True, err=True)).encode()


def repo_option(func: F) -> F:
    """``--repo DB``: the manifest repository of durable credentials (soft bindings)."""
    return click.option("--repo", "repo", metavar="DB", envvar=ENV_REPO,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help=f"Manifest repository (an SQLite file) that keeps signed manifests "
                             f"and their soft bindings (default: ${ENV_REPO}).")(func)


def resolver_option(func: F) -> F:
    return click.option("--resolver", metavar="URL",
                        help="Look up at a Soft Binding Resolution API (base URL, e.g. another "
                             "'fakemedia serve --repo') instead of a local --repo.")(func)


class Parsed(click.ParamType):
    """An option value the API parses (``api.<parse>(text, *args)``); its InvalidRequest is
    click's error for that option. Values already parsed (defaults) pass as they are."""

    def __init__(self, name: str, parse: str, *args: Any) -> None:
        self.name, self._parse, self._args = name, parse, args

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from fakemedia import api

        if not isinstance(value, str):
            return value
        try:
            return getattr(api, self._parse)(value, *self._args)
        except InvalidRequest as exc:
            self.fail(str(exc), param, ctx)


# --- trust -----------------------------------------------------------------------------------


def trust_anchors_option(func: F) -> F:
    return click.option(
        "--trust-anchors", "trust_anchors", multiple=True, metavar="PEM",
        type=click.Path(dir_okay=True, path_type=Path),
        help=f"PEM file of trusted root certificates (repeatable; a directory means its "
             f"{ANCHORS_FILE}). Default: ${ENV_TRUST_ANCHORS}, else none: signers are untrusted.",
    )(func)


def verification_options(func: F) -> F:
    """--trust-anchors, --trust-config, --tsa-anchors, --at and --decrypt-key (verify, history):
    the command gets them as ``trust`` (loaded first: a bad anchor fails before any image is read)
    and ``decrypt_keys``."""
    @functools.wraps(func)
    def loaded(*args: Any, trust_anchors: Sequence[Path], trust_config: Path | None,
               tsa_anchors: Sequence[Path], at: datetime | None, **kwargs: Any) -> Any:
        return func(*args, trust=trust_from(trust_anchors, trust_config, tsa_anchors, at), **kwargs)

    command = decrypt_key_option(loaded)
    command = click.option("--at", "at", metavar="ISO-8601", type=Parsed("ISO-8601", "parse_moment"),
                           help="Validation time (default now; UTC when no offset): was the file "
                                "valid then? A signer with a trusted time-stamp is judged at the "
                                "time-stamp's time.")(command)
    command = click.option("--tsa-anchors", "tsa_anchors", multiple=True, metavar="PEM",
                           type=click.Path(dir_okay=False, path_type=Path),
                           help="Time-stamp authority roots (besides the --trust-anchors, which "
                                "also count for time-stamps, as in the reference SDK).")(command)
    command = click.option("--trust-config", "trust_config", metavar="FILE",
                           type=click.Path(dir_okay=False, path_type=Path),
                           help="JSON trust settings: anchors, allowed EKUs, end-entity allow-list, "
                                "TSA and CAWG anchors (see keys/README.md).")(command)
    return cast(F, trust_anchors_option(command))


def trust_from(anchors: Sequence[Path], config: Path | None = None, tsa: Sequence[Path] = (),
               at: datetime | None = None) -> Trust:
    from fakemedia import api

    with flagged():
        return api.load_trust(anchors, config, tsa, at)


# --- signing identity ------------------------------------------------------------------------


def identity_option(func: F) -> F:
    return click.option(
        "--identity", "identity", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
        help="Signing identity directory (see 'fakemedia keys init'). Default: the local one "
             "under $FAKEMEDIA_HOME or ~/.config/fakemedia, created on first use.",
    )(func)


def resolve_identity(identity: Path | None) -> tuple[Path, bytes | None]:
    """The identity directory (with none given, the default local one, created with a one-time
    notice on stderr when it does not exist yet) and its key's passphrase."""
    from fakemedia import api

    directory, created = api.identity_dir(identity)
    if created is not None:
        warn(f"created a local, untrusted test identity in {created.directory}")
        warn("its manifests verify as Valid, not Trusted; to make them Trusted run: "
             f"fakemedia verify --trust-anchors {created.trust_anchors} IMG")
    return directory, api.identity_passphrase(directory, _prompt if on_terminal() else None)


# --- recipient keys for restricted annotation fields -----------------------------------------


def decrypt_key_option(func: F) -> F:
    return click.option(
        "--decrypt-key", "decrypt_keys", multiple=True, metavar="KEY.pem",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Recipient private key that reads restricted annotation fields (repeatable; see "
             f"'fakemedia keys recipient'). An encrypted key's passphrase: ${ENV_DECRYPT_PASSPHRASE}, "
             "else a prompt on a terminal.",
    )(func)


def decrypt_key_material(paths: Sequence[Path]) -> tuple[tuple[bytes, bytes | None], ...]:
    """(PEM, passphrase) of every --decrypt-key: unreadable file exit 2, bad key exit 5."""
    from fakemedia import api

    with flagged():
        return api.decrypt_key_material(paths, _prompt if on_terminal() else None)


#: The option behind each input the library's InvalidRequest is ``about``.
_HINTS: dict[str, str | None] = {"trust_anchors": "--trust-anchors", "tsa_anchors": "--tsa-anchors",
          "trust_config": "--trust-config", "recipient": "--recipient", "decrypt_key": "--decrypt-key",
          "annotation": "--annotation", "output": "-o/--output", "in_place": "-o/--output",
          "thumbnail_size": "--thumbnail-size", "thumbnail_quality": "--thumbnail-quality",
          "passphrase_env": "--passphrase-env", "token_file": "--token-file", "anchor_file": None}
#: Inputs whose fault is a combination of options, in the command line's words.
_USAGE = {"probability": "--method, --method-name and --assessor need --probability",
          "reference_sha256": "more --reference-sha256 values than --reference URLs",
          "heatmap": "--heatmap is not available with --cluster",
          "restrict_alone": "--restrict needs at least one --recipient (a public key or certificate)",
          "recipient_alone": "--recipient is only used with --restrict FIELD",
          "reason_alone": "--redaction-reason is only used with --redact"}


@contextmanager
def flagged() -> Iterator[None]:
    """The library's InvalidRequest about an input as click's usage error naming its option."""
    try:
        yield
    except InvalidRequest as exc:
        if exc.about in _USAGE:
            raise click.UsageError(_USAGE[exc.about]) from None
        if exc.about not in _HINTS:
            raise
        tail = "; use --in-place for that" if exc.about == "in_place" else ""
        raise click.BadParameter(f"{exc}{tail}", param_hint=_HINTS[exc.about]) from None


# --- several inputs --------------------------------------------------------------------------

#: More files than this get a progress bar (on a terminal only).
PROGRESS_MIN = 3


def batch_options(func: F) -> F:
    """--recursive, --jobs and --log, shared by the commands that take several images."""
    func = click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
                        metavar="FILE.jsonl", help=texts.LOG_HELP)(func)
    func = click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
                        help="Worker processes for several images (0: one per core).")(func)
    return click.option("-r", "--recursive", is_flag=True,
                        help="Also take the JPEGs in subfolders of a folder argument.")(func)


def cluster_option(func: F) -> F:
    """--cluster SPEC: run the batch on a Dask cluster (the 'dask' extra)."""
    return click.option(
        "--cluster", metavar="tcp://HOST:PORT|local[:N]",
        help="Run on a Dask cluster: a scheduler's address, or local[:N] for N worker processes "
             "on 127.0.0.1 (pip install 'fakemedia[dask]'). Results come in completion order.")(func)


def expand_inputs(args: Sequence[Path], recursive: bool) -> list[Input]:
    """The images named: files as given, a folder's JPEGs (see batch.expand_inputs)."""
    from fakemedia import batch

    inputs, empty = batch.expand_inputs(args, recursive)
    hint = "" if recursive else " (--recursive descends into subfolders)"
    notes = [f"{arg}: no JPEG files{hint}" for arg in empty]
    if not inputs:
        raise click.UsageError(notes[0] if len(notes) == 1 else "no JPEG files to process")
    for note in notes:
        warn(note)
    return inputs


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A step function that advances a bar on stderr (a terminal, more than a few files)."""
    if total > PROGRESS_MIN and sys.stderr.isatty():
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield lambda: bar.update(1)
    else:
        yield lambda: None


def raise_if_failed(total: int, failures: Sequence[tuple[Path, str]]) -> None:
    """List each failure on stderr, then raise BatchError (exit 7) with a one-line summary."""
    if not failures:
        return
    for path, why in failures:
        warn(f"failed: {why if path.name in why else f'{path}: {why}'}")
    raise BatchError(f"{len(failures)} of {total} files failed")
