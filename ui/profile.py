"""A person's profile page: their details, line manager, and every record in date order
(lcc_apr.ops.profiles.person_profile, in a read task). Enter or double-click on a record
opens it; 'Records and new…' opens the person's records window."""

from __future__ import annotations

from typing import Any

from lcc_apr.ops import Changes
from lcc_apr.ops.list_export import ListChoice, ListKind
from lcc_apr.ops.profiles import Profile, person_profile

from .context import AppContext
from .days import day_text
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import TaskRunner
from .theme import fit_rows

DETAILS = (
    ("Known as", lambda p: p.name),
    ("Legal name", lambda p: p.legal_name),
    ("Payroll number", lambda p: p.payroll_number),
    ("Job title", lambda p: f"{p.job_title} (grade {p.grade})"),
    ("Department", lambda p: p.department),
    ("Line manager", lambda p: p.manager or "None recorded"),
    ("Email", lambda p: p.email or "None recorded"),
    ("Started", lambda p: day_text(p.start_date)),
    ("Leaving", lambda p: day_text(p.leaving_date) if p.leaving_date else "Not leaving"),
)


class ProfileWindow(QtWidgets.QDialog):
    open_record = Signal(str)
    open_employee = Signal(int)  # the person's records window (kinds and New)

    def __init__(
        self,
        context: AppContext,
        runner: TaskRunner,
        employee_id: int,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context, self.runner, self.employee_id = context, runner, employee_id
        self.profile: Profile | None = None
        self.setWindowTitle("Profile")
        self.setAccessibleName("Person's profile")
        self.heading = QtWidgets.QLabel("Loading…")
        self.heading.setAccessibleName("Name")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.details = QtWidgets.QFormLayout()
        self.values: dict[str, QtWidgets.QLabel] = {}
        for title, _value in DETAILS:
            value = QtWidgets.QLabel("")
            value.setAccessibleName(title)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[title] = value
            self.details.addRow(f"{title}:", value)
        records_label = QtWidgets.QLabel("<b>Records</b>, oldest first")
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Date", "Record", "Stage"])
        self.table.setAccessibleName("Records, oldest first")
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        fit_rows(self.table)
        self.table.activated.connect(self._open)
        self.table.doubleClicked.connect(self._open)
        self.message = QtWidgets.QLabel("")
        self.message.setAccessibleName("Messages")
        self.message.setWordWrap(True)
        self.records_button = QtWidgets.QPushButton("&Records and new…")
        self.records_button.setAccessibleName("Open the person's records window")
        self.records_button.setAutoDefault(False)
        self.records_button.clicked.connect(lambda: self.open_employee.emit(self.employee_id))
        self.export_button = QtWidgets.QPushButton("&Export records…")
        self.export_button.setAccessibleName("Export the person's records as CSV or XLSX")
        self.export_button.setAutoDefault(False)
        self.export_button.setVisible(context.user.is_hr or context.user.is_manager)
        self.export_button.clicked.connect(self.export)
        close = QtWidgets.QPushButton("&Close")
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.records_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.details)
        layout.addWidget(records_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 90, metrics.height() * 40)
        runner.changed.connect(self._changed)
        self.refresh()

    def refresh(self) -> None:
        c, me = self.context, self.employee_id

        def query(_control: Any) -> Profile:
            return person_profile(
                c.store, employee_id=me, user=c.user, policy=c.policy, catalogue=c.catalogue
            )

        self.runner.read(query, on_done=self._loaded, on_error=self._failed, name="profile")

    def _changed(self, changes: Changes) -> None:
        if changes.rows_of(self.employee_id):
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.heading.setText("Profile not shown")
        self.message.setText(str(error))
        self.records_button.setEnabled(False)
        self.export_button.setEnabled(False)

    def _loaded(self, profile: Profile) -> None:
        self.profile = profile
        self.setWindowTitle(f"{profile.name}: profile")
        self.heading.setText(profile.name)
        for title, value in DETAILS:
            self.values[title].setText(value(profile))
        self.table.setRowCount(len(profile.records))
        for row, record in enumerate(profile.records):
            day = day_text(record.record_date) if record.record_date else "Undated"
            for column, text in enumerate((day, record.kind, record.status)):
                cell = QtWidgets.QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, record.id)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        count = len(profile.records)
        self.message.setText(f"{count} record{'' if count == 1 else 's'}.")

    def export_choice(self) -> ListChoice:
        return ListChoice(ListKind.PERSON, employee_id=self.employee_id)

    def export(self) -> None:
        from .list_export import export_list_to_file

        export_list_to_file(
            self, self.context, self.runner, self.export_choice(), message=self.message.setText
        )

    def _open(self, index: QtCore.QModelIndex) -> None:
        if index.isValid():
            self.open_record.emit(index.data(Qt.ItemDataRole.UserRole))

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            fit_rows(self.table)
        super().changeEvent(event)
