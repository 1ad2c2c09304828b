"""'Needs my action': what waits for the signed-in person, in one list.

Records waiting for them (the workflow's `waiting_for`: respond, sign, countersign,
decide), what is due within a week or overdue for the people they manage (the
schedule), and records changed on both sides. Built from indexed queries: HR's
list reads only records in the few states that wait for HR, never every record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Conflict, Employee, Record, RecordKind
from lcc_apr.policy import Policy
from lcc_apr.schedule import DueItem, DueState, due_for
from lcc_apr.store import Store
from lcc_apr.workflow import RETURNED, Party, states_waiting_for

from .changes import Changes
from .inbox_items import (  # noqa: F401 (the list's own, named here too)
    CONFLICT,
    DUE,
    GROUP_LABELS,
    GROUP_ORDER,
    HR,
    MINE,
    TEAM,
    Inbox,
    InboxItem,
)
from .user import CurrentUser

SOON_DAYS = 7  # "due this week"

NOUN = {
    RecordKind.APR: "Annual Performance Review",
    RecordKind.SUPERVISION: "supervision record",
    RecordKind.PROBATION: "probation review",
    RecordKind.CAPABILITY: "capability case",
    RecordKind.RETURN_TO_WORK: "return-to-work interview",
    RecordKind.ATTENDANCE: "attendance review",
    RecordKind.WELFARE_CONTACT: "welfare contact record",
}
SHORT = {
    RecordKind.APR: "APR",
    RecordKind.SUPERVISION: "supervision record",
    RecordKind.PROBATION: "probation review",
    RecordKind.CAPABILITY: "capability case",
    RecordKind.RETURN_TO_WORK: "return-to-work interview",
    RecordKind.ATTENDANCE: "attendance review",
    RecordKind.WELFARE_CONTACT: "welfare contact record",
}
# Staged cases: the hearing waits for the manager; a due item opens the case itself.
CASES = (RecordKind.CAPABILITY, RecordKind.ATTENDANCE)


def shows(changes: Changes) -> bool:
    """Whether a write's or a sync's Changes may change the list."""
    return changes.lists_of() or changes.conflicts or changes.everything


def needs_action(
    store: Store,
    *,
    user: CurrentUser,
    catalogue: Catalogue | None = None,  # as every records op takes it; titles come from kinds
    policy: Policy,
    today: date,
) -> Inbox:
    """Read: everything waiting for this person, grouped, oldest first in each group."""
    with store.session() as session:
        items = [
            *_mine(session, user),
            *_team(session, user),
            *_hr(session, user),
            *_conflicts(session),
            *_due(session, user, policy, today),
        ]
    unique: dict[str, InboxItem] = {}
    taken: set[str] = set()
    for item in items:  # a record waiting for me as manager and as HR is listed once
        if item.record_id and item.group != CONFLICT:
            if item.record_id in taken:
                continue
            taken.add(item.record_id)
        unique.setdefault(item.key, item)
    order = {g: n for n, g in enumerate(GROUP_ORDER)}
    ranked = sorted(
        unique.values(), key=lambda i: (order[i.group], i.since or date.min, i.text, i.key)
    )
    return Inbox(tuple(ranked))


# -- records waiting for me -----------------------------------------------------------


def _states(party: Party) -> tuple[set[str], dict[RecordKind, frozenset[str]]]:
    by_kind = {k: s for k, s in states_waiting_for(party).items() if s}
    return {s for states in by_kind.values() for s in states}, by_kind


def _waiting(session: Session, party: Party, where: Iterable[ColumnElement[bool]]) -> list[Record]:
    """Live records in a state that waits for `party`, narrowed by `where` (indexed)."""
    statuses, by_kind = _states(party)
    rows = session.scalars(
        select(Record).where(~Record.deleted, Record.status.in_(sorted(statuses)), *where)
    )
    return [r for r in rows if r.status in by_kind.get(r.kind, ())]


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def _mine(session: Session, user: CurrentUser) -> list[InboxItem]:
    me = user.employee_id
    if me is None:
        return []
    found = []
    for r in _waiting(session, Party.EMPLOYEE, [Record.subject_id == me]):
        if r.kind is RecordKind.APR and r.status == "shared":
            text = "Respond to and sign your Annual Performance Review"
        elif r.kind is RecordKind.APR and r.status == "preparation":
            text = "Write your self-assessment for your Annual Performance Review"
        else:
            text = f"Sign your {NOUN[r.kind]}"
        found.append(_record_item(MINE, r, text))
    return found


def _team(session: Session, user: CurrentUser) -> list[InboxItem]:
    reports = _reports(session, user)
    if not reports:
        return []
    found = []
    for r in _waiting(session, Party.MANAGER, [Record.subject_id.in_(list(reports))]):
        name = reports[r.subject_id]
        if r.status == RETURNED:
            text = f"Correct {name}'s {SHORT[r.kind]}: HR returned it with a note"
        elif r.kind in CASES:
            text = f"Record the final hearing's decision for {name}"
        else:
            text = f"Countersign {name}'s {SHORT[r.kind]}"
        found.append(_record_item(TEAM, r, text))
    return found


def _hr(session: Session, user: CurrentUser) -> list[InboxItem]:
    if not user.is_hr:
        return []
    where = [Record.subject_id != user.employee_id] if user.employee_id is not None else []
    records = _waiting(session, Party.HR, where)
    names = _names(session, {r.subject_id for r in records})
    texts = {
        "referred_to_hr": "Record HR's decision on {}'s probation",
        "final_hearing": "Record the final hearing's decision for {}",
        "appeal": "Record the appeal outcome for {}",
        "amending": "Reissue {}'s amended {}",
        RETURNED: "Reissue {}'s {} once corrected",
    }
    return [
        _record_item(
            HR,
            r,
            texts.get(r.status, "Act on {}'s record").format(names[r.subject_id], NOUN[r.kind]),
        )
        for r in records
    ]


def _record_item(group: str, record: Record, text: str) -> InboxItem:
    return InboxItem(
        f"record:{record.id}:{record.status}",
        group,
        text,
        _day(record.updated_at),
        record_id=record.id,
        employee_id=record.subject_id,
    )


def _reports(session: Session, user: CurrentUser) -> dict[int, str]:
    me = user.employee_id
    if me is None:
        return {}
    people = session.execute(
        select(Employee.id, Employee.first_name, Employee.preferred_name, Employee.last_name).where(
            Employee.line_manager_id == me, Employee.id != me
        )
    )
    return {p.id: f"{p.preferred_name or p.first_name} {p.last_name}" for p in people}


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    people = session.execute(
        select(Employee.id, Employee.first_name, Employee.preferred_name, Employee.last_name).where(
            Employee.id.in_(sorted(ids))
        )
    )
    found = {p.id: f"{p.preferred_name or p.first_name} {p.last_name}" for p in people}
    return {i: found.get(i, f"Employee {i}") for i in ids}


# -- conflicts and what is due --------------------------------------------------------


def _conflicts(session: Session) -> list[InboxItem]:
    rows = session.execute(select(Conflict.record_id, Conflict.created_at))
    return [
        InboxItem(
            f"conflict:{r.record_id}",
            CONFLICT,
            "Resolve changes made on both sides",
            _day(r.created_at),
            record_id=r.record_id,
        )
        for r in rows
    ]


def _due(session: Session, user: CurrentUser, policy: Policy, today: date) -> list[InboxItem]:
    """What falls due within a week, or is overdue, for the people I manage: theirs to hold
    is mine to arrange. A record already under way (past its draft) waits for whoever
    the workflow says, so its due item is left out."""
    reports = _reports(session, user)
    if not reports:
        return []
    due = due_for(session, policy, today=today, employee_ids=list(reports))
    horizon = today + timedelta(days=SOON_DAYS)
    items = [i for person in due.values() for i in person if i.due <= horizon]
    started = {i.record_id for i in items if i.record_id and i.kind not in CASES}
    moving = set(
        session.scalars(
            select(Record.id).where(Record.id.in_(sorted(started)), Record.status != "draft")
        )
    )
    return [_due_item(i, reports[i.employee_id], today) for i in items if i.record_id not in moving]


def _due_item(item: DueItem, name: str, today: date) -> InboxItem:
    what = {"Next supervision": "Supervision", "Probation ends": "End of probation"}.get(
        item.label, item.label
    )
    day = f"{item.due:%a} {item.due.day} {item.due:%b}"
    if item.due.year != today.year:
        day += f" {item.due.year}"
    overdue = item.state is DueState.OVERDUE or item.due < today
    text = f"{what} {'was due' if overdue else 'due'} {day} for {name}"
    return InboxItem(
        f"due:{item.employee_id}:{item.kind.value}:{item.label}:{item.due.isoformat()}",
        DUE,
        text,
        item.due,
        record_id=item.record_id if item.kind in CASES else None,
        employee_id=item.employee_id,
        overdue=overdue,
    )
