"""The organisation's trust, as the desktop caches it for checking signatures offline.

The server lists its signing authority's certificate(s) and every revoked certificate
with when it was revoked (GET /certificates/trust). Each sync stores that list in the
encrypted store; `load_trust` reads it back for `signature_states` and the PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lcc_apr.models import TrustAnchor, TrustRevocation, now_utc

from .certs import CertificateError, b64, der, fingerprint, load_certificate, unb64

# Why a certificate was revoked, as the server names it, in plain words.
REASONS = {
    "lost": "the key was lost or stolen",
    "left": "the person left",
    "disabled": "the account was disabled",
}


@dataclass(frozen=True)
class Revocation:
    revoked_at: datetime
    reason: str

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class Trust:
    """The authority certificates signatures must chain to, and the revoked serials (hex)."""

    authorities: tuple[x509.Certificate, ...] = ()
    revoked: Mapping[str, Revocation] = field(default_factory=dict)
    fetched_at: datetime | None = None

    @property
    def known(self) -> bool:
        """False until this computer has fetched the trust from its server once."""
        return bool(self.authorities)

    def revoked_by_serial(self) -> dict[int, datetime]:
        """Revocation times keyed by integer serial (the PDF checker's form)."""
        return {int(serial, 16): r.revoked_at for serial, r in self.revoked.items()}

    @classmethod
    def from_reply(cls, reply: Mapping[str, Any]) -> Trust:
        """Parse GET /certificates/trust."""
        authorities = tuple(load_certificate(unb64(c)) for c in reply.get("ca_certificates", []))
        revoked = {
            str(r["serial"]).lower(): Revocation(
                datetime.fromisoformat(r["revoked_at"]), str(r.get("reason") or "")
            )
            for r in reply.get("revoked", [])
        }
        return cls(authorities, revoked, now_utc())

    def to_reply(self) -> dict[str, Any]:
        """The same shape the server sends (tests, export)."""
        return {
            "ca_certificates": [b64(der(c)) for c in self.authorities],
            "revoked": [
                {"serial": s, "revoked_at": r.revoked_at.isoformat(), "reason": r.reason}
                for s, r in sorted(self.revoked.items())
            ],
        }


def load_trust(session: Session) -> Trust:
    """The trust cached in this store (empty before the first sync with a signing server)."""
    anchors = list(session.scalars(select(TrustAnchor).order_by(TrustAnchor.fetched_at)))
    authorities = []
    for anchor in anchors:
        try:
            authorities.append(load_certificate(anchor.certificate))
        except CertificateError:
            continue
    revoked = {
        r.serial: Revocation(r.revoked_at, r.reason)
        for r in session.scalars(select(TrustRevocation))
    }
    fetched = max((a.fetched_at for a in anchors), default=None)
    return Trust(tuple(authorities), revoked, fetched)


def save_trust(session: Session, trust: Trust, at: datetime | None = None) -> None:
    """Replace the cached trust with the server's current list."""
    at = at or now_utc()
    session.execute(delete(TrustAnchor))
    session.execute(delete(TrustRevocation))
    rows = {fingerprint(c): der(c) for c in trust.authorities}
    if rows:
        session.execute(
            insert(TrustAnchor),
            [{"fingerprint": f, "certificate": d, "fetched_at": at} for f, d in rows.items()],
        )
    if trust.revoked:
        session.execute(
            insert(TrustRevocation),
            [
                {"serial": s, "revoked_at": r.revoked_at, "reason": r.reason}
                for s, r in trust.revoked.items()
            ],
        )
