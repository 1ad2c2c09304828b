"""'HR intake' (HR only): the records that reached the end of their workflow and wait for
HR, with how their signatures stand. HR opens one (Enter), accepts the selected ones into
the HR register, or returns one to its manager with a note. Accept and Return are write
ops (lcc_apr.ops.intake) on the task runner; the page refreshes from the Changes they
return, like every page. Both ask first, and the question's default button is Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lcc_apr.models import RecordKind
from lcc_apr.ops import Changes

from .context import AppContext
from .hr_intake_model import IntakeModel
from .hr_return import ask_note
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import Task, TaskRunner
from .theme import fit_rows

if TYPE_CHECKING:  # SQLAlchemy: the ops load in their tasks
    from lcc_apr.ops.intake import Decided, IntakeRow

TITLE = "HR intake"
KINDS = (("", "All kinds"), *((kind.value, kind.plural) for kind in RecordKind))
ConfirmAccept = Callable[[QtWidgets.QWidget, list["IntakeRow"]], bool]
AskNote = Callable[..., str | None]  # (parent, *, title, prompt, about) -> note or None


def about_row(row: IntakeRow) -> str:
    """'Annual Performance Review for Sam Smith (payroll 100042), Completed'."""
    return f"{row.kind} for {row.person} (payroll {row.payroll_number}), {row.status}"


def confirm_accept_dialog(parent: QtWidgets.QWidget, rows: list[IntakeRow]) -> bool:
    """Accepting is confirmed; the default button is Cancel."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    box.setWindowTitle("Accept into the HR register")
    box.setAccessibleName("Accept into the HR register?")
    what = about_row(rows[0]) if len(rows) == 1 else f"these {len(rows):,} records"
    box.setText(f"Accept {what} into the HR register?")
    box.setInformativeText(
        "Accepted records are locked and go in the next export to the HR system."
    )
    accept = box.addButton("&Accept", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    accept.setAccessibleName("Accept into the HR register")
    cancel = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    cancel.setAccessibleName("Cancel: accept nothing")
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is accept


class HrIntakeView(QtWidgets.QWidget):
    open_record = Signal(str)

    def __init__(
        self,
        *,
        context: AppContext,
        runner: TaskRunner,
        confirm_accept: ConfirmAccept = confirm_accept_dialog,
        ask_return_note: AskNote = ask_note,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(TITLE)
        self.context, self.runner = context, runner
        self.confirm_accept, self.ask_return_note = confirm_accept, ask_return_note
        self.task: Task | None = None  # the decision being written
        heading = QtWidgets.QLabel(f"<h2>{TITLE}</h2>")
        heading.setAccessibleName(TITLE)
        self.filter_box = QtWidgets.QLineEdit()
        self.filter_box.setPlaceholderText("Filter by name or payroll number (Ctrl+F)")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAccessibleName("Filter by name or payroll number")
        filter_label = QtWidgets.QLabel("F&ilter:")
        filter_label.setBuddy(self.filter_box)
        self.kind = QtWidgets.QComboBox()
        self.kind.setAccessibleName("Kind of record")
        for kind, label in KINDS:
            self.kind.addItem(label, kind)
        self.model = IntakeModel(context, runner)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Records waiting for HR")
        self.table.setAccessibleDescription(
            "Enter opens the record; select several to accept them together"
        )
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(self._activated)
        self.summary = QtWidgets.QLabel("Loading…")
        self.summary.setAccessibleName("Records waiting")
        self.summary.setWordWrap(True)
        self.message = QtWidgets.QLabel("")
        self.message.setAccessibleName("What happened")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.open_button = self._button("&Open", "Open the record", self.open_current)
        self.accept_button = self._button(
            "&Accept into the HR register…", "Accept the selected records", self.accept_selected
        )
        self.return_button = self._button(
            "&Return to the manager…", "Return the selected record with a note", self.return_one
        )
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_box, 1)
        bar.addWidget(self.kind)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.open_button, self.accept_button, self.return_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        QtWidgets.QWidget.setTabOrder(self.filter_box, self.kind)
        QtWidgets.QWidget.setTabOrder(self.kind, self.table)
        self._typing = QtCore.QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(300)
        self._typing.timeout.connect(lambda: self.model.set_filter(person=self.filter_box.text()))
        self.filter_box.textChanged.connect(lambda _t: self._typing.start())
        self.kind.currentIndexChanged.connect(
            lambda _i: self.model.set_filter(kind=self.chosen_kind())
        )
        self.model.loaded.connect(self._loaded)
        self.model.searching.connect(lambda: self.summary.setText("Searching…"))
        self.model.failed.connect(lambda why: self.summary.setText(f"Could not read: {why}"))
        self.model.modelReset.connect(self._selection_changed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        fit_rows(self.table)
        self._fit_columns()
        self._selection_changed()

    def chosen_kind(self) -> RecordKind | None:
        value = self.kind.currentData()  # the kind's value: Qt hands back a plain str
        return RecordKind(value) if value else None

    def _button(self, text: str, name: str, slot: Callable[[], Any]) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(name)
        button.setAutoDefault(False)  # Enter in the table opens; it never accepts or returns
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- the page protocol ----------------------------------------------------------

    def shows(self, changes: Changes) -> bool:
        """Records moved on (accepted, returned, completed elsewhere and synced)."""
        return changes.lists_of(None)

    def refresh(self) -> None:
        self.model.reload()

    def focus_filter(self) -> None:
        self.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_box.selectAll()

    # -- showing -----------------------------------------------------------------------

    def _loaded(self) -> None:
        total, shown = self.model.total or 0, len(self.model.rows)
        filtered = bool(self.model.person.strip()) or self.model.kind is not None
        if total == 0:
            self.summary.setText(
                "Nothing matches the filter." if filtered else "No records wait for HR."
            )
        else:
            what = "1 record" if total == 1 else f"{total:,} records"
            more = f" ({shown:,} shown; scroll for more)" if shown < total else ""
            match = " match the filter" if filtered else f" wait{'s' if total == 1 else ''} for HR"
            self.summary.setText(f"{what}{match}{more}, the longest waiting first.")
        if self.table.currentIndex().row() < 0 and self.model.rows:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._selection_changed()

    def selected_rows(self) -> list[IntakeRow]:
        chosen = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[n] for n in chosen if n < len(self.model.rows)]

    def _selection_changed(self, *_args: Any) -> None:
        chosen, idle = len(self.selected_rows()), self.task is None
        self.open_button.setEnabled(self._current() is not None)
        self.accept_button.setEnabled(idle and chosen > 0)
        self.return_button.setEnabled(idle and chosen == 1)

    def _current(self) -> IntakeRow | None:
        row = self.table.currentIndex().row()
        return self.model.rows[row] if 0 <= row < len(self.model.rows) else None

    def _fit_columns(self) -> None:
        """Widths from the text they hold, so they follow the text size."""
        metrics, pad = self.table.fontMetrics(), self.table.fontMetrics().horizontalAdvance("MM")
        samples = ("Christopher Lloyd-Davies", "Payroll no.", "Supervision", "30 Nov 2026")
        for column, sample in enumerate((*samples, "Completed")):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + pad)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            fit_rows(self.table)
            self._fit_columns()
        super().changeEvent(event)

    # -- opening and deciding ----------------------------------------------------------

    def _activated(self, index: QtCore.QModelIndex) -> None:
        if index.isValid() and index.row() < len(self.model.rows):
            self.open_record.emit(self.model.rows[index.row()].record_id)

    def open_current(self) -> None:
        row = self._current()
        if row is not None:
            self.open_record.emit(row.record_id)

    def accept_selected(self) -> Task | None:
        from lcc_apr.ops import intake as ops

        rows = self.selected_rows()
        if not rows or self.task is not None or not self.confirm_accept(self, rows):
            return None
        ids, c, at = [r.record_id for r in rows], self.context, datetime.now(UTC)
        return self._decide(
            lambda _c: ops.accept(
                c.store, user=c.user, record_ids=ids, catalogue=c.catalogue, at=at
            ),
            "Accepting…",
        )

    def return_one(self) -> Task | None:
        from lcc_apr.ops import intake as ops

        rows = self.selected_rows()
        if len(rows) != 1 or self.task is not None:
            return None
        row = rows[0]
        title, prompt = ops.return_wording(row)
        note = self.ask_return_note(self, title=title, prompt=prompt, about=about_row(row))
        if not note:
            return None
        c, at = self.context, datetime.now(UTC)
        return self._decide(
            lambda _c: ops.return_to_manager(
                c.store,
                user=c.user,
                record_id=row.record_id,
                note=note,
                catalogue=c.catalogue,
                at=at,
            ),
            "Returning…",
            returned_to=row.manager,
        )

    def _decide(self, op: Any, doing: str, returned_to: str | None = None) -> Task:
        self.message.setText(doing)
        task = self.runner.write(
            op,
            on_done=lambda done: self._decided(done, returned_to),
            on_error=self._refused,
            name="hr intake",
        )
        self.task = None if task.done else task  # a test's inline runner: already done
        self._selection_changed()
        return task

    def _decided(self, done: Decided, returned_to: str | None) -> None:
        self.task = None
        if returned_to is not None:
            self.message.setText(f"Returned to {returned_to} with your note.")
        else:
            what = "1 record" if done.count == 1 else f"{done.count:,} records"
            self.message.setText(f"Accepted {what} into the HR register.")
        self._selection_changed()  # the list itself refreshes from the op's Changes

    def _refused(self, error: BaseException) -> None:
        self.task = None
        self.message.setText(f"Nothing was changed: {error}")
        self._selection_changed()
