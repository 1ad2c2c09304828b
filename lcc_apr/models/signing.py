"""The desktop's signing bookkeeping: the organisation's trust (cached) and its own certificates.

Kept in the encrypted store so they cannot be altered unnoticed. The server keeps its
own tables for the certificates it issues (lcc_apr.server.tables).
"""

from __future__ import annotations

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utc


class TrustAnchor(Base):
    """A certificate of the organisation's signing authority, as the server last listed it."""

    __tablename__ = "trust_anchors"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the DER
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    fetched_at: Mapped[utc]


class TrustRevocation(Base):
    """A revoked signing certificate: signatures made from `revoked_at` on are not trusted."""

    __tablename__ = "trust_revocations"

    serial: Mapped[str] = mapped_column(String(40), primary_key=True)  # hex
    revoked_at: Mapped[utc]
    reason: Mapped[str] = mapped_column(String(20))


class TrustMaterial(Base):
    """What the server last sent besides the trust anchors: "crl" (the CA's revocation
    list, DER) and "timestamp_authority" (the TSA's URL, UTF-8)."""

    __tablename__ = "trust_material"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[utc]


class OwnCertificate(Base):
    """A signing certificate the server issued for a key of this computer's user."""

    __tablename__ = "own_certificates"

    serial: Mapped[str] = mapped_column(String(40), primary_key=True)  # hex
    user_id: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the public key
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    not_after: Mapped[utc]
    received_at: Mapped[utc]
