"""Options and helpers the commands share: inputs, JSON output, trust anchors, the signing
identity, recipient keys, batch runs and their JSON-lines log. Click only: the work is the API's."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

from fakemedia.errors import BatchError, CertificateError, FakemediaError, SigningError

F = TypeVar("F", bound=Callable[..., Any])

ENV_PASSPHRASE = "FAKEMEDIA_KEY_PASSPHRASE"
ENV_DECRYPT_PASSPHRASE = "FAKEMEDIA_DECRYPT_PASSPHRASE"
ENV_TRUST_ANCHORS = "FAKEMEDIA_TRUST_ANCHORS"
ENV_REPO = "FAKEMEDIA_REPO"
ANCHORS_FILE = "trust-anchors.pem"
#: Bigger than any key file: a recipient or decryption key is read up to this many bytes.
MAX_KEY_FILE_BYTES = 1024 * 1024


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


# --- trust -----------------------------------------------------------------------------------


def trust_anchors_option(func: F) -> F:
    return click.option(
        "--trust-anchors", "trust_anchors", multiple=True, metavar="PEM",
        type=click.Path(dir_okay=True, path_type=Path),
        help=f"PEM file of trusted root certificates (repeatable; a directory means its "
             f"{ANCHORS_FILE}). Default: ${ENV_TRUST_ANCHORS}, else none: signers are untrusted.",
    )(func)


def _parse_at(_ctx: Any, _param: Any, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date or time") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def trust_extra_options(func: F) -> F:
    func = click.option("--at", "at", metavar="ISO-8601", callback=_parse_at,
                        help="Validation time (default now; UTC when no offset): was the file "
                             "valid then? A signer with a trusted time-stamp is judged at the "
                             "time-stamp's time.")(func)
    func = click.option("--tsa-anchors", "tsa_anchors", multiple=True, metavar="PEM",
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="Time-stamp authority roots (besides the --trust-anchors, which "
                             "also count for time-stamps, as in the reference SDK).")(func)
    return click.option("--trust-config", "trust_config", metavar="FILE",
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="JSON trust settings: anchors, allowed EKUs, end-entity allow-list, "
                             "TSA and CAWG anchors (see keys/README.md).")(func)


def anchor_paths(given: Sequence[Path]) -> list[Path]:
    """The anchor files to use: the option's, else $FAKEMEDIA_TRUST_ANCHORS, else none."""
    if given:
        return list(given)
    env = os.environ.get(ENV_TRUST_ANCHORS)
    return [Path(part) for part in env.split(os.pathsep) if part] if env else []


def read_trust_anchors(given: Sequence[Path], hint: str = "--trust-anchors",
                       use_env: bool = True) -> list[bytes]:
    """PEM bytes of every anchor file; a missing or unreadable one is a usage error (exit 2)."""
    from fakemedia import api

    out: list[bytes] = []
    for path in anchor_paths(given) if use_env else list(given):
        file = path / ANCHORS_FILE if path.is_dir() else path
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {file} ({exc.strerror or exc})", param_hint=hint) from None
        try:
            api.check_certificates(data)
        except CertificateError:
            raise click.BadParameter(f"{file} holds no readable certificate", param_hint=hint) from None
        out.append(data)
    return out


@dataclass(frozen=True)
class Trust:
    """The trust options of one command, checked once, as plain (picklable) data."""

    anchors: tuple[bytes, ...] = ()
    config: str | None = None
    tsa_anchors: tuple[bytes, ...] = ()
    at: datetime | None = None


def trust_from(anchors: Sequence[Path], config: Path | None = None, tsa: Sequence[Path] = (),
               at: datetime | None = None) -> Trust:
    from fakemedia import api

    trust = Trust(tuple(read_trust_anchors(anchors)), str(config) if config else None,
                  tuple(read_trust_anchors(tsa, "--tsa-anchors", use_env=False)), at)
    if config is not None:
        try:
            api.trust_settings(config=config)  # a bad file is a usage error now, not one per image
        except FakemediaError as exc:
            raise click.BadParameter(str(exc), param_hint="--trust-config") from None
    return trust


# --- signing identity ------------------------------------------------------------------------


def identity_option(func: F) -> F:
    return click.option(
        "--identity", "identity", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
        help="Signing identity directory (see 'fakemedia keys init'). Default: the local one "
             "under $FAKEMEDIA_HOME or ~/.config/fakemedia, created on first use.",
    )(func)


def passphrase_for(directory: Path) -> bytes | None:
    """$FAKEMEDIA_KEY_PASSPHRASE, else a hidden prompt on a terminal when the key needs one."""
    from fakemedia import api

    if not api.identity_key_encrypted(directory):
        return None  # a passphrase in the environment is for encrypted keys only
    env = os.environ.get(ENV_PASSPHRASE)
    if env:
        return env.encode()
    if on_terminal():
        return _prompt(str(directory))
    raise SigningError(f"the signing key in {directory} is encrypted: set {ENV_PASSPHRASE} "
                       "or run on a terminal to be prompted")


def resolve_identity(identity: Path | None) -> tuple[Path, bytes | None]:
    """The identity directory (with none given, the default local one, created with a one-time
    notice on stderr when it does not exist yet) and its key's passphrase."""
    from fakemedia import api

    directory = identity
    if directory is None:
        directory = api.default_identity_dir()
        if not api.identity_exists(directory):
            paths = api.create_identity(directory)
            warn(f"created a local, untrusted test identity in {paths.directory}")
            warn("its manifests verify as Valid, not Trusted; to make them Trusted run: "
                 f"fakemedia verify --trust-anchors {paths.trust_anchors} IMG")
    return directory, passphrase_for(directory)


# --- recipient keys for restricted annotation fields -----------------------------------------


def decrypt_key_option(func: F) -> F:
    return click.option(
        "--decrypt-key", "decrypt_keys", multiple=True, metavar="KEY.pem",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Recipient private key that reads restricted annotation fields (repeatable; see "
             f"'fakemedia keys recipient'). An encrypted key's passphrase: ${ENV_DECRYPT_PASSPHRASE}, "
             "else a prompt on a terminal.",
    )(func)


def read_key_file(path: Path, hint: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path} ({exc.strerror or exc})", param_hint=hint) from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise click.BadParameter(f"{path} is larger than any key file", param_hint=hint)
    return data


def _decrypt_passphrase(path: Path, pem: bytes) -> bytes | None:
    """$FAKEMEDIA_DECRYPT_PASSPHRASE, else a hidden prompt on a terminal, for an encrypted key."""
    if b"ENCRYPTED" not in pem:
        return None
    env = os.environ.get(ENV_DECRYPT_PASSPHRASE)
    if env:
        return env.encode()
    if on_terminal():
        return _prompt(str(path))
    raise SigningError(f"{path}: the decryption key is encrypted: set {ENV_DECRYPT_PASSPHRASE} "
                       "or run on a terminal to be prompted")


def decrypt_key_material(paths: Sequence[Path]) -> tuple[tuple[bytes, bytes | None], ...]:
    """(PEM, passphrase) of every --decrypt-key, each checked to load: unreadable file exit 2,
    bad key or passphrase exit 5 (the message names the file, never the key or the passphrase).
    Worker processes load the keys again from these (key objects do not cross processes)."""
    from fakemedia import api

    material = []
    for path in paths:
        pem = read_key_file(path, "--decrypt-key")
        passphrase = _decrypt_passphrase(path, pem)
        try:
            api.load_decrypt_key(pem, passphrase)
        except SigningError as exc:
            raise SigningError(f"{path}: {exc}") from None
        material.append((pem, passphrase))
    return tuple(material)


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """Prefix errors about one file with its path when the library's message lacks it."""
    try:
        yield
    except FakemediaError as exc:
        if path.name not in str(exc):
            exc.args = (f"{path}: {exc}", *exc.args[1:])
        raise


# --- several inputs --------------------------------------------------------------------------

#: More files than this get a progress bar (on a terminal only).
PROGRESS_MIN = 3
JPEG_SUFFIXES = (".jpg", ".jpeg")

LOG_HELP = ("Append one JSON object per input to FILE.jsonl: input, output, status (ok/error), "
            "exit_code, error, state, parent_state, manifest, probability (when detected), seconds.")


def batch_options(func: F) -> F:
    """--recursive, --jobs and --log, shared by the commands that take several images."""
    func = click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
                        metavar="FILE.jsonl", help=LOG_HELP)(func)
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


@dataclass(frozen=True)
class Input:
    """One image to process; ``rel`` is its path under the folder argument it came from."""

    path: Path
    rel: Path | None = None


def _visible(rel: Path) -> bool:
    # Dot files are temporaries (ours: .NAME.*.tmp) or OS litter (macOS ._photo.jpg).
    return not any(part.startswith(".") for part in rel.parts)


def expand_inputs(args: Sequence[Path], recursive: bool) -> list[Input]:
    """File arguments as given; a folder argument becomes its JPEGs (*.jpg, *.jpeg, any case),
    sorted. Other files in a folder are skipped; a named file that is no JPEG fails later."""
    out: list[Input] = []
    empty: list[str] = []
    for arg in args:
        if not arg.is_dir():
            out.append(Input(arg))
            continue
        candidates = arg.rglob("*") if recursive else arg.iterdir()
        found = sorted((p.relative_to(arg) for p in candidates
                        if p.suffix.lower() in JPEG_SUFFIXES and p.is_file()),
                       key=lambda rel: rel.parts)
        found = [rel for rel in found if _visible(rel)]
        if not found:
            hint = "" if recursive else " (--recursive descends into subfolders)"
            empty.append(f"{arg}: no JPEG files{hint}")
        out += [Input(arg / rel, rel) for rel in found]
    if not out:
        raise click.UsageError(empty[0] if len(empty) == 1 else "no JPEG files to process")
    for note in empty:
        warn(note)
    return out


def single(args: Sequence[Path], inputs: Sequence[Input]) -> bool:
    """One file named on the command line (not a folder): errors are raised, not listed."""
    return len(args) == 1 and len(inputs) == 1 and inputs[0].rel is None


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
