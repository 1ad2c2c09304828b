"""HR's audit viewer: who viewed, changed, signed, printed, exported or was refused what,
and when, read from the server a page at a time as HR scrolls (lcc_apr.ops.audit_view);
filters by person, user, record, event and dates; Export CSV saves the filtered view.
The server audits each view and export. Nothing here decides anything."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcc_apr.ops import Changes
from lcc_apr.ops.audit_events import EVENTS, AuditQuery

from .context import AppContext
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import TaskRunner

if TYPE_CHECKING:  # SQLAlchemy: the ops load in their read tasks
    from lcc_apr.ops.audit_view import AuditPage, AuditRow

COLUMNS = ("When", "Who", "What", "Outcome", "About", "Record")
# Widths from sample text (not from the rows: nothing moves as pages come in)
SAMPLES = (
    "06 Dec 2026 09:12:59",
    "Christopher Lloyd-Davies",
    "Exported the audit log",
    "refused",
    "Christopher Lloyd-Davies",
    "",
)
ANY = "(anyone)"
EARLIEST = QtCore.QDate(2000, 1, 1)
FIT_LENGTH = QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon


def name_inner(widget: QtWidgets.QWidget, name: str) -> None:
    """The line edit and buttons inside a combo box or date edit carry its name too."""
    for inner in widget.findChildren(QtWidgets.QLineEdit):
        inner.setAccessibleName(name)
    for button in widget.findChildren(QtWidgets.QAbstractButton):
        button.setAccessibleName(f"{name}: clear")


def contains_completer(combo: QtWidgets.QComboBox) -> QtWidgets.QCompleter:
    """Completes a name or payroll number typed anywhere in an item."""
    completer = QtWidgets.QCompleter(combo.model(), combo)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QtWidgets.QCompleter.CompletionMode.PopupCompletion)
    return completer


class AuditModel(QtCore.QAbstractTableModel):
    """Pages of audit entries; the next page is asked for as the table scrolls to the end."""

    loaded = Signal(int)  # rows now held
    failed = Signal(str)

    def __init__(self, context: AppContext, runner: TaskRunner) -> None:
        super().__init__()
        self.context, self.runner = context, runner
        self.rows: list[AuditRow] = []
        self.query: AuditQuery | None = None  # None: nothing asked for yet
        self.next: str | None = None
        self.loading = False
        self.generation = 0

    def rowCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Any, role: int = 0) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return None
        row = self.rows[index.row()]
        when = row.at.astimezone().strftime("%d %b %Y %H:%M:%S")
        return (when, row.who, row.event, row.outcome, row.person, row.record)[index.column()]

    def canFetchMore(self, parent: Any = QtCore.QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.next is not None and not self.loading

    def fetchMore(self, parent: Any = QtCore.QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._load(self.next)

    def search(self, query: AuditQuery) -> None:
        """The first page for these filters (the rows shown go at once)."""
        self.generation += 1
        self.beginResetModel()
        self.rows, self.query, self.next, self.loading = [], query, None, False
        self.endResetModel()
        self._load(None)

    def _load(self, cursor: str | None) -> None:
        assert self.query is not None
        self.loading = True
        generation, query, c = self.generation, self.query, self.context

        def read(_control: Any) -> AuditPage:
            from lcc_apr.ops.audit_view import audit_page

            return audit_page(c.store, c.hr_connection, query, cursor=cursor)

        self.runner.read(
            read,
            on_done=lambda page: self._arrived(generation, page),
            on_error=lambda error: self._failed(generation, error),
            name="audit page",
        )

    def _arrived(self, generation: int, page: AuditPage) -> None:
        if generation != self.generation:
            return
        self.loading, self.next = False, page.next
        if page.rows:
            start = len(self.rows)
            self.beginInsertRows(QtCore.QModelIndex(), start, start + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()
        self.loaded.emit(len(self.rows))

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self.generation:
            self.loading, self.next = False, None
            self.failed.emit(str(error))


class AuditView(QtWidgets.QWidget):
    """UI thread. The "Audit" page (HR only)."""

    def __init__(
        self, *, context: AppContext, runner: TaskRunner, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context, self.runner = context, runner
        self.setAccessibleName("Audit log")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(QtWidgets.QLabel("<h2>Audit log</h2>"))
        form = QtWidgets.QGridLayout()
        self.person = self._combo("About person", "Filter: the person the entry is about")
        self.user = self._combo("By user", "Filter: who did it")
        self.what = QtWidgets.QComboBox()
        self.what.setSizeAdjustPolicy(FIT_LENGTH)
        self.what.setMinimumContentsLength(12)
        self.what.setAccessibleName("What was done")
        self.what.addItem("(anything)", None)
        for value, label in EVENTS:
            self.what.addItem(label, value)
        self.record = QtWidgets.QLineEdit()
        self.record.setAccessibleName("Record id")
        self.record.setPlaceholderText("Record id (optional)")
        self.record.setClearButtonEnabled(True)
        name_inner(self.record, "Record id")
        self.date_from = self._date("From date")
        self.date_to = self._date("To date")
        for n, (label, widget) in enumerate(
            (
                ("&Person:", self.person),
                ("&User:", self.user),
                ("&What:", self.what),
                ("&Record:", self.record),
                ("Fro&m:", self.date_from),
                ("T&o:", self.date_to),
            )
        ):
            caption = QtWidgets.QLabel(label)
            caption.setBuddy(widget)
            form.addWidget(caption, n // 2, (n % 2) * 2)  # two to a row: fits 1024 px at 150%
            form.addWidget(widget, n // 2, (n % 2) * 2 + 1)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        layout.addLayout(form)
        buttons = QtWidgets.QHBoxLayout()
        self.show_button = QtWidgets.QPushButton("&Show entries")
        self.show_button.setAccessibleName("Show the audit entries for these filters")
        self.show_button.clicked.connect(self.search)
        self.export_button = QtWidgets.QPushButton("E&xport CSV…")
        self.export_button.setAccessibleName("Export the filtered entries as a CSV file")
        self.export_button.clicked.connect(self.export_csv)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.model = AuditModel(context, runner)
        self.table = QtWidgets.QTableView()
        self.table.setAccessibleName("Audit entries, newest first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        self.fit_columns()
        for corner in self.table.findChildren(QtWidgets.QAbstractButton):
            corner.setAccessibleName("Select every entry shown")
        layout.addWidget(self.table, 1)
        self.count = QtWidgets.QLabel("Choose filters, then Show entries.")
        self.count.setAccessibleName("How many entries are shown")
        layout.addWidget(self.count)
        self.model.loaded.connect(self._show_count)
        self.model.failed.connect(lambda why: self.count.setText(f"Could not read: {why}"))
        self._choices_read = False

    def fit_columns(self) -> None:
        """Each column as wide as its sample or title, at the current text size."""
        metrics = self.table.fontMetrics()
        pad = metrics.horizontalAdvance("MM")
        for column, sample in enumerate(SAMPLES[:-1]):
            width = max(metrics.horizontalAdvance(t) for t in (sample, COLUMNS[column]))
            self.table.setColumnWidth(column, width + pad)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self.fit_columns()
        super().changeEvent(event)

    def _combo(self, name: str, description: str) -> QtWidgets.QComboBox:
        combo = QtWidgets.QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        combo.setCompleter(contains_completer(combo))
        combo.setAccessibleName(name)
        combo.setAccessibleDescription(description)
        name_inner(combo, name)
        combo.addItem(ANY, None)
        # as wide as 16 letters at least, not as the longest of thousands of names: the
        # page fits a 1024-pixel screen at 150% text (names are found by typing)
        combo.setSizeAdjustPolicy(FIT_LENGTH)
        combo.setMinimumContentsLength(16)
        return combo

    def _date(self, name: str) -> QtWidgets.QDateEdit:
        edit = QtWidgets.QDateEdit()
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        name_inner(edit, name)
        edit.setDisplayFormat("dd MMM yyyy")
        edit.setMinimumDate(EARLIEST)
        edit.setSpecialValueText("(any)")  # shown at the minimum: no limit
        edit.setDate(EARLIEST)
        return edit

    # -- choices -------------------------------------------------------------------------

    def load_choices(self) -> None:
        """The people and users to filter on, from this computer's organisation."""
        store = self.context.store

        def read(_control: Any) -> tuple[list[Any], list[Any]]:
            from lcc_apr.ops.audit_view import people_choices, user_choices

            return people_choices(store), user_choices(store)

        self.runner.read(read, on_done=self._set_choices, name="audit choices")

    def _set_choices(self, found: tuple[list[Any], list[Any]]) -> None:
        people, users = found
        for combo, choices in ((self.person, people), (self.user, users)):
            for choice in choices:
                combo.addItem(choice.label, choice.value)
        self._choices_read = True

    # -- the query -----------------------------------------------------------------------

    def query(self) -> AuditQuery:
        def chosen(combo: QtWidgets.QComboBox) -> int | None:
            index = combo.findText(combo.currentText())
            return combo.itemData(index) if index > 0 else None

        def day(edit: QtWidgets.QDateEdit) -> date | None:
            return None if edit.date() == EARLIEST else edit.date().toPython()  # type: ignore[return-value]

        return AuditQuery(
            person=chosen(self.person),
            user=chosen(self.user),
            record=self.record.text().strip().lower() or None,
            event=self.what.currentData(),
            date_from=day(self.date_from),
            date_to=day(self.date_to),
        )

    def search(self) -> None:
        self.count.setText("Reading…")
        self.model.search(self.query())

    def _show_count(self, shown: int) -> None:
        more = "; scroll for more" if self.model.next else ""
        self.count.setText(f"{shown:,} entr{'y' if shown == 1 else 'ies'} shown{more}.")

    def export_csv(self, path: Path | None = None) -> None:
        """Save every entry the filters match (not only the pages read) as CSV."""
        if path is None:
            name, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export audit entries", "audit.csv", "CSV files (*.csv)"
            )
            if not name:
                return
            path = Path(name)
        query, c = self.query(), self.context

        def work(_control: Any) -> int:
            from lcc_apr.ops.audit_view import export_audit_csv

            return export_audit_csv(c.store, c.hr_connection, query, path)

        self.count.setText("Exporting…")
        self.runner.read(
            work,
            on_done=lambda n: self.count.setText(f"{n:,} entries saved to {path.name}."),
            on_error=lambda error: self.count.setText(f"Could not export: {error}"),
            name="audit export",
        )

    # -- the page protocol ---------------------------------------------------------------

    def shows(self, changes: Changes) -> bool:
        return False  # the audit log is the server's: nothing here changes it

    def refresh(self) -> None:
        """Read the choices once; the entries are read only when HR asks (each read is
        itself audited)."""
        if not self._choices_read:
            self.load_choices()

    def focus_filter(self) -> None:
        self.record.setFocus()  # Ctrl+F: the one plain text filter
        self.record.selectAll()
