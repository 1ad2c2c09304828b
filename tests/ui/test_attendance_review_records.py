"""A person's Records dialog starts a return-to-work interview or an attendance review
(issue 19, part): offered with the other kinds, started at once (no cycle to ask about)."""

from __future__ import annotations

import pytest

from lcc_apr.models import RecordKind
from lcc_apr.ops.people import reports_of

from .conftest import MANAGER, context_for
from .test_records_dialog import count, records_of


@pytest.fixture
def context(demo_store_copy):
    return context_for(demo_store_copy, MANAGER)


@pytest.mark.parametrize("kind", [RecordKind.RETURN_TO_WORK, RecordKind.ATTENDANCE])
def test_a_manager_starts_one_for_a_report(qtbot, context, runner, kind):
    subject = reports_of(context.store, manager_id=context.user.employee_id)[0].employee_id
    dialog = records_of(qtbot, context, runner, subject)
    offered = [dialog.kind.itemText(i) for i in range(dialog.kind.count())]
    assert offered[:2] == ["Supervision", "Return-to-work interview"]
    assert offered[-1] == "Attendance review"
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
    dialog.ask_existing = lambda *_: pytest.fail("no cycle: nothing to ask")
    opened: list[str] = []
    dialog.open_record.connect(opened.append)
    before = count(context, subject, kind)
    dialog.new_button.click()
    qtbot.waitUntil(lambda: bool(opened))
    assert count(context, subject, kind) == before + 1
