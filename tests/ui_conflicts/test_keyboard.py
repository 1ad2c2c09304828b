"""Every control named for assistive technology; the whole flow with the keyboard alone."""

from __future__ import annotations

from ui.conflicts import ConflictDialog
from ui.qt import Qt, QtWidgets

from .conftest import R1, Maker
from .test_dialog import BASE, MINE, THEIRS, open_dialog


def focus_chain(dialog: QtWidgets.QWidget) -> list[QtWidgets.QWidget]:
    """The widgets Tab visits, in order, from the dialog's first one."""
    seen: list[QtWidgets.QWidget] = []
    widget = dialog.nextInFocusChain()
    while widget is not dialog and widget not in seen:
        takes_tab = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        if takes_tab and widget.isVisible() and widget.isEnabled():
            seen.append(widget)
        widget = widget.nextInFocusChain()
    return seen


def unnamed(dialog: QtWidgets.QWidget) -> list[str]:
    problems = []
    for widget in dialog.findChildren(QtWidgets.QWidget):
        if not widget.isVisibleTo(dialog):
            continue
        control = isinstance(widget, QtWidgets.QAbstractButton | QtWidgets.QLabel) or (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        )
        if control and not widget.accessibleName():
            problems.append(f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()!r}")
    return problems


def test_every_control_has_an_accessible_name(qtbot, maker: Maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    for key in dialog.groups:
        dialog.choose(key, "edit")  # shows the edit boxes too
    assert unnamed(dialog) == []
    assert all(w.accessibleName() for w in focus_chain(dialog))


def test_a_refusal_has_accessible_names_too(qtbot, maker: Maker, runner):
    maker.refused(R1, "Refused.")
    assert unnamed(open_dialog(qtbot, maker, runner)) == []


def tab_to(qtbot, dialog: ConflictDialog, name: str, limit: int = 40) -> QtWidgets.QWidget:
    """Press Tab until the control called `name` has the focus."""
    for _ in range(limit):
        focused = QtWidgets.QApplication.focusWidget()
        if focused is not None and focused.accessibleName() == name:
            return focused
        qtbot.keyClick(focused or dialog, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name!r}")


def test_the_whole_flow_works_with_the_keyboard_alone(qtbot, maker: Maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    # Type of supervision: keep the server's (Tab to the choice, arrows move, Space ticks).
    radio = tab_to(qtbot, dialog, "Type of supervision: keep mine")
    qtbot.keyClick(radio, Qt.Key.Key_Right)
    focused = QtWidgets.QApplication.focusWidget()
    assert focused.accessibleName() == "Type of supervision: keep the server's"
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    assert dialog.choices() == {"supervision_type": "theirs"}
    # Workload: Edit, then type in the box it shows.
    radio = tab_to(qtbot, dialog, "Workload and priorities: keep mine")
    qtbot.keyClick(radio, Qt.Key.Key_Right)
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Right)
    edit = QtWidgets.QApplication.focusWidget()
    assert edit.accessibleName() == "Workload and priorities: edit"
    qtbot.keyClick(edit, Qt.Key.Key_Space)
    box = tab_to(qtbot, dialog, "Workload and priorities: your edited answer")
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, "Agreed: 20 cases")
    assert dialog.apply_button.isEnabled()
    # Tab on to Apply and press Enter.
    apply = tab_to(qtbot, dialog, "Apply my choices")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(apply, Qt.Key.Key_Return)
    answers = maker.record().answers
    assert answers["workload"] == "Agreed: 20 cases"
    assert answers["supervision_type"] == "unplanned" and maker.conflict_row() is None


def test_enter_on_a_refusal_keeps_the_change_and_space_discards(qtbot, maker: Maker, runner):
    maker.refused(R1, "Refused.")
    dialog = open_dialog(qtbot, maker, runner)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    with qtbot.waitSignal(dialog.rejected):  # Enter: the safe default
        qtbot.keyClick(QtWidgets.QApplication.focusWidget() or dialog, Qt.Key.Key_Return)
    assert maker.conflict_row() is not None
    dialog = open_dialog(qtbot, maker, runner)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    discard = tab_to(qtbot, dialog, "Discard my change")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(discard, Qt.Key.Key_Space)
    assert maker.conflict_row() is None


def test_escape_keeps_it_for_now(qtbot, maker: Maker, runner):
    maker.conflict(BASE, MINE, THEIRS)
    dialog = open_dialog(qtbot, maker, runner)
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert maker.conflict_row() is not None


def test_a_deletion_is_restored_with_the_keyboard_and_enter_restores_nothing(
    qtbot, maker: Maker, runner
):
    maker.conflict(BASE, MINE, {}, deleted=True)
    dialog = open_dialog(qtbot, maker, runner)
    assert unnamed(dialog) == []
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    with qtbot.waitSignal(dialog.rejected):  # Enter: the safe default
        qtbot.keyClick(QtWidgets.QApplication.focusWidget() or dialog, Qt.Key.Key_Return)
    assert maker.conflict_row() is not None and maker.record().answers == MINE
    dialog = open_dialog(qtbot, maker, runner)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    restore = tab_to(qtbot, dialog, "Restore my version")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(restore, Qt.Key.Key_Space)
    assert maker.conflict_row() is None and not maker.record().deleted
