"""Find a person (Ctrl+K): type a name, payroll number or job; Enter or double-click opens
their profile. The search runs in a read task within the signed-in person's scope
(lcc_apr.ops.profiles.find_people); answers to older text are dropped."""

from __future__ import annotations

from typing import Any

from lcc_apr.ops.profiles import FOUND_AT_MOST, FoundPerson, find_people

from .context import AppContext
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import TaskRunner

COLUMNS = ("Name", "Payroll no.", "Job title", "Department")


def person_cells(person: FoundPerson) -> tuple[str, str, str, str]:
    """One row: name, payroll number, job (and the leaving date, if any), department."""
    job = person.job_title
    if person.leaving_date:
        job += f" (leaving {person.leaving_date.day} {person.leaving_date:%b %Y})"
    return (person.name, person.payroll_number, job, person.department)


class FindPersonDialog(QtWidgets.QDialog):
    chosen = Signal(int)  # employee id

    def __init__(
        self, context: AppContext, runner: TaskRunner, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context, self.runner = context, runner
        self.setWindowTitle("Find a person")
        self.setAccessibleName("Find a person")
        self.found: list[FoundPerson] = []
        self._asked = 0  # the latest search sent; older answers are dropped
        self._open_when_found = False  # Enter pressed before the answer came
        self.text = QtWidgets.QLineEdit()
        self.text.setPlaceholderText("Name, payroll number or job")
        self.text.setAccessibleName("Find a person by name, payroll number or job")
        self.text.setClearButtonEnabled(True)
        label = QtWidgets.QLabel("&Find:")
        label.setBuddy(self.text)
        self.list = QtWidgets.QTreeWidget()
        self.list.setAccessibleName("People found")
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAllColumnsShowFocus(True)
        self.status = QtWidgets.QLabel("Type a name, a payroll number or a job.")
        self.status.setAccessibleName("Search result")
        self.status.setWordWrap(True)
        self.open_button = QtWidgets.QPushButton("&Open profile")
        self.open_button.setAccessibleName("Open the chosen person's profile")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._choose)
        close = QtWidgets.QPushButton("Close")
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.text, 1)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._typing = QtCore.QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(200)
        self._typing.timeout.connect(self.search)
        self.text.textChanged.connect(lambda _t: self._typing.start())
        self.text.installEventFilter(self)  # arrows move in the list, Enter opens
        self.list.itemActivated.connect(lambda _item, _column: self._choose())
        self.list.currentItemChanged.connect(
            lambda item, _old: self.open_button.setEnabled(item is not None)
        )
        width = self.fontMetrics().averageCharWidth()
        self.resize(width * 110, self.fontMetrics().height() * 24)

    def search(self) -> None:
        self._typing.stop()
        text = self.text.text()
        self._asked += 1
        asked = self._asked
        if not text.strip():
            self._show([], asked, text)
            return
        c = self.context
        self.status.setText("Searching…")

        def query(_control: Any) -> list[FoundPerson]:
            return find_people(c.store, text=text, user=c.user, policy=c.policy)

        self.runner.read(
            query,
            on_done=lambda found: self._show(found, asked, text),
            on_error=lambda error: self.status.setText(f"Could not search: {error}"),
            name="find a person",
        )

    def _show(self, found: list[FoundPerson], asked: int, text: str) -> None:
        if asked != self._asked:
            return
        self.found = found
        self.list.clear()
        for person in found:
            item = QtWidgets.QTreeWidgetItem(list(person_cells(person)))
            item.setData(0, Qt.ItemDataRole.UserRole, person.employee_id)
            self.list.addTopLevelItem(item)
        gap = self.list.fontMetrics().averageCharWidth() * 3  # space between columns
        for column in range(len(COLUMNS) - 1):
            self.list.resizeColumnToContents(column)
            self.list.setColumnWidth(column, self.list.columnWidth(column) + gap)
        if found:
            self.set_row(0)
        if self._open_when_found:
            self._open_when_found = False
            self._choose()
        if not text.strip():
            self.status.setText("Type a name, a payroll number or a job.")
        elif not found:
            self.status.setText(f"Nobody you can see matches “{text.strip()}”.")
        elif len(found) >= FOUND_AT_MOST:
            self.status.setText(f"The first {len(found)} people; type more to narrow it.")
        else:
            self.status.setText(f"{len(found)} {'person' if len(found) == 1 else 'people'}.")

    def row(self) -> int:
        item = self.list.currentItem()
        return self.list.indexOfTopLevelItem(item) if item is not None else -1

    def set_row(self, row: int) -> None:
        item = self.list.topLevelItem(row)
        if item is not None:
            self.list.setCurrentItem(item)

    def _choose(self) -> None:
        row = self.row()
        if 0 <= row < len(self.found):
            self.chosen.emit(self.found[row].employee_id)
            self.accept()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.text and event.type() == QtCore.QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.found:
                step = 1 if key == Qt.Key.Key_Down else -1
                self.set_row(max(0, min(len(self.found) - 1, self.row() + step)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._typing.isActive() or self.status.text() == "Searching…":
                    self._open_when_found = True  # the first found for what was typed
                    if self._typing.isActive():
                        self.search()
                else:
                    self._choose()
                return True
        return super().eventFilter(watched, event)
