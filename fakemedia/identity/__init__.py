"""Signing identities kept on this machine: a local root CA and the C2PA signer it issued.

Above :mod:`fakemedia.cose` (which holds the cryptography only): this package reads and writes
identity folders; :func:`load_identity` hands back a :class:`fakemedia.cose.signer.LocalSigner`.
"""

from __future__ import annotations

from typing import Any

from fakemedia.identity.local import (
    METADATA_NAME,
    IdentityPaths,
    create_identity,
    default_identity_dir,
    default_tsa_url,
    describe_identity,
    identity_exists,
    key_is_encrypted,
    load_identity,
    load_trust_anchors,
    signed_by,
)

__all__ = [
    "METADATA_NAME", "IdentityPaths", "create_identity", "default_identity_dir", "default_tsa_url",
    "describe_identity", "generate_key", "identity_exists", "issue_certificate", "key_is_encrypted",
    "load_identity", "load_trust_anchors", "signed_by",
]


def __getattr__(name: str) -> Any:
    """``generate_key`` and ``issue_certificate`` load cryptography's certificate builder on
    first use (a verify imports this package only to find the local identity)."""
    from fakemedia.identity import local

    if name in ("generate_key", "issue_certificate"):
        return getattr(local, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
