"""The organisation's signing authority (CA): personal signing certificates and revocation.

The authority is a key pair and a self-signed CA certificate, made at set-up
(`lcc-apr-server init-ca`, or on the first `serve` / `demo` when there is none) or
imported by HR (`import-ca --cert F --key F`). The certificate is a file; the private key
is either a file encrypted under a passphrase, mode 0600 (lcc_apr.server.cakey), or held
in an HSM through PKCS#11 (lcc_apr.server.hsm). The key is never logged, returned or
stored in the database. Each authority certificate is also recorded in
`signing_authorities`, so signatures certified by a replaced authority still check.
Without its key (no passphrase, a wrong one, no token) the server refuses only to sign.

A signed-in user's device sends a certificate signing request (its EC P-256 public key);
the server issues an X.509 certificate naming the user (common name: display name,
userID: username), key usage digitalSignature + nonRepudiation, a random serial, valid
`certificate_days`. Revoking (`revoke-certificate`, or disabling the user) records when,
and GET /certificates/trust lists it for every client to check signatures offline.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from lcc_apr.models import User, now_utc
from lcc_apr.signing.certs import (
    CertificateError,
    b64,
    der,
    fingerprint,
    is_signing_key,
    load_certificate,
    public_key_id,
    serial_text,
)

from . import cakey
from .cakey import AuthorityError, AuthorityLocked, tighten, write_file
from .settings import ServerSettings
from .tables import IssuedCertificate, SigningAuthority

log = logging.getLogger("lcc_apr.server")
AUTHORITY_YEARS = 10
BACKDATE = timedelta(days=1)  # tolerate device clocks that run a little behind
RENEW_BEFORE = timedelta(days=30)
REASONS = ("lost", "left", "disabled")

AuthorityKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class EnrolmentRefused(Exception):
    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: AuthorityKey

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


# -- making, reading, importing --------------------------------------------------------


def create_authority(
    organisation: str, at: datetime | None = None, key: AuthorityKey | None = None
) -> Authority:
    """A new self-signed authority; its key made here (EC P-256) unless given (an HSM's)."""
    at = at or now_utc()
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} signing authority"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - BACKDATE)
        .not_valid_after(at + timedelta(days=365 * AUTHORITY_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(certificate, key)


def read_certificate(settings: ServerSettings) -> x509.Certificate | None:
    """The authority's certificate (no key needed), or None when there is none yet."""
    cert_path, key_path = settings.ca_files()
    if not cert_path.exists():
        if key_path.exists() and not settings.ca_in_hsm:
            raise AuthorityError(
                f"The signing authority is incomplete: {cert_path.name} is missing beside "
                f"{key_path.name}. Restore it or run init-ca --replace."
            )
        return None
    try:
        return load_certificate(cert_path.read_bytes())
    except CertificateError as err:
        raise AuthorityError(f"{cert_path} is {err}.") from None


def read_authority(settings: ServerSettings, secret: str | None = None) -> Authority | None:
    """The authority (certificate and usable key), or None when there is none yet.

    `secret` is the key's passphrase or the token's PIN (default: cakey.unlock_secret).
    AuthorityLocked when the key cannot be used now, saying why."""
    cert_path, key_path = settings.ca_files()
    certificate = read_certificate(settings)
    if certificate is None:
        return None
    secret = secret if secret is not None else cakey.unlock_secret(settings)
    if settings.ca_in_hsm:
        from .hsm import token_key

        key: AuthorityKey = token_key(settings, secret)
    else:
        if not key_path.exists():
            raise AuthorityError(
                f"The signing authority is incomplete: {key_path.name} is missing beside "
                f"{cert_path.name}. Restore it or run init-ca --replace."
            )
        tighten(key_path)
        key = cakey.load_key_file(key_path, secret)
    _check_pair(certificate, key)
    return Authority(certificate, key)


def write_authority(
    settings: ServerSettings, authority: Authority, secret: str | None = None, rounds: int = 0
) -> None:
    """Write the certificate, and the private key encrypted under `secret` (0600), each
    atomically. With an HSM the key stays in the token: only the certificate is written."""
    cert_path, key_path = settings.ca_files()
    if not settings.ca_in_hsm:
        secret = secret if secret is not None else cakey.unlock_secret(settings)
        if secret is None:
            raise AuthorityError(
                "The signing authority's key is written encrypted and no passphrase was "
                "given: use --passphrase-file, set ca_passphrase_file, or run on a terminal."
            )
        write_file(key_path, cakey.encrypted_pem(authority.key, secret, rounds), 0o600)
    cert_pem = authority.certificate.public_bytes(serialization.Encoding.PEM)
    write_file(cert_path, cert_pem, 0o644)


def new_authority(
    settings: ServerSettings, secret: str | None = None, kind: str = "ec"
) -> Authority:
    """A new authority: its key made in the HSM (when the settings name one) or here."""
    if settings.ca_in_hsm:
        from .hsm import generate_key

        secret = secret if secret is not None else cakey.unlock_secret(settings)
        return create_authority(
            settings.organisation_name, key=generate_key(settings, secret, kind)
        )
    if kind != "ec":
        raise AuthorityError("A key made here is EC P-256; RSA keys are made in an HSM.")
    return create_authority(settings.organisation_name)


def ensure_authority(
    settings: ServerSettings, engine: Engine | None = None, rounds: int = 0
) -> tuple[Authority, bool]:
    """The authority, made now if there is none (first serve, demo). (authority, made)

    Servers starting together make one: the first claims it with a lock file made
    exclusively; the others wait for it to finish and read what it made. When the key
    cannot be used (AuthorityLocked), its certificate is still registered, then that is
    raised: the caller logs why and serves on without signing."""
    try:
        authority = _read_settled(settings)
    except AuthorityLocked:
        certificate = read_certificate(settings)
        if engine is not None and certificate is not None:
            with Session(engine) as session, session.begin():
                register_certificate(session, certificate)
        raise
    made = False
    if authority is None:
        _cert_path, key_path = settings.ca_files()
        claim = _claim_path(key_path)
        claim.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            authority = _read_settled(settings)
        else:
            try:
                authority = read_authority(settings)
                if authority is None:
                    if not settings.ca_in_hsm and cakey.unlock_secret(settings) is None:
                        raise AuthorityLocked(
                            "There is no signing authority yet, and no passphrase to encrypt "
                            "its key: run 'lcc-apr-server init-ca'.",
                            "no_authority",
                        )
                    authority = new_authority(settings)
                    write_authority(settings, authority, rounds=rounds)
                    made = True
                    log.info("made a new signing authority (%s)", authority.fingerprint)
            finally:
                claim.unlink(missing_ok=True)
        if authority is None:
            raise AuthorityError("The signing authority could not be made; try again.")
    if engine is not None:
        with Session(engine) as session, session.begin():
            register(session, authority)
    return authority, made


def _claim_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".lock")


def _read_settled(settings: ServerSettings, wait: float = 30.0) -> Authority | None:
    """read_authority, once no other process is in the middle of making the authority."""
    claim = _claim_path(settings.ca_files()[1])
    deadline = time.monotonic() + wait
    while claim.exists():
        if time.monotonic() > deadline:
            raise AuthorityError(
                f"Another process seems to have stopped while making the signing authority: "
                f"if no server is starting, remove {claim} and try again."
            )
        time.sleep(0.05)
    return read_authority(settings)


def import_authority(
    settings: ServerSettings,
    cert_data: bytes,
    key_data: bytes | None,
    *,
    password: bytes | None = None,
    replace: bool = False,
    secret: str | None = None,
) -> Authority:
    """Take HR's own CA certificate and key (PEM or DER) as the signing authority. With an
    HSM, `key_data` is None: the key is already in the token (ca_pkcs11_key)."""
    try:
        certificate = load_certificate(cert_data)
    except CertificateError as err:
        raise AuthorityError(f"The certificate file is {err}.") from None
    if settings.ca_in_hsm:
        from .hsm import token_key

        if key_data is not None:
            raise AuthorityError(
                "With an HSM the key is already in the token: give --cert only (put the key "
                "in the token with its own tools, labelled as ca_pkcs11_key)."
            )
        secret = secret if secret is not None else cakey.unlock_secret(settings)
        key: AuthorityKey = token_key(settings, secret)
    elif key_data is None:
        raise AuthorityError("Give the authority's private key (--key).")
    else:
        key = _load_key(key_data, password, None)
    _check_pair(certificate, key)
    constraints = _extension(certificate, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        raise AuthorityError("That certificate is not a certificate authority's (CA:TRUE).")
    usage = _extension(certificate, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        raise AuthorityError("That certificate may not sign certificates (keyCertSign).")
    if certificate.not_valid_after_utc <= now_utc():
        raise AuthorityError("That certificate has expired.")
    existing = read_certificate(settings)
    if existing is not None and fingerprint(existing) != fingerprint(certificate) and not replace:
        raise AuthorityError(
            "The server already has a signing authority; add --replace to use this one "
            "instead (signatures made under the old one still check)."
        )
    authority = Authority(certificate, key)
    write_authority(settings, authority, secret)
    return authority


def register(session: Session, authority: Authority, *, at: datetime | None = None) -> None:
    """Record the authority's certificate as the current one (earlier ones are retired)."""
    register_certificate(session, authority.certificate, at=at)


def register_certificate(
    session: Session, certificate: x509.Certificate, *, at: datetime | None = None
) -> None:
    at = at or now_utc()
    current = fingerprint(certificate)
    if session.get(SigningAuthority, current) is None:
        session.add(
            SigningAuthority(fingerprint=current, certificate=der(certificate), added_at=at)
        )
    else:
        session.execute(
            update(SigningAuthority)
            .where(SigningAuthority.fingerprint == current)
            .values(retired_at=None)
        )
    session.execute(
        update(SigningAuthority)
        .where(SigningAuthority.fingerprint != current, SigningAuthority.retired_at.is_(None))
        .values(retired_at=at)
    )


def _load_key(data: bytes, password: bytes | None, path: Path | None) -> AuthorityKey:
    where = f" ({path})" if path else ""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password)
        else:
            key = serialization.load_der_private_key(data, password)
    except TypeError:
        raise AuthorityError(f"The private key{where} needs its password.") from None
    except ValueError:
        raise AuthorityError(
            f"The private key{where} is not readable (or the password is wrong)."
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise AuthorityError("The authority's key must be an EC or RSA key.")
    return key


def _check_pair(certificate: x509.Certificate, key: AuthorityKey) -> None:
    if public_key_id(certificate.public_key()) != public_key_id(key.public_key()):
        raise AuthorityError("The private key does not belong to the certificate.")


def _extension(certificate: x509.Certificate, kind: type) -> Any:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


class AuthorityHolder:
    """The running server's authority, read on first use (so one made by `init-ca` while
    the server runs is picked up); None while there is none. `get` raises AuthorityLocked
    while its key cannot be used (tried again after RETRY_LOCKED seconds: opening the key
    costs the KDF); `certificate` needs no key."""

    RETRY_LOCKED = 60.0

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self._authority: Authority | None = None
        self._certificate: x509.Certificate | None = None
        self._refusal: AuthorityLocked | None = None
        self._refused_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> Authority | None:
        with self._lock:
            if self._authority is None:
                recent = time.monotonic() - self._refused_at < self.RETRY_LOCKED
                if self._refusal is not None and recent:
                    raise self._refusal
                try:
                    self._authority = read_authority(self.settings)
                except AuthorityLocked as locked:
                    if self._refusal is None or locked.reason != self._refusal.reason:
                        log.error("signing refused: %s", locked.reason)
                    self._refusal, self._refused_at = locked, time.monotonic()
                    raise
                self._refusal = None
            return self._authority

    def certificate(self) -> x509.Certificate | None:
        """The current authority's certificate, whether or not its key can be used."""
        with self._lock:
            if self._authority is not None:
                return self._authority.certificate
            if self._certificate is None:
                self._certificate = read_certificate(self.settings)
            return self._certificate

    def forget(self) -> None:
        """Read the authority again at the next use (its token went away)."""
        with self._lock:
            self._authority = self._certificate = self._refusal = None


# -- certificates ----------------------------------------------------------------------


def issue_certificate(
    session: Session,
    authority: Authority,
    user: User,
    csr_der: bytes,
    *,
    settings: ServerSettings,
    at: datetime | None = None,
) -> IssuedCertificate:
    """A certificate for the key in the user's signing request (or the one already
    issued for that key, while it has more than 30 days to run)."""
    at = at or now_utc()
    try:
        csr = x509.load_der_x509_csr(csr_der)
    except ValueError:
        raise EnrolmentRefused("That is not a certificate signing request.", "bad_csr") from None
    if not csr.is_signature_valid:
        raise EnrolmentRefused("The signing request's own signature is wrong.", "bad_csr")
    public_key = csr.public_key()
    if not is_signing_key(public_key):
        raise EnrolmentRefused("Signing keys must be EC P-256 keys.", "bad_csr")
    key_id = public_key_id(public_key)
    earlier = list(
        session.scalars(select(IssuedCertificate).where(IssuedCertificate.key_id == key_id))
    )
    if any(c.user_id != user.id for c in earlier):
        raise EnrolmentRefused("That key is already certified for someone else.", "key_taken")
    if any(c.revoked_at is not None for c in earlier):
        raise EnrolmentRefused(
            "That signing key was revoked: make a new one and ask again.", "key_revoked"
        )
    for cert in earlier:
        if cert.authority == authority.fingerprint and cert.not_after > at + RENEW_BEFORE:
            return cert
    certificate = build_certificate(authority, user, public_key, settings, at)
    row = IssuedCertificate(
        serial=serial_text(certificate),
        user_id=user.id,
        key_id=key_id,
        authority=authority.fingerprint,
        certificate=der(certificate),
        issued_at=at,
        not_after=certificate.not_valid_after_utc,
    )
    session.add(row)
    session.flush()
    return row


def build_certificate(
    authority: Authority, user: Any, public_key: Any, settings: ServerSettings, at: datetime
) -> x509.Certificate:
    """The X.509 certificate for `user` (display_name, username) and their public key."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.organisation_name),
            x509.NameAttribute(NameOID.COMMON_NAME, user.display_name[:64] or user.username),
            x509.NameAttribute(NameOID.USER_ID, user.username),
        ]
    )
    issuer_ski = _extension(authority.certificate, x509.SubjectKeyIdentifier)
    aki = (
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski)
        if issuer_ski is not None
        else x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key())
    )
    not_after = min(
        at + timedelta(days=settings.certificate_days), authority.certificate.not_valid_after_utc
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(aki, critical=False)
        .sign(authority.key, hashes.SHA256())
    )


def revoke_certificates(
    session: Session,
    user_id: int,
    reason: str,
    *,
    at: datetime | None = None,
    serial: str | None = None,
) -> int:
    """Revoke the user's certificates still in force (or the one `serial`); how many."""
    if reason not in REASONS:
        raise ValueError(f"The reason must be one of: {', '.join(REASONS)}.")
    at = at or now_utc()
    stmt = update(IssuedCertificate).where(
        IssuedCertificate.user_id == user_id, IssuedCertificate.revoked_at.is_(None)
    )
    if serial is not None:
        wanted = serial.lower().removeprefix("0x").lstrip("0") or "0"
        stmt = stmt.where(IssuedCertificate.serial == wanted)
    result = session.execute(stmt.values(revoked_at=at, revoke_reason=reason))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def authority_certificates(
    session: Session, current: Authority | x509.Certificate | None
) -> list[x509.Certificate]:
    """Every authority certificate signatures may chain to: the current one first."""
    found: dict[str, x509.Certificate] = {}
    if isinstance(current, Authority):
        current = current.certificate
    if current is not None:
        found[fingerprint(current)] = current
    rows = session.scalars(
        select(SigningAuthority).order_by(SigningAuthority.retired_at.is_not(None))
    )
    for row in rows:
        if row.fingerprint not in found:
            try:
                found[row.fingerprint] = load_certificate(row.certificate)
            except CertificateError:
                continue
    return list(found.values())


def trust_reply(session: Session, current: Authority | x509.Certificate | None) -> dict[str, Any]:
    revoked = session.execute(
        select(
            IssuedCertificate.serial, IssuedCertificate.revoked_at, IssuedCertificate.revoke_reason
        )
        .where(IssuedCertificate.revoked_at.is_not(None))
        .order_by(IssuedCertificate.revoked_at)
    ).all()
    return {
        "ca_certificates": [b64(der(c)) for c in authority_certificates(session, current)],
        "revoked": [
            {"serial": serial, "revoked_at": when.isoformat(), "reason": reason or ""}
            for serial, when, reason in revoked
            if when is not None
        ],
    }
