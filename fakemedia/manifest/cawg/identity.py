"""What a verified identity assertion tells a person: who signed, as attested by whom."""

from __future__ import annotations

from typing import Any

from fakemedia._record import Frozen

X509 = "X.509 certificate"
ICA = "identity claims aggregation"


class NamedIdentity(Frozen):
    """One entry of an ICA credential's ``verifiedIdentities`` (CAWG identity 1.1, §8.1.1.1):
    a name, a social account, an affiliation… and the provider that verified it."""

    __slots__ = ("address", "name", "provider_id", "provider_name", "type", "uri", "username", "verified_at")
    type: str
    name: str | None
    username: str | None
    address: str | None
    uri: str | None
    provider_id: str | None
    provider_name: str | None
    verified_at: str | None

    def __init__(self, type: str, name: str | None = None, username: str | None = None,
                 address: str | None = None, uri: str | None = None, provider_id: str | None = None,
                 provider_name: str | None = None, verified_at: str | None = None) -> None:
        self._init(type=type, name=name, username=username, address=address, uri=uri, provider_id=provider_id,
                   provider_name=provider_name, verified_at=verified_at)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "username": self.username,
                "address": self.address, "uri": self.uri,
                "provider": {"id": self.provider_id, "name": self.provider_name},
                "verified_at": self.verified_at}


class VerifiedIdentity(Frozen):
    """One ``cawg.identity`` assertion as validated.

    ``verified`` means the credential's signature over the signer payload checked out and no
    CAWG failure was found; ``trusted`` that the credential (X.509) or issuer (ICA) is on a
    configured CAWG trust list. ``problems`` are the CAWG failure codes, if any.
    """

    __slots__ = ("assertion", "credential_type", "identities", "issuer", "name", "problems", "roles",
                 "sig_type", "time_stamp", "trusted", "valid_from", "valid_until", "verified")
    assertion: str
    sig_type: str
    credential_type: str | None
    verified: bool
    trusted: bool
    issuer: str | None
    name: str | None
    roles: tuple[str, ...]
    identities: tuple[NamedIdentity, ...]
    valid_from: str | None
    valid_until: str | None
    problems: tuple[str, ...]
    #: When the credential's own RFC 3161 time-stamp says it was signed (ICA), if it validated.
    time_stamp: str | None

    def __init__(self, assertion: str, sig_type: str, credential_type: str | None, verified: bool,
                 trusted: bool, issuer: str | None = None, name: str | None = None,
                 roles: tuple[str, ...] = (), identities: tuple[NamedIdentity, ...] = (),
                 valid_from: str | None = None, valid_until: str | None = None,
                 problems: tuple[str, ...] | None = None, time_stamp: str | None = None) -> None:
        self._init(assertion=assertion, sig_type=sig_type, credential_type=credential_type, verified=verified,
                   trusted=trusted, issuer=issuer, name=name, roles=roles, identities=identities,
                   valid_from=valid_from, valid_until=valid_until,
                   problems=problems if problems is not None else (), time_stamp=time_stamp)

    def to_dict(self) -> dict[str, Any]:
        return {"assertion": self.assertion, "sig_type": self.sig_type,
                "credential_type": self.credential_type, "verified": self.verified,
                "trusted": self.trusted, "issuer": self.issuer, "name": self.name,
                "roles": list(self.roles),
                "verified_identities": [i.to_dict() for i in self.identities],
                "valid_from": self.valid_from, "valid_until": self.valid_until,
                "problems": list(self.problems)}
