"""Reads for the manager's attendance screens: a person's absences page (their name, their
episodes, the reasons to choose from, whether this user may record theirs) and a team's
attendance items as the schedule computes them. Any worker thread; no Qt."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.schedule.attendance import AttendanceItem, attendance_due_for
from lcc_apr.store import Store

from .absences import AbsenceRefused, AbsenceRow, _require, absences_of, reason_choices
from .people import TeamRow, person_name
from .user import CurrentUser


@dataclass(frozen=True)
class AbsencePage:
    name: str
    rows: tuple[AbsenceRow, ...]  # newest first
    reasons: tuple[tuple[str, str], ...]  # (code, label), HR's order
    may_record: bool
    why_not: str = ""  # the plain reason when `may_record` is False
    flags_note: str = ""  # what the two check boxes do to trigger points, per the policy


def absence_page(
    store: Store, *, user: CurrentUser, employee_id: int, policy: AttendancePolicy
) -> AbsencePage:
    """Read: what the person's absences dialog shows."""
    why_not = ""
    with store.session() as session:
        try:
            _require(session, user, employee_id)
        except AbsenceRefused as refused:
            why_not = str(refused)
    return AbsencePage(
        person_name(store, employee_id=employee_id),
        absences_of(store, employee_id=employee_id, policy=policy),
        reason_choices(policy),
        not why_not,
        why_not,
        flags_note(policy),
    )


def flags_note(policy: AttendancePolicy) -> str:
    """How disability- and pregnancy-related absences count, in the policy's words."""
    left_out = [
        what
        for what, counted in (
            ("disability-related", policy.count_disability_related),
            ("pregnancy-related", policy.count_pregnancy_related),
        )
        if not counted
    ]
    if len(left_out) == 2:
        return (
            "Disability-related and pregnancy-related absences are recorded but not counted"
            " towards attendance trigger points."
        )
    if left_out:
        return (
            f"{left_out[0].capitalize()} absences are recorded but not counted towards"
            " attendance trigger points; HR has decided the other kind counts."
        )
    return "HR has decided that both kinds of absence count towards trigger points."


def team_attendance(
    store: Store, *, policy: AttendancePolicy, today: date, employee_ids: Iterable[int] | None
) -> dict[int, tuple[AttendanceItem, ...]]:
    """Read: attendance items (trigger reached, return-to-work interview outstanding,
    keeping in touch in long-term absence) of the people listed (everyone when None); the
    interviews held are read from their return-to-work records."""
    with store.session() as session:
        found = attendance_due_for(session, policy, today=today, employee_ids=employee_ids)
    return {eid: tuple(items) for eid, items in found.items()}


def with_attendance(
    store: Store,
    rows: Sequence[TeamRow],
    *,
    policy: AttendancePolicy,
    today: date,
    everyone: bool = False,
) -> list[TeamRow]:
    """Read: the team's rows (ops.people.team_rows) with their attendance items. With
    `everyone` (HR's list of everyone current) the items are read for all at once,
    without naming thousands of ids."""
    ids = None if everyone else [r.employee_id for r in rows]
    found = team_attendance(store, policy=policy, today=today, employee_ids=ids)
    return [replace(r, attendance=found.get(r.employee_id, ())) for r in rows]
