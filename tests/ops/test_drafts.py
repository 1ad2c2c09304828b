"""Issue 12 defect 4: a warning when a record of the same kind and cycle exists, and
deleting a mistaken draft (its author only, never shared)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lcc_apr.history import update_record
from lcc_apr.models import Record, RecordKind
from lcc_apr.ops.changes import moved
from lcc_apr.ops.people import reports_of
from lcc_apr.ops.records import (
    delete_draft,
    employee_records,
    existing_in_cycle,
    may_delete_draft,
)
from lcc_apr.schedule.cycles import cycle_of
from lcc_apr.workflow import WorkflowError
from tests.conflict_maker import CATALOGUE

from .test_records import AT, POLICY, TODAY, start, user


def test_the_apr_year_runs_from_april_to_march():
    before, after = cycle_of(date(2027, 3, 31), POLICY), cycle_of(date(2027, 4, 1), POLICY)
    assert (before.first, before.last, before.title) == (
        date(2026, 4, 1),
        date(2027, 3, 31),
        "2026/27",
    )
    assert (after.first, after.last, after.label) == (
        date(2027, 4, 1),
        date(2028, 3, 31),
        "2027-28",
    )


def test_an_apr_of_the_same_cycle_is_found_before_another_is_started(demo):
    manager = user(demo, "rtebbutt")
    with demo.session() as s:
        reports = {p.employee_id for p in reports_of(demo, manager_id=manager.employee_id)}
        done = s.scalars(
            select(Record).where(
                Record.kind == RecordKind.APR,
                Record.subject_id.in_(reports),
                Record.record_date >= date(2026, 4, 1),
                ~Record.deleted,
            )
        ).first()
        assert done is not None
        subject, record_id = done.subject_id, done.id
    found = existing_in_cycle(
        demo, kind=RecordKind.APR, subject_id=subject, policy=POLICY, today=TODAY
    )
    assert found is not None and found.record_id == record_id and found.cycle == "APR 2026/27"
    next_year = date(2027, 5, 1)
    assert (
        existing_in_cycle(
            demo, kind=RecordKind.APR, subject_id=subject, policy=POLICY, today=next_year
        )
        is None
    )
    assert (
        existing_in_cycle(
            demo, kind=RecordKind.SUPERVISION, subject_id=subject, policy=POLICY, today=TODAY
        )
        is None
    )  # supervisions repeat through the year


def test_the_author_deletes_a_draft_never_shared(demo):
    manager, hr = user(demo, "rtebbutt"), user(demo, "btebbutt")
    report = reports_of(demo, manager_id=manager.employee_id)[0].employee_id
    started = start(demo, manager, report, RecordKind.SUPERVISION)
    rid = started.record_id
    assert may_delete_draft(demo, user=manager, record_id=rid)
    assert not may_delete_draft(demo, user=hr, record_id=rid)
    with pytest.raises(WorkflowError, match="person who started"):
        delete_draft(demo, user=hr, record_id=rid, at=AT)
    assert delete_draft(demo, user=manager, record_id=rid, at=AT) == moved([rid], [report])
    assert rid not in {
        r.id for r in employee_records(demo, employee_id=report, catalogue=CATALOGUE)
    }
    assert not may_delete_draft(demo, user=manager, record_id=rid)
    with demo.session() as s:
        gone = s.get(Record, rid)
        assert gone.deleted and gone.dirty  # the deletion syncs to the server


def test_a_draft_shared_and_taken_back_is_not_deleted(demo):
    manager = user(demo, "rtebbutt")
    report = reports_of(demo, manager_id=manager.employee_id)[0].employee_id
    rid = start(demo, manager, report, RecordKind.SUPERVISION).record_id
    with demo.session() as s:  # shared, then taken back (as its history shows)
        record = s.get(Record, rid)
        update_record(s, record, user_id=manager.user_id, at=AT, status="shared")
        update_record(s, record, user_id=manager.user_id, at=AT, status="draft")
    assert not may_delete_draft(demo, user=manager, record_id=rid)
    with pytest.raises(WorkflowError, match="was shared before"):
        delete_draft(demo, user=manager, record_id=rid, at=AT)
