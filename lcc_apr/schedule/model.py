"""What is due for whom: the facts a schedule needs and the items it produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from lcc_apr.models import RecordKind


class DueState(StrEnum):
    OK = "ok"  # not due yet
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


SEVERITY = {DueState.OVERDUE: 0, DueState.DUE_SOON: 1, DueState.OK: 2}  # most urgent first
# Kinds prompted by absences (lcc_apr.schedule.attendance's items), never a DueItem's kind.
ABSENCE_KINDS = (RecordKind.RETURN_TO_WORK, RecordKind.WELFARE_CONTACT)


@dataclass(frozen=True, slots=True)
class DueItem:
    employee_id: int
    kind: RecordKind
    label: str  # e.g. "Probation review (week 16)"
    due: date
    state: DueState
    record_id: str | None = None  # the record it concerns, when one exists


@dataclass(frozen=True, slots=True)
class RecordFact:
    """The few things about one record a schedule looks at."""

    id: str
    kind: RecordKind
    status: str
    record_date: date | None
    answers: dict[str, Any] = field(default_factory=dict)  # only the keys schedules read
    template_version: int | None = None  # the form version, read for held APRs only


@dataclass(slots=True)
class PersonFacts:
    employee_id: int
    start_date: date
    job_title: str
    probation_end_date: date | None
    leaving_date: date | None = None
    records: list[RecordFact] = field(default_factory=list)
    post_start: date | None = None  # the primary post's start (later: moved within)

    @property
    def internal_mover(self) -> bool:
        """Moved to their current post after joining (policy may exempt them from probation)."""
        return self.post_start is not None and self.post_start > self.start_date

    def of_kind(self, kind: RecordKind) -> list[RecordFact]:
        found = [r for r in self.records if r.kind is kind]
        if len(found) > 1:
            found.sort(key=lambda r: (r.record_date or date.min, r.id))
        return found
