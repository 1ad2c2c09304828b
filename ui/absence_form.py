"""The form that records, corrects or ends one absence episode (a line manager's report).

It sends the write through the task runner (lcc_apr.ops.absences); a refusal (an overlap,
a last day before the first, a start after today) shows the core's plain message here and
keeps everything typed. No button is the default: Enter never saves by accident (only on
the focused Save button); Escape cancels. UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lcc_apr.forms.dates import DATE_HINT

from .context import AppContext
from .day_box import DayBox
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import TaskRunner

if TYPE_CHECKING:
    from lcc_apr.ops.absences import AbsenceRow

RECORD, CORRECT, END = "record", "correct", "end"
TITLES = {RECORD: "Record an absence", CORRECT: "Correct an absence", END: "Back at work"}
SAVES = {RECORD: "&Save absence", CORRECT: "&Save correction", END: "&Save last day"}


class EnterPresses(QtCore.QObject):
    """Enter on a focused button presses it, and only that button: no button is ever the
    dialog's default (QDialog would make the first auto-default button the default, and
    Enter in any field would then save)."""

    def watch(self, *buttons: QtWidgets.QPushButton) -> None:
        for button in buttons:
            button.setAutoDefault(False)
            button.setDefault(False)
            button.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            event.type() == QtCore.QEvent.Type.KeyPress
            and isinstance(watched, QtWidgets.QPushButton)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)  # type: ignore[attr-defined]
            and not event.modifiers()  # type: ignore[attr-defined]
        ):
            if watched.isEnabled():
                watched.click()
            return True
        return super().eventFilter(watched, event)


class AbsenceForm(QtWidgets.QDialog):
    """`mode`: RECORD a new episode for `employee_id`, CORRECT `row`, or END `row` (its last
    day off). `reasons`: (code, label) from the policy; `note`: how the check boxes count."""

    saved = Signal(object)  # the op's AbsenceSaved

    def __init__(
        self,
        context: AppContext,
        runner: TaskRunner,
        *,
        mode: str,
        employee_id: int,
        name: str,
        reasons: tuple[tuple[str, str], ...],
        note: str,
        row: AbsenceRow | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context, self.runner, self.mode = context, runner, mode
        self.saving = False
        self.employee_id, self.row = employee_id, row
        self.setWindowTitle(f"{TITLES[mode]}: {name}")
        self.setAccessibleName(f"{TITLES[mode]} for {name}")
        today = context.today()
        self.first_day = DayBox("First day of absence", row.first_day if row else today)
        last = row.last_day if row and row.last_day else today
        self.last_day = DayBox("Last day of absence", last)
        self.still_off = QtWidgets.QCheckBox("S&till off (no last day yet)")
        self.still_off.setAccessibleName("Still off: no last day yet")
        self.still_off.setChecked(row.last_day is None if row else True)
        self.still_off.toggled.connect(self._still_off_changed)
        self.reason = QtWidgets.QComboBox()
        self.reason.setAccessibleName("Reason for absence")
        for code, label in reasons:
            self.reason.addItem(label, code)
        if row is not None:
            self.reason.setCurrentIndex(max(0, self.reason.findData(row.reason_code)))
        self.disability = QtWidgets.QCheckBox("&Disability-related")
        self.disability.setAccessibleName("Disability-related")
        self.pregnancy = QtWidgets.QCheckBox("&Pregnancy-related")
        self.pregnancy.setAccessibleName("Pregnancy-related")
        if row is not None:
            self.disability.setChecked(row.disability_related)
            self.pregnancy.setChecked(row.pregnancy_related)
        self.note = QtWidgets.QLabel(note)
        self.note.setWordWrap(True)
        self.note.setAccessibleName("About these two boxes")
        self.disability.setAccessibleDescription(note)
        self.pregnancy.setAccessibleDescription(note)
        self.message = QtWidgets.QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Problem")
        self.message.setStyleSheet("font-weight: bold")
        self.message.hide()
        self.save_button = QtWidgets.QPushButton(SAVES[mode])
        self.save_button.setAccessibleName(SAVES[mode].replace("&", ""))
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel: save nothing")
        self.cancel_button.clicked.connect(self.reject)
        self.enter = EnterPresses(self)  # Enter in a field does nothing; on a button, presses it
        self.enter.watch(self.save_button, self.cancel_button)
        self._lay_out()
        if mode == END:  # only the last day changes; the rest is shown as it is
            for widget in (self.first_day, self.still_off, self.reason):
                widget.setEnabled(False)
            self.disability.setEnabled(False)
            self.pregnancy.setEnabled(False)
            self.still_off.setChecked(False)
        self._still_off_changed(self.still_off.isChecked())
        (self.last_day if mode == END else self.first_day).setFocus()

    def _lay_out(self) -> None:
        form = QtWidgets.QFormLayout()
        # The boxes' text fields are the buddies (a label's Alt+key skips a widget that
        # takes no focus itself: seen in a real X window)
        form.addRow(self._label("&First day:", self.first_day.edit), self.first_day)
        form.addRow(self._label("&Last day:", self.last_day.edit), self.last_day)
        form.addRow("", self.still_off)
        form.addRow(self._label("&Reason:", self.reason), self.reason)
        form.addRow("", self.disability)
        form.addRow("", self.pregnancy)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetMinimumSize)  # never clips
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        order = [
            self.first_day.edit,
            self.last_day.edit,
            self.still_off,
            self.reason,
            self.disability,
            self.pregnancy,
            self.save_button,
            self.cancel_button,
        ]
        for before, after in zip(order, order[1:], strict=False):
            QtWidgets.QWidget.setTabOrder(before, after)
        metrics = self.fontMetrics()  # room for the note at any text size
        self.setMinimumWidth(metrics.averageCharWidth() * 70)

    @staticmethod
    def _label(text: str, buddy: QtWidgets.QWidget) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel(text)
        label.setBuddy(buddy)
        return label

    def _still_off_changed(self, off: bool) -> None:
        self.last_day.setEnabled(not off)

    def values(self) -> dict[str, Any]:
        """What is typed, as the ops take it (a day None: not a date)."""
        return {
            "first_day": self.first_day.day(),
            "last_day": None if self.still_off.isChecked() else self.last_day.day(),
            "reason": self.reason.currentData() or "",
            "disability_related": self.disability.isChecked(),
            "pregnancy_related": self.pregnancy.isChecked(),
        }

    def save(self) -> None:
        """Send the write; the form closes once it is saved, stays with the message if not."""
        if self.saving:
            return  # one save at a time
        if (problem := self._not_dates()) is not None:
            self._refused(ValueError(problem))
            return
        self.saving = True
        self.message.hide()
        self.runner.write(self._op(), on_done=self._saved, on_error=self._refused, name="absence")

    def _not_dates(self) -> str | None:
        """What is typed in a date box that is not a date, in words (None: both are)."""
        boxes = [("first", self.first_day)]
        if not self.still_off.isChecked():
            boxes.append(("last", self.last_day))
        for which, box in boxes:
            if box.day() is None:
                return f"The {which} day is not a date: {DATE_HINT[0].lower()}{DATE_HINT[1:]}"
        return None

    def _op(self) -> Callable[[Any], Any]:
        from lcc_apr.attendance.policy import default_attendance_policy
        from lcc_apr.ops import absences

        c, mode, values, row = self.context, self.mode, self.values(), self.row
        person, today = self.employee_id, c.today()

        def op(_control: Any) -> Any:
            policy = default_attendance_policy()
            if mode == RECORD:
                return absences.record_absence(
                    c.store, user=c.user, employee_id=person, today=today, policy=policy, **values
                )
            assert row is not None
            if mode == CORRECT:
                return absences.correct_absence(
                    c.store,
                    user=c.user,
                    absence_id=row.absence_id,
                    today=today,
                    policy=policy,
                    **values,
                )
            return absences.end_absence(
                c.store,
                user=c.user,
                absence_id=row.absence_id,
                last_day=values["last_day"],
                today=today,
                policy=policy,
            )

        return op

    def reject(self) -> None:
        """Escape or Cancel: closes, unless a save is on its way (it ends in a moment,
        closing the form or showing why not)."""
        if not self.saving:
            super().reject()

    def _saved(self, result: Any) -> None:
        self.saving = False
        self.saved.emit(result)
        self.accept()

    def _refused(self, error: BaseException) -> None:
        """The core's message, everything typed still there."""
        self.saving = False
        self.message.setText(str(error))
        self.message.show()
