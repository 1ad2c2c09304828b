"""Records of the four kinds, their sign-offs and their append-only history.

A record's current state lives in `records`; every change to it is also
appended to `record_changes` as a hash-chained entry, so the full history
can be replayed and any tampering with the log shows (see lcc_apr.history).
The database refuses UPDATE and DELETE on `record_changes` (triggers made
by the migrations).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .answers import AnswersDoc
from .base import Base, JSONDoc, UTCDateTime, intpk, str40, utc
from .enums import ChangeAction, RecordKind, SignOffDecision, SignOffRole
from .organisation import Employee, User, enum_type
from .patches import PatchDoc

EVIDENCE_COLUMNS = (
    "id",
    "server_rev",
    "hash_rev",
    "content_hash",
    "kind",
    "dirty",
    "local_rev",
    "subject_id",
    "status",
)


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_subject_kind_date", "subject_id", "kind", "record_date", "deleted"),
        Index("ix_records_kind_date", "kind", "record_date"),
        Index("ix_records_record_date", "record_date", "id"),
        Index("ix_records_status", "status", "id"),
        Index("ix_records_server_rev", "server_rev"),
        Index("ix_records_dirty", "dirty"),
        # HR's intake: a kind's records in a state, oldest change first (covering)
        Index("ix_records_waiting", "kind", "status", "deleted", "updated_at", "id", "subject_id"),
        # The check against the server (lcc_apr.sync.evidence, lcc_apr.server.evidence): each
        # record's revision and content hash in id order, read without the rows (covering)
        Index("ix_records_evidence", *EVIDENCE_COLUMNS),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID text
    kind: Mapped[RecordKind] = mapped_column(enum_type(RecordKind))
    subject_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    template_id: Mapped[str40]
    template_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(AnswersDoc())  # packed in a local store
    status: Mapped[str40]
    record_date: Mapped[date | None] = mapped_column(Date)  # the meeting or review date
    created_at: Mapped[utc]
    updated_at: Mapped[utc]
    # Sync bookkeeping: revisions come from the server's sequence, never clocks.
    local_rev: Mapped[int] = mapped_column(Integer, default=0)
    server_rev: Mapped[int | None] = mapped_column(Integer)
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    history_head: Mapped[str] = mapped_column(String(64))  # hash of the last change
    # The local history entry at which this copy equalled server_rev (the merge base);
    # None while the record has no local history (it is then the server's copy itself).
    base_seq: Mapped[int | None] = mapped_column(Integer)
    # The content hash (lcc_apr.evidence) at revision hash_rev: on the server its own, in a
    # cache the server's as received. Stale or None when hash_rev is not server_rev.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    hash_rev: Mapped[int | None] = mapped_column(Integer)

    subject: Mapped[Employee] = relationship()
    author: Mapped[User | None] = relationship()
    sign_offs: Mapped[list[SignOff]] = relationship(back_populates="record", order_by="SignOff.id")


class SignOff(Base):
    """One person's signature on one version of a record's content."""

    __tablename__ = "sign_offs"

    id: Mapped[intpk]
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[SignOffRole] = mapped_column(enum_type(SignOffRole))
    decision: Mapped[SignOffDecision] = mapped_column(enum_type(SignOffDecision))
    reason: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[utc]
    content_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary)  # DER
    # The answer keys the record held when signed (None: a sign-off made before digital
    # signatures). Answers added later do not break the signature; changed ones do.
    covers: Mapped[list[str] | None] = mapped_column(JSONDoc)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The server's RFC 3161 timestamp token (DER) over `signature`: when it reached the
    # server, certified by the timestamp authority (None: no TSA, or made before one).
    time_token: Mapped[bytes | None] = mapped_column(LargeBinary)

    record: Mapped[Record] = relationship(back_populates="sign_offs")


class RecordChange(Base):
    """One entry of a record's append-only, hash-chained history."""

    __tablename__ = "record_changes"
    __table_args__ = (UniqueConstraint("record_id", "seq"),)

    id: Mapped[intpk]
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the record
    action: Mapped[ChangeAction] = mapped_column(enum_type(ChangeAction))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[utc]
    patch: Mapped[dict[str, Any]] = mapped_column(PatchDoc())  # packed in a local store
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
