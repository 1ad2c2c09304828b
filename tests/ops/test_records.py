"""lcc_apr.ops.records and lcc_apr.ops.editing: lists, starting a record, and the Changes of
every write (an autosave touches one record and its subject; a step moves lists)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from lcc_apr.models import Employee, Record, RecordKind, User
from lcc_apr.ops import NOTHING, Changes
from lcc_apr.ops.changes import edited, moved
from lcc_apr.ops.editing import open_record, save, take_step
from lcc_apr.ops.people import person_name, reports_of, team_rows
from lcc_apr.ops.records import employee_records, may_start_for, own_records, start_record
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from lcc_apr.workflow import WorkflowError
from tests.conflict_maker import CATALOGUE

AT = datetime(2026, 11, 30, 10, tzinfo=UTC)
TODAY = date(2026, 11, 30)
POLICY = load_policy()


def user(store, username: str) -> CurrentUser:
    with store.session() as s:
        return CurrentUser.from_user(s.scalars(select(User).where(User.username == username)).one())


def start(store, me: CurrentUser, subject: int, kind: RecordKind):
    return start_record(
        store,
        user=me,
        kind=kind,
        subject_id=subject,
        catalogue=CATALOGUE,
        policy=POLICY,
        today=TODAY,
        at=AT,
    )


@pytest.fixture
def manager(demo):
    return user(demo, "rtebbutt")  # manages 10 people in the 50-person demo


def test_the_team_and_the_people_a_manager_starts_records_for(demo, manager):
    team = team_rows(demo, policy=POLICY, today=TODAY, manager_id=manager.employee_id)
    reports = reports_of(demo, manager_id=manager.employee_id)
    assert len(team) == 10 and {p.employee_id for p in reports} == {r.employee_id for r in team}
    assert [r.sort_name for r in team] == sorted(r.sort_name for r in team)
    assert reports_of(demo, manager_id=None) == []
    assert person_name(demo, employee_id=team[0].employee_id) == team[0].name
    assert person_name(demo, employee_id=999_999) == "Employee 999999"


def test_starting_a_record_is_for_the_line_manager_and_moves_lists(demo, manager):
    report = reports_of(demo, manager_id=manager.employee_id)[0].employee_id
    assert may_start_for(demo, user=manager, subject_id=report)
    before = len(employee_records(demo, employee_id=report, catalogue=CATALOGUE))
    started = start(demo, manager, report, RecordKind.SUPERVISION)
    assert started.changes == moved([started.record_id], [report])
    assert started.changes.lists_of(report) and not started.changes.lists_of(report + 1)
    rows = employee_records(demo, employee_id=report, catalogue=CATALOGUE)
    assert len(rows) == before + 1 and started.record_id in {r.id for r in rows}
    with demo.session() as s:  # nobody else may: the employee themselves is refused
        employee = s.scalars(select(User).where(User.employee_id == report)).first()
    if employee is not None:
        me = CurrentUser.from_user(employee)
        assert not may_start_for(demo, user=me, subject_id=report)
        with pytest.raises(WorkflowError):
            start(demo, me, report, RecordKind.APR)


def test_an_autosave_changes_one_record_and_a_step_moves_lists(demo, manager):
    with demo.session() as s:
        record = s.scalars(
            select(Record)
            .join(Employee, Employee.id == Record.subject_id)
            .where(
                Employee.line_manager_id == manager.employee_id,
                Record.kind == RecordKind.SUPERVISION,
                Record.status == "draft",
                ~Record.deleted,
            )
        ).first()
        assert record is not None
        record_id, subject = record.id, record.subject_id
    edit = open_record(demo, record_id=record_id, user=manager, catalogue=CATALOGUE)
    assert save(edit, at=AT).changes == NOTHING  # nothing typed: nothing written
    edit.set("workload", "Typed on the train")
    saved = save(edit, at=AT)
    assert saved.result.written == ("workload",)
    assert saved.changes == edited(record_id, subject)
    assert not saved.changes.lists_of(None) and saved.changes.status_bar
    assert edit.steps() and not any(o.ready for o in edit.steps())  # a draft still to fill


def test_a_step_moves_the_record_in_lists(demo, manager):
    with demo.session() as s:  # a completed supervision of someone the manager manages
        record_id, subject = s.execute(
            select(Record.id, Record.subject_id)
            .join(Employee, Employee.id == Record.subject_id)
            .where(
                Employee.line_manager_id == manager.employee_id,
                Record.kind == RecordKind.SUPERVISION,
                Record.status == "completed",
            )
        ).first()
    edit = open_record(demo, record_id=record_id, user=manager, catalogue=CATALOGUE)
    amend = next(o for o in edit.steps() if o.needs_reason)
    taken = take_step(edit, step=amend.name, at=AT, reason="The date of the meeting was wrong")
    assert taken.changes == moved([record_id], [subject]) and taken.status == edit.status
    assert taken.status != "completed" and taken.changes.lists_of(subject)


def test_own_records_say_what_is_due_and_list_them_newest_first(demo):
    me = user(demo, "rrobinson")
    assert me.employee_id is not None
    found = own_records(
        demo, employee_id=me.employee_id, catalogue=CATALOGUE, policy=POLICY, today=TODAY
    )
    days = [r.record_date for r in found.records if r.record_date]
    assert found.records and days == sorted(days, reverse=True)
    assert all(item.due for item in found.due)


def test_changes_combine_and_answer_each_screens_question():
    a = edited("r1", 1)
    b = moved(["r2"], [2])
    both = a | b
    assert both.records == {"r1", "r2"} and both.people == {1, 2} and both.listed
    assert both.rows_of(1) and both.lists_of(2) and both.lists_of(None)
    assert not a.lists_of(1) and a.rows_of(1) and not a.rows_of(2)
    assert Changes(everything=True).lists_of(7) and not NOTHING
