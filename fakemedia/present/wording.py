"""Plain-language wording of verdicts and codes, shared by the text and HTML renderers.

Presentation data only (no I/O, no printing): what a failure code means to a journalist, how a
signer or a tool is named, which annotation lines are hidden behind restricted-field encryption.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakemedia.manifest.cawg.identity import VerifiedIdentity
from fakemedia.manifest.reader import VerificationReport
from fakemedia.manifest.verdict import ContentAssessment, JudgedAt

#: Plain-language meaning of the C2PA failure codes a person is likely to meet.
EXPLANATIONS: Mapping[str, str] = {
    "assertion.dataHash.mismatch": "the image was changed after signing",
    "assertion.dataHash.malformed": "the image hash in the manifest is unreadable",
    "assertion.hashedURI.mismatch": "a statement in the manifest was altered after signing",
    "assertion.missing": "a statement the manifest refers to is missing",
    "assertion.undeclared": "the manifest holds a statement its claim does not list",
    "assertion.outsideManifest": "the manifest refers to a statement outside itself",
    "assertion.multipleHardBindings": "the manifest binds to the image more than once",
    "assertion.action.malformed": "the list of edits is malformed",
    "assertion.action.ingredientMismatch": "an edit refers to an ingredient that is not there",
    "assertion.ingredient.malformed": "an ingredient description is malformed",
    "claim.missing": "the manifest has no claim",
    "claim.malformed": "the manifest's claim is malformed",
    "claim.hardBindings.missing": "the manifest is not bound to the image bytes",
    "claimSignature.missing": "the manifest is not signed",
    "claimSignature.mismatch": "the signature does not match the manifest (the manifest was altered)",
    "signingCredential.invalid": "the signing certificate is not acceptable for C2PA",
    "signingCredential.expired": "the signing certificate was not valid at the time it was judged",
    "signingCredential.revoked": "the signing certificate was revoked",
    "signingCredential.ocsp.revoked": "the signing certificate was revoked (OCSP)",
    "signingCredential.untrusted": "the signer is not in your trust list",
    "algorithm.unsupported": "the signature uses an unsupported algorithm",
    "ingredient.manifest.missing": "the manifest of an earlier version is missing",
    "ingredient.manifest.mismatch": "an earlier version's manifest does not match its reference",
    "ingredient.claimSignature.mismatch": "an earlier version's signature does not match",
    "ingredient.hashedURI.mismatch": "an earlier version's manifest was altered",
    "manifest.inaccessible": "the manifest could not be read (it is stored elsewhere)",
    "manifest.multipleParents": "the manifest claims more than one parent",
    "manifest.update.wrongParents": "an update manifest does not have exactly one parent",
    "com.adobe.prerelease": "written by a pre-release tool that predates the C2PA standard",
}


#: Codes whose meaning depends on the time the signer was judged at.
_TIMED = frozenset({"signingCredential.expired"})


def explain(code: str) -> str:
    if code in EXPLANATIONS:
        return EXPLANATIONS[code]
    return "an identity check failed" if code.startswith("cawg.") else "a C2PA check failed"


def explain_in(report: VerificationReport, code: str, judged: JudgedAt | None = None) -> str:
    """``explain(code)``, naming the time used when the code depends on it (for example "the
    signing certificate was not valid at validation time 2026-…")."""
    if code in _TIMED and judged is not None:
        tail = "" if judged.source == "time-stamp" else " (no trusted time-stamp)"
        return f"the signing certificate was not valid {judged_at(judged)}{tail}"
    if code in _TIMED and report.results is not None:
        for status in report.results.active_manifest.statuses:
            if status.code == code and status.explanation:
                return status.explanation.replace("signing certificate not valid",
                                                  "the signing certificate was not valid", 1)
    return explain(code)


def judged_at(judged: JudgedAt | None) -> str | None:
    """Which time the signer's certificate was judged at, in words: "at the time-stamp's time
    …", "at the requested time …" or "at validation time …"."""
    if judged is None:
        return None
    if judged.source == "time-stamp":
        return f"at the time-stamp's time {judged.moment}"
    if judged.source == "requested":
        return f"at the requested time {judged.moment}"
    return f"at validation time {judged.moment}"


#: Said wherever a content assessment is shown: it is an estimate, not the verdict.
ASSESSMENT_NOTE = "an estimate about the pixels, not part of the provenance verdict"


def assessment_value(assessment: ContentAssessment) -> str:
    """ "P(synthetic) = 0.99 by <model or person>" with how it was made."""
    if assessment.method == "human":
        how = "human judgement"
    elif assessment.calibrated:
        how = "calibrated"
    else:
        how = "uncalibrated score"
    return f"P({assessment.of}) = {assessment.probability:.2f} by {assessment.by} ({how})"


def signer_name(signer: Mapping[str, Any] | None) -> str:
    if not signer:
        return "an unknown signer"
    org, cn = signer.get("organization"), signer.get("common_name")
    if org and cn and org != cn:
        return f"{org} ({cn})"
    return str(org or cn or "an unnamed signer")


def tool_name(generator: Mapping[str, Any] | None) -> str | None:
    if not generator or not generator.get("name"):
        return None
    version = generator.get("version")
    return f"{generator['name']} {version}" if version else str(generator["name"])


LOCKED = "(restricted)"
#: The line each restrictable field is shown on.
_FIELD_LINES: Mapping[str, str] = {
    "author": "author", "description": "description", "purpose": "purpose",
    "purpose_text": "purpose", "probability": "assessment", "when": "when",
    "regions": "region", "references": "reference",
}


def hidden_labels(ann: Mapping[str, Any]) -> set[str]:
    """The lines whose fields are restricted and were not decrypted."""
    info = ann.get("restricted")
    if not isinstance(info, Mapping) or info.get("decrypted"):
        return set()
    return {_FIELD_LINES[f] for f in info.get("fields") or [] if f in _FIELD_LINES}


def needs_tree(report: VerificationReport) -> bool:
    return any(len(m.ingredients) > 1 for m in report.manifests)


# --- CAWG identities ------------------------------------------------------------------------

#: Short names of the CAWG verified-identity types (CAWG identity assertion 1.1, §8.1.1.1.1).
IDENTITY_TYPES: Mapping[str, str] = {
    "cawg.document_verification": "document", "cawg.web_site": "web site",
    "cawg.affiliation": "affiliation", "cawg.social_media": "social account",
    "cawg.crypto_wallet": "crypto wallet",
}


def identity_headline(identity: VerifiedIdentity) -> str:
    """Who vouches for the asset beside the signer, and how far that was checked."""
    who = identity.name or next((i.name for i in identity.identities if i.name), None) or "unnamed"
    if not identity.verified:
        status = "not verified"
    elif identity.trusted:
        status = "verified, trusted"
    else:
        status = "verified, not on your CAWG trust list"
    return f"{who} ({status})"


def identity_details(identity: VerifiedIdentity) -> list[str]:
    """The facts of one identity: who attests it, with what, the identities it lists, codes."""
    how = identity.credential_type or identity.sig_type
    lines = [f"attested by {identity.issuer or 'unknown issuer'} ({how})"]
    for named in identity.identities:
        handle = named.username or named.name or named.address or named.uri
        where = f" <{named.uri}>" if named.uri and named.uri != handle else ""
        provider = named.provider_name or named.provider_id
        lines.append(IDENTITY_TYPES.get(named.type, named.type) + (f": {handle}{where}" if handle else "")
                     + (f" via {provider}" if provider else ""))
    if identity.roles:
        lines.append("roles: " + ", ".join(identity.roles))
    if identity.valid_from or identity.valid_until:
        lines.append(f"valid {identity.valid_from or '…'} to {identity.valid_until or '…'}")
    lines += [f"{code}: {explain(code)}" for code in identity.problems]
    return lines
