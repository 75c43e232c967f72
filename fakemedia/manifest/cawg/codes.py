"""CAWG identity assertion status codes (CAWG identity assertion 1.1, §8 and §9; the ICA and
X.509 credential sections), spelled as the reference SDK emits them.

Codes are data: every identity check names its code here, and the validation state reads the
tolerated prefixes and the non-failure kinds from here.
"""

from __future__ import annotations

# The assertion itself (§5, §7).
ASSERTION_MALFORMED = "assertion.required.missing"  # the SDK refuses the whole manifest so
WELL_FORMED = "cawg.identity.well-formed"
PAD_INVALID = "cawg.identity.pad.invalid"
ASSERTION_MISMATCH = "cawg.identity.assertion.mismatch"
ASSERTION_DUPLICATE = "cawg.identity.assertion.duplicate"
HARD_BINDING_MISSING = "cawg.identity.hard_binding_missing"
SIG_TYPE_UNKNOWN = "cawg.identity.sig_type.unknown"

# X.509 credentials (sig_type cawg.x509.cose).
X509_SIGNATURE_VALIDATED = "cawg.x509.signature.validated"
X509_SIGNATURE_MISMATCH = "cawg.x509.signature.mismatch"
X509_ALGORITHM_UNSUPPORTED = "cawg.x509.algorithm.unsupported"
X509_CREDENTIAL_TRUSTED = "cawg.x509.credential.trusted"
X509_CREDENTIAL_UNTRUSTED = "cawg.x509.credential.untrusted"
X509_CREDENTIAL_INVALID = "cawg.x509.credential.invalid"
X509_OUTSIDE_VALIDITY = "cawg.x509.signature.outside_validity"

# Identity claims aggregation (sig_type cawg.identity_claims_aggregation).
ICA_CREDENTIAL_VALID = "cawg.ica.credential_valid"
ICA_INVALID_COSE_SIGN1 = "cawg.ica.invalid_cose_sign1"
ICA_INVALID_ALG = "cawg.ica.invalid_alg"
ICA_INVALID_CONTENT_TYPE = "cawg.ica.invalid_content_type"
ICA_INVALID_VC = "cawg.ica.invalid_verifiable_credential"
ICA_INVALID_ISSUER = "cawg.ica.invalid_issuer"
ICA_DID_UNAVAILABLE = "cawg.ica.did_unavailable"
ICA_INVALID_DID_DOCUMENT = "cawg.ica.invalid_did_document"
ICA_SIGNATURE_MISMATCH = "cawg.ica.signature_mismatch"
ICA_UNTRUSTED_ISSUER = "cawg.ica.untrusted_issuer"
ICA_VALID_FROM_MISSING = "cawg.ica.valid_from.missing"
ICA_VALID_FROM_INVALID = "cawg.ica.valid_from.invalid"
ICA_VALID_UNTIL_INVALID = "cawg.ica.valid_until.invalid"
ICA_SIGNER_PAYLOAD_MISMATCH = "cawg.ica.signer_payload.mismatch"
ICA_TIME_STAMP_VALIDATED = "cawg.ica.time_stamp.validated"
ICA_TIME_STAMP_INVALID = "cawg.ica.time_stamp.invalid"

SUCCESS = frozenset({
    WELL_FORMED, X509_SIGNATURE_VALIDATED, X509_CREDENTIAL_TRUSTED, ICA_CREDENTIAL_VALID,
    ICA_TIME_STAMP_VALIDATED,
})
#: An untrusted ICA issuer is scoped to its assertion: informational, never a failure.
INFORMATIONAL = frozenset({ICA_UNTRUSTED_ISSUER})
#: Failures that leave the manifest Valid: the reference SDK scopes every X.509-credential and
#: assertion-structure problem to the identity assertion. ICA failures are not tolerated.
TOLERATED_PREFIXES = ("cawg.x509.", "cawg.identity.")
