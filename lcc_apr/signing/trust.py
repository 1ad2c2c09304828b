"""The organisation's trust, as the desktop caches it for checking signatures offline.

The server lists its signing authority's certificate(s) and every revoked certificate
with when it was revoked (GET /certificates/trust), with the authority's CRL and its
timestamp authority's address. Each sync stores that in the encrypted store; `load_trust`
reads it back for `signature_states` and the PDF (`Trust.pdf_signer`: B-T and B-LT).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lcc_apr.models import TrustAnchor, TrustMaterial, TrustRevocation, now_utc

from .certs import CertificateError, b64, der, fingerprint, load_certificate, unb64

TSA_ENV = "LCC_APR_TSA_URL"  # this computer's own timestamp authority, over the server's

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
    crl: bytes | None = None  # the current authority's revocation list, DER (PDFs embed it)
    timestamp_authority: str | None = None  # the server's TSA for trusted time on PDFs
    timestamp_roots: tuple[x509.Certificate, ...] = ()  # an outside TSA's roots

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
        crl = reply.get("crl")
        tsa = reply.get("timestamp_authority")
        roots = tuple(load_certificate(unb64(c)) for c in reply.get("timestamp_roots") or [])
        return cls(
            authorities,
            revoked,
            now_utc(),
            crl=unb64(crl) if crl else None,
            timestamp_authority=str(tsa) if tsa else None,
            timestamp_roots=roots,
        )

    def to_reply(self) -> dict[str, Any]:
        """The same shape the server sends (tests, export)."""
        return {
            "ca_certificates": [b64(der(c)) for c in self.authorities],
            "revoked": [
                {"serial": s, "revoked_at": r.revoked_at.isoformat(), "reason": r.reason}
                for s, r in sorted(self.revoked.items())
            ],
            "crl": b64(self.crl) if self.crl else None,
            "timestamp_authority": self.timestamp_authority,
            "timestamp_roots": [b64(der(c)) for c in self.timestamp_roots] or None,
        }

    def timestamp_url(self) -> str | None:
        """The TSA to use: LCC_APR_TSA_URL on this computer if set, else the server's."""
        return os.environ.get(TSA_ENV, "").strip() or self.timestamp_authority

    def pdf_signer(self, key: Any, certificate: x509.Certificate) -> Any:
        """A PdfSigner for this computer's identity: B-T with the TSA when there is one,
        B-LT with the authority's certificates and CRL when the server sent one."""
        from lcc_apr.pdf.sign import PdfSigner
        from lcc_apr.pdf.timestamps import ValidationMaterial, timestamper_for

        roots = self.authorities + self.timestamp_roots
        material = ValidationMaterial(roots, (self.crl,)) if self.crl else None
        return PdfSigner(
            key,
            certificate,
            self.authorities,
            timestamper=timestamper_for(self.timestamp_url()),
            validation=material,
        )


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
    material = {m.name: m.value for m in session.scalars(select(TrustMaterial))}
    tsa = material.get("timestamp_authority")
    roots = material.get("timestamp_roots")
    return Trust(
        tuple(authorities),
        revoked,
        fetched,
        crl=material.get("crl"),
        timestamp_authority=tsa.decode() if tsa else None,
        timestamp_roots=tuple(x509.load_pem_x509_certificates(roots)) if roots else (),
    )


def save_trust(session: Session, trust: Trust, at: datetime | None = None) -> None:
    """Replace the cached trust with the server's current list."""
    at = at or now_utc()
    session.execute(delete(TrustAnchor))
    session.execute(delete(TrustRevocation))
    session.execute(delete(TrustMaterial))
    material = {
        "crl": trust.crl,
        "timestamp_authority": (trust.timestamp_authority or "").encode(),
        "timestamp_roots": b"".join(c.public_bytes(Encoding.PEM) for c in trust.timestamp_roots),
    }
    if any(material.values()):
        session.execute(
            insert(TrustMaterial),
            [{"name": n, "value": v, "fetched_at": at} for n, v in material.items() if v],
        )
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
