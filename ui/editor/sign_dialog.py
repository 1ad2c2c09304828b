"""Asked before signing: agree or disagree (with a reason), and what signing means.

When the form already holds the employee's agree/disagree, the dialog offers only that
decision and says so: a sign-off never contradicts the form (lcc_apr.signing.decision)."""

from __future__ import annotations

from ..qt import QtWidgets

AGREE, DISAGREE, CONFIRM = "agree", "disagree", "confirm"


class SignDialog(QtWidgets.QDialog):
    """`decision` and `reason` hold the choice once accepted. The employee chooses agree or
    disagree (a reason is needed to disagree); a manager or HR confirms."""

    def __init__(
        self,
        *,
        title: str,
        signer: str,
        decisions: tuple[str, ...],
        decided: str = "",
        reason: str = "",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.decision: str | None = None
        self.reason = ""
        intro = QtWidgets.QLabel(
            f"You are signing as {signer}. Your digital signature covers this record's "
            "answers exactly as they are now. Afterwards the record is locked: a change needs "
            "a recorded amendment, which voids the signatures and keeps them in its history."
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("What signing means")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        self.from_form = QtWidgets.QLabel()
        if decided:
            self.from_form.setText(
                f"Your answer on the form: \u201c{decided}\u201d. Your sign-off records the "
                "same decision. To sign the other way, cancel and change your answer first."
            )
        self.from_form.setWordWrap(True)
        self.from_form.setAccessibleName("Your decision, from the form")
        self.from_form.setVisible(bool(decided))
        layout.addWidget(self.from_form)
        self.choices: dict[str, QtWidgets.QRadioButton] = {}
        if len(decisions) > 1:
            group = QtWidgets.QGroupBox("Your decision")
            group.setAccessibleName("Your decision")
            column = QtWidgets.QVBoxLayout(group)
            labels = {
                AGREE: "I &agree with this record",
                DISAGREE: "I &disagree with this record (say why below)",
            }
            for decision in decisions:
                button = QtWidgets.QRadioButton(labels.get(decision, decision))
                button.setAccessibleName(button.text().replace("&", ""))
                button.toggled.connect(self._update)
                column.addWidget(button)
                self.choices[decision] = button
            layout.addWidget(group)
        self.only = decisions[0] if len(decisions) == 1 else None
        label = QtWidgets.QLabel("&Reason or comment (needed if you disagree):")
        self.reason_box = QtWidgets.QPlainTextEdit()
        self.reason_box.setAccessibleName("Reason or comment")
        self.reason_box.setTabChangesFocus(True)
        self.reason_box.setPlainText(reason)  # what the form already says, to keep or add to
        self.reason_box.textChanged.connect(self._update)
        label.setBuddy(self.reason_box)
        layout.addWidget(label)
        layout.addWidget(self.reason_box)
        self.problem = QtWidgets.QLabel()
        self.problem.setAccessibleName("What is still needed")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QtWidgets.QDialogButtonBox()
        self.sign_button = buttons.addButton(
            "&Sign", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_button.setAccessibleName("Sign the record")
        cancel = buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel: do not sign")
        cancel.setDefault(True)  # Enter never signs
        self.sign_button.setAutoDefault(False)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update()

    def chosen(self) -> str | None:
        if self.only:
            return self.only
        return next((d for d, b in self.choices.items() if b.isChecked()), None)

    def _problem(self) -> str:
        decision = self.chosen()
        if decision is None:
            return "Choose whether you agree or disagree."
        if decision == DISAGREE and not self.reason_box.toPlainText().strip():
            return "Say why you disagree: your reason is kept with your signature."
        return ""

    def _update(self) -> None:
        problem = self._problem()
        self.problem.setText(problem)
        self.sign_button.setEnabled(not problem)

    def _accept(self) -> None:
        if self._problem():
            return
        self.decision = self.chosen()
        self.reason = self.reason_box.toPlainText().strip()
        self.accept()
