"""ConflictDialog on real conflicts: both versions side by side, each choice, refusals."""

from __future__ import annotations

from lcc_apr.history import base_state, verify_history
from lcc_apr.models import Record
from lcc_apr.sync.merge import STATUS
from ui.conflicts import ConflictDialog
from ui.qt import Qt, QtWidgets

from .conftest import CATALOGUE, R1, R2, Maker

BASE = {"workload": "Heavy", "supervision_type": "planned"}
MINE = {"workload": "Mine: caseload down to 18", "supervision_type": "group", "learning": "Course"}
THEIRS = {"workload": "Theirs: caseload stays at 22", "supervision_type": "unplanned"}


def open_dialog(qtbot, maker: Maker, runner, rid: str = R1) -> ConflictDialog:
    dialog = ConflictDialog(maker.store, CATALOGUE, rid, runner=runner, user_id=maker.user_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def named(dialog: QtWidgets.QWidget, name: str) -> QtWidgets.QWidget:
    found = [
        w
        for w in dialog.findChildren(QtWidgets.QWidget)
        if w.accessibleName() == name and w.isVisibleTo(dialog)
    ]
    assert len(found) == 1, (name, found)
    return found[0]


def text_of(widget: QtWidgets.QWidget) -> str:
    return widget.toPlainText() if hasattr(widget, "toPlainText") else widget.text()


def apply(qtbot, dialog: ConflictDialog) -> None:
    with qtbot.waitSignal(dialog.accepted):
        dialog.apply_button.click()


def assert_settled(maker: Maker, answers: dict) -> None:
    """The chosen answers, on top of the server's version, waiting to be sent."""
    record = maker.record()
    assert record.answers == answers
    assert maker.conflict_row() is None
    assert record.dirty and record.server_rev == 7
    with maker.store.session() as s:
        live = s.get(type(record), record.id)
        assert verify_history(s, live) == []
        assert base_state(s, live)["answers"] == {**BASE, **THEIRS}


def test_the_dialog_shows_both_versions_side_by_side(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    assert dialog.heading.text() == f"Supervision for {maker.subject_name}, 2 November 2026"
    mine = named(dialog, "Workload and priorities: on this computer")
    theirs = named(dialog, "Workload and priorities: on the server")
    assert text_of(mine) == MINE["workload"] and text_of(theirs) == THEIRS["workload"]
    assert mine.isReadOnly() and theirs.isReadOnly()
    left, right = (
        mine.mapTo(dialog, mine.rect().topLeft()),
        theirs.mapTo(dialog, theirs.rect().topLeft()),
    )
    assert left.y() == right.y() and left.x() + mine.width() <= right.x()
    # Choices are shown by their labels; the answer changed here only needs no choice.
    assert text_of(named(dialog, "Type of supervision: on this computer")) == "Group supervision"
    assert text_of(named(dialog, "Type of supervision: on the server")) == "Unplanned (ad hoc)"
    assert set(dialog.groups) == {"workload", "supervision_type"}
    assert not dialog.apply_button.isEnabled()  # nothing chosen yet


def test_keep_mine_keeps_my_value_and_sends_it_next_time(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    dialog.choose("workload", "mine")
    assert not dialog.apply_button.isEnabled()  # one answer still to decide
    dialog.choose("supervision_type", "mine")
    apply(qtbot, dialog)
    assert_settled(maker, MINE)


def test_keep_the_servers_gives_the_server_value(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    dialog.choose("workload", "theirs")
    dialog.choose("supervision_type", "mine")
    apply(qtbot, dialog)
    # My change to "learning" (changed here only) is kept without asking.
    assert_settled(
        maker, {"workload": THEIRS["workload"], "supervision_type": "group", "learning": "Course"}
    )


def test_edit_starts_from_mine_and_saves_the_edited_text(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    box = dialog.edit_inputs["workload"].edit
    assert not box.isVisibleTo(dialog)
    dialog.choose("workload", "edit")
    assert box.isVisible() and box.toPlainText() == MINE["workload"]
    assert box.accessibleName() == "Workload and priorities: your edited answer"
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, ", then 20 by March")
    dialog.choose("supervision_type", "theirs")
    apply(qtbot, dialog)
    assert_settled(
        maker,
        {
            "workload": MINE["workload"] + ", then 20 by March",
            "supervision_type": "unplanned",
            "learning": "Course",
        },
    )


def test_edit_a_choice_uses_the_fields_own_input(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    dialog.choose("supervision_type", "edit")
    named(dialog, "Type of supervision: your edited answer: Planned one-to-one").click()
    dialog.choose("workload", "mine")
    apply(qtbot, dialog)
    assert maker.record().answers["supervision_type"] == "planned"


def test_keep_mine_of_an_answer_i_removed_removes_it(qtbot, maker, runner):
    maker.conflict(BASE, {"workload": None}, {"workload": "Theirs"})
    dialog = open_dialog(qtbot, maker, runner)
    assert text_of(named(dialog, "Workload and priorities: on this computer")) == ""
    dialog.choose("workload", "mine")
    apply(qtbot, dialog)
    record = maker.record()
    assert "workload" not in record.answers and record.answers == {"supervision_type": "planned"}
    assert maker.conflict_row() is None and record.dirty


def test_lists_are_shown_readably_and_cannot_be_edited_here(qtbot, maker, runner):
    mine = [{"action": "Book the course", "owner": "Bethan"}]
    theirs = [{"action": "Shadow a colleague", "due_date": "2027-01-08"}]
    maker.conflict({}, {"new_actions": mine}, {"new_actions": theirs})
    dialog = open_dialog(qtbot, maker, runner)
    label = CATALOGUE.get("supervision", 1).field("new_actions").label
    shown = text_of(named(dialog, f"{label}: on the server"))
    assert shown.startswith("1. ") and "Shadow a colleague" in shown and "8 January 2027" in shown
    assert "Book the course" in text_of(named(dialog, f"{label}: on this computer"))
    assert "new_actions" not in dialog.edit_inputs
    assert [b.text() for b in dialog.groups["new_actions"].buttons()] == [
        "Keep mine",
        "Keep the server's",
    ]
    dialog.choose("new_actions", "theirs")
    apply(qtbot, dialog)
    assert maker.record().answers == {"new_actions": theirs}


def test_a_status_conflict_is_shown_and_the_servers_status_kept(qtbot, maker, runner):
    maker.take(maker.wire(R1, 5, {"workload": "Heavy"}))
    maker.edit(R1, {"workload": "Mine"}, status="shared")
    maker.take(maker.wire(R1, 7, {"workload": "Theirs"}, status="employee_signed"))
    assert maker.conflict_row().fields == ["workload", STATUS]
    dialog = open_dialog(qtbot, maker, runner)
    assert text_of(named(dialog, "Status: on this computer")) == "Shared with the employee"
    assert text_of(named(dialog, "Status: on the server")) == "Signed by the employee"
    assert named(dialog, "About the status").text().startswith("The server's status is kept")
    dialog.choose("workload", "mine")
    apply(qtbot, dialog)
    record = maker.record()
    assert record.status == "employee_signed" and record.answers["workload"] == "Mine"


def test_a_status_only_conflict_can_be_applied_at_once(qtbot, maker, runner):
    maker.take(maker.wire(R1, 5, {"workload": "Heavy"}, status="shared"))
    maker.edit(R1, {}, status="draft")
    maker.take(maker.wire(R1, 7, {"workload": "Lighter"}, status="employee_signed"))
    assert maker.conflict_row().fields == [STATUS]
    dialog = open_dialog(qtbot, maker, runner)
    assert dialog.groups == {} and dialog.apply_button.isEnabled()
    assert "choose what to keep" not in dialog.intro.text()
    apply(qtbot, dialog)
    record = maker.record()
    assert record.status == "employee_signed" and maker.conflict_row() is None
    assert record.answers == {"workload": "Lighter"}


def test_a_refused_change_shows_the_reason_and_discard_takes_the_servers(qtbot, maker, runner):
    reason = "Only the employee's line manager can change the workload section."
    maker.refused(R1, reason)
    dialog = open_dialog(qtbot, maker, runner)
    assert text_of(named(dialog, "Why the server refused")) == reason
    assert not dialog.apply_button.isVisible() and dialog.discard_button.isVisible()
    with qtbot.waitSignal(dialog.accepted):
        dialog.discard_button.click()
    record = maker.record()
    assert record.answers == {"workload": "Heavy, agreed"} and maker.conflict_row() is None
    with maker.store.session() as s:
        assert verify_history(s, s.get(type(record), R1)) == []


def test_a_refusal_without_the_servers_record_goes_back_to_the_last_version_here(
    qtbot, maker, runner
):
    maker.refused(R1, "Refused.", with_server=False)
    dialog = open_dialog(qtbot, maker, runner)
    with qtbot.waitSignal(dialog.accepted):
        dialog.discard_button.click()
    assert maker.record().answers == {"workload": "Heavy"} and maker.conflict_row() is None


def test_work_on_a_record_no_longer_yours_is_kept_until_discarded(qtbot, maker, runner):
    maker.out_of_view(R1)
    dialog = open_dialog(qtbot, maker, runner)
    assert "no longer one you may see" in text_of(named(dialog, "Why the server refused"))
    assert dialog.discard_button.isVisible() and dialog.later_button.isDefault()
    with qtbot.waitSignal(dialog.accepted):
        dialog.discard_button.click()
    assert maker.conflict_row() is None
    with maker.store.session() as s:
        assert s.get(Record, R1) is None


def test_keep_it_for_now_changes_nothing(qtbot, maker, runner):
    maker.refused(R1, "Refused.")
    dialog = open_dialog(qtbot, maker, runner)
    with qtbot.waitSignal(dialog.rejected):
        dialog.later_button.click()
    assert maker.conflict_row() is not None
    assert maker.record().answers == {"workload": "Rewritten here", "learning": "Course"}


def test_deleted_on_the_server_is_explained_and_can_be_accepted(qtbot, maker, runner):
    maker.conflict(BASE, MINE, {}, deleted=True)
    dialog = open_dialog(qtbot, maker, runner)
    assert "deleted on the server" in dialog.intro.text()
    assert not dialog.apply_button.isVisible() and dialog.later_button.isDefault()
    assert dialog.discard_button.isVisible()
    assert dialog.discard_button.accessibleName() == "Accept the deletion"
    with qtbot.waitSignal(dialog.accepted):
        dialog.discard_button.click()
    assert maker.conflict_row() is None and maker.record().deleted


def test_deleted_on_the_server_can_be_answered_by_restoring_my_version(qtbot, maker, runner):
    maker.conflict(BASE, MINE, {}, deleted=True)
    dialog = open_dialog(qtbot, maker, runner)
    intro = dialog.intro.text()
    assert "Restore my version" in intro and "Accept the deletion" in intro
    restore = named(dialog, "Restore my version")
    assert restore is dialog.restore_button and restore.text() == "&Restore my version"
    assert restore.isEnabled() and restore.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert not restore.isDefault() and not restore.autoDefault()
    assert dialog.later_button.isDefault()  # Enter neither deletes nor restores
    with qtbot.waitSignal(dialog.accepted):
        restore.click()
    record = maker.record()
    assert not record.deleted and record.answers == MINE and record.dirty
    assert record.server_rev == 7 and maker.conflict_row() is None
    with maker.store.session() as s:
        live = s.get(type(record), record.id)
        assert verify_history(s, live) == []
        assert base_state(s, live)["deleted"] is True  # pushed as a restore of rev 7


def test_restore_is_only_offered_for_a_deletion(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    assert not dialog.restore_button.isVisible()
    maker.refused(R2, "Refused.")
    refusal = open_dialog(qtbot, maker, runner, rid=R2)
    assert not refusal.restore_button.isVisible()


def test_a_failed_save_is_shown_in_the_dialog(qtbot, maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    with maker.store.session() as s:  # settled elsewhere meanwhile
        s.delete(s.get(type(maker.conflict_row()), R1))
    dialog.choose("workload", "mine")
    dialog.choose("supervision_type", "mine")
    dialog.apply_button.click()
    assert dialog.isVisible() and dialog.result() != QtWidgets.QDialog.DialogCode.Accepted
    assert dialog.problem.isVisible() and "nothing left to resolve" in dialog.problem.text()
    assert dialog.apply_button.isEnabled()  # may try again


def test_a_record_with_nothing_to_resolve_says_so(qtbot, maker, runner):
    dialog = open_dialog(qtbot, maker, runner, rid="no-such-record")
    assert dialog.heading.text() == "Nothing to resolve"
    assert dialog.later_button.text() == "&Close"


def test_loading_and_saving_run_off_the_ui_thread(qtbot, maker, threaded_runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, threaded_runner)
    qtbot.waitUntil(lambda: dialog.view is not None)
    dialog.choose("workload", "theirs")
    dialog.choose("supervision_type", "theirs")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.apply_button.click()
    assert maker.record().answers == {**BASE, **THEIRS, "learning": "Course"}
