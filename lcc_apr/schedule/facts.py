"""Gathering schedule facts from the store in a handful of indexed queries.

Built for HR's scale: the latest supervision per person comes from one
grouped query, not by loading every supervision; probation and capability
records are few, so their answers are read whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Record, RecordKind

from .model import PersonFacts, RecordFact

KEEP = {
    RecordKind.PROBATION: (
        "review_point_weeks",
        "is_final_review",
        "outcome",
        "extension_end_date",
    ),
    RecordKind.CAPABILITY: (
        "review_date",
        "meeting_date",
        "review_period_weeks",
        "improvement_note_outcome_date",
        "final_warning_outcome_date",
    ),
}


def gather(
    session: Session, *, today: date, employee_ids: Iterable[int] | None = None
) -> dict[int, PersonFacts]:
    """Facts for current employees (all, or those listed), keyed by employee id."""
    ids = list(employee_ids) if employee_ids is not None else None
    people = select(
        Employee.id,
        Employee.start_date,
        Employee.job_title,
        Employee.probation_end_date,
        Employee.leaving_date,
    )
    if ids is not None:
        people = people.where(Employee.id.in_(ids))
    facts = {
        row.id: PersonFacts(
            row.id, row.start_date, row.job_title, row.probation_end_date, row.leaving_date
        )
        for row in session.execute(people)
    }
    live = ~Record.deleted
    mine = Record.subject_id.in_(ids) if ids is not None else true()

    aprs = select(Record.id, Record.subject_id, Record.status, Record.record_date).where(
        live, mine, Record.kind == RecordKind.APR, Record.record_date >= today - timedelta(days=800)
    )
    for row in session.execute(aprs):
        _add(facts, row.subject_id, RecordFact(row.id, RecordKind.APR, row.status, row.record_date))

    latest = (
        select(Record.subject_id, func.max(Record.record_date).label("day"))
        .where(live, mine, Record.kind == RecordKind.SUPERVISION)
        .group_by(Record.subject_id)
        .subquery()
    )
    supervisions = (
        select(
            Record.id,
            Record.subject_id,
            Record.status,
            Record.record_date,
            Record.answers["next_supervision_date"].as_string().label("next_date"),
        )
        .join(
            latest,
            and_(Record.subject_id == latest.c.subject_id, Record.record_date == latest.c.day),
        )
        .where(live, Record.kind == RecordKind.SUPERVISION)
    )
    for row in session.execute(supervisions):
        answers = {"next_supervision_date": row.next_date} if row.next_date else {}
        _add(
            facts,
            row.subject_id,
            RecordFact(row.id, RecordKind.SUPERVISION, row.status, row.record_date, answers),
        )

    for kind, keys in KEEP.items():
        rows = select(
            Record.id, Record.subject_id, Record.status, Record.record_date, Record.answers
        ).where(live, mine, Record.kind == kind)
        for row in session.execute(rows):
            answers = {k: row.answers[k] for k in keys if k in row.answers}
            _add(
                facts,
                row.subject_id,
                RecordFact(row.id, kind, row.status, row.record_date, answers),
            )
    return facts


def _add(facts: dict[int, PersonFacts], employee_id: int, record: RecordFact) -> None:
    person = facts.get(employee_id)
    if person is not None:
        person.records.append(record)
