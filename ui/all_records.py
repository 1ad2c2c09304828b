"""HR's list of every record: a paged model over SQL, fast with hundreds of thousands.

Sorting and filtering happen in the database; the view asks for the next page
(500 rows, a read task) as the person scrolls. Nothing here decides anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcc_apr.models import RecordKind
from lcc_apr.ops import Changes

from .context import AppContext
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import TaskRunner

if TYPE_CHECKING:  # SQLAlchemy: the ops load in their read tasks
    from lcc_apr.ops.list_export import ListChoice
    from lcc_apr.ops.records import ListedRecord

PAGE = 500
COLUMNS = (
    ("person", "Person"),
    ("payroll", "Payroll no."),
    ("kind", "Record"),
    ("date", "Date"),
    ("status", "Stage"),
)
KINDS = (("", "All kinds"), *((kind.value, kind.plural) for kind in RecordKind))


class AllRecordsModel(QtCore.QAbstractTableModel):
    """Pages of records. A new sort or filter keeps the old rows on screen (and says it
    is searching) until the first page of the new ones arrives, then swaps them in."""

    loaded = Signal(int)  # rows now held
    searching = Signal()  # a new sort or filter is on its way
    failed = Signal(str)  # a page could not be read

    def __init__(self, context: AppContext, runner: TaskRunner) -> None:
        super().__init__()
        self.context, self.runner = context, runner
        self.rows: list[ListedRecord] = []
        self.sort_key, self.descending = "date", True
        self.kind, self.person = "", ""
        self._more, self._loading, self._generation = True, False, 0
        self._replace = False  # the page on its way replaces the rows shown

    # -- Qt model ----------------------------------------------------------------------

    def rowCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index: Any, role: int = 0) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return None
        row = self.rows[index.row()]
        day = f"{row.record_date.day} {row.record_date:%b %Y}" if row.record_date else ""
        return (row.person, row.payroll_number, row.kind, day, row.status)[index.column()]

    def canFetchMore(self, parent: Any = QtCore.QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: Any = QtCore.QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._loading:
            return
        self._load()

    def _load(self) -> None:
        self._loading = True
        offset = 0 if self._replace else len(self.rows)
        generation = self._generation
        key, desc, kind, person = self.sort_key, self.descending, self.kind, self.person
        c = self.context

        def query(_control: Any) -> list[ListedRecord]:
            from lcc_apr.ops.records import records_page

            return records_page(
                c.store,
                catalogue=c.catalogue,
                offset=offset,
                limit=PAGE,
                sort=key,
                descending=desc,
                kind=kind or None,
                person=person,
            )

        self.runner.read(
            query,
            on_done=lambda rows: self._arrived(generation, rows),
            on_error=lambda error: self._failed(generation, error),
            name="records page",
        )

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loading, self._replace, self._more = False, False, False
            self.failed.emit(str(error))

    def _arrived(self, generation: int, rows: list[ListedRecord]) -> None:
        if generation != self._generation:
            return  # a page for an old sort or filter
        self._loading = False
        self._more = len(rows) == PAGE
        if self._replace:
            self._replace = False
            self.beginResetModel()
            self.rows = list(rows)
            self.endResetModel()
        elif rows:
            self.beginInsertRows(
                QtCore.QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1
            )
            self.rows.extend(rows)
            self.endInsertRows()
        self.loaded.emit(len(self.rows))

    def sort(self, column: int, order: Any = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_key = COLUMNS[column][0]
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def set_filter(self, *, kind: str | None = None, person: str | None = None) -> None:
        self.kind = self.kind if kind is None else kind
        self.person = self.person if person is None else person
        self.reload()

    def reload(self) -> None:
        """Read the first page again; the rows shown stay until it arrives."""
        self._generation += 1
        self._replace, self._more = True, True
        self.searching.emit()
        self._load()


class AllRecordsView(QtWidgets.QWidget):
    open_record = Signal(str)

    def __init__(
        self, *, context: AppContext, runner: TaskRunner, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("All records")
        layout = QtWidgets.QVBoxLayout(self)
        title = QtWidgets.QLabel("<h2>All records</h2>")
        layout.addWidget(title)
        row = QtWidgets.QHBoxLayout()
        self.filter = QtWidgets.QLineEdit()
        self.filter.setPlaceholderText("Filter by name or payroll number (Ctrl+F)")
        self.filter.setAccessibleName("Filter records by name or payroll number")
        self.filter.setClearButtonEnabled(True)
        self.kind = QtWidgets.QComboBox()
        self.kind.setAccessibleName("Kind of record")
        for value, label in KINDS:
            self.kind.addItem(label, value)
        row.addWidget(self.filter, 1)
        row.addWidget(self.kind)
        layout.addLayout(row)
        self.model = AllRecordsModel(context, runner)
        self.table = QtWidgets.QTableView()
        self.table.setAccessibleName("Records")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self._fit_columns()
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.activated.connect(lambda i: self.open_record.emit(self.model.rows[i.row()].id))
        layout.addWidget(self.table, 1)
        self.count = QtWidgets.QLabel("")
        self.count.setAccessibleName("How many records are shown")
        layout.addWidget(self.count)
        self.model.loaded.connect(self._show_count)
        self.model.searching.connect(lambda: self.count.setText("Searching…"))
        self.model.failed.connect(lambda why: self.count.setText(f"Could not read records: {why}"))
        self._typing = QtCore.QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(300)
        self._typing.timeout.connect(lambda: self.model.set_filter(person=self.filter.text()))
        self.filter.textChanged.connect(lambda _t: self._typing.start())
        self.kind.currentIndexChanged.connect(
            lambda _i: self.model.set_filter(kind=self.kind.currentData())
        )

    def _show_count(self, shown: int) -> None:
        if not shown and self.model.person.strip():
            self.count.setText(f"No records for “{self.model.person.strip()}”.")
            return
        more = "; scroll for more" if self.model._more else ""
        self.count.setText(f"{shown:,} record{'' if shown == 1 else 's'} shown{more}.")

    def _fit_columns(self) -> None:
        """Widths from the text they hold, so they follow the text size."""
        metrics = self.table.fontMetrics()
        pad = metrics.horizontalAdvance("MM")
        for column, sample in enumerate(
            (
                "Christopher Lloyd-Davies",
                "Payroll no.MM",
                "Annual Performance Review",
                "30 Nov 2026",
            )
        ):
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + pad)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit_columns()
        super().changeEvent(event)

    def export_choice(self) -> ListChoice:
        """Every record the filter finds (not only the pages read), in the order shown."""
        from lcc_apr.ops.list_export import ListChoice, ListKind

        m = self.model
        return ListChoice(
            ListKind.RECORDS,
            sort=m.sort_key,
            descending=m.descending,
            record_kind=m.kind or None,
            person=m.person,
        )

    def shows(self, changes: Changes) -> bool:
        """Records added, removed or moved on (autosaves change nothing listed here)."""
        return changes.lists_of(None)

    def refresh(self) -> None:
        self.model.reload()

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()
