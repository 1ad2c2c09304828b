"""The generic record editor with a return-to-work interview and an attendance review
(issue 19, part): no screen of their own, the editor built from their templates."""

from __future__ import annotations

from lcc_apr.editing import EditSession
from lcc_apr.models import Record, RecordKind
from tests.examples import EXAMPLES
from tests.test_editing import AT, CATALOGUE, fill, identity, start
from ui.editor.inputs import DateInput, RadioChoice, ReadOnly
from ui.qt import QtCore

Qt = QtCore.Qt
RTW = EXAMPLES["return_to_work"]


def shared_rtw(store, cast) -> str:
    record_id = start(store, cast, RecordKind.RETURN_TO_WORK)
    manager = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE)
    fill(manager, RTW)
    manager.take("share", at=AT)
    return record_id


def test_the_manager_opens_an_rtw_fills_it_and_shares_it(make_editor, qtbot, store, cast):
    record_id = start(store, cast, RecordKind.RETURN_TO_WORK)
    editor = make_editor(record_id)
    rows = editor.form.rows
    assert isinstance(rows["absence_first_day"].input, DateInput)
    assert (
        rows["absence_first_day"]
        .input.inputs[0]
        .accessibleName()
        .startswith("First day of the absence")
    )
    assert not rows["adjustments"].isVisibleTo(editor)  # until adjustments are needed
    choice = rows["fit_for_work"].input
    assert isinstance(choice, RadioChoice)
    choice.inputs[choice.values.index("fit_with_adjustments")].click()
    assert rows["adjustments"].isVisibleTo(editor)
    button = editor.steps.buttons["share"]
    assert not button.isEnabled() and "First day of the absence" in (
        editor.steps.needs["share"].accessibleName()
    )
    fill(editor.session, RTW)
    editor.form.refresh()
    editor._show_session()
    assert button.isEnabled()
    with qtbot.waitSignal(editor.stepTaken) as taken:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert taken.args == [record_id, "share"]
    with store.session() as s:
        record = s.get(Record, record_id)
        assert record.status == "shared"
        assert record.answers["absence_last_day"] == "2025-03-07"


def test_the_employee_signs_their_rtw_in_the_editor(make_editor, store, cast):
    me = cast["employee"].user_id
    editor = make_editor(
        shared_rtw(store, cast),
        party="employee",
        ask_signature=lambda _parent, _option, _name: ("agree", None),
        signing=lambda: (identity(me), None),
    )
    first_day = editor.form.rows["absence_first_day"].input
    assert isinstance(first_day, ReadOnly) and first_day.inputs[0].text() == "3 March 2025"
    assert [b.text() for b in editor.steps.buttons.values()] == ["Sign off"]
    editor.steps.buttons["employee_sign"].click()
    assert editor.session.status == "employee_signed"
    with store.session() as s:
        (signature,) = s.get(Record, editor.session.record_id).sign_offs
        assert signature.decision == "agree" and signature.signature


def test_an_attendance_review_opens_at_its_informal_stage(make_editor):
    editor = make_editor(RecordKind.ATTENDANCE)
    assert editor.session.status == "informal"
    assert set(editor.steps.buttons) == {"issue_first_warning", "close_improved"}
    assert editor.steps.buttons["issue_first_warning"].text() == (
        "Move to formal stage 1: first written warning"
    )
