"""The cases the state machine found, kept as plain tests (each was a real bug, fixed in
the core; each has a focused test beside its fix too). Every test ends with the
machine's final round: everyone syncs cleanly, settles their conflicts, and every
check runs over everything (checks.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Record, RecordKind

from .checks import ANSWER, CREATE, DELETE, STATUS
from .machine import EMPLOYEE, HR, MANAGER_A, MANAGER_B, machine_for


@pytest.fixture
def machine(rig):
    made = machine_for(rig)()
    yield made
    made.teardown()  # the final round: raises on anything lost, doubled or divergent


def sync(machine, *names: str) -> None:
    for name in names:
        machine.sync((name, None))


def start(machine, who: str) -> str:
    record_id = machine.laptops[who].start(machine.cast[EMPLOYEE].employee_id)
    assert record_id is not None
    machine.ledger.add(who, record_id, CREATE)
    machine.pool.append(record_id)
    return record_id


def type_(machine, who: str, record_id: str, key: str) -> None:
    value = machine.token(who)
    assert machine.laptops[who].edit(record_id, {key: value}) == (key,)
    machine.ledger.add(who, record_id, ANSWER, key, value)


def delete(machine, who: str, record_id: str) -> None:
    assert machine.laptops[who].delete(record_id)
    machine.ledger.drop(who, record_id, (ANSWER, STATUS))
    machine.ledger.add(who, record_id, DELETE)


def shared_supervision(machine) -> str:
    with Session(machine.engine) as s:
        return s.scalars(
            select(Record.id).where(
                Record.subject_id == machine.cast[EMPLOYEE].employee_id,
                Record.kind == RecordKind.SUPERVISION,
                Record.status == "shared",
            )
        ).one()


def test_supervisions_started_by_the_manager_and_by_hr_reach_the_server(machine):
    """Carried actions due over a year ago, and the manager's answers HR may not write,
    made the server refuse the new record at every sync (lcc_apr.new_records.writable)."""
    start(machine, HR)
    record_id = start(machine, MANAGER_A)
    type_(machine, MANAGER_A, record_id, "attendees")
    sync(machine, MANAGER_A, HR, MANAGER_B)
    assert machine.laptops[MANAGER_A].conflicts() == machine.laptops[HR].conflicts() == []


def test_the_employees_comment_on_a_record_taken_back_to_draft_is_kept(machine):
    """The pull removed the record from the employee's laptop, comment and all
    (lcc_apr.sync.apply.remove_records keeps unsent work as a conflict)."""
    record_id = shared_supervision(machine)
    type_(machine, EMPLOYEE, record_id, "employee_comments")
    manager = machine.laptops[MANAGER_A]
    assert manager.take(record_id, "withdraw", machine.token(MANAGER_A))[0] == "draft"
    machine.ledger.add(MANAGER_A, record_id, STATUS, value="draft")
    sync(machine, MANAGER_A, EMPLOYEE)
    assert machine.laptops[EMPLOYEE].conflicts() == [record_id]  # kept, not removed


def test_a_draft_deleted_before_it_was_ever_sent_leaves_no_conflict(machine):
    """The server refused to delete a record it never had, at every sync
    (SyncEngine._new_batch drops such a draft instead)."""
    record_id = start(machine, MANAGER_A)
    delete(machine, MANAGER_A, record_id)
    sync(machine, MANAGER_A)
    assert not machine.laptops[MANAGER_A].holds(record_id)


def test_a_draft_deleted_on_both_of_the_managers_laptops(machine):
    """The second laptop's sync stopped with "record is deleted" at every try
    (lcc_apr.sync.apply.take_with_local_changes)."""
    record_id = start(machine, MANAGER_A)
    sync(machine, MANAGER_A, MANAGER_B)
    delete(machine, MANAGER_A, record_id)
    delete(machine, MANAGER_B, record_id)
    sync(machine, MANAGER_A, MANAGER_B)
    assert machine.laptops[MANAGER_B].conflicts() == []


def test_a_deletion_is_not_undone_by_a_newer_server_version(machine):
    """A merge onto a newer server version silently brought the deleted draft back."""
    record_id = start(machine, MANAGER_A)
    sync(machine, MANAGER_A, MANAGER_B)
    type_(machine, MANAGER_B, record_id, "attendees")
    sync(machine, MANAGER_B)
    delete(machine, MANAGER_A, record_id)
    sync(machine, MANAGER_A)
    with Session(machine.engine) as s:
        assert s.get(Record, record_id).deleted
