"""HR's intake page: only HR has it; HR accepts records (one or several) and returns one
with a note, as write ops whose Changes refresh the page; Enter opens, the questions'
default buttons never decide, and every control has an accessible name."""

from __future__ import annotations

import pytest

from lcc_apr.history import history
from lcc_apr.workflow.definitions import RETURN_PROMPT
from ui.hr_intake import HrIntakeView
from ui.hr_return import ReturnDialog
from ui.qt import Qt, QtCore, QtWidgets

from .conftest import EMPLOYEE, HR, MANAGER, status_of, unnamed


def intake_of(qtbot, window) -> HrIntakeView:
    window.show()
    qtbot.waitExposed(window)
    window.show_page("intake")
    page = window.pages["intake"]
    assert isinstance(page, HrIntakeView)
    qtbot.waitUntil(lambda: page.model.total is not None and bool(page.model.rows))
    return page


def select_rows(page: HrIntakeView, *rows: int) -> None:
    page.table.setCurrentIndex(page.model.index(rows[0], 0))  # selects that row alone
    selection = page.table.selectionModel()
    flags = QtCore.QItemSelectionModel.SelectionFlag
    for row in rows[1:]:
        selection.select(page.model.index(row, 0), flags.Select | flags.Rows)


@pytest.mark.parametrize("username", [MANAGER, EMPLOYEE])
def test_other_roles_see_neither_the_page_nor_the_export(window_for, username):
    window = window_for(username)
    assert "intake" not in window.page_keys()
    assert "export_hr" not in window.actions_by_name
    texts = [a.text() for m in window.menuBar().actions() for a in m.menu().actions()]
    assert not any("HR system" in t for t in texts)


def test_hr_has_the_page_and_the_menu_item(window_for):
    window = window_for(HR)
    assert "intake" in window.page_keys()
    menus = window.menuBar().actions()  # kept: a temporary's menu is freed with it
    file_menu = menus[0].menu()
    assert file_menu.title() == "&File"
    assert window.actions_by_name["export_hr"] in file_menu.actions()
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "HR intake" in labels


def test_hr_accepts_one_record_and_returns_another_with_a_note(qtbot, window_for, store):
    window = window_for(HR)
    page = intake_of(qtbot, window)
    total = page.model.total
    assert total and f"{total:,} records wait for HR" in page.summary.text()
    first, second = page.model.rows[0], page.model.rows[1]
    assert first.signatures == "No signatures"  # the demo's history predates signing

    asked = []
    page.confirm_accept = lambda _parent, rows: asked.append(rows) or False
    select_rows(page, 0)
    qtbot.mouseClick(page.accept_button, Qt.MouseButton.LeftButton)
    assert asked == [[first]] and status_of(store, first.record_id) == "completed"

    page.confirm_accept = lambda _parent, rows: True
    qtbot.mouseClick(page.accept_button, Qt.MouseButton.LeftButton)
    assert status_of(store, first.record_id) == "accepted"
    assert page.message.text() == "Accepted 1 record into the HR register."
    qtbot.waitUntil(lambda: page.model.total == total - 1)  # refreshed by the op's Changes
    assert first.record_id not in {r.record_id for r in page.model.rows}

    notes = []

    def note(_parent, *, title, prompt, about):
        notes.append((title, prompt, about))
        return "The objectives have no measures: please add them."

    page.ask_return_note = note
    row = next(n for n, r in enumerate(page.model.rows) if r.record_id == second.record_id)
    select_rows(page, row)
    assert page.return_button.isEnabled()
    qtbot.mouseClick(page.return_button, Qt.MouseButton.LeftButton)
    ((title, prompt, about),) = notes
    assert title == f"Return to {second.manager} with a note" and prompt == RETURN_PROMPT
    assert second.person in about
    assert status_of(store, second.record_id) == "returned"
    with store.session() as s:
        last = history(s, second.record_id)[-1]
    assert last.patch["note"]["reason"].startswith("The objectives have no measures")
    assert page.message.text() == f"Returned to {second.manager} with your note."
    qtbot.waitUntil(lambda: page.model.total == total - 2)


def test_several_are_accepted_at_once_and_a_return_takes_one(qtbot, window_for, store):
    page = intake_of(qtbot, window_for(HR))
    ids = [r.record_id for r in page.model.rows[:3]]
    select_rows(page, 0, 1, 2)
    assert len(page.selected_rows()) == 3
    assert page.accept_button.isEnabled() and not page.return_button.isEnabled()
    page.confirm_accept = lambda _parent, rows: True
    page.accept_selected()
    assert {status_of(store, i) for i in ids} == {"accepted"}
    assert page.message.text() == "Accepted 3 records into the HR register."


def test_enter_opens_and_buttons_never_default(qtbot, window_for):
    window = window_for(HR)
    page = intake_of(qtbot, window)
    page.confirm_accept = lambda *_: pytest.fail("Enter must not accept")
    page.ask_return_note = lambda *_a, **_k: pytest.fail("Enter must not return")
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(1, 0))
    opened = []
    page.open_record.connect(opened.append)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened == [page.model.rows[1].record_id]
    buttons = page.findChildren(QtWidgets.QPushButton)
    assert buttons and not any(b.autoDefault() or b.isDefault() for b in buttons)
    assert unnamed(page) == []


def test_the_filter_asks_the_database(qtbot, window_for):
    page = intake_of(qtbot, window_for(HR))
    total, payroll = page.model.total, page.model.rows[0].payroll_number
    qtbot.keyClicks(page.filter_box, payroll)
    qtbot.waitUntil(lambda: page.model.person == payroll and page.model.total < total)
    assert {r.payroll_number for r in page.model.rows} == {payroll}
    assert "match the filter" in page.summary.text()
    page.kind.setCurrentIndex(page.kind.findText("Annual Performance Reviews"))
    page.filter_box.clear()
    qtbot.waitUntil(lambda: page.model.person == "")
    assert page.model.rows and {r.record_kind.value for r in page.model.rows} == {"apr"}


def test_the_note_is_required_and_enter_never_returns(qtbot):
    dialog = ReturnDialog(title="Return to Sam with a note", prompt=RETURN_PROMPT, about="APR")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.return_button.isEnabled()
    qtbot.keyClicks(dialog.text, "Please add measures.")
    assert dialog.return_button.isEnabled()
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0  # a new line, not a return
    assert dialog.note() == "Please add measures."
    assert unnamed(dialog) == []
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
