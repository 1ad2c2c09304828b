"""From the team list to a record: history, a new supervision with carried actions, the editor."""

from datetime import date

import pytest
from sqlalchemy import select

from lcc_apr.demo.build import build_demo_store, open_demo_store
from lcc_apr.forms import Catalogue
from lcc_apr.models import Employee, Record, RecordKind, User
from lcc_apr.ops.records import employee_records
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from ui.app import build_window
from ui.context import AppContext
from ui.qt import Qt
from ui.tasks import TaskRunner

from ..conftest import MemoryKeyring

TODAY = date(2026, 11, 30)
CATALOGUE = Catalogue.load()


@pytest.fixture
def store(tmp_path):
    ring = MemoryKeyring()
    path = tmp_path / "demo.db"
    build_demo_store(path, size=50, as_of=TODAY, keyring_backend=ring)
    opened = open_demo_store(path, keyring_backend=ring)
    yield opened
    opened.close()


def manager_context(store) -> tuple[AppContext, int]:
    with store.session() as s:
        boss = s.scalars(
            select(Employee.line_manager_id)
            .where(Employee.line_manager_id.is_not(None))
            .group_by(Employee.line_manager_id)
        ).first()
        user = s.scalar(select(User).where(User.employee_id == boss))
        me = CurrentUser.from_user(user)
        report = s.scalar(select(Employee.id).where(Employee.line_manager_id == boss))
    return AppContext(store, CATALOGUE, load_policy(), me, today=lambda: TODAY), report


def test_a_person_opens_to_their_records_and_a_new_supervision_starts_in_the_editor(qtbot, store):
    context, report = manager_context(store)
    runner = TaskRunner(inline=True)
    window = build_window(context, runner=runner)
    qtbot.addWidget(window)
    window.window_actions.open_employee(report)
    records = window.windows.open[-1]
    expected = employee_records(store, employee_id=report, catalogue=CATALOGUE)
    assert [r.id for r in records.model.rows] == [r.id for r in expected] and expected
    assert records.model.data(records.model.index(0, 0)) in {
        "Annual Performance Review",
        "Supervision",
        "Probation review",
        "Capability case",
    }
    records.kind.setCurrentIndex(0)  # Supervision
    records.new_button.click()
    editor = window.windows.open[-1]
    assert editor.session.kind == RecordKind.SUPERVISION and editor.session.status == "draft"
    with store.session() as s:
        new = s.get(Record, editor.session.record_id)
        assert new.subject_id == report and new.dirty
    assert "Share with" in " ".join(o.label for o in editor.session.steps())
    assert window.actions_by_name["new"].isEnabled()
    editor.close()
    records.close()


def test_enter_in_a_persons_records_opens_one_and_keeps_the_list_open(qtbot, store):
    context, report = manager_context(store)
    window = build_window(context, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    records = window.window_actions.open_employee(report)
    qtbot.waitExposed(records)
    assert records.new_button.isEnabled()  # the line manager may start records
    count = records.model.rowCount()
    records.table.setFocus()
    records.table.selectRow(1)
    qtbot.keyClick(records.table, Qt.Key.Key_Return)
    editor = window.windows.open[-1]
    assert editor is not records and editor.session.record_id == records.model.rows[1].id
    assert records.isVisible()  # Enter did not also press Close
    with store.session() as s:  # and nothing was created
        assert s.query(Record).filter(Record.subject_id == report).count() == count
    editor.close()
    records.close()


def test_an_employee_opens_their_own_shared_record_read_only_except_their_fields(qtbot, store):
    with store.session() as s:
        managers = select(Employee.line_manager_id).where(Employee.line_manager_id.is_not(None))
        shared = s.scalars(
            select(Record)
            .where(
                Record.kind == RecordKind.APR,
                Record.status == "shared",
                Record.subject_id.not_in(managers),
            )
            .order_by(Record.id)
        ).first()
        user = s.scalar(select(User).where(User.employee_id == shared.subject_id))
        me = CurrentUser.from_user(user)
    context = AppContext(store, CATALOGUE, load_policy(), me, today=lambda: TODAY)
    runner = TaskRunner(inline=True)
    window = build_window(context, runner=runner)
    qtbot.addWidget(window)
    window.window_actions.open_record(shared.id)
    editor = window.windows.open[-1].session
    assert not editor.may_edit("manager_comments")
    assert editor.may_edit("employee_response")
    assert any(o.name == "respond" for o in editor.steps())
    assert not window.actions_by_name["new"].isEnabled()


def test_the_tools_menu_opens_the_list_of_records_changed_on_both_sides(qtbot, store):
    context, _report = manager_context(store)
    runner = TaskRunner(inline=True)
    window = build_window(context, runner=runner)
    qtbot.addWidget(window)
    window.actions_by_name["conflicts"].trigger()
    dialog = window.windows.open[-1]
    assert dialog.accessibleName() == "Records changed on both sides"
    dialog.close()


def test_one_editor_per_record_a_second_open_brings_the_first_forward(qtbot, store):
    """Two editors on one record would autosave over each other."""
    context, report = manager_context(store)
    window = build_window(context, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    records = window.window_actions.open_employee(report)
    record_id = records.model.rows[0].id
    window.window_actions.open_record(record_id)
    window.window_actions.open_record(record_id)  # a double-click's second click
    editors = [w for w in window.windows.open if w is not records]
    assert len(editors) == 1 and editors[0].record_id == record_id
    editors[0].close()
    window.window_actions.open_record(record_id)  # once closed, it opens again
    assert len([w for w in window.windows.open if w is not records]) == 1
    records.close()


def test_enter_in_the_editor_never_takes_a_step(qtbot, store):
    """No button that shares, signs, adds or removes is a default button: Enter in an
    answer leaves the record where it was."""
    from ui.qt import QtWidgets

    context, report = manager_context(store)
    window = build_window(context, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    records = window.window_actions.open_employee(report)
    records.kind.setCurrentIndex(0)  # Supervision
    records.new_button.click()
    editor = window.windows.open[-1]
    editor.show()
    qtbot.waitExposed(editor)
    buttons = editor.findChildren(QtWidgets.QPushButton)
    assert buttons and not [b.text() for b in buttons if b.autoDefault() or b.isDefault()]
    line = next(w for w in editor.findChildren(QtWidgets.QLineEdit) if w.isEnabled())
    line.setFocus()
    status = editor.session.status
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert editor.isVisible() and editor.session.status == status
    editor.close()
    records.close()
