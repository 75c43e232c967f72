"""Validation results in C2PA terms (C2PA 2.1, "Validation": status codes and validation states).

Codes are the strings the reference SDK emits, so reports can be compared code for code with
other validators. Each status names the JUMBF URI of what was checked.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from fakemedia._record import Frozen, Record
from fakemedia.manifest.cawg import codes as cawg_codes

Kind = Literal["success", "informational", "failure"]

# Failures that do not make a manifest Invalid (C2PA 2.1 validation states: an untrusted signer
# leaves a manifest Valid).
TOLERATED_FAILURES = frozenset({"signingCredential.untrusted"})
_TOLERATED_PREFIXES = cawg_codes.TOLERATED_PREFIXES
#: An ingredient hash in the pre-1.3 form (over its claim bytes), accepted as c2pa-rs does; the
#: reference SDK has no code for it, so it is reported under fakemedia's own namespace.
LEGACY_INGREDIENT_HASH = "org.fakemedia.ingredient.legacyHash"

INFORMATIONAL_CODES = frozenset({
    "signingCredential.ocsp.skipped", "signingCredential.ocsp.inaccessible",
    "signingCredential.ocsp.unknown",
    "timeStamp.mismatch", "timeStamp.malformed", "timeStamp.outsideValidity",
    "timeStamp.untrusted", "algorithm.deprecated", "ingredient.unknownProvenance",
    "manifest.unknownProvenance", "manifest.unreferenced",
    "assertion.dataHash.additionalExclusionsPresent", LEGACY_INGREDIENT_HASH,
}) | cawg_codes.INFORMATIONAL
SUCCESS_CODES = frozenset({
    "claimSignature.validated", "claimSignature.insideValidity", "signingCredential.trusted",
    "timeStamp.validated", "timeStamp.trusted", "assertion.hashedURI.match",
    "assertion.dataHash.match", "assertion.accessible", "ingredient.manifest.validated",
    "ingredient.claimSignature.validated", "signingCredential.ocsp.notRevoked",
}) | cawg_codes.SUCCESS


def kind_of(code: str) -> Kind:
    if code in SUCCESS_CODES:
        return "success"
    if code in INFORMATIONAL_CODES:
        return "informational"
    return "failure"


def is_tolerated(code: str) -> bool:
    return code in TOLERATED_FAILURES or code.startswith(_TOLERATED_PREFIXES)


class Status(Frozen):
    __slots__ = ("code", "explanation", "url")
    code: str
    url: str | None
    explanation: str

    def __init__(self, code: str, url: str | None = None, explanation: str = "") -> None:
        self._init(code=code, url=url, explanation=explanation)

    @property
    def kind(self) -> Kind:
        return kind_of(self.code)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code}
        if self.url:
            out["url"] = self.url
        if self.explanation:
            out["explanation"] = self.explanation
        return out


class StatusList(Record):
    """Statuses of one manifest, grouped the C2PA way on output."""

    __slots__ = ("statuses",)
    statuses: list[Status]

    def __init__(self, statuses: list[Status] | None = None) -> None:
        self.statuses = statuses if statuses is not None else []

    def add(self, code: str, url: str | None = None, explanation: str = "") -> None:
        self.statuses.append(Status(code, url, explanation))

    def codes(self, kind: Kind) -> list[str]:
        return [s.code for s in self.statuses if s.kind == kind]

    def has(self, code: str) -> bool:
        return any(s.code == code for s in self.statuses)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {k: [s.to_dict() for s in self.statuses if s.kind == k]
                for k in ("success", "informational", "failure")}


class IngredientDelta(Record):
    """Validation of an ingredient's manifest, reported under the ingredient assertion."""

    __slots__ = ("ingredient_uri", "statuses")
    ingredient_uri: str
    statuses: StatusList

    def __init__(self, ingredient_uri: str, statuses: StatusList) -> None:
        self.ingredient_uri = ingredient_uri
        self.statuses = statuses

    def to_dict(self) -> dict[str, Any]:
        return {"ingredientAssertionURI": self.ingredient_uri,
                "validationDeltas": self.statuses.to_dict()}


class ValidationResults(Record):
    __slots__ = ("active_manifest", "ingredient_deltas", "manifest_statuses")
    _uncompared: ClassVar[tuple[str, ...]] = ("manifest_statuses",)
    active_manifest: StatusList
    ingredient_deltas: list[IngredientDelta]
    #: Each validated manifest's own statuses by label, from the same run (the active one's
    #: is ``active_manifest``); not part of the C2PA output.
    manifest_statuses: dict[str, StatusList]

    def __init__(self, active_manifest: StatusList | None = None,
                 ingredient_deltas: list[IngredientDelta] | None = None,
                 manifest_statuses: dict[str, StatusList] | None = None) -> None:
        self.active_manifest = active_manifest if active_manifest is not None else StatusList()
        self.ingredient_deltas = ingredient_deltas if ingredient_deltas is not None else []
        self.manifest_statuses = manifest_statuses if manifest_statuses is not None else {}

    def failures(self) -> list[str]:
        codes = self.active_manifest.codes("failure")
        for delta in self.ingredient_deltas:
            codes.extend(delta.statuses.codes("failure"))
        return codes

    @property
    def state(self) -> Literal["Invalid", "Valid", "Trusted"]:
        """C2PA 2.1 validation states: Valid needs a validated in-validity signature and only
        tolerated failures; Trusted adds a trusted signer and no failure at all."""
        active = self.active_manifest
        failures = self.failures()
        if not (active.has("claimSignature.validated") and active.has("claimSignature.insideValidity")):
            return "Invalid"
        if any(not is_tolerated(code) for code in failures):
            return "Invalid"
        if active.has("signingCredential.trusted") and not failures:
            return "Trusted"
        return "Valid"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"activeManifest": self.active_manifest.to_dict()}
        if self.ingredient_deltas:
            out["ingredientDeltas"] = [d.to_dict() for d in self.ingredient_deltas]
        return out
