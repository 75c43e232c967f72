"""The fields of a signing certificate that a verify reads, without cryptography's X.509 layer.

:func:`parse` reads, with the strict reader of :mod:`fakemedia.cose.der`, what the C2PA
certificate profile (C2PA 2.1 §14.5.1) and the report need from an RFC 5280 certificate:
version, serial number, signature algorithm, issuer and subject, validity, the public key and
the extensions the profile looks at. It accepts only a conservative subset of what RFC 5280
allows - X.509 v3, the signature algorithms and keys the profile allows, names of everyday
string types, the extensions basicConstraints, keyUsage, extendedKeyUsage and the key
identifiers - and raises :class:`~fakemedia.errors.MalformedDer` on anything else, so that the
caller hands such a certificate to cryptography's full parser (:mod:`fakemedia.cose.certs`)
instead: both give the same answers where this one answers at all (tests check it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from fakemedia.cose import der, profile
from fakemedia.errors import MalformedDer

SHA256_WITH_RSA, SHA384_WITH_RSA, SHA512_WITH_RSA = (
    "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13")
ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, ECDSA_WITH_SHA512 = (
    "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4")
ED25519 = "1.3.101.112"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
#: Named curves (RFC 5480 §2.1.1.1) and their cryptography names.
CURVES = {"1.2.840.10045.3.1.7": "secp256r1", "1.3.132.0.34": "secp384r1",
          "1.3.132.0.35": "secp521r1"}
BASIC_CONSTRAINTS, KEY_USAGE, EXTENDED_KEY_USAGE = "2.5.29.19", "2.5.29.15", "2.5.29.37"
SUBJECT_KEY_IDENTIFIER, AUTHORITY_KEY_IDENTIFIER = "2.5.29.14", "2.5.29.35"
#: Name attribute types (RFC 4514 §3 short names, as cryptography prints them).
COMMON_NAME, ORGANIZATION_NAME = "2.5.4.3", "2.5.4.10"
SHORT_NAMES = {COMMON_NAME: "CN", "2.5.4.7": "L", "2.5.4.8": "ST", ORGANIZATION_NAME: "O",
               "2.5.4.11": "OU", "2.5.4.6": "C", "2.5.4.9": "STREET",
               "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID"}
#: Signature algorithms read here: those the profile allows, but RSASSA-PSS (parameters).
_SIGNATURES = {ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, ECDSA_WITH_SHA512, SHA256_WITH_RSA,
               SHA384_WITH_RSA, SHA512_WITH_RSA, ED25519}
_RSA_SIGNATURES = {SHA256_WITH_RSA, SHA384_WITH_RSA, SHA512_WITH_RSA}
RSASSA_PSS, MGF1 = "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.8"
#: SHA-2 hashes (RFC 8017 §A.2.3 / RFC 4055 §2.1) a PSS certificate signature may name.
_SHA2 = {"2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3"}
_NULL = (der.NULL, 0, 0)
#: RSA moduli read here; smaller or larger ones are left to the full parser.
_RSA_BITS = (2048, 16384)

#: A Name: its RDNs in order, each a tuple of (attribute type OID, value).
Name = tuple[tuple[tuple[str, str], ...], ...]


class CertificateFields:
    """What :func:`parse` read from one certificate."""

    __slots__ = (
        "ca",
        "critical",
        "der",
        "ekus",
        "has_aki",
        "issuer",
        "key_bytes",
        "key_kind",
        "key_params",
        "key_usage",
        "not_after",
        "not_before",
        "pss_ok",
        "serial_number",
        "signature_oid",
        "subject",
    )

    def __init__(self, der_bytes: bytes) -> None:
        self.der = der_bytes
        self.serial_number = 0
        self.signature_oid = ""
        #: RSASSA-PSS only: one SHA-2 hash names both the digest and MGF1.
        self.pss_ok = False
        self.issuer: Name = ()
        self.subject: Name = ()
        self.not_before = self.not_after = datetime.min
        self.key_kind = self.key_params = ""
        self.key_bytes = b""
        self.ca = False
        #: (digitalSignature, nonRepudiation/contentCommitment, keyCertSign); None when absent.
        self.key_usage: tuple[bool, bool, bool] | None = None
        self.ekus: tuple[str, ...] | None = None
        self.has_aki = False
        self.critical: tuple[str, ...] = ()

    def public_key(self) -> Any:
        """The public key as a cryptography key object (hazmat primitives only)."""
        if self.key_kind == EC_PUBLIC_KEY:
            from cryptography.hazmat.primitives.asymmetric import ec

            curve: ec.EllipticCurve = {"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1(),
                                       "secp521r1": ec.SECP521R1()}[CURVES[self.key_params]]
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, self.key_bytes)
        if self.key_kind == ED25519:
            from cryptography.hazmat.primitives.asymmetric import ed25519

            return ed25519.Ed25519PublicKey.from_public_bytes(self.key_bytes)
        from cryptography.hazmat.primitives.asymmetric import rsa

        modulus, exponent = _rsa_numbers(self.key_bytes)
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()

    def facts(self) -> profile.Facts:
        """What the profile looks at; MalformedDer when the key does not load (the full
        parser then says how)."""
        try:
            key = self.public_key()
        except ValueError:
            raise MalformedDer("public key does not load") from None
        return profile.Facts(
            v3=True, unique_ids=False, signature_oid=self.signature_oid, pss_ok=self.pss_ok, key=key,
            self_issued=self.issuer == self.subject,
            extensions=profile.Extensions(self.ca, self.has_aki, self.key_usage, self.ekus,
                                          self.critical))

    def sha256_fingerprint(self) -> bytes:
        import hashlib  # not on a verify's path: it would load a second libcrypto (≈2 ms)

        return hashlib.sha256(self.der).digest()

    def is_valid_at(self, when: datetime) -> bool:
        """``when`` must be aware (see :func:`fakemedia.cose.certs.is_valid_at`)."""
        return self.not_before <= when <= self.not_after

    def describe(self) -> dict[str, str | None]:
        """The summary :func:`fakemedia.cose.certs.describe` gives, field for field."""
        return {
            "common_name": first(self.subject, COMMON_NAME),
            "organization": first(self.subject, ORGANIZATION_NAME),
            "issuer": rfc4514(self.issuer),
            "issuer_common_name": first(self.issuer, COMMON_NAME),
            "serial_number": str(self.serial_number),
            "not_before": self.not_before.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "not_after": self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def parse(data: bytes) -> CertificateFields:
    """Read one DER certificate (nothing may follow it); MalformedDer outside the subset."""
    cert = der.single(data, der.SEQUENCE)
    parts = der.children(data, cert)
    if len(parts) != 3:
        raise MalformedDer("certificate is not tbsCertificate, signatureAlgorithm, signature")
    tbs_item, outer_alg, signature = parts
    der.whole_octets(data, signature)
    tbs = der.children(data, der.expect(tbs_item, der.SEQUENCE, "tbsCertificate"))
    # version [0] EXPLICIT v3, serial, signature, issuer, validity, subject, SPKI, [3] extensions;
    # v1/v2 certificates and unique identifiers [1]/[2] are left to the full parser.
    if len(tbs) not in (7, 8) or tbs[0][0] != 0xA0:
        raise MalformedDer("tbsCertificate is not an X.509 v3 layout read here")
    version = der.children(data, tbs[0])
    if len(version) != 1 or der.integer(data, version[0]) != 2:
        raise MalformedDer("certificate version is not v3")
    fields = CertificateFields(data)
    fields.serial_number = der.integer(data, tbs[1])
    if fields.serial_number < 0:
        raise MalformedDer("negative serial number")
    if der.content(data, tbs[2]) != der.content(data, outer_alg) or tbs[2][0] != outer_alg[0]:
        raise MalformedDer("inner and outer signature algorithms differ")
    fields.signature_oid, fields.pss_ok = _signature_algorithm(data, tbs[2])
    fields.issuer = _name(data, tbs[3])
    validity = der.children(data, der.expect(tbs[4], der.SEQUENCE, "validity"))
    if len(validity) != 2:
        raise MalformedDer("validity is not notBefore, notAfter")
    fields.not_before, fields.not_after = (der.time(data, v) for v in validity)
    fields.subject = _name(data, tbs[5])
    _public_key_info(data, tbs[6], fields)
    if len(tbs) == 8:
        if tbs[7][0] != 0xA3:
            raise MalformedDer("tbsCertificate ends in something other than extensions")
        _extensions(data, tbs[7], fields)
    return fields


def _algorithm(data: bytes, found: der.Item) -> tuple[str, der.Item | None]:
    parts = der.children(data, der.expect(found, der.SEQUENCE, "AlgorithmIdentifier"))
    if not parts or len(parts) > 2:
        raise MalformedDer("AlgorithmIdentifier is not an OID and optional parameters")
    return der.oid(data, parts[0]), parts[1] if len(parts) == 2 else None


def _signature_algorithm(data: bytes, found: der.Item) -> tuple[str, bool]:
    """The algorithm's OID, and for RSASSA-PSS whether digest and MGF1 share one SHA-2 hash."""
    name, params = _algorithm(data, found)
    if name == RSASSA_PSS and params is not None:
        return name, _pss_parameters(data, params)
    if name not in _SIGNATURES:
        raise MalformedDer(f"signature algorithm {name} is not read here")
    # RFC 5758 §3.2 / RFC 8410 §3: no parameters; RFC 4055 §5: NULL (or absent) for RSA.
    if params is not None and not (name in _RSA_SIGNATURES and params[0] == der.NULL
                                   and params[1] == params[2]):
        raise MalformedDer("signature algorithm parameters are not the ones allowed")
    return name, False


def _pss_parameters(data: bytes, found: der.Item) -> bool:
    """RSASSA-PSS-params (RFC 4055 §3.1) with the hash and MGF1 given explicitly (their SHA-1
    defaults, a trailerField or an encoded default salt length are left to the full parser)."""
    parts = der.children(data, der.expect(found, der.SEQUENCE, "RSASSA-PSS-params"))
    tags = [p[0] for p in parts]
    if tags not in ([0xA0, 0xA1], [0xA0, 0xA1, 0xA2]):
        raise MalformedDer("RSASSA-PSS parameters not read here")
    inner = [der.children(data, p) for p in parts]
    if any(len(i) != 1 for i in inner):
        raise MalformedDer("RSASSA-PSS parameter does not hold one item")
    digest = _sha2(data, inner[0][0])
    mgf, mgf_params = _algorithm(data, inner[1][0])
    if mgf != MGF1 or mgf_params is None:
        raise MalformedDer("RSASSA-PSS mask generation is not MGF1 with a hash")
    mgf_digest = _sha2(data, mgf_params)
    if len(inner) == 3:
        salt = der.integer(data, inner[2][0])
        if salt == 20 or not 0 <= salt < 1 << 31:  # 20 is the default: DER never encodes it
            raise MalformedDer("RSASSA-PSS salt length not read here")
    return digest == mgf_digest


def _sha2(data: bytes, found: der.Item) -> str:
    name, params = _algorithm(data, found)
    if name not in _SHA2 or (params is not None and (params[0] != der.NULL or params[1] != params[2])):
        raise MalformedDer("hash algorithm not read here")
    return name


def _name(data: bytes, found: der.Item) -> Name:
    rdns = []
    for rdn in der.children(data, der.expect(found, der.SEQUENCE, "Name")):
        attributes = []
        for pair in der.children(data, der.expect(rdn, der.SET, "RelativeDistinguishedName")):
            parts = der.children(data, der.expect(pair, der.SEQUENCE, "AttributeTypeAndValue"))
            if len(parts) != 2:
                raise MalformedDer("AttributeTypeAndValue is not a type and a value")
            attributes.append((der.oid(data, parts[0]), der.text(data, parts[1])))
        if len(attributes) != 1:  # multi-valued RDNs (SET OF order) are left to the full parser
            raise MalformedDer("RelativeDistinguishedName does not hold one attribute")
        rdns.append(tuple(attributes))
    return tuple(rdns)


def _public_key_info(data: bytes, found: der.Item, fields: CertificateFields) -> None:
    parts = der.children(data, der.expect(found, der.SEQUENCE, "SubjectPublicKeyInfo"))
    if len(parts) != 2:
        raise MalformedDer("SubjectPublicKeyInfo is not an algorithm and a key")
    kind, params = _algorithm(data, parts[0])
    key = der.whole_octets(data, parts[1])
    if kind == EC_PUBLIC_KEY and params is not None and params[0] == der.OID:
        fields.key_params = der.oid(data, params)
        if fields.key_params not in CURVES:
            raise MalformedDer(f"EC curve {fields.key_params} is not read here")
    elif kind == ED25519 and params is None:
        if len(key) != 32:
            raise MalformedDer("Ed25519 key is not 32 bytes")
    elif kind in (RSA_ENCRYPTION, RSASSA_PSS) and params is not None:
        if kind == RSA_ENCRYPTION and not (params[0] == der.NULL and params[1] == params[2]):
            raise MalformedDer("rsaEncryption parameters are not NULL")
        if kind == RSASSA_PSS:  # an RSA key restricted to PSS (RFC 4055 §1.2), loaded as RSA
            _pss_parameters(data, params)
        modulus, exponent = _rsa_numbers(key)
        if not _RSA_BITS[0] <= modulus.bit_length() <= _RSA_BITS[1] or not 3 <= exponent < modulus \
                or not exponent & 1 or not modulus & 1:
            raise MalformedDer("RSA key outside what is read here")
    else:
        raise MalformedDer(f"public key algorithm {kind} is not read here")
    fields.key_kind, fields.key_bytes = kind, key


def _rsa_numbers(key: bytes) -> tuple[int, int]:
    """(modulus, public exponent) of an RSAPublicKey (RFC 8017 §A.1.1)."""
    parts = der.children(key, der.single(key, der.SEQUENCE))
    if len(parts) != 2:
        raise MalformedDer("RSAPublicKey is not a modulus and an exponent")
    modulus, exponent = der.integer(key, parts[0]), der.integer(key, parts[1])
    if modulus <= 0 or exponent <= 0:
        raise MalformedDer("RSA key numbers are not positive")
    return modulus, exponent


def _extensions(data: bytes, found: der.Item, fields: CertificateFields) -> None:
    wrapped = der.children(data, found)
    if len(wrapped) != 1:
        raise MalformedDer("extensions [3] holds more than the extension list")
    listed = der.children(data, der.expect(wrapped[0], der.SEQUENCE, "Extensions"))
    if not listed:
        raise MalformedDer("empty extension list")
    seen: set[str] = set()
    critical = []
    for ext in listed:
        parts = der.children(data, der.expect(ext, der.SEQUENCE, "Extension"))
        if len(parts) not in (2, 3):
            raise MalformedDer("Extension is not an OID, criticality and a value")
        name = der.oid(data, parts[0])
        if name in seen:
            raise MalformedDer(f"extension {name} appears twice")
        seen.add(name)
        if len(parts) == 3:
            if not der.boolean(data, parts[1]):  # DER: the default FALSE is never encoded
                raise MalformedDer("extension criticality FALSE encoded")
            critical.append(name)
        value = der.content(data, der.expect(parts[-1], der.OCTET_STRING, "extnValue"))
        _extension(name, value, fields)
    fields.critical = tuple(critical)


def _extension(name: str, value: bytes, fields: CertificateFields) -> None:
    if name == BASIC_CONSTRAINTS:
        parts = der.children(value, der.single(value, der.SEQUENCE))
        if len(parts) > 2 or (parts and not der.boolean(value, parts[0])):
            raise MalformedDer("basicConstraints not read here")  # FALSE encoded, or pathLen alone
        if len(parts) == 2 and not 0 <= der.integer(value, parts[1]) < 1 << 31:
            raise MalformedDer("basicConstraints pathLenConstraint out of range")
        fields.ca = bool(parts)
    elif name == KEY_USAGE:
        found = der.single(value, der.BIT_STRING)
        bits = der.bit_string(value, found)
        # digitalSignature..encipherOnly are bits 0..7 of the first octet. Read here: one
        # octet, its unused bits exactly its trailing zeros (DER, X.690 §11.2.2), and no
        # encipherOnly (it needs keyAgreement); decipherOnly (bit 8) is left to the full parser.
        if len(bits) != 1 or not bits[0] or bits[0] & 0x01 \
                or value[found[1]] != (bits[0] & -bits[0]).bit_length() - 1:
            raise MalformedDer("keyUsage not read here")
        fields.key_usage = (bool(bits[0] & 0x80), bool(bits[0] & 0x40), bool(bits[0] & 0x04))
    elif name == EXTENDED_KEY_USAGE:
        usages = der.children(value, der.single(value, der.SEQUENCE))
        if not usages:
            raise MalformedDer("empty extendedKeyUsage")
        fields.ekus = tuple(der.oid(value, u) for u in usages)
    elif name == SUBJECT_KEY_IDENTIFIER:
        der.single(value, der.OCTET_STRING)
    elif name == AUTHORITY_KEY_IDENTIFIER:
        parts = der.children(value, der.single(value, der.SEQUENCE))
        if len(parts) != 1 or parts[0][0] != 0x80:  # keyIdentifier [0] alone
            raise MalformedDer("authorityKeyIdentifier not read here")
        fields.has_aki = True
    else:
        raise MalformedDer(f"extension {name} is not read here")


def first(name: Name, attribute: str) -> str | None:
    """The first value of ``attribute`` in ``name`` (cryptography's order: RDNs in turn)."""
    return next((value for rdn in name for oid, value in rdn if oid == attribute), None)


def rfc4514(name: Name) -> str:
    """The RFC 4514 §2 string of ``name``: RDNs last first, short names where there are."""
    return ",".join("+".join(f"{SHORT_NAMES.get(oid, oid)}={_escape(value)}" for oid, value in rdn)
                    for rdn in reversed(name))


def _escape(value: str) -> str:
    """RFC 4514 §2.4: backslash the special characters, a leading '#' or space and a
    trailing space; NUL as \\00."""
    if not value:
        return ""
    for special in '\\"+,;<>':
        value = value.replace(special, "\\" + special)
    value = value.replace("\0", "\\00")
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


#: Why a chain is untrusted when no anchor is configured (the words of
#: :func:`fakemedia.cose.certs.chain_problems`).
NO_ANCHORS = "no trust anchors configured"


class SignerChain:
    """An x5chain (DER, leaf first) read by :func:`parse` where it can be, else by cryptography;
    cryptography's certificates are loaded only when asked for (a chain checked against trust
    anchors, a stapled OCSP response)."""

    def __init__(self, ders: list[bytes], *, full: bool = False) -> None:
        """``full``: read with cryptography at once (the chain will be checked against anchors
        anyway). Raises what cryptography raises on a certificate it cannot read."""
        self.ders = ders
        self._x509: list[Any] | None = None
        self.fields: list[CertificateFields] | None = None
        if not full:
            try:
                self.fields = [parse(d) for d in ders]
                self._facts = self.fields[0].facts()
                return
            except MalformedDer:
                self.fields = None
        self._facts = _full_facts(self.x509_chain())

    def x509_chain(self) -> list[Any]:
        """The chain as cryptography certificates (the public key of the leaf loaded)."""
        if self._x509 is None:
            from cryptography import x509

            self._x509 = [x509.load_der_x509_certificate(d) for d in self.ders]
            self._x509[0].public_key()
        return self._x509

    def public_key(self) -> Any:
        return self._facts.key

    def profile_problems(self, extra_ekus: Iterable[Any] = ()) -> list[str]:
        extra = [getattr(o, "dotted_string", o) for o in extra_ekus]
        return profile.problems(self._facts, profile.accepted_ekus(extra))

    def sha256_fingerprint(self) -> bytes:
        import hashlib

        return hashlib.sha256(self.ders[0]).digest()

    def is_valid_at(self, when: datetime) -> bool:
        if self.fields is None:
            from fakemedia.cose import certs

            return certs.is_valid_at(self.x509_chain()[0], when)
        return self.fields[0].is_valid_at(when.replace(tzinfo=timezone.utc)
                                          if when.tzinfo is None else when)

    def describe(self) -> dict[str, str | None]:
        """:func:`fakemedia.cose.certs.describe` of the leaf."""
        if self.fields is not None:
            return self.fields[0].describe()
        from fakemedia.cose import certs

        return certs.describe(self.x509_chain()[0])

    def chain_problems(self, anchors: Sequence[Any], when: datetime) -> list[str]:
        """:func:`fakemedia.cose.certs.chain_problems`, without loading cryptography's X.509
        layer when there is no anchor to chain to."""
        if not anchors:
            return [NO_ANCHORS]
        from fakemedia.cose import certs

        return certs.chain_problems(self.x509_chain(), anchors, when)


def _full_facts(chain: list[Any]) -> profile.Facts:
    from fakemedia.cose import certs

    return certs.profile_facts(chain[0])


def first_pem(pem: bytes) -> bytes:
    """The DER of the first ``CERTIFICATE`` block of a PEM text (RFC 7468 §2); MalformedDer
    when there is none or its base64 is not clean."""
    import binascii

    begin, end = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"
    start = pem.find(begin)
    stop = pem.find(end, start + len(begin)) if start >= 0 else -1
    if stop < 0:
        raise MalformedDer("no PEM certificate block")
    body = b"".join(pem[start + len(begin):stop].split())
    try:
        return binascii.a2b_base64(body, strict_mode=True)
    except binascii.Error:
        raise MalformedDer("PEM certificate block is not clean base64") from None


def leaf_public_key(leaf: bytes) -> Any:
    """The public key of a DER certificate; ValueError when it cannot be read."""
    try:
        return parse(leaf).public_key()
    except (MalformedDer, ValueError):
        pass
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        return x509.load_der_x509_certificate(leaf).public_key()
    except (ValueError, UnsupportedAlgorithm, x509.InvalidVersion):
        # A tampered certificate can carry an unknown version or key type: still unreadable.
        raise ValueError("signing certificate is unreadable") from None


def describe(leaf: bytes) -> dict[str, str | None]:
    """:func:`fakemedia.cose.certs.describe` of a DER certificate; what cryptography raises
    when it cannot read it."""
    try:
        return parse(leaf).describe()
    except MalformedDer:
        from cryptography import x509

        from fakemedia.cose import certs

        return certs.describe(x509.load_der_x509_certificate(leaf))
