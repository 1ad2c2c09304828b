"""HR's register of accepted records, as its exports to the HR system read it, and the log
of those exports. Kept in HR's own store (lcc_apr.hr.export writes both).

A register entry is one accepted revision of a record, taken whole (the answers, the
signature state, the payroll number) when an export first finds it and never changed
after: the export cursor runs over entry ids, so any past export is made again, byte for
byte, from the entries its log row names.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDoc, intpk, str40, utc
from .enums import RecordKind
from .organisation import enum_type


class HrRegisterEntry(Base):
    __tablename__ = "hr_register"
    __table_args__ = (UniqueConstraint("record_id", "revision"),)

    id: Mapped[intpk]  # the export cursor
    record_id: Mapped[str] = mapped_column(String(36))  # no foreign key: outlives the cache
    revision: Mapped[int] = mapped_column(Integer)  # 1, 2...: each accepted version
    # The record's copy this entry was taken from (a later copy is checked again).
    server_rev: Mapped[int | None] = mapped_column(Integer)
    local_rev: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RecordKind] = mapped_column(enum_type(RecordKind))
    template_id: Mapped[str40]
    template_version: Mapped[int] = mapped_column(Integer)
    payroll_number: Mapped[str] = mapped_column(String(20))
    post_number: Mapped[str | None] = mapped_column(String(40))  # when the model has posts
    status: Mapped[str40]
    record_date: Mapped[date | None] = mapped_column(Date)
    accepted_at: Mapped[utc]  # the record's last change: its acceptance (or a later one)
    content_hash: Mapped[str] = mapped_column(String(64))
    signature_state: Mapped[str] = mapped_column(Text)  # "employee valid 2026-05-01T09:00Z; ..."
    answers: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    registered_at: Mapped[utc]


class HrExport(Base):
    """One export made: the register entries it holds, and who made it when."""

    __tablename__ = "hr_exports"

    id: Mapped[intpk]
    first_entry: Mapped[int] = mapped_column(Integer)
    last_entry: Mapped[int] = mapped_column(Integer)  # the cursor once this export is made
    entries: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(10))  # csv | xlsx
    made_at: Mapped[utc]  # also the time written inside an XLSX (the same bytes again)
    made_by: Mapped[int] = mapped_column(Integer)  # user id
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of what was written
