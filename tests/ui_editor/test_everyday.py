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
    editor = make_editor(RecordKind.SUPERVISION, autosave_ms=60_000)
    window = in_a_window(qtbot, editor)
    box = line_edit(editor, "attendees")
    type_into(qtbot, box, "2024")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert window.isVisible()
    assert box.text() == "" and editor.session.value("attendees") is None
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # nothing left to cancel: still open
    assert window.isVisible() and box.hasFocus()
    type_into(qtbot, box, "2025")
    box.clearFocus()  # leaving the field ends the edit: Escape no longer undoes it
    type_into(qtbot, box, "")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert editor.session.value("attendees") == "2025"
    qtbot.keyClick(box, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


# -- defect 9: typed dates -----------------------------------------------------------------


def date_box(editor: RecordEditor, path: str) -> QtWidgets.QLineEdit:
    return editor.form.rows[path].input.edit


def test_a_date_typed_in_uk_order_is_the_date_kept(make_editor, qtbot):
    editor = make_editor(RecordKind.SUPERVISION, autosave_ms=60_000)
    box = date_box(editor, "meeting_date")
    for typed, kept in (
        ("31/03/2025", "2025-03-31"),
        ("1/4/25", "2025-04-01"),
        ("2 Apr 2025", "2025-04-02"),
    ):
        type_into(qtbot, box, "")
        box.selectAll()
        qtbot.keyClicks(box, typed)
        assert editor.session.value("meeting_date") == kept, typed
    # Select the day and type over it: only the day changes.
    type_into(qtbot, box, "")
    box.setText("24/09/2025")
    box.setSelection(0, 2)
    qtbot.keyClicks(box, "15")
    assert box.text() == "15/09/2025"
    assert editor.session.value("meeting_date") == "2025-09-15"


def test_a_half_typed_date_says_how_to_type_one(make_editor, qtbot):
    editor = make_editor(RecordKind.SUPERVISION, autosave_ms=60_000)
    box = date_box(editor, "meeting_date")
    before = editor.session.value("meeting_date")
    box.selectAll()
    type_into(qtbot, box, "31/02/2025")
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    row = editor.form.rows["meeting_date"]
    assert "31/03/2027" in row.input.hint.text() and row.input.hint.isVisibleTo(editor)
    assert editor.session.value("meeting_date") == before and box.text() == "31/02/2025"
    # Escape in the box gives back the date kept.
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "10/09/2025" and not row.input.hint.isVisibleTo(editor)


def test_tab_leaves_a_date_for_the_next_field(make_editor, qtbot):
    editor = make_editor(RecordKind.SUPERVISION)
    box = date_box(editor, "meeting_date")
    type_into(qtbot, box, "31/03/2025")
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    following = editor.form.rows["duration_minutes"].input.inputs[0]
    qtbot.waitUntil(following.hasFocus)
    assert box.text() == "31/03/2025"


def test_a_required_date_starts_empty_and_is_reported_missing(make_editor, qtbot):
    editor = make_editor(RecordKind.APR)
    editor.form.groups["new_objectives"].add_button.click()
    box = date_box(editor, "new_objectives[0].target_date")
    assert box.text() == "" and editor.session.value("new_objectives[0].target_date") is None
    missing = {p.path for o in editor.session.steps() for p in o.missing}
    assert "new_objectives[0].target_date" in missing
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    # Alt+Down opens the calendar; choosing a day sets it.
    qtbot.keyClick(box, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    popup = editor.form.rows["new_objectives[0].target_date"].input.popup
    assert popup is not None and popup.isVisible()
    qtbot.keyClick(popup, Qt.Key.Key_Escape)  # closes the calendar only
    assert not popup.isVisible() and box.text() == "" and editor.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_F4)
    popup = editor.form.rows["new_objectives[0].target_date"].input.popup
    popup.activated.emit(QtCore.QDate(2027, 3, 31))
    assert box.text() == "31/03/2027"
    assert editor.session.value("new_objectives[0].target_date") == "2027-03-31"


# -- defect 10: what each side may edit at each step ---------------------------------------


def test_after_sharing_the_managers_answers_are_read_only_with_the_reason(make_editor, store, cast):
    from tests.test_editing import AT, fill
    from tests.ui_editor.test_editor import shared_supervision
    from ui.editor.inputs import ReadOnly

    record_id = shared_supervision(store, cast)
    editor = make_editor(record_id)
    assert isinstance(editor.form.rows["workload"].input, ReadOnly)
    assert editor.form.groups["new_actions"].add_button is None
    name = editor.session.subject_name
    assert editor.banner.isVisible()
    assert editor.banner.text().startswith(f"Shared with {name} for their comments")
    assert "take it back to draft" in editor.banner.text()
    # After the APR response, the employee's answers wait for the manager.
    apr = start_apr_responded(store, cast, fill, AT)
    employee = make_editor(apr, party="employee")
    assert isinstance(employee.form.rows["employee_comments"].input, ReadOnly)
    assert employee.banner.text().startswith("Your response has been sent to")


def start_apr_responded(store, cast, fill, at) -> str:
    from lcc_apr.editing import EditSession
    from tests.examples import LATEST
    from tests.test_editing import CATALOGUE, start

    record_id = start(store, cast, RecordKind.APR)
    for party, step in (("manager", "share"), ("employee", "respond")):
        session = EditSession(store, record_id, actor=cast[party], catalogue=CATALOGUE)
        fill(session, LATEST["apr"])
        session.take(step, at=at)
    return record_id


# -- smaller items --------------------------------------------------------------------------


def test_missing_answers_are_marked_in_the_form(make_editor):
    editor = make_editor(RecordKind.SUPERVISION)
    row = editor.form.rows["workload"]
    assert row.needed.isVisibleTo(editor)
    share = editor.steps.buttons["share"].text()
    assert row.needed.text() == f"Needed before '{share}'"
    description = row.input.inputs[0].accessibleDescription()
    assert f"Workload and priorities is required, before '{share}'" in description
    editor.form.rows["workload"].input.edit.setPlainText("Heavy but manageable")
    assert not row.needed.isVisibleTo(editor)
    assert "is required" not in row.input.inputs[0].accessibleDescription()


def test_arrow_keys_in_a_radio_group_choose(make_editor, qtbot):
    editor = make_editor(RecordKind.APR, autosave_ms=60_000)
    radio = editor.form.rows["value_1_rating"].input
    first, second = radio.inputs[:2]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key.Key_Right)
    assert second.isChecked() and second.hasFocus()
    assert editor.session.value("value_1_rating") == radio.values[1]
    qtbot.keyClick(second, Qt.Key.Key_Left)
    assert first.isChecked() and editor.session.value("value_1_rating") == radio.values[0]


def test_hr_configuration_notes_are_for_hr_only(make_editor, store, cast):
    from tests.test_editing import start

    record_id = start(store, cast, RecordKind.APR)
    manager = make_editor(record_id)
    shown = " ".join(
        w.accessibleDescription() for w in manager.findChildren(QtWidgets.QLabel, "guidance")
    )
    assert "Rate how the employee shows" in shown and "HR configuration" not in shown
    hr = make_editor(record_id, party="hr")
    shown = " ".join(
        w.accessibleDescription() for w in hr.findChildren(QtWidgets.QLabel, "guidance")
    )
    assert "HR configuration" in shown


def test_f1_on_a_field_shows_its_guidance(make_editor, qtbot):
    editor = make_editor(RecordKind.APR)
    field = editor.session.field("value_1_evidence")
    box = editor.form.rows["value_1_evidence"].input.inputs[0]
    box.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_F1)
    assert editor.form.guard.shown_help == field.help
    qtbot.waitUntil(QtWidgets.QToolTip.isVisible)
    assert QtWidgets.QToolTip.text() == field.help


# -- section navigation and history -----------------------------------------------------------


def test_the_contents_jump_to_each_section_and_show_what_is_missing(make_editor, qtbot):
    editor = make_editor(RecordKind.SUPERVISION)
    contents = editor.contents
    titles = {
        contents.item(i).data(Qt.ItemDataRole.UserRole): contents.item(i).text()
        for i in range(contents.count())
    }
    sections = editor.session.template.sections
    assert list(titles) == [s.key for s in sections]
    management = next(s for s in sections if s.key == "management")
    assert titles["management"].startswith(management.title) and "needed" in titles["management"]
    row = next(
        i
        for i in range(contents.count())
        if contents.item(i).data(Qt.ItemDataRole.UserRole) == "next"
    )
    contents.setFocus()
    contents.setCurrentRow(row)
    qtbot.keyClick(contents, Qt.Key.Key_Return)
    box = editor.form.sections["next"]
    focused = QtWidgets.QApplication.focusWidget()
    assert focused is not None and box.isAncestorOf(focused)
    assert editor.scroll_area.verticalScrollBar().value() > 0
    # Answering what is needed updates the list.
    editor.form.rows["workload"].input.edit.setPlainText("Heavy but manageable")
    editor.form.rows["performance"].input.edit.setPlainText("Good")
    counts = contents.item(list(titles).index("management")).text()
    assert counts != titles["management"]
    # The list folds away, leaving the form the width.
    editor.contents_button.click()
    assert not contents.isVisible()


def test_the_history_tab_lists_a_share_and_a_signature(make_editor, qtbot, store, cast):
    from tests.test_editing import move_on
    from tests.ui_editor.test_editor import shared_supervision

    record_id = shared_supervision(store, cast)
    from lcc_apr.editing import EditSession
    from tests.test_editing import CATALOGUE

    move_on(
        EditSession(store, record_id, actor=cast.employee, catalogue=CATALOGUE), "employee_sign"
    )
    editor = make_editor(record_id)
    qtbot.waitUntil(lambda: editor.history.rowCount() > 0)
    lines = [
        " | ".join(editor.history.item(i, c).text() for c in range(3))
        for i in range(editor.history.rowCount())
    ]
    assert "Signed: Sign off (agrees)" in lines[0] and editor.session.subject_name in lines[0]
    assert any("Share with" in line and editor.session.manager_name in line for line in lines)
    editor.show_history()
    assert editor.history.isVisible() and not editor.scroll_area.isVisible()
    editor.show_history(False)
    assert editor.scroll_area.isVisible()
