"""Asking for the passphrase that locks this computer's records when there is no keyring.

The core asks through a plain callable, `ask(new) -> str` ("" cancels), from whichever
thread it runs on (the sign-in runs in a worker). PassphraseAsker is that callable: it
shows PassphraseDialog on the UI thread and waits for the answer.
"""

from __future__ import annotations

import threading

from .events import UiCaller, on_ui_thread
from .qt import QtWidgets


class PassphraseDialog(QtWidgets.QDialog):
    """The passphrase; typed twice, and the two must match, when one is being chosen."""

    def __init__(self, new: bool, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Passphrase for this computer")
        self.setAccessibleName("Passphrase for this computer")
        layout = QtWidgets.QVBoxLayout(self)
        if new:
            words = (
                "This computer has no secure keyring, so your records on it are locked "
                "with a passphrase. Choose one and type it twice; the app asks for it "
                "each time it starts. Nobody can recover it for you."
            )
        else:
            words = "Enter the passphrase that locks your records on this computer."
        note = QtWidgets.QLabel(words)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QtWidgets.QFormLayout()
        self.first = self._field("Passphrase")
        form.addRow("&Passphrase:", self.first)
        self.second: QtWidgets.QLineEdit | None = None
        if new:
            self.second = self._field("Passphrase again")
            form.addRow("&Again:", self.second)
        layout.addLayout(form)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._check()

    def _field(self, name: str) -> QtWidgets.QLineEdit:
        line = QtWidgets.QLineEdit()
        line.setAccessibleName(name)
        line.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        line.textChanged.connect(self._check)
        return line

    def _check(self) -> None:
        text = self.first.text()
        matches = self.second is None or self.second.text() == text
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text) and matches)

    def passphrase(self) -> str:
        return self.first.text()


def ask_passphrase(new: bool) -> str:
    """UI thread: the passphrase typed, or "" when the person cancels."""
    dialog = PassphraseDialog(new, QtWidgets.QApplication.activeWindow())
    try:
        accepted = dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted
        return dialog.passphrase() if accepted else ""
    finally:
        dialog.deleteLater()


class PassphraseAsker:
    """The core's `ask(new)`, usable from any thread; build it on the UI thread."""

    def __init__(self) -> None:
        self._caller = UiCaller()

    def __call__(self, new: bool) -> str:
        if on_ui_thread():
            return ask_passphrase(new)
        answer: list[str] = []
        done = threading.Event()

        def ask() -> None:
            try:
                answer.append(ask_passphrase(new))
            finally:
                done.set()

        self._caller.call(ask)
        done.wait()
        return answer[0] if answer else ""
