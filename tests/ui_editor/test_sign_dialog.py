"""The sign-off dialog: a decision, a reason to disagree, and Enter never signs."""

from __future__ import annotations

from lcc_apr.models import Record
from tests.test_editing import identity, responded_apr
from ui.editor.editor import ask_signature_dialog
from ui.editor.sign_dialog import SignDialog
from ui.qt import QtCore, QtWidgets

Qt = QtCore.Qt


def dialog(qtbot, decisions=("agree", "disagree")) -> SignDialog:
    d = SignDialog(title="Sign off", signer="Ryan Robinson", decisions=decisions)
    qtbot.addWidget(d)
    d.show()
    return d


def test_disagreeing_needs_a_reason(qtbot):
    d = dialog(qtbot)
    assert not d.sign_button.isEnabled()
    d.choices["disagree"].setChecked(True)
    assert not d.sign_button.isEnabled()
    assert "why you disagree" in d.problem.text()
    d.reason_box.setPlainText("Objective 2 was changed without talking to me.")
    assert d.sign_button.isEnabled()
    d.sign_button.click()
    assert d.result() == QtWidgets.QDialog.DialogCode.Accepted
    assert (d.decision, d.reason) == ("disagree", "Objective 2 was changed without talking to me.")


def tab_to(qtbot, d, widget) -> None:
    for _ in range(20):
        if QtWidgets.QApplication.focusWidget() is widget:
            return
        qtbot.keyClick(QtWidgets.QApplication.focusWidget() or d, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget.accessibleName()}")


def test_agreeing_with_the_keyboard_and_enter_does_not_sign(qtbot):
    d = dialog(qtbot)
    d.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.focusWidget() is not None)
    tab_to(qtbot, d, d.choices["agree"])
    qtbot.keyClick(d.choices["agree"], Qt.Key.Key_Space)
    assert d.choices["agree"].isChecked()
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Return)
    assert d.decision is None and d.result() == QtWidgets.QDialog.DialogCode.Rejected
    d.show()
    d.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.focusWidget() is not None)
    tab_to(qtbot, d, d.sign_button)
    qtbot.keyClick(d.sign_button, Qt.Key.Key_Space)
    assert d.decision == "agree" and d.reason == ""


def test_a_manager_only_confirms(qtbot):
    d = dialog(qtbot, decisions=("confirm",))
    assert not d.choices and d.sign_button.isEnabled()
    d.sign_button.click()
    assert d.decision == "confirm"
    for widget in d.findChildren(QtWidgets.QAbstractButton):
        assert widget.accessibleName(), widget.text()


def test_the_employee_signs_with_the_decision_their_form_gives(
    qtbot, make_editor, store, cast, monkeypatch
):
    """Issue 12 defect 3: the form says 'I disagree'; the dialog offers no 'I agree', says
    the decision comes from the form, and the sign-off disagrees."""
    me = cast["employee"].user_id
    editor = make_editor(
        responded_apr(store, cast, "disagree"),
        party="employee",
        ask_signature=ask_signature_dialog,
        signing=lambda: (identity(me, store), None),
    )
    shown: list[SignDialog] = []

    def run(d: SignDialog) -> int:
        shown.append(d)
        assert d.reason_box.toPlainText() == "Objective 2 was never agreed."  # from the form
        d.sign_button.click()
        return d.result()

    monkeypatch.setattr(SignDialog, "exec", run)
    editor.steps.buttons["employee_sign"].click()
    (d,) = shown
    assert "agree" not in d.choices and d.chosen() == "disagree"
    assert "I disagree with part or all of this review" in d.from_form.text()
    assert d.from_form.isVisibleTo(d) and d.from_form.accessibleName()
    assert editor.session.status == "employee_signed"
    with store.session() as s:
        (signature,) = s.get(Record, editor.session.record_id).sign_offs
        assert (signature.decision, signature.reason) == (
            "disagree",
            "Objective 2 was never agreed.",
        )


def test_without_a_decision_on_the_form_the_dialog_asks_as_before(qtbot):
    d = dialog(qtbot)
    assert set(d.choices) == {"agree", "disagree"} and not d.from_form.isVisibleTo(d)
