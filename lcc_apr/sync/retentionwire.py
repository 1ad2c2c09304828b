"""Retention's wire shapes (/hr/retention..., HR only): the due list HR reviews, the legal
holds, a confirmation of purges and its outcomes. HR sees subjects' names here, as in
every HR screen; the server's logs and audit never hold them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from .wirebase import Wire

RECORD_ID = Annotated[str, Field(min_length=1, max_length=36)]
NUMBER = Annotated[int, Field(ge=1, le=2**31 - 1)]  # protocol.MOST_NUMBER: PostgreSQL's INTEGER


class DueItem(Wire):
    record_id: str
    kind: str
    subject_id: int
    subject_name: str
    rule: str  # "apr: 6 years after record completed"
    trigger_on: date
    due_on: date
    blocked: str | None  # why it may not be purged now


class HoldItem(Wire):
    id: int
    employee_id: int | None
    record_id: str | None
    subject_name: str | None  # the person held, or the held record's subject
    reason: str
    reason_text: str
    placed_by: int
    placed_at: datetime


class RetentionReply(Wire):
    """GET /hr/retention (and every retention POST but confirm): the state HR reviews."""

    listed_at: datetime | None  # when the due list was last worked out
    due: list[DueItem]
    holds: list[HoldItem]
    hold_reasons: dict[str, str]  # code -> words


class ConfirmBody(Wire):
    """POST /hr/retention/confirm: the due records HR confirmed, after being asked."""

    record_ids: Annotated[list[RECORD_ID], Field(min_length=1, max_length=1000)]


class ConfirmOutcome(Wire):
    record_id: str
    purged: bool
    reason: str  # why it was kept; "" when purged


class ConfirmReply(Wire):
    outcomes: list[ConfirmOutcome]


class HoldBody(Wire):
    """POST /hr/retention/hold: on a person (employee_id) or on one record."""

    employee_id: NUMBER | None = None
    record_id: RECORD_ID | None = None
    reason: Annotated[str, Field(min_length=1, max_length=20)]


class ReleaseBody(Wire):
    """POST /hr/retention/release."""

    hold_id: NUMBER
