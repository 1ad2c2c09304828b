"""A person's Records dialog (issue 12): a warning before a second record of the same
kind and cycle, deleting a mistaken draft, refreshing after a sync, columns that fit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from lcc_apr.models import Record, RecordKind
from lcc_apr.ops.people import reports_of
from lcc_apr.ops.records import employee_records, start_record
from lcc_apr.ops.sync import sync_changes
from lcc_apr.sync.outcome import SyncResult
from ui.qt import QtCore, QtWidgets
from ui.records import CANCEL, OPEN, START, EmployeeRecords
from ui.theme import apply_appearance

from .conftest import AS_OF, CATALOGUE, MANAGER, POLICY, context_for

AT = datetime(2026, 11, 30, 10, tzinfo=UTC)


@pytest.fixture
def context(demo_store_copy):
    return context_for(demo_store_copy, MANAGER)


def records_of(qtbot, context, runner, employee_id: int) -> EmployeeRecords:
    dialog = EmployeeRecords(context, runner, employee_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def apr_this_year(context) -> tuple[int, str]:
    """A report of the manager with an APR dated in the 2026/27 year, and that APR."""
    reports = [
        p.employee_id for p in reports_of(context.store, manager_id=context.user.employee_id)
    ]
    with context.store.session() as s:
        found = s.scalars(
            select(Record).where(
                Record.kind == RecordKind.APR,
                Record.subject_id.in_(reports),
                Record.record_date >= date(2026, 4, 1),
                ~Record.deleted,
            )
        ).first()
        return found.subject_id, found.id


def count(context, employee_id: int, kind: RecordKind) -> int:
    with context.store.session() as s:
        rows = s.scalars(select(Record).where(Record.subject_id == employee_id, ~Record.deleted))
        return sum(1 for r in rows if r.kind == kind)


def answer_modal(qtbot, check) -> list:
    """Run `check(box)` on the message box about to open, then press Escape on it."""
    seen: list = []

    def look() -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        if box is None:
            QtCore.QTimer.singleShot(20, look)
            return
        seen.append(check(box))
        box.reject()

    QtCore.QTimer.singleShot(0, look)
    return seen


def test_a_second_apr_for_the_year_is_asked_about_first(qtbot, context, runner):
    subject, existing = apr_this_year(context)
    dialog = records_of(qtbot, context, runner, subject)
    dialog.kind.setCurrentIndex(dialog.kind.findData(RecordKind.APR))
    before = count(context, subject, RecordKind.APR)
    asked, opened = [], []
    dialog.open_record.connect(opened.append)
    for answer in (CANCEL, OPEN):
        dialog.ask_existing = lambda _p, found, name, a=answer: asked.append(found) or a
        dialog.new_button.click()
    assert [a.record_id for a in asked] == [existing, existing]
    assert asked[0].cycle == "APR 2026/27" and opened == [existing]
    assert count(context, subject, RecordKind.APR) == before  # nothing started
    dialog.ask_existing = lambda *_: START
    dialog.new_button.click()
    assert count(context, subject, RecordKind.APR) == before + 1 and opened[-1] != existing


def test_the_warning_defaults_to_opening_the_existing_one(qtbot, context, runner):
    from ui.records import ask_existing_dialog

    subject, _existing = apr_this_year(context)
    dialog = records_of(qtbot, context, runner, subject)
    from lcc_apr.ops.records import existing_in_cycle

    found = existing_in_cycle(
        context.store, kind=RecordKind.APR, subject_id=subject, policy=POLICY, today=AS_OF
    )
    seen = answer_modal(qtbot, lambda box: (box.defaultButton().text(), box.text()))
    assert ask_existing_dialog(dialog, found, "Sam") == CANCEL  # Escape: nothing happens
    ((default, text),) = seen
    assert default == "&Open the existing one" and "already has an APR 2026/27" in text


def test_the_author_deletes_a_draft_and_cancel_is_the_default(qtbot, context, runner):
    from ui.records import confirm_delete_dialog

    report = reports_of(context.store, manager_id=context.user.employee_id)[0].employee_id
    started = start_record(
        context.store,
        user=context.user,
        kind=RecordKind.SUPERVISION,
        subject_id=report,
        catalogue=CATALOGUE,
        policy=POLICY,
        today=AS_OF,
        at=AT,
    )
    dialog = records_of(qtbot, context, runner, report)
    ids = [r.id for r in dialog.model.rows]
    dialog.table.setCurrentIndex(dialog.model.index(ids.index(started.record_id), 0))
    assert dialog.delete_button.isEnabled() and dialog.delete_button.accessibleName()
    completed = next(i for i, r in enumerate(dialog.model.rows) if r.status == "Completed")
    dialog.table.setCurrentIndex(dialog.model.index(completed, 0))
    assert not dialog.delete_button.isEnabled()  # not a draft

    dialog.table.setCurrentIndex(dialog.model.index(ids.index(started.record_id), 0))
    seen = answer_modal(qtbot, lambda box: box.defaultButton().text())
    dialog.confirm_delete = confirm_delete_dialog  # Escape: kept
    dialog.delete_button.click()
    assert [t.replace("&", "") for t in seen] == ["Cancel"]
    assert started.record_id in [r.id for r in dialog.model.rows]
    dialog.confirm_delete = lambda *_: True
    dialog.delete_button.click()
    assert started.record_id not in [r.id for r in dialog.model.rows]  # refreshed
    with context.store.session() as s:
        assert s.get(Record, started.record_id).deleted


def test_the_list_refreshes_when_a_sync_sends_the_persons_records(qtbot, context, runner):
    report = reports_of(context.store, manager_id=context.user.employee_id)[0].employee_id
    started = start_record(
        context.store,
        user=context.user,
        kind=RecordKind.SUPERVISION,
        subject_id=report,
        catalogue=CATALOGUE,
        policy=POLICY,
        today=AS_OF,
        at=AT,
    )
    dialog = records_of(qtbot, context, runner, report)
    row = [r.id for r in dialog.model.rows].index(started.record_id)
    assert dialog.model.data(dialog.model.index(row, 3)) == "Not yet sent"
    with context.store.session() as s:  # what the sync engine does once it is sent
        s.get(Record, started.record_id).dirty = False
    sent = SyncResult(sent=1, sent_records={started.record_id}, sent_people={report})
    runner.changed.emit(sync_changes(sent))
    assert dialog.model.data(dialog.model.index(row, 3)) == "Synced"


@pytest.mark.parametrize("scale", [100, 125, 150])
def test_no_column_is_cut_off_at_any_text_size(qtbot, qapp, context, runner, scale):
    apply_appearance(qapp, theme="system", text_scale=scale)
    subject, _existing = apr_this_year(context)
    dialog = records_of(qtbot, context, runner, subject)
    assert employee_records(context.store, employee_id=subject, catalogue=CATALOGUE)
    table, metrics = dialog.table, dialog.table.fontMetrics()
    for column in range(dialog.model.columnCount() - 1):  # the last one stretches
        texts = [
            str(dialog.model.data(dialog.model.index(r, column)))
            for r in range(dialog.model.rowCount())
        ]
        widest = max(metrics.horizontalAdvance(t) for t in texts)
        assert table.columnWidth(column) > widest, (scale, column)
    last = dialog.model.columnCount() - 1
    sync_texts = [
        str(dialog.model.data(dialog.model.index(r, last))) for r in range(dialog.model.rowCount())
    ]
    right = table.columnViewportPosition(last) + max(
        metrics.horizontalAdvance(t) for t in sync_texts
    )
    assert right < table.viewport().width(), scale


def test_a_welfare_contact_is_offered_and_started_from_a_persons_records(qtbot, context, runner):
    """Issue 19: the manager records a welfare contact from the person's records window,
    as any record: the kind is in the list (named), New record starts it and opens it."""
    subject = reports_of(context.store, manager_id=context.user.employee_id)[0].employee_id
    dialog = records_of(qtbot, context, runner, subject)
    assert dialog.kind.accessibleName() == "Kind of new record"
    at = dialog.kind.findData(RecordKind.WELFARE_CONTACT)
    assert at >= 0 and dialog.kind.itemText(at) == "Welfare contact"
    dialog.kind.setCurrentIndex(at)
    opened: list[str] = []
    dialog.open_record.connect(opened.append)
    before = count(context, subject, RecordKind.WELFARE_CONTACT)
    dialog.new_button.click()
    qtbot.waitUntil(lambda: bool(opened))
    assert count(context, subject, RecordKind.WELFARE_CONTACT) == before + 1
    with context.store.session() as s:
        record = s.get(Record, opened[0])
        assert (record.kind, record.status) == (RecordKind.WELFARE_CONTACT, "draft")
        assert record.answers["meeting_date"] == AS_OF.isoformat()  # the contact: today
