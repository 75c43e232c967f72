"""``fakemedia verify`` and ``fakemedia history``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

from fakemedia.cli._batch import (
    JsonlLog,
    batch_options,
    expand_inputs,
    log_record,
    progress,
    raise_if_failed,
)
from fakemedia.cli._common import (
    decrypt_key_material,
    decrypt_key_option,
    emit_json,
    json_option,
    naming,
    read_trust_anchors,
    trust_anchors_option,
)
from fakemedia.errors import FakemediaError, ManifestNotFound, VerificationError
from fakemedia.manifest.reader import VerificationReport
from fakemedia.present import text as _render

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _TrustOptions:
    """--trust-config, --tsa-anchors and --at, as plain (picklable) data for the workers."""

    config: Path | None = None
    tsa_anchors: tuple[bytes, ...] = ()
    at: datetime | None = None

    def settings(self) -> Any:
        from fakemedia.cose import certs
        from fakemedia.manifest import trust_config

        base = trust_config.load(self.config) if self.config else None
        tsa = [c for pem in self.tsa_anchors for c in certs.load_certificates(pem)]
        return trust_config.combine(base, tsa_anchors=tsa, now=self.at)


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
    func = click.option("--trust-config", "trust_config", metavar="FILE",
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="JSON trust settings: anchors, allowed EKUs, end-entity allow-list, "
                             "TSA and CAWG anchors (see keys/README.md).")(func)
    return func


def _trust_options(config: Path | None, tsa_anchors: Sequence[Path], at: datetime | None) -> _TrustOptions:
    options = _TrustOptions(config, tuple(read_trust_anchors(tsa_anchors)) if tsa_anchors else (), at)
    options.settings()  # a bad file is a usage error now, not one per image
    return options

_VERIFY_EPILOG = """\b
Exit codes: 0 Valid or Trusted, 1 Invalid, 2 usage error, 3 unreadable file (missing, not a
JPEG, truncated), 4 no embedded manifest (a remote one is reported but never fetched),
5 a --decrypt-key cannot be loaded (wrong passphrase, not a recipient key), 7 several files
(or a folder) given and some were not Valid/Trusted (each listed at the end). Whether
restricted fields decrypt never changes the exit code: a key that is not a recipient is noted
on the manifest it does not open. A folder argument means the JPEGs in it (--recursive:
subfolders too); --jobs N checks N at a time.
"""


def _check(report: VerificationReport) -> FakemediaError | None:
    """The error matching a report's verdict (None for Valid and Trusted)."""
    name = report.source or "input"
    if not report.manifest_found:
        if report.remote_url:
            return ManifestNotFound(f"{name}: only a remote manifest reference "
                                    f"({report.remote_url}); it was not fetched")
        return ManifestNotFound(f"{name}: no C2PA manifest (no Content Credentials)")
    if report.state in ("Valid", "Trusted"):
        return None
    codes = [c for c in report.failures() if c != "signingCredential.untrusted"] or ["unknown"]
    return VerificationError(f"{name}: Invalid: {_render.explain_in(report, codes[0])} ({codes[0]})")


def _local_anchor(report: VerificationReport) -> str | None:
    """The local identity's trust-anchor file when it signed the active manifest."""
    from cryptography import x509

    from fakemedia.identity import IdentityPaths, default_identity_dir

    active = report.manifest(report.active_manifest)
    if active is None or not active.signer:
        return None
    paths = IdentityPaths.of(default_identity_dir())
    try:
        cert = x509.load_pem_x509_certificate(paths.signer_cert.read_bytes())
    except (OSError, ValueError):
        return None
    if active.signer.get("serial_number") != str(cert.serial_number):
        return None
    return str(paths.trust_anchors)


def _verify(path: Path, anchors: Sequence[bytes], keys: Sequence[Any],
            trust: Any = None) -> VerificationReport:
    from fakemedia import api

    with naming(path):
        return api.verify(path, trust_anchors=list(anchors), decrypt_keys=keys, trust=trust)


@dataclass(frozen=True)
class _View:
    """What to print for each report: verify or history, text or JSON; picklable for workers."""

    history: bool
    as_json: bool
    tree: bool = False

    def render(self, report: VerificationReport) -> Any:
        if self.history:
            chain = report.history()
            if self.as_json:
                return chain
            return _render.history_text(report, chain, tree=self.tree or _render.needs_tree(report))
        if self.as_json:
            return report.to_dict()
        anchor = _local_anchor(report) if report.state == "Valid" else None
        return _render.report_text(report, local_anchor=anchor)


_WORKER: dict[str, Any] = {}


def _init_worker(anchors: Sequence[bytes], key_material: Sequence[tuple[bytes, bytes | None]],
                 view: _View, trust: _TrustOptions | None = None) -> None:
    from fakemedia import api

    _WORKER.update(anchors=list(anchors), view=view, trust=(trust or _TrustOptions()).settings(),
                   keys=[api.load_decrypt_key(pem, passphrase) for pem, passphrase in key_material])


def _work(path: Path) -> dict[str, Any]:
    """One image: its rendered report and verdict, or its error, as plain data."""
    start = time.perf_counter()
    try:
        report = _verify(path, _WORKER["anchors"], _WORKER["keys"], _WORKER["trust"])
        problem = _check(report)
        return {"input": str(path), "shown": _WORKER["view"].render(report), "state": report.state,
                "manifest": report.active_manifest, "problem": str(problem) if problem else None,
                "exit_code": problem.exit_code if problem else 0,
                "seconds": time.perf_counter() - start}
    except FakemediaError as exc:
        return {"input": str(path), "error": str(exc), "exit_code": exc.exit_code,
                "seconds": time.perf_counter() - start}
    except Exception as exc:  # a bug on one image: report it and keep going
        return {"input": str(path), "error": f"internal error: {type(exc).__name__}: {exc}",
                "exit_code": 70, "seconds": time.perf_counter() - start}


def _log_record(result: dict[str, Any]) -> dict[str, Any]:
    return log_record(result["input"], error=result.get("error") or result.get("problem"),
                      exit_code=result["exit_code"], state=result.get("state"),
                      manifest=result.get("manifest"), seconds=result["seconds"])


def _run(images: Sequence[Path], trust_anchors: Sequence[Path], decrypt_keys: Sequence[Path],
         view: _View, label: str, recursive: bool, jobs: int, log_path: Path | None,
         trust: _TrustOptions | None = None) -> None:
    """Verify every image, print each, then exit by the verdicts."""
    from fakemedia.batch import map_ordered, resolve_jobs

    inputs = expand_inputs(images, recursive)
    anchors = read_trust_anchors(trust_anchors)
    material = decrypt_key_material(decrypt_keys)
    paths = [i.path for i in inputs]
    with JsonlLog(log_path) as log:
        if len(images) == 1 and len(inputs) == 1 and inputs[0].rel is None:
            _init_worker(anchors, material, view, trust)
            start = time.perf_counter()
            try:
                report = _verify(paths[0], anchors, _WORKER["keys"], _WORKER["trust"])
            except FakemediaError as exc:
                log.write(log_record(str(paths[0]), error=str(exc), exit_code=exc.exit_code,
                                     seconds=time.perf_counter() - start))
                raise
            shown = view.render(report)
            if view.as_json:
                emit_json(shown)
            else:
                click.echo(shown)
            problem = _check(report)
            log.write(log_record(str(paths[0]), error=str(problem) if problem else None,
                                 exit_code=problem.exit_code if problem else 0, state=report.state,
                                 manifest=report.active_manifest, seconds=time.perf_counter() - start))
            if problem:
                raise problem
            return
        workers = min(resolve_jobs(jobs), len(paths))
        results = []
        with progress(len(paths), label) as step:
            for result in map_ordered(_work, paths, jobs=workers, initializer=_init_worker,
                                      initargs=(anchors, material, view, trust)):
                log.write(_log_record(result))
                results.append(result)
                step()
    done = [r for r in results if "error" not in r]
    failed = [r for r in results if "error" in r]
    if view.as_json:
        emit_json([r["shown"] for r in done] + [{"source": r["input"], "error": r["error"],
                                                 "exit_code": r["exit_code"]} for r in failed])
    else:
        click.echo("\n\n".join(r["shown"] for r in done))
    problems = [(Path(r["input"]), r.get("error") or r["problem"]) for r in results
                if r.get("error") or r.get("problem")]
    raise_if_failed(len(paths), problems)


@click.command("verify", epilog=_VERIFY_EPILOG)
@click.argument("images", nargs=-1, required=True, metavar="IMG...",
                type=click.Path(dir_okay=True, path_type=Path))
@trust_anchors_option
@trust_extra_options
@decrypt_key_option
@batch_options
@json_option
def verify_cmd(images: tuple[Path, ...], trust_anchors: tuple[Path, ...],
               decrypt_keys: tuple[Path, ...], recursive: bool, jobs: int, log_path: Path | None,
               as_json: bool, trust_config: Path | None = None,
               tsa_anchors: tuple[Path, ...] = (), at: datetime | None = None) -> None:
    """Check the Content Credentials (C2PA manifests) of JPEG images (or the JPEGs in folders).

    The first line is the verdict: Trusted (valid, and the signer is in your trust list),
    Valid (intact, signer not trusted), Invalid (something changed after signing) or no
    Content Credentials. --json prints the full report (see 'fakemedia schema report').
    Restricted annotation fields are shown only with a recipient's --decrypt-key.
    """
    _run(list(images), trust_anchors, decrypt_keys, _View(history=False, as_json=as_json),
         "Verifying", recursive, jobs, log_path, _trust_options(trust_config, tsa_anchors, at))


@click.command("history", epilog=_VERIFY_EPILOG.replace("0 Valid", "0 the newest step is Valid"))
@click.argument("images", nargs=-1, required=True, metavar="IMG...",
                type=click.Path(dir_okay=True, path_type=Path))
@trust_anchors_option
@trust_extra_options
@decrypt_key_option
@json_option
@batch_options
@click.option("--tree", is_flag=True,
              help="Also draw the ingredient tree (automatic when a manifest has several ingredients).")
def history_cmd(images: tuple[Path, ...], trust_anchors: tuple[Path, ...],
                decrypt_keys: tuple[Path, ...], as_json: bool, recursive: bool, jobs: int,
                log_path: Path | None, tree: bool, trust_config: Path | None = None,
                tsa_anchors: tuple[Path, ...] = (), at: datetime | None = None) -> None:
    """Show the provenance chain of JPEG images (or the JPEGs in folders), oldest step first.

    Each step says who signed, when, with which tool, what was modified, why, how likely the
    image is to be modified (and how that changed along the chain), and whether the step
    validates. --json prints the history (see 'fakemedia schema history').
    """
    _run(list(images), trust_anchors, decrypt_keys, _View(history=True, as_json=as_json, tree=tree),
         "Reading history", recursive, jobs, log_path, _trust_options(trust_config, tsa_anchors, at))
