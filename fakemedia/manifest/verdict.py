"""The verdict on one asset: two answers that are never mixed.

*Provenance* says whether the manifest is intact and who signed it: Trusted, Valid or Invalid
(the validation state of C2PA 2.1, "Validation"), or no Content Credentials at all. *Content assessment*
says what a detector or a person estimated about the pixels ("P(synthetic) by <model or
person>"); it is a recorded claim, never part of the provenance state.

Every presentation (text, JSON, the HTML page, the history) renders this one value, so they
cannot disagree. Codes only, no wording: :mod:`fakemedia.present.wording` owns the words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timezone
from typing import Any, Literal, cast

from fakemedia._record import Frozen
from fakemedia.manifest.reader import ManifestView, VerificationReport
from fakemedia.manifest.report import is_tolerated

State = Literal["Trusted", "Valid", "Invalid"]
#: Which time the signer's certificate was judged at: a validated time-stamp's, a validation
#: time the caller asked for, or the moment of validation.
TimeSource = Literal["time-stamp", "requested", "now"]


class JudgedAt(Frozen):
    __slots__ = ("moment", "source")
    source: TimeSource
    moment: str

    def __init__(self, source: TimeSource, moment: str) -> None:
        self._init(source=source, moment=moment)

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "time": self.moment}


class Provenance(Frozen):
    """Is the manifest intact, and is its signer trusted?"""

    __slots__ = ("found", "judged_at", "problems", "remote_url", "signer", "state", "untrusted")
    found: bool
    state: State | None
    signer: Mapping[str, Any] | None
    #: Failure codes that decide the state (tolerated ones, such as an untrusted signer, left
    #: out), distinct, in validation order.
    problems: tuple[str, ...]
    untrusted: bool
    remote_url: str | None
    judged_at: JudgedAt | None

    def __init__(self, found: bool, state: State | None, signer: Mapping[str, Any] | None = None,
                 problems: tuple[str, ...] = (), untrusted: bool = False, remote_url: str | None = None,
                 judged_at: JudgedAt | None = None) -> None:
        self._init(found=found, state=state, signer=signer, problems=problems, untrusted=untrusted,
                   remote_url=remote_url, judged_at=judged_at)

    @property
    def acceptable(self) -> bool:
        return self.state in ("Trusted", "Valid")

    @property
    def first_problem(self) -> str | None:
        return self.problems[0] if self.problems else None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "manifest_found": self.found, "problems": list(self.problems),
                "signer_trusted": self.state == "Trusted",
                "judged_at": self.judged_at.to_dict() if self.judged_at else None}


class ContentAssessment(Frozen):
    """A recorded estimate about the pixels, with whose model or judgement it is."""

    __slots__ = ("by", "calibrated", "manifest", "method", "model_sha256", "of", "probability", "regions")
    probability: float
    of: str
    method: Literal["algorithmic", "human"]
    #: The model (name and version) or the person who made the estimate.
    by: str
    calibrated: bool | None
    model_sha256: str | None
    manifest: str | None
    #: Areas recorded beside the estimate.
    regions: int

    def __init__(self, probability: float, of: str, method: Literal["algorithmic", "human"], by: str,
                 calibrated: bool | None = None, model_sha256: str | None = None, manifest: str | None = None,
                 regions: int = 0) -> None:
        self._init(probability=probability, of=of, method=method, by=by, calibrated=calibrated,
                   model_sha256=model_sha256, manifest=manifest, regions=regions)

    @property
    def label(self) -> str:
        return f"P({self.of}) by {self.by}"

    def to_dict(self) -> dict[str, Any]:
        return {"probability": self.probability, "of": self.of, "method": self.method, "by": self.by,
                "label": self.label, "calibrated": self.calibrated, "model_sha256": self.model_sha256,
                "manifest": self.manifest, "regions": self.regions}


class Verdict(Frozen):
    __slots__ = ("assessment", "declared", "provenance")
    provenance: Provenance
    #: The active manifest's content assessment, if it records one.
    assessment: ContentAssessment | None
    #: What the signer declared was done to the image (modification types).
    declared: tuple[str, ...]

    def __init__(self, provenance: Provenance, assessment: ContentAssessment | None = None,
                 declared: tuple[str, ...] = ()) -> None:
        self._init(provenance=provenance, assessment=assessment, declared=declared)

    def to_dict(self) -> dict[str, Any]:
        return {"provenance": self.provenance.to_dict(),
                "content_assessment": self.assessment.to_dict() if self.assessment else None,
                "declared_modifications": list(self.declared)}


def assessment_of(view: ManifestView) -> ContentAssessment | None:
    """The probability a manifest records, as a content assessment (None when it has none or the
    value is not a finite number in 0..1)."""
    prob = view.annotation.get("probability")
    if not isinstance(prob, Mapping):
        return None
    value = prob.get("value")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        return None
    human = prob.get("method") == "human"
    if human:
        by = str(prob.get("assessor") or "a person")
    else:
        by = " ".join(str(p) for p in (prob.get("name"), prob.get("version")) if p) or "an unnamed detector"
    calibrated = prob.get("calibrated")
    sha = prob.get("model_sha256")
    return ContentAssessment(float(value), str(prob.get("of") or "synthetic"),
                             "human" if human else "algorithmic", by,
                             calibrated if isinstance(calibrated, bool) else None,
                             sha if isinstance(sha, str) else None, view.label,
                             len(view.annotation.get("regions") or []))


def verdict_of(report: VerificationReport) -> Verdict:
    """The verdict of a verification report (one pass over its statuses)."""
    if not report.manifest_found:
        return Verdict(Provenance(False, "Invalid" if report.remote_url else None,
                                  remote_url=report.remote_url,
                                  problems=("manifest.inaccessible",) if report.remote_url else ()))
    active = report.manifest(report.active_manifest)
    failures = report.failures()
    problems = tuple(dict.fromkeys(c for c in failures if not is_tolerated(c)))
    state = cast(State, report.state if report.state in ("Trusted", "Valid", "Invalid") else "Invalid")
    if state == "Invalid" and not problems:
        problems = tuple(dict.fromkeys(failures)) or ("claimSignature.missing",)
    provenance = Provenance(True, state, active.signer if active else None, problems,
                            "signingCredential.untrusted" in failures, judged_at=_judged_at(report))
    types = tuple(str(t) for t in (active.annotation.get("modification_types") or [])) if active else ()
    return Verdict(provenance, assessment_of(active) if active else None, types)


_STAMPED = "at the time-stamp's time "


def _judged_at(report: VerificationReport) -> JudgedAt | None:
    """From the validator's own words on the active signature: a time-stamp's time when one was
    used, else the validation time (requested by the caller, or now)."""
    if report.results is None:
        return None
    for status in report.results.active_manifest.statuses:
        if status.code in ("claimSignature.insideValidity", "signingCredential.expired") \
                and _STAMPED in status.explanation:
            moment = status.explanation.split(_STAMPED, 1)[1].split()[0]
            return JudgedAt("time-stamp", moment)
    if report.validated_at is None:
        return None
    moment = report.validated_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return JudgedAt("requested" if report.time_requested else "now", moment)
