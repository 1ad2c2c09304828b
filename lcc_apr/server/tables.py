"""Server-only tables: accounts, sessions, the sequence, idempotency, scope events, audit.

They live in their own metadata (and Alembic tree, lcc_apr/server/migrations),
beside the shared domain tables made by lcc_apr.store.migrations. Foreign keys
to the domain point at its columns directly. Nothing here holds record content;
the audit log holds no personal data (ids, routes and outcomes only).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lcc_apr.models import Employee, User
from lcc_apr.models.base import NAMING, UTCDateTime, utc

SSO_LINK_INDEX = "ix_accounts_sso_link"  # one account per council account (issuer, subject)


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Account(ServerBase):
    """The sign-in side of a domain user: password hash, throttling, disabled flag, and the
    council account (the OpenID Connect issuer and subject) single sign-on linked it to."""

    __tablename__ = "accounts"
    __table_args__ = (Index(SSO_LINK_INDEX, "sso_issuer", "sso_subject", unique=True),)

    user_id: Mapped[int] = mapped_column(ForeignKey(User.id), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[utc]
    sso_issuer: Mapped[str | None] = mapped_column(String(255))  # both None: not linked
    sso_subject: Mapped[str | None] = mapped_column(String(255))


class SignInName(ServerBase):
    """A username that is no account's, kept as a keyed hash: it fails and locks like a
    real one, so a refusal never tells whether a username exists."""

    __tablename__ = "sign_in_names"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[utc] = mapped_column(index=True)


class AuthSession(ServerBase):
    """One signed-in device: a family of refresh tokens, revoked together."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the family id
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id), index=True)
    device: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[utc]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RefreshToken(ServerBase):
    """A refresh token, kept only as its SHA-256; spent once, then replaced."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey(AuthSession.id), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[utc]
    expires_at: Mapped[utc]
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ServerMeta(ServerBase):
    """One row: the epoch (new on restore) and the last number of the global sequence."""

    __tablename__ = "server_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    epoch: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)


class IdempotentReply(ServerBase):
    """The reply to a push, stored under the client's key so a retry changes nothing;
    with the SHA-256 of the records pushed, so the key replays only that very body."""

    __tablename__ = "idempotency_replies"

    user_id: Mapped[int] = mapped_column(ForeignKey(User.id), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    reply: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[utc] = mapped_column(index=True)


class ScopeEvent(ServerBase):
    """A user gained (enter) or lost (leave) sight of one person's records, at `seq`."""

    __tablename__ = "scope_events"
    __table_args__ = (Index("ix_scope_events_user_seq", "user_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id))
    subject_id: Mapped[int] = mapped_column(ForeignKey(Employee.id))
    kind: Mapped[str] = mapped_column(String(10))  # enter | leave
    at: Mapped[utc]


class AuditEntry(ServerBase):
    """Who did what where, and how it ended; which record and whose (ids only, when
    known). Never names, answers or tokens. The (column, id) indexes serve HR's viewer:
    each filter reads its rows newest first by id, a page at a time."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_record_id", "record_id", "at", "id"),
        Index("ix_audit_log_subject_id", "subject_id", "at", "id"),
        Index("ix_audit_log_user_at", "user_id", "at", "id"),
        Index("ix_audit_log_event_at", "event", "at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[utc] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event: Mapped[str] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(36))  # the record concerned
    subject_id: Mapped[int | None] = mapped_column(Integer)  # the person it is about


class SigningAuthority(ServerBase):
    """A certificate of the organisation's signing authority (its key stays in a file).

    Every authority the server has used is kept, so signatures certified by one that
    was later replaced (`import-ca --replace`) still check out; the current one has no
    `retired_at`.
    """

    __tablename__ = "signing_authorities"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of DER
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    added_at: Mapped[utc]
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IssuedCertificate(ServerBase):
    """A personal signing certificate issued to a user for one of their devices' keys."""

    __tablename__ = "issued_certificates"

    serial: Mapped[str] = mapped_column(String(40), primary_key=True)  # hex
    user_id: Mapped[int] = mapped_column(ForeignKey(User.id), index=True)
    key_id: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the public key
    authority: Mapped[str] = mapped_column(String(64))  # the issuer's fingerprint
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    issued_at: Mapped[utc]
    not_after: Mapped[utc]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(20))


class SsoNonce(ServerBase):
    """A nonce the server gave for one single sign-on, kept as its SHA-256 until it is
    used (then deleted: a second use finds nothing) or expires. In the database, so every
    worker agrees."""

    __tablename__ = "sso_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[utc] = mapped_column(index=True)


class RetentionDue(ServerBase):
    """A record whose retention ran out, as the last daily listing found it; HR reviews it.
    `blocked` says why it may not be purged now (a legal hold, an open case...)."""

    __tablename__ = "retention_due"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    rule: Mapped[str] = mapped_column(String(100))
    trigger_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    blocked: Mapped[str | None] = mapped_column(String(300))
    listed_at: Mapped[utc]


class RetentionTombstone(ServerBase):
    """What is left of a purged record: no subject, no content. `seq` is its place in
    the change feed, where every laptop learns to drop its copy."""

    __tablename__ = "retention_tombstones"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    created_on: Mapped[date] = mapped_column(Date)
    record_date: Mapped[date | None] = mapped_column(Date)
    trigger_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(100))
    confirmed_by: Mapped[int] = mapped_column(Integer)  # user id
    purged_at: Mapped[utc]


class LegalHold(ServerBase):
    """A legal hold on a person (every record about them) or on one record: nothing it
    covers is purged while it is in force (released_at None)."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int | None] = mapped_column(Integer, index=True)
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # a code of lcc_apr.retention.HOLD_REASONS
    placed_by: Mapped[int] = mapped_column(Integer)
    placed_at: Mapped[utc]
    released_by: Mapped[int | None] = mapped_column(Integer)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AbsenceImport(ServerBase):
    """One absence file HR applied (lcc_apr.server.absence_import): the SHA-256 of what it
    held, so the same file applied twice is refused, and what it did. No personal data."""

    __tablename__ = "absence_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)  # None: the command line
    at: Mapped[utc]


class AbsenceRemoval(ServerBase):
    """An absence episode taken off the server for good (lcc_apr.server.absences.purge), at
    `seq`: laptops pulling by change drop their copies. Ids only."""

    __tablename__ = "absence_removals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[utc]
