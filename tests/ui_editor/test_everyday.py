"""Issue 12 (everyday use) in the editor: Escape, typed dates, rights by stage, messages,
section navigation and the record's history."""

from __future__ import annotations

from lcc_apr.models import RecordKind
from tests.ui_editor.test_editor import line_edit, type_into
from ui.editor import RecordEditor
from ui.qt import QtCore, QtWidgets

Qt = QtCore.Qt


def in_a_window(qtbot, editor: RecordEditor) -> QtWidgets.QDialog:
    """The editor inside a dialog, as the app's editor window holds it."""
    window = QtWidgets.QDialog()
    qtbot.addWidget(window)
    layout = QtWidgets.QVBoxLayout(window)
    layout.addWidget(editor)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


# -- defect 8: Escape cancels the edit, never the window ---------------------------------


def test_escape_cancels_the_fields_edit_and_keeps_the_window_open(make_editor, qtbot):
    editor = make_editor(RecordKind.APR, autosave_ms=60_000)
    window = in_a_window(qtbot, editor)
    box = line_edit(editor, "review_period")
    type_into(qtbot, box, "2024")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert window.isVisible()
    assert box.text() == "" and editor.session.value("review_period") is None
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # nothing left to cancel: still open
    assert window.isVisible() and box.hasFocus()
    type_into(qtbot, box, "2025")
    box.clearFocus()  # leaving the field ends the edit: Escape no longer undoes it
    type_into(qtbot, box, "")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert editor.session.value("review_period") == "2025"
    qtbot.keyClick(box, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
