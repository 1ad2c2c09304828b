"""Absence episodes: a person off work from a first day to a last day (None: still off).

Recorded by the line manager on a laptop (offline, synced: lcc_apr.sync.absences) or
imported by HR from the HR system's absence export (lcc_apr.hr.absence_import). One row per
episode in both the desktop cache and the server; the server numbers each version
(`server_rev`), a laptop keeps the version its edit started from (`base_rev`) and whether
it waits to be sent (`dirty`). A withdrawn episode (recorded in error) stays as
`deleted`, so the withdrawal syncs like any change.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, str40, utc

MANAGER, IMPORTED = "manager", "hr_import"  # where an episode came from


class Absence(Base):
    __tablename__ = "absences"
    __table_args__ = (Index("ix_absences_employee_first", "employee_id", "first_day"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made where recorded
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)  # None: still off
    reason: Mapped[str40]  # a category code of resources/policy/attendance.toml
    disability_related: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnancy_related: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10))  # manager | hr_import
    recorded_by: Mapped[int | None] = mapped_column(Integer)  # user id of the last change
    updated_at: Mapped[utc]
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)  # withdrawn
    # Sync: the server's version (None: never reached it); on a laptop, the version an
    # unsent edit started from, and whether it waits to be sent.
    server_rev: Mapped[int | None] = mapped_column(Integer)
    base_rev: Mapped[int | None] = mapped_column(Integer)
    dirty: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The server's only: the global sequence number of the episode's latest change (0:
    # written before migration 0021), so laptops pull what changed since their cursor.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"), index=True)
