"""The record editor offscreen: built from each template, autosave, rights, undo, steps."""

from __future__ import annotations

import importlib
import time

import pytest

from lcc_apr.editing import EditSession
from lcc_apr.forms import FieldType
from lcc_apr.models import Record, RecordKind
from tests.examples import EXAMPLES
from tests.test_editing import AT, CATALOGUE, fill, identity, move_on, start
from ui.editor import AUTOSAVE_MS, RecordEditor, via_runner
from ui.editor.inputs import (
    ChoiceCombo,
    DateInput,
    LongText,
    MultiChoice,
    NumberInput,
    RadioChoice,
    ReadOnly,
    ShortText,
)
from ui.qt import QtCore, QtGui, QtWidgets
from ui.tasks import TaskRunner

Qt = QtCore.Qt
EXPECTED = {
    FieldType.SHORT_TEXT: ShortText,
    FieldType.LONG_TEXT: LongText,
    FieldType.DATE: DateInput,
    FieldType.NUMBER: NumberInput,
    FieldType.MULTI_CHOICE: MultiChoice,
    FieldType.YES_NO: RadioChoice,
    FieldType.RATING: RadioChoice,
}


def answers(store, record_id: str) -> dict:
    with store.session() as s:
        return dict(s.get(Record, record_id).answers)


def line_edit(editor: RecordEditor, path: str) -> QtWidgets.QLineEdit:
    widget = editor.form.rows[path].input.inputs[0]
    assert isinstance(widget, QtWidgets.QLineEdit)
    return widget


def type_into(qtbot, widget: QtWidgets.QWidget, text: str) -> None:
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClicks(widget, text)


# -- built from the template -------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RecordKind))
def test_the_editor_has_a_widget_for_every_field(make_editor, kind):
    editor = make_editor(kind)
    session, form = editor.session, editor.form
    for f in session.template.fields():
        if f.type is FieldType.GUIDANCE:
            assert f.key in form.guidance
            continue
        if f.type is FieldType.GROUP:
            assert f.key in form.groups
            if not session.value(f.key) and not session.may_change_items(f.key):
                assert form.groups[f.key].add_button is None  # e.g. APR v2's mid-year review
                continue
            if not session.value(f.key):
                form.groups[f.key].add_button.click()
            for sub in f.fields:
                row = form.rows[f"{f.key}[0].{sub.key}"]
                assert sub.type is FieldType.GUIDANCE or row.input is not None
            continue
        row = form.rows[f.key]
        if not session.may_edit(f.key):  # e.g. the employee's comments, for the manager
            assert isinstance(row.input, ReadOnly) and row.input.inputs[0].isReadOnly()
            continue
        expected = EXPECTED.get(f.type)
        if f.type is FieldType.CHOICE:
            expected = RadioChoice if len(f.options) <= 3 else ChoiceCombo
        assert isinstance(row.input, expected), f.key
        assert row.label.text() == f.label and row.label.buddy() is row.input.inputs[0]
    assert editor.title.accessibleName() == session.template.title


def test_numbers_honour_the_templates_range(make_editor):
    editor = make_editor(RecordKind.SUPERVISION)
    box = editor.form.rows["duration_minutes"].input.box
    assert isinstance(box, QtWidgets.QSpinBox)  # integer = true
    assert (box.minimum(), box.maximum()) == (4, 480)  # 4 shows "Not answered"
    assert box.text() == "Not answered"
    box.setValue(60)
    assert editor.session.value("duration_minutes") == 60
    box.setValue(box.minimum())
    assert editor.session.value("duration_minutes") is None


# -- autosave ----------------------------------------------------------------------------


def test_typing_is_saved_within_two_seconds_of_the_last_key(make_editor, qtbot, store):
    assert AUTOSAVE_MS <= 2000
    editor = make_editor(RecordKind.SUPERVISION)
    record_id = editor.session.record_id
    type_into(qtbot, line_edit(editor, "attendees"), "Aisha Patel and Tom Hughes")
    last_key = time.monotonic()
    assert "attendees" not in answers(store, record_id)  # not on every keystroke
    assert editor.status_text == "Unsaved changes"
    with qtbot.waitSignal(editor.saved, timeout=2000):
        pass
    assert time.monotonic() - last_key < 2.0
    assert answers(store, record_id)["attendees"] == "Aisha Patel and Tom Hughes"
    assert editor.status_text == "All changes saved"


def test_moving_the_focus_saves_at_once(make_editor, qtbot, store):
    editor = make_editor(RecordKind.SUPERVISION, autosave_ms=60_000)  # the timer cannot be the one
    record_id = editor.session.record_id
    type_into(qtbot, line_edit(editor, "attendees"), "Aisha and Tom")
    assert "attendees" not in answers(store, record_id)
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert answers(store, record_id)["attendees"] == "Aisha and Tom"
    assert not editor.session.dirty


def test_writes_go_through_the_injected_hook(make_editor, qtbot, store):
    queued = []
    editor = make_editor(RecordKind.SUPERVISION, run_write=lambda *job: queued.append(job))
    record_id = editor.session.record_id
    type_into(qtbot, line_edit(editor, "attendees"), "Later")
    editor.save_now()
    assert len(queued) == 1 and editor.status_text == "Saving…"
    editor.save_now()  # a second request while the first runs waits for it
    assert len(queued) == 1
    op, on_done, _on_error = queued.pop()
    assert "attendees" not in answers(store, record_id)
    on_done(op())  # the runner finishes the write and reports back on the UI thread
    assert answers(store, record_id)["attendees"] == "Later"
    assert editor.status_text == "All changes saved" and not queued


def test_a_threaded_task_runner_can_do_the_writes(make_editor, qtbot, store):
    runner = TaskRunner()
    editor = make_editor(RecordKind.SUPERVISION, run_write=via_runner(runner.write))
    record_id = editor.session.record_id
    type_into(qtbot, line_edit(editor, "attendees"), "On the writer thread")
    with qtbot.waitSignal(editor.saved, timeout=3000):
        editor.save_now()
    runner.shutdown()
    assert answers(store, record_id)["attendees"] == "On the writer thread"


# -- rights, conditions, validation ------------------------------------------------------


def shared_supervision(store, cast) -> str:
    record_id = start(store, cast, RecordKind.SUPERVISION)
    manager = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE)
    fill(manager, EXAMPLES["supervision"])
    manager.take("share", at=AT)
    return record_id


def test_the_employee_sees_the_managers_answers_read_only(make_editor, store, cast):
    editor = make_editor(shared_supervision(store, cast), party="employee")
    rows = editor.form.rows
    workload = rows["workload"].input
    assert isinstance(workload, ReadOnly) and workload.inputs[0].isReadOnly()
    assert workload.inputs[0].toPlainText() == EXAMPLES["supervision"]["workload"]
    assert rows["supervision_type"].input.inputs[0].text() == "Planned one-to-one"
    assert isinstance(rows["employee_comments"].input, LongText)
    assert not editor.form.groups["new_actions"].add_button  # no Add, Remove or Move
    assert not editor.banner.isVisible()  # they can still add their comments
    assert [b.text() for b in editor.steps.buttons.values()] == ["Sign off"]


def test_conditional_fields_appear_when_their_condition_holds(make_editor):
    editor = make_editor(RecordKind.SUPERVISION)
    rows = editor.form.rows
    assert not rows["agreed_frequency"].isVisibleTo(editor)
    combo = rows["agreement_status"].input.combo
    combo.setCurrentIndex(combo.findData("new"))
    assert rows["agreed_frequency"].isVisibleTo(editor)
    assert rows["confidentiality"].isVisibleTo(editor)
    combo.setCurrentIndex(combo.findData("in_place"))
    assert not rows["confidentiality"].isVisibleTo(editor)
    # Inside a group entry: "Progress or reason" only for a dropped action.
    group = editor.form.groups["previous_actions"]
    if not editor.session.value("previous_actions"):
        group.add_button.click()
    status = rows["previous_actions[0].status"].input
    assert not rows["previous_actions[0].update"].isVisibleTo(editor)
    status.combo.setCurrentIndex(status.combo.findData("dropped"))
    assert rows["previous_actions[0].update"].isVisibleTo(editor)


def test_an_invalid_answer_is_marked_inline_and_not_saved(make_editor, qtbot, store):
    editor = make_editor(RecordKind.SUPERVISION)
    row = editor.form.rows["next_supervision_date"]
    date_input = row.input
    assert not row.message.isVisibleTo(editor)
    date_input.edit.setFocus()
    qtbot.keyClicks(date_input.edit, "10/09/2025")  # the record's date: too early
    assert editor.session.value("next_supervision_date") == "2025-09-10"
    assert "must be on or after 11 September 2025" in row.message.text()
    assert row.message.isVisibleTo(editor)
    assert "must be on or after" in date_input.edit.accessibleDescription()
    editor.save_now()
    assert "next_supervision_date" not in answers(store, editor.session.record_id)
    assert editor.status_text == "1 answer is not saved until corrected (marked below)"
    date_input.edit.selectAll()
    qtbot.keyClicks(date_input.edit, "24/09/2025")
    assert not row.message.isVisibleTo(editor)
    editor.save_now()
    assert answers(store, editor.session.record_id)["next_supervision_date"] == "2025-09-24"
    date_input.edit.selectAll()
    qtbot.keyClick(date_input.edit, Qt.Key.Key_Delete)
    assert editor.session.value("next_supervision_date") is None
    assert date_input.edit.text() == ""


# -- groups and undo ---------------------------------------------------------------------


def objectives(editor: RecordEditor) -> list[str]:
    return [o.get("objective", "") for o in editor.session.value("new_objectives") or []]


def test_entries_are_added_removed_and_reordered(make_editor, qtbot):
    editor = make_editor(RecordKind.APR)
    group = editor.form.groups["new_objectives"]
    assert group.add_button.text() == "Add the first entry"
    for name in ("First", "Second", "Third"):
        qtbot.mouseClick(group.add_button, Qt.MouseButton.LeftButton)
        index = len(group.entries) - 1
        first = editor.form.rows[f"new_objectives[{index}].objective"].input.inputs[0]
        qtbot.waitUntil(lambda w=first: QtWidgets.QApplication.focusWidget() is w)
        qtbot.keyClicks(first, name)
    assert objectives(editor) == ["First", "Second", "Third"]
    assert [e.title() for e in group.entries] == ["Entry 1 of 3", "Entry 2 of 3", "Entry 3 of 3"]
    assert not group.buttons[("up", 0)].isEnabled() and not group.buttons[("down", 2)].isEnabled()
    group.buttons[("down", 0)].click()
    assert objectives(editor) == ["Second", "First", "Third"]
    assert line_edit(editor, "new_objectives[1].objective").text() == "First"
    assert QtWidgets.QApplication.focusWidget() is group.buttons[("down", 1)]
    group.buttons[("up", 2)].click()
    assert objectives(editor) == ["Second", "Third", "First"]
    group.buttons[("remove", 0)].click()
    assert objectives(editor) == ["Third", "First"] and len(group.entries) == 2
    editor.save_now()
    assert [o["objective"] for o in editor.session.saved_answers["new_objectives"]] == [
        "Third",
        "First",
    ]


def test_undo_and_redo_shortcuts_use_the_records_history(make_editor, qtbot):
    editor = make_editor(RecordKind.SUPERVISION, autosave_ms=60_000)
    box = line_edit(editor, "attendees")
    type_into(qtbot, box, "2024")
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert box.text() == "" and editor.session.value("attendees") is None
    qtbot.keyClick(
        box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert box.text() == "2024" and editor.session.value("attendees") == "2024"
    # A group change is undone too, and the focus returns to where it happened.
    editor.form.groups["new_actions"].add_button.click()
    assert len(editor.session.value("new_actions")) == 1
    focused = QtWidgets.QApplication.focusWidget()
    qtbot.keyClick(focused, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.session.value("new_actions") is None
    assert editor.form.groups["new_actions"].entries == []
    assert editor.undo_action.isEnabled() and editor.redo_action.isEnabled()
    # Long text boxes hand Ctrl+Z to the record too.
    comments = editor.form.rows["workload"].input.inputs[0]
    type_into(qtbot, comments, "Well done")
    qtbot.keyClick(comments, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert comments.toPlainText() == "" and editor.session.value("workload") is None


# -- steps -------------------------------------------------------------------------------


def test_a_step_button_says_what_it_does_and_takes_the_step(make_editor, qtbot, store, cast):
    record_id = start(store, cast, RecordKind.SUPERVISION)
    editor = make_editor(record_id)
    button = editor.steps.buttons["share"]
    assert button.text() == f"Share with {editor.session.subject_name} for review"
    assert not button.isEnabled()
    needs = editor.steps.needs["share"]
    assert needs.text().startswith("Needs ") and "Workload and priorities is required" in (
        needs.accessibleName()
    )
    assert "Needs" in button.accessibleDescription()
    editor.show_field("workload")  # what a "needs" link does
    assert QtWidgets.QApplication.focusWidget() is editor.form.rows["workload"].input.inputs[0]

    fill(editor.session, EXAMPLES["supervision"])
    editor.form.refresh()
    editor._show_session()
    assert button.isEnabled() and not needs.isVisible()
    with qtbot.waitSignal(editor.stepTaken) as taken:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert taken.args == [record_id, "share"]
    with store.session() as s:
        record = s.get(Record, record_id)
        managers = {k: v for k, v in EXAMPLES["supervision"].items() if k != "employee_comments"}
        assert record.status == "shared" and record.answers == managers
    assert editor.subtitle.text().split("  ·  ")[1] == "Shared with the employee"
    assert list(editor.steps.buttons) == ["withdraw"]
    assert editor.steps.buttons["withdraw"].text() == "Take back to draft"


def test_signing_asks_for_the_decision_then_signs_with_the_certificate(
    qtbot, make_editor, store, cast
):
    asked = []
    me = cast["employee"].user_id
    editor = make_editor(
        shared_supervision(store, cast),
        party="employee",
        ask_signature=lambda _parent, option, _name: asked.append(option.label) or None,
        signing=lambda: (identity(me), None),
    )
    assert editor.steps.buttons["employee_sign"].text() == "Sign off"
    editor.steps.buttons["employee_sign"].click()
    assert asked == ["Sign off"] and editor.session.status == "shared"  # cancelled
    editor._ask_signature = lambda _parent, option, _name: ("disagree", "Not discussed")
    editor.steps.buttons["employee_sign"].click()
    assert editor.session.status == "employee_signed"
    assert editor.banner.text() == "Signed and locked: this record can no longer change."
    assert editor.steps.buttons == {} and editor.steps.none.isVisibleTo(editor)
    with store.session() as s:
        (signature,) = s.get(Record, editor.session.record_id).sign_offs
        assert (signature.decision, signature.reason) == ("disagree", "Not discussed")
        assert signature.signature and signature.certificate
    qtbot.waitUntil(lambda: "disagree" in editor.signatures.text(), timeout=5000)  # after paint
    assert editor.signatures.isVisibleTo(editor)


def test_signing_without_a_certificate_says_why_and_changes_nothing(make_editor, store, cast):
    editor = make_editor(
        shared_supervision(store, cast),
        party="employee",
        ask_signature=lambda _parent, option, _name: ("agree", ""),
    )
    editor.steps.buttons["employee_sign"].click()
    assert editor.session.status == "shared"
    assert "sign in" in editor.save_status.text()
    with store.session() as s:
        assert s.get(Record, editor.session.record_id).sign_offs == []


def test_an_amendment_asks_for_the_reason(make_editor, store, cast):
    record_id = start(store, cast, RecordKind.SUPERVISION)
    for party, step in (("manager", "share"), ("employee", "employee_sign")):
        session = EditSession(store, record_id, actor=cast[party], catalogue=CATALOGUE)
        fill(session, EXAMPLES["supervision"])
        move_on(session, step)
    asked = []
    editor = make_editor(
        record_id, ask_reason=lambda _parent, option: asked.append(option.label) or None
    )
    assert editor.banner.text().startswith("Signed and locked")
    assert isinstance(editor.form.rows["workload"].input, ReadOnly)
    editor.steps.buttons["amend"].click()
    assert asked == ["Amend (voids the signatures)"]
    assert editor.session.status == "employee_signed"  # cancelled: nothing happened
    editor._ask_reason = lambda _parent, _option: "The date of the next supervision was wrong"
    editor.steps.buttons["amend"].click()
    assert editor.session.status == "draft"
    assert isinstance(editor.form.rows["workload"].input, LongText)  # editable again


def typing_during(monkeypatch, write: str, typing) -> None:
    """Type into the form once the step's store write (`write`, "module.name") is done and
    before the editor hears back: the person typing while the writer thread works."""
    module, name = write.rsplit(".", 1)
    real = getattr(importlib.import_module(module), name)

    def writing(*args, **kwargs):
        result = real(*args, **kwargs)
        typing()
        return result

    monkeypatch.setattr(write, writing)


def test_text_typed_while_a_step_runs_stays_in_the_form_and_is_saved(
    make_editor, qtbot, store, cast, monkeypatch
):
    record_id = start(store, cast, RecordKind.CAPABILITY)
    editor = make_editor(record_id, autosave_ms=60_000)
    fill(editor.session, EXAMPLES["capability"])
    editor.form.refresh()
    editor._show_session()
    concerns = editor.form.rows["concerns"].input.inputs[0]
    concerns.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(concerns.hasFocus)
    concerns.moveCursor(QtGui.QTextCursor.MoveOperation.End)
    typing_during(
        monkeypatch,
        "lcc_apr.editing.take_step",
        lambda: qtbot.keyClicks(concerns, " And more."),
    )
    typed = EXAMPLES["capability"]["concerns"] + " And more."
    with qtbot.waitSignal(editor.stepTaken):
        editor.steps.buttons["issue_improvement_note"].click()
    assert editor.session.status == "improvement_note"
    assert editor.form.rows["concerns"].input.inputs[0].toPlainText() == typed
    qtbot.waitUntil(lambda: answers(store, record_id)["concerns"] == typed, timeout=3000)
    assert not editor.session.dirty


def test_text_typed_while_signing_stays_and_is_reported_as_not_saved(
    make_editor, qtbot, store, cast, monkeypatch
):
    me = cast["employee"].user_id
    editor = make_editor(
        shared_supervision(store, cast),
        party="employee",
        autosave_ms=60_000,
        ask_signature=lambda _parent, option, _name: ("agree", ""),
        signing=lambda: (identity(me), None),
    )
    comments = editor.form.rows["employee_comments"].input.inputs[0]
    comments.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(comments.hasFocus)
    typing_during(
        monkeypatch,
        "lcc_apr.signing.signoff.sign_off",
        lambda: qtbot.keyClicks(comments, "Typed while signing"),
    )
    editor.steps.buttons["employee_sign"].click()
    assert editor.session.status == "employee_signed"
    shown = editor.form.rows["employee_comments"].input.inputs[0]
    assert shown.toPlainText() == "Typed while signing" and shown.isReadOnly()
    assert editor.status_text == (
        "Not saved. Employee's comments cannot change after sign-off. Undo discards the change."
    )
    assert "employee_comments" not in answers(store, editor.session.record_id)
    editor.undo_action.trigger()  # the person lets it go
    assert editor.form.rows["employee_comments"].input.inputs[0].toPlainText() == ""
    assert not editor.session.dirty


# -- accessibility -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RecordKind))
def test_every_input_has_an_accessible_name_and_help_as_description(make_editor, kind):
    editor = make_editor(kind)
    for f in editor.session.template.fields():
        group = f.type is FieldType.GROUP and not editor.session.value(f.key)
        if group and editor.session.may_change_items(f.key):  # not APR v2's mid-year yet
            editor.form.groups[f.key].add_button.click()
    chain = [*editor.form.focus_chain(), *editor.steps_focus_chain()]
    assert len(chain) > (12 if kind is RecordKind.WELFARE_CONTACT else 20)  # a small form
    for widget in chain:
        name = widget.accessibleName()
        assert name, f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()!r}"
    for path, row in editor.form.rows.items():
        if row.input is None:
            continue
        assert all(w.accessibleName().startswith(row.field.label) for w in row.input.inputs)
        if row.field.help:
            assert row.input.inputs[0].accessibleDescription().startswith(row.field.help), path


def test_tab_follows_the_page_even_after_entries_are_added(make_editor):
    editor = make_editor(RecordKind.APR)
    editor.form.groups["new_objectives"].add_button.click()
    editor.form.groups["new_objectives"].add_button.click()
    chain = [w for w in editor.form.focus_chain() if w.isVisibleTo(editor) and w.isEnabled()]
    assert "Add an entry to New objectives" in [w.accessibleName() for w in chain]
    # Each step's button, then what it still needs (APR v2 offers two steps from a draft).
    chain += [w for w in editor.steps_focus_chain() if w.isVisibleTo(editor) and w.isEnabled()]
    widget = chain[0]
    visited = [widget]
    for _ in range(len(chain) - 1):
        widget = widget.nextInFocusChain()
        while visited[-1].isAncestorOf(widget) or not (  # a spin box's own line edit
            widget.isVisibleTo(editor)
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            widget = widget.nextInFocusChain()
        visited.append(widget)
    assert visited == chain


def test_text_follows_the_application_font(make_editor, qapp):
    editor = make_editor(RecordKind.SUPERVISION)
    label = editor.form.rows["attendees"].label
    box = editor.form.rows["workload"].input.inputs[0]
    before = (label.sizeHint().height(), box.height(), editor.title.sizeHint().height())
    original = QtGui.QFont(qapp.font())
    bigger = QtGui.QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 2)
    try:
        qapp.setFont(bigger)
        QtWidgets.QApplication.processEvents()
        after = (label.sizeHint().height(), box.height(), editor.title.sizeHint().height())
    finally:
        qapp.setFont(original)
    assert all(a > b * 1.5 for a, b in zip(after, before, strict=True)), (before, after)
