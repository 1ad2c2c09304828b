"""The organisation CA's certificate revocation list (CRL): X.509 v2, DER, signed by the
CA's key, listing every certificate that authority issued and that has been revoked, with
when and why.

Served at GET /certificates/crl and carried in GET /certificates/trust, so each laptop
fetches it at sync and embeds it in every PDF it signs (PAdES B-LT: the PDF then proves
offline, years later, that its signer's certificate was or was not revoked at the time
its timestamp certifies). A CRL lasts `crl_days` (server settings) and is issued again
whenever a certificate is revoked, and otherwise when half its life has passed.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.models import now_utc
from lcc_apr.signing.certs import b64

from .ca import Authority
from .cakey import AuthorityLocked
from .tables import IssuedCertificate

log = logging.getLogger("lcc_apr.server")
BACKDATE = timedelta(minutes=5)  # thisUpdate a little early for clocks that run behind

# Why a certificate was revoked (ca.REASONS) as RFC 5280 reason codes.
CRL_REASONS = {
    "lost": x509.ReasonFlags.key_compromise,
    "left": x509.ReasonFlags.affiliation_changed,
    "disabled": x509.ReasonFlags.privilege_withdrawn,
}


def issue_crl(session: Session, authority: Authority, *, days: int, at: datetime | None = None):
    """A freshly signed CRL (DER) of the certificates `authority` issued and that are
    revoked. The CRL number is the issue time in seconds, so it only grows."""
    at = at or now_utc()
    issued = IssuedCertificate
    rows = session.execute(
        select(issued.serial, issued.revoked_at, issued.revoke_reason)
        .where(
            IssuedCertificate.revoked_at.is_not(None),
            IssuedCertificate.authority == authority.fingerprint,
        )
        .order_by(IssuedCertificate.revoked_at)
    ).all()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(at - BACKDATE)
        .next_update(at + timedelta(days=days))
        .add_extension(x509.CRLNumber(int(at.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
    )
    for serial, revoked_at, reason in rows:
        if revoked_at is None:
            continue
        entry = x509.RevokedCertificateBuilder().serial_number(int(serial, 16))
        entry = entry.revocation_date(revoked_at)
        if reason in CRL_REASONS:
            entry = entry.add_extension(x509.CRLReason(CRL_REASONS[reason]), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    crl = builder.sign(authority.key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)


class CrlCache:
    """The current CRL, issued again when a revocation is added, the authority changes or
    half its life has passed (signing one per request would do, but costs a query and a
    signature for every sync)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._der = b""
        self._made: datetime | None = None

    def get(self, session: Session, authority: Authority, *, days: int) -> bytes:
        count, newest = session.execute(
            select(func.count(), func.max(IssuedCertificate.revoked_at)).where(
                IssuedCertificate.revoked_at.is_not(None)
            )
        ).one()
        key = (authority.fingerprint, count, newest, days)
        now = now_utc()
        with self._lock:
            stale = self._made is None or now - self._made > timedelta(days=days) / 2
            if key != self._key or stale:
                self._der = issue_crl(session, authority, days=days, at=now)
                self._key, self._made = key, now
            return self._der


CRLS = CrlCache()
CRL_TYPE = "application/pkix-crl"


def current_crl(ctx: Any, session: Session) -> bytes | None:
    """The running server's CRL (None while it has no signing authority, or while its key
    is locked: then the laptops keep the CRL they hold and PDFs are B-T, not B-LT)."""
    try:
        authority = ctx.authority.get()
    except AuthorityLocked:
        return None
    if authority is None:
        return None
    return CRLS.get(session, authority, days=ctx.settings.crl_days)


def trusted_time_reply(ctx: Any, session: Session) -> dict[str, Any]:
    """GET /certificates/trust's optional part: the CRL (base64) and the TSA's URL."""
    der = current_crl(ctx, session)
    roots = timestamp_roots(ctx.settings.timestamp_authority_roots_file)
    return {
        "crl": b64(der) if der else None,
        "timestamp_authority": ctx.settings.timestamp_authority_url,
        "timestamp_roots": [b64(r) for r in roots] or None,
    }


def timestamp_roots(path: Path | None) -> tuple[bytes, ...]:
    """The TSA root certificates (DER) in the PEM file `timestamp_authority_roots_file`;
    none when it is unset or unreadable (logged: then timestamps show as untrusted)."""
    if path is None:
        return ()
    try:
        found = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as e:
        log.warning("timestamp_authority_roots_file could not be read: %s", type(e).__name__)
        return ()
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in found)
