"""The one error tree of fakemedia.

Every error the library raises on purpose derives from :class:`FakemediaError`. ``str(err)`` is a
single line fit for a terminal; ``exit_code`` is what the command line exits with. The library
never prints and never exits: only ``fakemedia.cli`` turns these into messages and exit codes.

Exit codes (documented in ``fakemedia --help`` and README.md):

====  ==========================================================
 0    success; for verify: the manifest is Valid or Trusted
 1    verify: the manifest is Invalid (a check failed)
 2    usage error (bad option or argument, impossible request)
 3    unreadable input: not a JPEG, truncated, malformed container
 4    no manifest found where one was needed
 5    signing or identity problem (key, passphrase, certificate)
 6    detector problem (model file missing, foreign or corrupt)
 7    batch: some files failed, the others were processed
====  ==========================================================
"""

from __future__ import annotations


class FakemediaError(Exception):
    """Root of every deliberate fakemedia error."""

    exit_code = 1

    def __str__(self) -> str:
        # One line, always: multi-line messages break log parsing.
        return " ".join(super().__str__().split())


class FormatError(FakemediaError):
    """The bytes are not a valid container (JPEG, APP11, JUMBF)."""

    exit_code = 3


class UnsupportedFormat(FormatError):
    """Magic bytes not recognised (for example: not a JPEG)."""


class TruncatedData(FormatError):
    """The data ends before a structure it announced."""


class MalformedSegment(FormatError):
    """A JPEG marker segment is inconsistent."""


class MalformedBox(FormatError):
    """A JUMBF box is inconsistent (lengths, nesting, description box)."""


class LimitExceeded(FormatError):
    """A resource bound from :mod:`fakemedia.limits` would be exceeded."""


class ManifestNotFound(FakemediaError):
    """The asset is fine but carries no C2PA manifest store."""

    exit_code = 4


class ManifestError(FakemediaError):
    """A manifest store is present but cannot be read at all."""

    exit_code = 3


class AnnotationInvalid(FakemediaError):
    """An annotation does not satisfy the JSON Schema or its rules."""

    exit_code = 2

    def __init__(self, message: str, issues: list[str] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


class InvalidRequest(FakemediaError):
    """The request cannot be carried out as asked (e.g. redacting an assertion that is not
    there, or one C2PA forbids redacting)."""

    exit_code = 2


class SigningError(FakemediaError):
    """Cannot sign: key or certificate unusable, wrong passphrase, unsupported algorithm."""

    exit_code = 5


class IdentityError(SigningError):
    """A signing identity is missing, unreadable or does not meet the certificate profile."""


class DecryptionError(FakemediaError):
    """Restricted metadata cannot be decrypted: no matching recipient, wrong key, tampered."""

    exit_code = 5


class VerificationError(FakemediaError):
    """A verification step failed (used inside validation; reported as status codes)."""

    exit_code = 1


class SignatureInvalid(VerificationError):
    """The signature does not verify."""


class CertificateError(VerificationError):
    """A certificate fails the profile, its validity window or its chain."""


class DetectorError(FakemediaError):
    """The detector cannot run: model missing, foreign or corrupt; bad image for detection."""

    exit_code = 6


class WeightsMismatch(DetectorError):
    """Weights or model file do not match their pinned SHA-256."""


class WatermarkUnavailable(DetectorError):
    """The watermark model cannot run: onnxruntime is not installed (the ``watermark`` extra)."""


class RepositoryError(FakemediaError):
    """A manifest repository cannot be used: not a repository, corrupt, or a conflicting entry."""

    exit_code = 3


class InputImageError(FakemediaError):
    """An image cannot be decoded or is unusable (too small, wrong mode)."""

    exit_code = 3


class BatchError(FakemediaError):
    """Some files in a batch failed; the rest were processed."""

    exit_code = 7
