"""The sign-off dialog: a decision, a reason to disagree, and Enter never signs."""

from __future__ import annotations

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
