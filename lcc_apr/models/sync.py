"""The desktop's sync bookkeeping: cursor and epoch, unresolved conflicts, batches in flight."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDoc, UTCDateTime, utc


class SyncState(Base):
    """One row: where this cache stands against its server."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    server_url: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(Integer)
    epoch: Mapped[str | None] = mapped_column(String(64))
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A first sync's snapshot while it loads (lcc_apr.sync.snapshot): the feed position it
    # stands at, its epoch and the last record id taken; all None when no load is under way.
    snapshot_at: Mapped[int | None] = mapped_column(Integer)
    snapshot_epoch: Mapped[str | None] = mapped_column(String(64))
    snapshot_after: Mapped[str | None] = mapped_column(String(36))
    # CREATE INDEX statements of the indexes set aside during the load (made again after)
    deferred_indexes: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    # HR's ready-made cache (lcc_apr.sync.ready_cache): the one being downloaded (its
    # description and key), then the people whose records come by snapshot parts after it
    snapshot_ready: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    snapshot_subjects: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    # The check against the server: the last record id hashed again from its content
    # (the next check takes up after it; None: from the start)
    evidence_after: Mapped[str | None] = mapped_column(String(36))
    # Where the absence pull stands (lcc_apr.sync.absences): the server's epoch, the cursor,
    # and the view it was for (hr | team); None: the next pull takes the whole list.
    absence_epoch: Mapped[str | None] = mapped_column(String(64))
    absence_cursor: Mapped[int | None] = mapped_column(Integer)
    absence_view: Mapped[str | None] = mapped_column(String(10))


class Conflict(Base):
    """A record the user must decide about: both versions are kept until then.

    `fields` lists the answers both sides changed differently (empty when the
    server refused the change outright; `reason` then says why).
    """

    __tablename__ = "conflicts"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    server_rev: Mapped[int | None] = mapped_column(Integer)
    server: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)  # the server's version (wire)
    fields: Mapped[list[str]] = mapped_column(JSONDoc)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[utc]


class PushBatch(Base):
    """A push sent but not yet answered: retried with the same idempotency key and the
    very body first sent. `revs` is each record's local_rev when it was sent: only a
    record still there when the answer comes is clean; a later edit goes in the next batch."""

    __tablename__ = "push_batches"

    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # a PushBody, as sent
    revs: Mapped[dict[str, int]] = mapped_column(JSONDoc)  # record id -> local_rev sent
    created_at: Mapped[utc]


class Purge(Base):
    """Record ids being removed from this cache (lost access); lets their history go too."""

    __tablename__ = "purges"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class RecordEvent(Base):
    """A record read, printed or exported on this computer, waiting for the next push to
    tell the server (its audit log): ids and times only. Moved into a push batch's body
    when one is made, so it is sent exactly as often as that batch."""

    __tablename__ = "record_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(20))  # viewed | printed | exported
    at: Mapped[utc]
