"""X.509 helpers shared by the desktop and the server (cryptography; no network, no Qt).

Personal signing keys are EC P-256 and sign with ECDSA over SHA-256 (DER signatures).
Certificates travel and are stored as DER; serial numbers as lower-case hex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import NameOID

CURVE = ec.SECP256R1
SIGNATURE = ec.ECDSA(hashes.SHA256())


class CertificateError(ValueError):
    """A certificate or key that cannot be used; the message says why in plain words."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise CertificateError("not valid base64") from None


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from DER or PEM bytes."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise CertificateError("not a readable X.509 certificate") from None


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def serial_text(value: x509.Certificate | int) -> str:
    serial = value if isinstance(value, int) else value.serial_number
    return format(serial, "x")


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, hex."""
    return hashlib.sha256(der(certificate)).hexdigest()


def public_key_id(public_key: PublicKeyTypes) -> str:
    """SHA-256 of the SubjectPublicKeyInfo (DER), hex: names a key pair."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def _attribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    found = certificate.subject.get_attributes_for_oid(oid)
    if not found:
        return None
    value = found[0].value
    return value if isinstance(value, str) else bytes(value).decode("utf-8", "replace")


def holder_name(certificate: x509.Certificate) -> str:
    """The person the certificate names (its common name)."""
    return _attribute(certificate, NameOID.COMMON_NAME) or "(unnamed)"


def holder_username(certificate: x509.Certificate) -> str | None:
    """The username in the certificate's subject (the userID attribute)."""
    return _attribute(certificate, NameOID.USER_ID)


def valid_at(certificate: x509.Certificate, at: datetime) -> bool:
    return certificate.not_valid_before_utc <= at.astimezone(UTC) <= certificate.not_valid_after_utc


def issuer_of(
    certificate: x509.Certificate, authorities: Iterable[x509.Certificate]
) -> x509.Certificate | None:
    """The authority (among `authorities`) whose key made this certificate, or None."""
    for authority in authorities:
        try:
            certificate.verify_directly_issued_by(authority)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return authority
    return None


def signature_ok(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """True when `signature` over `data` was made by the certificate's (EC) key."""
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature, data, SIGNATURE)
    except InvalidSignature:
        return False
    return True


def is_signing_key(public_key: object) -> bool:
    """A personal signing key this system issues certificates for: EC P-256."""
    return isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, CURVE)


def new_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(CURVE())


def certificate_request(private_key: ec.EllipticCurvePrivateKey, username: str) -> bytes:
    """A DER certificate signing request for the key (the server sets the real subject)."""
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.USER_ID, username or "unknown")]))
        .sign(private_key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.DER)
