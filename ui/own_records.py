"""'My own records': the signed-in person's own records, with what is due, filtered as
typed; opening one asks the window to open it. Reads through ops in a read task."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from lcc_apr.ops import Changes

from .context import AppContext
from .days import day_text
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import TaskRunner
from .team_view import item_text
from .theme import fit_rows

if TYPE_CHECKING:  # SQLAlchemy: the op loads in its read task
    from lcc_apr.ops.records import OwnRecords


class OwnRecordsView(QtWidgets.QWidget):
    """'My own records': what is due for me, and my records (newest first)."""

    open_record = Signal(str)

    def __init__(
        self, *, context: AppContext, runner: TaskRunner, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("My own records")
        self.context = context
        self.runner = runner
        heading = QtWidgets.QLabel("<h2>My own records</h2>")
        heading.setAccessibleName("My own records")
        self.due = QtWidgets.QLabel()
        self.due.setWordWrap(True)
        self.due.setAccessibleName("What is due for you")
        self.due.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Record", "Date", "Status"])
        self.table.setAccessibleName("My records table")
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        fit_rows(self.table)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open)
        self.filter_box = QtWidgets.QLineEdit()
        self.filter_box.setPlaceholderText("Filter by record, date or status (Ctrl+F)")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAccessibleName("Filter")
        self.filter_box.setAccessibleDescription("Shows only the records whose row contains this")
        self.filter_box.textChanged.connect(self._apply_filter)
        filter_label = QtWidgets.QLabel("F&ilter:")
        filter_label.setBuddy(self.filter_box)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_box, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.due)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        QtWidgets.QWidget.setTabOrder(self.filter_box, self.table)

    def focus_filter(self) -> None:
        self.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_box.selectAll()

    def _apply_filter(self, text: str = "") -> None:
        needle = self.filter_box.text().strip().casefold()
        for row in range(self.table.rowCount()):
            cells = (self.table.item(row, c) for c in range(self.table.columnCount()))
            line = " ".join(c.text() for c in cells if c is not None).casefold()
            self.table.setRowHidden(row, bool(needle) and needle not in line)

    def shows(self, changes: Changes) -> bool:
        me = self.context.user.employee_id
        return me is not None and changes.lists_of(me)

    def refresh(self) -> None:
        me, c = self.context.user.employee_id, self.context
        if me is None:
            self.due.setText("This account has no staff record, so it has no records of its own.")
            self.table.setRowCount(0)
            return
        today = c.today()

        def query(_control: Any) -> OwnRecords:
            from lcc_apr.ops.records import own_records

            return own_records(
                c.store, employee_id=me, catalogue=c.catalogue, policy=c.policy, today=today
            )

        self.runner.read(query, on_done=lambda found: self._loaded(found, today), name="own")

    def _loaded(self, found: OwnRecords, today: date) -> None:
        due = [item_text(item, today) for item in found.due]
        self.due.setText(
            "Coming up for you: " + "; ".join(due) + "." if due else "Nothing is due for you."
        )
        self.table.setRowCount(len(found.records))
        for row, record in enumerate(found.records):
            day = day_text(record.record_date) if record.record_date else ""
            for column, text in enumerate((record.kind, day, record.status)):
                cell = QtWidgets.QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, record.id)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self._apply_filter()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            fit_rows(self.table)
        super().changeEvent(event)

    def _open(self, index: QtCore.QModelIndex) -> None:
        if index.isValid():
            self.open_record.emit(index.data(Qt.ItemDataRole.UserRole))
