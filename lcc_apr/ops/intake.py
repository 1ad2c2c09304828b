"""HR's intake: the records that reached a final state (completed, closed) and wait for
HR, with how their signatures stand; HR accepts each into the HR register or returns it
to the manager with a note. Both are workflow steps (`hr_accept`, `hr_return`): written
in the record's history with who and when (and the note), synced like any step, checked
again by the server. Each decision also leaves a line in audit.log (no names).

Only HR: anyone else is refused here (HrOnly) before anything is read or written. HR's
own records are not theirs to take in. Any worker thread; no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import selectinload

from lcc_apr.forms import Catalogue
from lcc_apr.hr.register import signature_states, signature_summary
from lcc_apr.models import Employee, Record, RecordKind
from lcc_apr.models.organisation import full_name
from lcc_apr.signing.signoff import SignatureState
from lcc_apr.signing.trust import load_trust
from lcc_apr.store import Store
from lcc_apr.workflow import WORKFLOWS, WorkflowError, take_step
from lcc_apr.workflow.model import fill_names

from .audit import audit
from .changes import Changes, moved
from .people import matching_ids
from .records import actor_for, status_label
from .user import CurrentUser

ACCEPT, RETURN = "hr_accept", "hr_return"


class HrOnly(PermissionError):
    """Only HR takes records in and exports them."""


def require_hr(user: CurrentUser) -> None:
    if not user.is_hr:
        raise HrOnly("Only HR can take records in and export them to the HR system.")


def waiting_states() -> dict[RecordKind, tuple[str, ...]]:
    """For each kind, the states in which its records wait for HR's intake."""
    return {kind: flow.transition(ACCEPT).sources for kind, flow in WORKFLOWS.items()}


def _waiting(user: CurrentUser, kind: RecordKind | None) -> ColumnElement[bool]:
    states = waiting_states()
    chosen = [k for k in states if kind is None or k == kind]
    where = and_(
        ~Record.deleted,
        or_(*(and_(Record.kind == k, Record.status.in_(states[k])) for k in chosen)),
    )
    if user.employee_id is not None:  # never HR's own records
        where = and_(where, Record.subject_id != user.employee_id)
    return where


@dataclass(frozen=True)
class IntakeRow:
    record_id: str
    person: str
    payroll_number: str
    kind: str  # the form's title
    record_date: date | None
    status: str  # the workflow state's label
    signatures: str  # "Valid: employee, line manager"
    signature_details: tuple[str, ...]  # each current signature in words
    updated_at: datetime
    unsynced: bool
    record_kind: RecordKind | None = None
    manager: str = "the manager"  # the person's line manager, to whom a return goes


@dataclass(frozen=True)
class IntakePage:
    rows: tuple[IntakeRow, ...]
    total: int  # waiting in all (the page is `rows`)


def intake_page(
    store: Store,
    *,
    user: CurrentUser,
    catalogue: Catalogue,
    offset: int = 0,
    limit: int = 200,
    kind: RecordKind | None = None,
    person: str = "",
) -> IntakePage:
    """Read: one page of the records waiting for HR's intake, the longest waiting first,
    each with its signature state checked against the organisation's certificates.
    `person` keeps the people a search by name or payroll number finds
    (lcc_apr.ops.people.matches)."""
    require_hr(user)
    where = _waiting(user, kind)
    with store.session() as session:
        if person.strip():
            where = and_(where, Record.subject_id.in_(matching_ids(session, person)))
        total = session.scalar(select(func.count()).select_from(Record).where(where)) or 0
        records = list(
            session.scalars(
                select(Record)
                .where(where)
                .order_by(Record.updated_at, Record.id)
                .offset(offset)
                .limit(limit)
                .options(selectinload(Record.subject).selectinload(Employee.line_manager))
            )
        )
        states = signature_states(session, records, load_trust(session))
        rows = tuple(_row(r, states[r.id], catalogue) for r in records)
    return IntakePage(rows, total)


def _row(record: Record, states: list[SignatureState], catalogue: Catalogue) -> IntakeRow:
    subject: Employee | None = record.subject
    boss = subject.line_manager if subject else None
    return IntakeRow(
        record.id,
        full_name(subject.first_name, subject.preferred_name, subject.last_name) if subject else "",
        subject.payroll_number if subject else "",
        catalogue.get(record.template_id, record.template_version).title,
        record.record_date,
        status_label(record.kind, record.status),
        signature_summary(states),
        tuple(s.text for s in states),
        record.updated_at,
        record.dirty,
        record.kind,
        boss.display_name if boss else "the manager",
    )


def return_wording(row: IntakeRow) -> tuple[str, str]:
    """(title, prompt) for returning `row`'s record: the workflow's step label with the
    manager's name, and what the note must say."""
    step = WORKFLOWS[row.record_kind or RecordKind.APR].transition(RETURN)
    return fill_names(step.label, manager=row.manager), step.reason_prompt


@dataclass(frozen=True)
class Decided:
    count: int
    changes: Changes


def accept(
    store: Store,
    *,
    user: CurrentUser,
    record_ids: Iterable[str],
    catalogue: Catalogue,
    at: datetime,
) -> Decided:
    """Write: accept each record into the HR register, all in one transaction (a
    WorkflowError for any of them writes none)."""
    return _decide(store, user, list(record_ids), ACCEPT, None, catalogue, at)


def return_to_manager(
    store: Store,
    *,
    user: CurrentUser,
    record_id: str,
    note: str,
    catalogue: Catalogue,
    at: datetime,
) -> Decided:
    """Write: return the record to its manager with `note` (kept in its history): its
    signatures are voided and kept, and the manager corrects it and shares it again."""
    return _decide(store, user, [record_id], RETURN, note, catalogue, at)


def _decide(
    store: Store,
    user: CurrentUser,
    record_ids: list[str],
    step: str,
    note: str | None,
    catalogue: Catalogue,
    at: datetime,
) -> Decided:
    require_hr(user)
    subjects = []
    with store.session() as session:
        for record_id in record_ids:
            record = session.get(Record, record_id)
            if record is None or record.deleted:
                raise WorkflowError("This record no longer exists on this computer.")
            take_step(
                session,
                record,
                step,
                actor=actor_for(session, record_id, user=user),
                template=catalogue.get(record.template_id, record.template_version),
                at=at,
                reason=note,
            )
            subjects.append(record.subject_id)
    if record_ids:
        audit(store, user, "hr_intake", step=step, records=len(record_ids))
    return Decided(len(record_ids), moved(record_ids, subjects))
