"""The one error tree of fakemedia, and the one table of exit codes.

Every error the library raises on purpose derives from :class:`FakemediaError`. ``str(err)`` is a
single line fit for a terminal; ``exit_code`` is what the command line exits with. The library
never prints and never exits, and its messages never name command-line flags: ``fakemedia.cli``
turns these into messages (adding hints) and exit codes.

:data:`EXIT_CODES` is the only list of exit codes: ``fakemedia --help``, each command's epilog and
the README table are made from it (``python -m fakemedia.errors`` prints the README table).
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_NO_MANIFEST = 4
EXIT_SIGNING = 5
EXIT_DETECTOR = 6
EXIT_PARTIAL = 7
EXIT_PARENT_INVALID = 8
EXIT_RECOVERED = 9
EXIT_CONFLICT = 10
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

#: Every exit code of the command line and what it means, in order.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success; verify: the manifest is Valid or Trusted"),
    (EXIT_INVALID, "verify: the manifest is Invalid (a check failed)"),
    (EXIT_USAGE, "usage error (bad option, argument, annotation, manifest definition or "
                 "trust-anchor file; an output that exists, without --force)"),
    (EXIT_UNREADABLE, "unreadable input: missing file, not a JPEG, truncated, malformed"),
    (EXIT_NO_MANIFEST, "no manifest found (or only a remote one, which is never fetched)"),
    (EXIT_SIGNING, "signing or identity problem (key, passphrase, certificate)"),
    (EXIT_DETECTOR, "detector problem (model missing, foreign or corrupt)"),
    (EXIT_PARTIAL, "batch: some files failed, the others were processed"),
    (EXIT_PARENT_INVALID, "annotate: written and sound, but the manifest it continues is Invalid"),
    (EXIT_RECOVERED, "verify --repo: no sound embedded manifest, but one was recovered via soft "
                     "binding from the repository (never Valid: its hard binding is the original's)"),
    (EXIT_CONFLICT, "verify/recover --repo: the watermark names a manifest whose fingerprint does "
                    "not match the image (a conflict, not a recovery)"),
    (EXIT_INTERNAL, "internal error (a bug: please report it, rerun with -v)"),
    (EXIT_INTERRUPTED, "interrupted"),
)


def exit_code_lines(codes: Iterable[int] | None = None) -> list[str]:
    """``"N   meaning"`` for ``codes`` (default: all), in table order."""
    wanted = None if codes is None else set(codes)
    return [f"{code:<4}{meaning}" for code, meaning in EXIT_CODES if wanted is None or code in wanted]


def exit_code_epilog(codes: Iterable[int] | None = None, note: str = "") -> str:
    """A click epilog (``\\b`` keeps its lines) listing ``codes``, then ``note``."""
    lines = ["\b", "Exit codes:", *(f"  {line}" for line in exit_code_lines(codes))]
    return "\n".join(lines) + (f"\n\n{note.strip()}\n" if note else "\n")


def exit_code_markdown() -> str:
    """The README's exit-code table."""
    rows = [f"| {code} | {meaning} |" for code, meaning in EXIT_CODES]
    return "\n".join(["| code | meaning |", "|---|---|", *rows])


class FakemediaError(Exception):
    """Root of every deliberate fakemedia error."""

    exit_code = EXIT_INVALID

    def __str__(self) -> str:
        # One line, always: multi-line messages break log parsing.
        return " ".join(super().__str__().split())


class FormatError(FakemediaError):
    """The bytes are not a valid container (JPEG, APP11, JUMBF)."""

    exit_code = EXIT_UNREADABLE


class UnsupportedFormat(FormatError):
    """Magic bytes not recognised (for example: not a JPEG)."""


class TruncatedData(FormatError):
    """The data ends before a structure it announced."""


class MalformedSegment(FormatError):
    """A JPEG marker segment is inconsistent."""


class MalformedBox(FormatError):
    """A JUMBF box is inconsistent (lengths, nesting, description box)."""


class MalformedDer(FormatError):
    """DER (ITU-T X.690 §10) that breaks the distinguished rules or the structure expected."""


class LimitExceeded(FormatError):
    """A resource bound from :mod:`fakemedia.limits` would be exceeded."""


class ManifestNotFound(FakemediaError):
    """The asset is fine but carries no C2PA manifest store."""

    exit_code = EXIT_NO_MANIFEST


class ManifestError(FakemediaError):
    """A manifest store is present but cannot be read at all."""

    exit_code = EXIT_UNREADABLE


class AnnotationInvalid(FakemediaError):
    """An annotation does not satisfy the JSON Schema or its rules."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, issues: list[str] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


class InvalidRequest(FakemediaError):
    """The request cannot be carried out as asked (e.g. redacting an assertion that is not
    there, or one C2PA forbids redacting). ``about`` names the input at fault (a parameter
    name such as ``"recipient"``), for a caller that words its own hint."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str = "", about: str | None = None) -> None:
        super().__init__(message)
        self.about = about


class SigningError(FakemediaError):
    """Cannot sign: key or certificate unusable, wrong passphrase, unsupported algorithm."""

    exit_code = EXIT_SIGNING


class IdentityError(SigningError):
    """A signing identity is missing, unreadable or does not meet the certificate profile."""


class DecryptionError(FakemediaError):
    """Restricted metadata cannot be decrypted: no matching recipient, wrong key, tampered."""

    exit_code = EXIT_SIGNING


class VerificationError(FakemediaError):
    """A verification step failed (used inside validation; reported as status codes)."""

    exit_code = EXIT_INVALID


class SignatureInvalid(VerificationError):
    """The signature does not verify."""


class CertificateError(VerificationError):
    """A certificate fails the profile, its validity window or its chain."""


class DetectorError(FakemediaError):
    """The detector cannot run: model missing, foreign or corrupt; bad image for detection."""

    exit_code = EXIT_DETECTOR


class DetectorUnavailable(DetectorError):
    """The detector stack (torch, safetensors: the ``detect`` extra) is not installed."""

    def __init__(self, missing: str | None = None) -> None:
        what = f"{missing}, which is not installed" if missing else "the detector stack (torch, safetensors)"
        super().__init__(f"detection needs {what}: pip install 'fakemedia[detect]'")
        self.missing = missing


class WeightsMismatch(DetectorError):
    """Weights or model file do not match their pinned SHA-256."""


class WatermarkUnavailable(DetectorError):
    """The watermark model cannot run: onnxruntime is not installed (the ``watermark`` extra)."""


class Recovered(FakemediaError):
    """No sound manifest is embedded, but one was recovered through a soft binding."""

    exit_code = EXIT_RECOVERED


class RecoveryConflict(FakemediaError):
    """A soft-binding look-up found contradicting evidence (watermark vs fingerprint)."""

    exit_code = EXIT_CONFLICT


class RepositoryError(FakemediaError):
    """A manifest repository cannot be used: not a repository, corrupt, or a conflicting entry."""

    exit_code = EXIT_UNREADABLE


class InputImageError(FakemediaError):
    """An image cannot be decoded or is unusable (too small, wrong mode)."""

    exit_code = EXIT_UNREADABLE


class BatchError(FakemediaError):
    """Some files in a batch failed; the rest were processed."""

    exit_code = EXIT_PARTIAL


class ParentInvalid(FakemediaError):
    """The image was signed, but the manifest it continues does not validate."""

    exit_code = EXIT_PARENT_INVALID


if __name__ == "__main__":
    print(exit_code_markdown())
