"""lcc_apr.ops.inbox: what waits for the signed-in person, from the workflow, the schedule
and the conflicts; and own records stop saying Overdue once the employee has signed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import event, select

from lcc_apr.models import Conflict, Record, RecordKind
from lcc_apr.ops.changes import Changes, edited, moved
from lcc_apr.ops.inbox import CONFLICT, DUE, HR, MINE, TEAM, needs_action, shows
from lcc_apr.ops.records import own_records
from lcc_apr.schedule import DueState
from tests.conflict_maker import CATALOGUE

from .test_records import POLICY, TODAY, user


def inbox(store, username):
    return needs_action(
        store, user=user(store, username), catalogue=CATALOGUE, policy=POLICY, today=TODAY
    )


def set_status(store, record_id, status):
    with store.session() as s:
        s.get(Record, record_id).status = status


def shared_apr(store, subject_id):
    with store.session() as s:
        return s.scalars(
            select(Record.id).where(
                Record.subject_id == subject_id,
                Record.kind == RecordKind.APR,
                Record.status == "shared",
            )
        ).one()


def test_the_employee_responds_then_the_manager_countersigns(demo):
    me = user(demo, "rrobinson")
    apr = shared_apr(demo, me.employee_id)
    mine = inbox(demo, "rrobinson")
    assert [(i.group, i.text, i.record_id) for i in mine.items] == [
        (MINE, "Respond to and sign your Annual Performance Review", apr)
    ]
    assert not [i for i in inbox(demo, "rtebbutt").items if i.record_id == apr]

    set_status(demo, apr, "preparation")  # APR form v2: before the meeting
    assert [(i.text, i.record_id) for i in inbox(demo, "rrobinson").items] == [
        ("Write your self-assessment for your Annual Performance Review", apr)
    ]
    assert not [i for i in inbox(demo, "rtebbutt").items if i.record_id == apr]
    set_status(demo, apr, "responded")
    assert [i.text for i in inbox(demo, "rrobinson").items] == [
        "Sign your Annual Performance Review"
    ]
    set_status(demo, apr, "employee_signed")
    assert len(inbox(demo, "rrobinson")) == 0
    team = [i for i in inbox(demo, "rtebbutt").items if i.group == TEAM]
    assert [(i.text, i.record_id) for i in team] == [(f"Countersign {me.display_name}'s APR", apr)]
    set_status(demo, apr, "completed")
    assert not [i for i in inbox(demo, "rtebbutt").items if i.group == TEAM]


def test_what_is_due_this_week_or_overdue_for_the_team(demo):
    due = [i for i in inbox(demo, "rtebbutt").items if i.group == DUE]
    texts = [i.text for i in due]
    assert "Supervision due Wed 2 Dec for Stephen Spencer" in texts
    assert all(i.employee_id and (i.overdue or i.since <= date(2026, 12, 7)) for i in due)
    assert [i.since for i in due] == sorted(i.since for i in due)
    assert not [i for i in inbox(demo, "rrobinson").items if i.group == DUE]  # manages nobody


def test_hr_sees_probations_referred_to_hr_reading_only_those_records(demo):
    with demo.session() as s:
        probation = s.scalars(select(Record).where(Record.kind == RecordKind.PROBATION)).first()
        probation.status = "referred_to_hr"
        probation_id, name = probation.id, probation.subject.display_name
    hr = user(demo, "btebbutt")
    statements: list[str] = []
    engine = demo.engine

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = needs_action(demo, user=hr, catalogue=CATALOGUE, policy=POLICY, today=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [(i.group, i.text, i.record_id) for i in found.items] == [
        (HR, f"Record HR's decision on {name}'s probation", probation_id)
    ]
    records = [s for s in statements if "FROM records" in s]
    assert records and all("records.status IN" in s for s in records), records


def test_changes_made_on_both_sides_wait_for_a_decision(demo):
    with demo.session() as s:
        record_id = s.scalars(select(Record.id)).first()
        s.add(
            Conflict(
                record_id=record_id, fields=["x"], created_at=datetime(2026, 11, 29, tzinfo=UTC)
            )
        )
    found = [i for i in inbox(demo, "rrobinson").items if i.group == CONFLICT]
    assert [(i.text, i.record_id, i.key) for i in found] == [
        ("Resolve changes made on both sides", record_id, f"conflict:{record_id}")
    ]


def test_new_items_are_those_not_there_before(demo):
    me = user(demo, "rrobinson")
    before = inbox(demo, "rtebbutt")
    set_status(demo, shared_apr(demo, me.employee_id), "employee_signed")
    after = inbox(demo, "rtebbutt")
    # Held in April on APR form v2: its mid-year review (six months on) is overdue too.
    assert [i.text for i in after.new_since(before)] == [
        f"Countersign {me.display_name}'s APR",
        f"Mid-year review (APR 2026/27) was due Thu 15 Oct for {me.display_name}",
    ]
    assert after.new_since(None) == () and after.new_since(after) == ()


def test_the_list_refreshes_after_steps_syncs_and_conflicts_not_autosaves():
    assert shows(moved(["r"], [1])) and shows(Changes(everything=True))
    assert shows(Changes(conflicts=True))
    assert not shows(edited("r", 1)) and not shows(Changes(synced=True))


def test_own_records_stop_saying_overdue_once_the_employee_signed(demo):
    me = user(demo, "rrobinson")
    apr = shared_apr(demo, me.employee_id)

    def apr_due():
        found = own_records(
            demo, employee_id=me.employee_id, catalogue=CATALOGUE, policy=POLICY, today=TODAY
        )
        return [i for i in found.due if i.kind is RecordKind.APR]

    assert [i.state for i in apr_due()] == [DueState.OVERDUE]  # shared, not yet signed
    set_status(demo, apr, "employee_signed")
    # The next APR is not due yet; this one's mid-year review (form v2) now is.
    assert [(i.label, i.state) for i in apr_due()] == [
        ("Mid-year review (APR 2026/27)", DueState.OVERDUE),
        ("APR 2027/28", DueState.OK),
    ]
