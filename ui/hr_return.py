"""Asking HR for the note that returns a record to its manager. The title and the prompt
are the workflow's (lcc_apr.ops.intake.return_wording); the note is required, so the
Return button stays off until there is one, and it is never the default button: Enter
writes a new line in the note, and Escape or Cancel returns nothing.
"""

from __future__ import annotations

from .qt import Qt, QtWidgets


class ReturnDialog(QtWidgets.QDialog):
    """UI thread. `note()` after exec() returned Accepted: the note, stripped."""

    def __init__(
        self, *, title: str, prompt: str, about: str, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        heading = QtWidgets.QLabel(about)
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setAccessibleName("Record")
        asked = QtWidgets.QLabel(
            prompt + " The signatures on it are voided and kept, and the manager "
            "corrects it and shares it again."
        )
        asked.setWordWrap(True)
        asked.setTextFormat(Qt.TextFormat.PlainText)
        self.text = QtWidgets.QPlainTextEdit()
        self.text.setAccessibleName("Note for the manager")
        self.text.setAccessibleDescription(prompt)
        self.text.setTabChangesFocus(True)
        label = QtWidgets.QLabel("&Note:")
        label.setBuddy(self.text)
        self.return_button = QtWidgets.QPushButton("&Return with this note")
        self.return_button.setAccessibleName(title)
        self.return_button.setEnabled(False)
        self.return_button.clicked.connect(self.accept)
        cancel = QtWidgets.QPushButton("Cancel")
        cancel.setAccessibleName("Cancel: do not return the record")
        cancel.clicked.connect(self.reject)
        for button in (self.return_button, cancel):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.text.textChanged.connect(lambda: self.return_button.setEnabled(bool(self.note())))
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.return_button)
        buttons.addWidget(cancel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(asked)
        layout.addWidget(label)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 70, metrics.height() * 16)
        self.text.setFocus()

    def note(self) -> str:
        return self.text.toPlainText().strip()


def ask_note(parent: QtWidgets.QWidget, *, title: str, prompt: str, about: str) -> str | None:
    """The note HR wrote, or None when they cancelled (a modal dialog)."""
    dialog = ReturnDialog(title=title, prompt=prompt, about=about, parent=parent)
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted or not dialog.note():
        return None
    return dialog.note()
