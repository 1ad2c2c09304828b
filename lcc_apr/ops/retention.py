"""HR's retention review from the desktop: the due list and the legal holds, HR's confirmed
purges, holds placed and released. All of it is the server's (/hr/retention, see
docs/retention.md): the desktop asks and shows; purged records leave this cache at the
next sync. `RetentionDesk` is built on the signed-in connection (None: not connected,
and every call says so). Calls are write ops (they use the connection's shared tokens:
one at a time, on the writer thread). No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from lcc_apr.models import RecordKind
from lcc_apr.sync.retentionwire import (
    ConfirmBody,
    ConfirmReply,
    HoldBody,
    ReleaseBody,
    RetentionReply,
)

if TYPE_CHECKING:
    from lcc_apr.sync.transport import Connection

OFFLINE = (
    "Retention is reviewed on the server, and this copy of LCC APR is not signed in to "
    "one. Sign in while connected and try again."
)


class RetentionUnavailable(Exception):
    """No connection: str(err) says so in plain words. Nothing was sent."""


@dataclass(frozen=True)
class DueRow:
    record_id: str
    kind: str  # "Annual Performance Review"...
    person: str
    rule: str
    due_on: date
    blocked: str  # "" when it may be purged

    @property
    def may_purge(self) -> bool:
        return not self.blocked


@dataclass(frozen=True)
class HoldRow:
    hold_id: int
    on: str  # "Sam Smith" or "record 1234abcd… (Sam Smith)"
    reason: str
    placed_on: date


@dataclass(frozen=True)
class Review:
    due: tuple[DueRow, ...]
    holds: tuple[HoldRow, ...]
    hold_reasons: tuple[tuple[str, str], ...]  # (code, words)
    listed_at: str  # "" when never listed


@dataclass(frozen=True)
class Purged:
    purged: int
    kept: tuple[tuple[str, str], ...]  # (record id, why)


def _kind(value: str) -> str:
    try:
        return RecordKind(value).label
    except ValueError:
        return value


def review_of(reply: RetentionReply) -> Review:
    due = tuple(
        DueRow(d.record_id, _kind(d.kind), d.subject_name, d.rule, d.due_on, d.blocked or "")
        for d in reply.due
    )
    holds = []
    for h in reply.holds:
        who = h.subject_name or "someone no longer listed"
        on = who if h.employee_id is not None else f"record {(h.record_id or '')[:8]}… ({who})"
        holds.append(HoldRow(h.id, on, h.reason_text, h.placed_at.date()))
    listed = reply.listed_at.astimezone().strftime("%d %b %Y %H:%M") if reply.listed_at else ""
    return Review(due, tuple(holds), tuple(reply.hold_reasons.items()), listed)


class RetentionDesk:
    def __init__(self, connection: Connection | None) -> None:
        self.connection = connection

    def _conn(self) -> Connection:
        if self.connection is None:
            raise RetentionUnavailable(OFFLINE)
        return self.connection

    def review(self) -> Review:
        """Write op (it uses the connection): the due list as last worked out, the holds."""
        return review_of(self._conn().retention())

    def list_due(self) -> Review:
        """Write op: the server works the due list out now (it purges nothing)."""
        return review_of(self._conn().retention("due"))

    def confirm(self, record_ids: list[str]) -> Purged:
        """Write op: purge these records, which HR has confirmed; each is checked again on
        the server and a refused one is kept, with its reason."""
        reply: ConfirmReply = self._conn().retention("confirm", ConfirmBody(record_ids=record_ids))
        kept = tuple((o.record_id, o.reason) for o in reply.outcomes if not o.purged)
        return Purged(len(reply.outcomes) - len(kept), kept)

    def hold(
        self, reason: str, *, employee_id: int | None = None, record_id: str | None = None
    ) -> Review:
        """Write op: a legal hold on a person or on one record."""
        body = HoldBody(employee_id=employee_id, record_id=record_id, reason=reason)
        return review_of(self._conn().retention("hold", body))

    def release(self, hold_id: int) -> Review:
        """Write op: release a legal hold."""
        return review_of(self._conn().retention("release", ReleaseBody(hold_id=hold_id)))
