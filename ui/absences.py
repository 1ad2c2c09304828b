"""A person's absences (for their line manager or HR): the episodes held on this computer,
newest first, and buttons to record one, correct one, end one (the person is back) or
withdraw one recorded in error. The reads and writes are ops in tasks
(lcc_apr.ops.absence_view, lcc_apr.ops.absences); it refreshes when a write touches the
person. Enter on the list does nothing; Escape closes. UI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lcc_apr.ops import Changes

from .absence_form import CORRECT, END, RECORD, AbsenceForm, EnterPresses
from .context import AppContext
from .days import day_text
from .qt import ModelIndex, Qt, QtCore, QtWidgets
from .tasks import TaskRunner

if TYPE_CHECKING:
    from lcc_apr.ops.absence_view import AbsencePage
    from lcc_apr.ops.absences import AbsenceRow

COLUMNS = ("First day", "Last day", "Reason", "Recorded as", "Source")
SAMPLES = (
    "30 Sep 2026",
    "30 Sep 2026",
    "Stress, depression, anxiety or other mental health",
    "Disability-related",
    "Not yet sent",
)
# Asked before withdrawing (the row, the person's name): True withdraws.
ConfirmWithdraw = Callable[[QtWidgets.QWidget, "AbsenceRow", str], bool]


def flags_text(row: AbsenceRow) -> str:
    flags = [
        what
        for what, on in (
            ("Disability-related", row.disability_related),
            ("Pregnancy-related", row.pregnancy_related),
        )
        if on
    ]
    return ", ".join(flags)


def source_text(row: AbsenceRow) -> str:
    if row.unsent:
        return "Not yet sent"
    return "HR system" if row.imported else "Sent"


def confirm_withdraw_dialog(parent: QtWidgets.QWidget, row: AbsenceRow, name: str) -> bool:
    """Withdrawing is confirmed; the default button is Cancel."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle("Withdraw absence")
    box.setAccessibleName("Withdraw this absence?")
    box.setText(f"Withdraw {name}'s absence from {day_text(row.first_day)}?")
    box.setInformativeText("Only for an absence recorded in error. HR is told at the next sync.")
    withdraw = box.addButton("&Withdraw it", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
    withdraw.setAccessibleName("Withdraw the absence")
    cancel = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    cancel.setAccessibleName("Cancel: keep the absence")
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is withdraw


class AbsencesModel(QtCore.QAbstractTableModel):
    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AbsenceRow] = []

    def set_rows(self, rows: tuple[AbsenceRow, ...]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        text = (
            day_text(row.first_day),
            day_text(row.last_day) if row.last_day else "Still off",
            row.reason,
            flags_text(row),
            source_text(row),
        )[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{COLUMNS[index.column()]}: {text or 'none'}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return text or None
        return None


class AbsencesDialog(QtWidgets.QDialog):
    """One person's absences; `employee_id` the person."""

    def __init__(
        self,
        context: AppContext,
        runner: TaskRunner,
        employee_id: int,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context, self.runner, self.employee_id = context, runner, employee_id
        self.page: AbsencePage | None = None
        self.form: AbsenceForm | None = None
        self.pending = False  # Record pressed before the first read arrived
        self.confirm_withdraw: ConfirmWithdraw = confirm_withdraw_dialog  # tests answer
        self.name = f"Employee {employee_id}"
        self.enter = EnterPresses(self)
        self.notice = ""  # what the last write did, kept above the count
        self.heading = QtWidgets.QLabel()
        self.model = AbsencesModel(self)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.fit_columns()
        self.record_button = self._button("&Record an absence…", "Record a new absence")
        self.correct_button = self._button("C&orrect…", "Correct the chosen absence")
        self.end_button = self._button(
            "&Back at work…", "Record the last day of the chosen absence"
        )
        self.withdraw_button = self._button("&Withdraw…", "Withdraw the chosen absence")
        self.close_button = self._button("&Close", "Close")
        self.record_button.clicked.connect(lambda: self.open_form(RECORD))
        self.correct_button.clicked.connect(lambda: self.open_form(CORRECT))
        self.end_button.clicked.connect(lambda: self.open_form(END))
        self.withdraw_button.clicked.connect(self.withdraw_chosen)
        self.close_button.clicked.connect(self.accept)
        self.message = QtWidgets.QLabel("Loading…")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Messages")
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.record_button, self.correct_button, self.end_button):
            buttons.addWidget(button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        order = [self.record_button, self.table, self.correct_button, self.end_button]
        order += [self.withdraw_button, self.close_button]
        for before, after in zip(order, order[1:], strict=False):
            QtWidgets.QWidget.setTabOrder(before, after)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        self._set_name(self.name)
        metrics = self.fontMetrics()  # every column in view, at any text size
        columns = sum(self.table.columnWidth(c) for c in range(len(COLUMNS)))
        self.resize(columns + metrics.horizontalAdvance("MMMM"), metrics.height() * 22)
        self._enable()
        runner.changed.connect(self._changed)
        self.refresh()
        self.record_button.setFocus()  # on from the start: focus starts on it

    def _button(self, text: str, name: str) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(name)
        self.enter.watch(button)  # none is the default: Enter on the list does nothing
        return button

    def fit_columns(self) -> None:
        """Columns sized from sample text at the current text size (nothing jumps)."""
        metrics = self.table.fontMetrics()
        pad = metrics.horizontalAdvance("MM")
        for column, sample in enumerate(SAMPLES):
            widest = max(metrics.horizontalAdvance(t) for t in (sample, COLUMNS[column]))
            self.table.setColumnWidth(column, widest + pad)

    def _set_name(self, name: str) -> None:
        self.name = name
        self.setWindowTitle(f"Absences: {name}")
        self.setAccessibleName(f"Absences of {name}")
        self.heading.setText(f"<h2>Absences: {name.replace('<', '&lt;')}</h2>")
        self.heading.setAccessibleName(f"Absences of {name}")
        self.table.setAccessibleName(f"Absences of {name}")

    def chosen(self) -> AbsenceRow | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() else None

    def _enable(self) -> None:
        may = self.page is not None and self.page.may_record
        row = self.chosen()
        self.record_button.setEnabled(self.page is None or may)  # before the read: pending
        self.correct_button.setEnabled(may and row is not None)
        self.end_button.setEnabled(may and row is not None and row.last_day is None)
        self.withdraw_button.setEnabled(may and row is not None)

    def _changed(self, changes: Changes) -> None:
        if changes.rows_of(self.employee_id):
            self.refresh()

    def refresh(self) -> None:
        c, person = self.context, self.employee_id

        def query(_control: Any) -> AbsencePage:
            from lcc_apr.attendance.policy import default_attendance_policy
            from lcc_apr.ops.absence_view import absence_page

            policy = default_attendance_policy()
            return absence_page(c.store, user=c.user, employee_id=person, policy=policy)

        self.runner.read(
            query,
            on_done=self._loaded,
            on_error=lambda e: self.message.setText(f"Could not read the absences: {e}"),
            name="absences",
        )

    def _loaded(self, page: AbsencePage) -> None:
        chosen, first = self.chosen(), self.page is None
        self.page = page
        self._set_name(page.name)
        self.model.set_rows(page.rows)
        ids = [r.absence_id for r in page.rows]
        if chosen is not None and chosen.absence_id in ids:
            self.table.selectRow(ids.index(chosen.absence_id))
        count = len(page.rows)
        text = f"{count} absence{'s' if count != 1 else ''} held on this computer."
        if not count:
            text = "No absences held on this computer."
        text = text if page.may_record else f"{text} {page.why_not}"
        self.message.setText(f"{self.notice} {text}" if self.notice else text)
        self._enable()
        if first and not page.may_record:
            self.table.setFocus()
        if self.pending and page.may_record:  # Record pressed before the list came
            self.open_form(RECORD)
        self.pending = False

    def open_form(self, mode: str) -> AbsenceForm | None:
        """The record, correct or back-at-work form, over this dialog (one at a time)."""
        page, row = self.page, self.chosen()
        if page is None:
            self.pending = mode == RECORD  # opens once the list (and the reasons) come
            return None
        if mode != RECORD and row is None:
            return None
        form = AbsenceForm(
            self.context,
            self.runner,
            mode=mode,
            employee_id=self.employee_id,
            name=page.name,
            reasons=page.reasons,
            note=page.flags_note,
            row=row if mode != RECORD else None,
            parent=self,
        )
        form.setWindowModality(Qt.WindowModality.WindowModal)
        form.saved.connect(lambda _saved: self._saved(mode))
        form.finished.connect(lambda _r: self._form_closed(form))
        self.form = form
        form.open()
        return form

    def _form_closed(self, form: AbsenceForm) -> None:
        if self.form is form:
            self.form = None
        form.deleteLater()

    def _saved(self, mode: str) -> None:
        done = {RECORD: "recorded", CORRECT: "corrected", END: "ended"}[mode]
        self._notify(f"The absence was {done}; HR is told at the next sync.")

    def _notify(self, text: str) -> None:
        self.notice = text
        self.message.setText(text)

    def withdraw_chosen(self) -> None:
        row = self.chosen()
        if row is None or not self.confirm_withdraw(self, row, self.name):
            return
        c = self.context

        def op(_control: Any) -> Any:
            from lcc_apr.ops.absences import withdraw_absence

            return withdraw_absence(c.store, user=c.user, absence_id=row.absence_id)

        self.runner.write(
            op,
            on_done=lambda _s: self._notify("The absence was withdrawn."),
            on_error=lambda e: self.message.setText(str(e)),
            name="withdraw absence",
        )
