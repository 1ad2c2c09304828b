"""A record's history in words (lcc_apr.ops.history): who, what, when in UK time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lcc_apr.editing import EditSession
from lcc_apr.models import RecordKind
from lcc_apr.ops.history import record_history, uk_time
from tests.examples import EXAMPLES
from tests.test_editing import (  # noqa: F401 (fixtures)
    CATALOGUE,
    _demo_template,
    cast,
    fill,
    move_on,
    start,
    store,
)

WINTER = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)  # GMT in winter  # 10:05 in London (BST)


def test_history_says_who_shared_and_signed_and_when_in_uk_time(store, cast):  # noqa: F811
    record_id = start(store, cast, RecordKind.SUPERVISION)
    manager = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE)
    fill(manager, EXAMPLES["supervision"])
    manager.save(WINTER)
    manager.take("share", at=WINTER + timedelta(minutes=1))
    employee = EditSession(store, record_id, actor=cast.employee, catalogue=CATALOGUE)
    move_on(employee, "employee_sign", at=WINTER + timedelta(minutes=2))
    rows = record_history(store, record_id, template=manager.template)
    signed, shared, changed = rows[:3]
    assert signed.who == employee.subject_name and signed.what == "Signed: Sign off (agrees)"
    assert signed.when == "1 December 2026, 09:07" and signed.at.utcoffset() == timedelta(0)
    assert shared.what == f"Share with {manager.subject_name} for review"
    assert shared.who == manager.manager_name and shared.when == "1 December 2026, 09:06"
    assert changed.what.startswith("Changed '") and "more answers" in changed.what
    assert rows[-1].what == "Started the record"
    assert [r.at for r in rows] == sorted((r.at for r in rows), reverse=True)


def test_times_are_uk_local_time_summer_and_winter():
    assert uk_time(datetime(2026, 7, 1, 9, 5, tzinfo=UTC))[1] == "1 July 2026, 10:05"
    assert uk_time(datetime(2026, 12, 1, 9, 5, tzinfo=UTC))[1] == "1 December 2026, 09:05"
