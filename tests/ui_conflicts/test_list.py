"""ConflictsList: the records waiting for a decision, opened with Enter or a double-click."""

from __future__ import annotations

from ui.conflicts import ConflictDialog, ConflictsList
from ui.qt import Qt, QtCore, QtWidgets

from .conftest import CATALOGUE, R1, R2, Maker
from .test_dialog import BASE, MINE, THEIRS


def make_list(qtbot, maker: Maker, runner) -> ConflictsList:
    widget = ConflictsList(maker.store, CATALOGUE, runner=runner, user_id=maker.user_id)
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cells(widget: ConflictsList) -> list[list[str]]:
    model = widget.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_list_shows_kind_person_date_and_what_to_decide(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    maker.refused(R2, "Refused.")
    widget = make_list(qtbot, maker, runner)
    name = maker.subject_name
    assert cells(widget) == [
        ["Supervision", name, "2 November 2026", "2 answers"],
        ["Supervision", name, "2 November 2026", "Refused by the server"],
    ]
    headers = [widget.model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers == ["Record", "Person", "Date", "To decide"]
    assert widget.summary.text().startswith("2 records need your decision")
    assert widget.table.accessibleName() and widget.open_button.accessibleName()


def test_enter_opens_the_dialog_and_resolving_refreshes_the_list(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    widget = make_list(qtbot, maker, runner)
    widget.table.setFocus()
    qtbot.keyClick(widget.table, Qt.Key.Key_Return)
    dialog = widget.dialog
    assert isinstance(dialog, ConflictDialog) and dialog.isVisible()
    assert dialog.record_id == R1
    dialog.choose("workload", "mine")
    dialog.choose("supervision_type", "mine")
    with qtbot.waitSignal(widget.resolved) as resolved:
        dialog.apply_button.click()
    assert resolved.args == [R1]
    assert widget.model.rowCount() == 0 and widget.dialog is None
    assert widget.summary.text().startswith("Nothing to resolve")
    assert not widget.open_button.isEnabled()


def test_double_click_opens_and_keep_it_for_now_keeps_the_row(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    widget = make_list(qtbot, maker, runner)
    rect = widget.table.visualRect(widget.model.index(0, 1))
    viewport = widget.table.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())  # press, release,
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())  # then the double
    dialog = widget.dialog
    assert dialog is not None
    with qtbot.assertNotEmitted(widget.resolved):
        dialog.later_button.click()
    assert widget.model.rowCount() == 1


def test_the_resolve_button_opens_the_selected_row(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS, rid=R1)
    maker.conflict(BASE, MINE, THEIRS, rid=R2)
    widget = make_list(qtbot, maker, runner)
    widget.table.selectRow(1)
    widget.open_button.click()
    assert widget.dialog is not None and widget.dialog.record_id == R2
    assert widget.open_row(QtCore.QModelIndex()) is None


def test_an_empty_list_says_so(qtbot, maker, runner):
    widget = make_list(qtbot, maker, runner)
    assert widget.model.rowCount() == 0 and not widget.open_button.isEnabled()
    assert isinstance(widget.summary, QtWidgets.QLabel)
    assert widget.summary.text() == "Nothing to resolve: every change can be sent."


def test_a_sync_that_finds_conflicts_refreshes_the_open_list_and_an_autosave_does_not(
    qtbot, maker, runner
):
    from lcc_apr.ops import Changes

    widget = make_list(qtbot, maker, runner)
    assert widget.model.rowCount() == 0
    maker.conflict(BASE, MINE, THEIRS)  # as a sync running meanwhile would
    runner.changed.emit(Changes(records=frozenset({R1}), unsent=True))  # an autosave
    assert widget.model.rowCount() == 0
    runner.changed.emit(Changes(synced=True, conflicts=True))
    qtbot.waitUntil(lambda: widget.model.rowCount() == 1, timeout=5000)
