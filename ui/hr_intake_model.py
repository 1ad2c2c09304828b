"""The rows of HR's intake page: pages of the records waiting for HR (lcc_apr.ops.intake),
read in read tasks as the person scrolls, filtered by person and kind in the database.

UI thread only. A new filter keeps the rows on screen until the first page of the new
ones arrives; an answer for an older filter is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcc_apr.models import RecordKind

from .context import AppContext
from .days import day_text
from .qt import Qt, QtCore, Signal
from .tasks import TaskRunner

if TYPE_CHECKING:  # SQLAlchemy: the op loads in its read task
    from lcc_apr.ops.intake import IntakePage, IntakeRow

PAGE = 200
HEADINGS = ("Person", "Payroll no.", "Record", "Date", "Stage", "Signatures")
KIND = 2  # short ("APR") on screen, the form's title in its tooltip and to a screen reader
SIGNATURES = 5  # the column whose tooltip lists each signature


class IntakeModel(QtCore.QAbstractTableModel):
    loaded = Signal()  # a page arrived (`total` and `rows` are new)
    searching = Signal()  # a new filter is on its way
    failed = Signal(str)  # a page could not be read

    def __init__(self, context: AppContext, runner: TaskRunner) -> None:
        super().__init__()
        self.context, self.runner = context, runner
        self.rows: list[IntakeRow] = []
        self.total: int | None = None  # waiting in all, with the filter (None: not read yet)
        self.kind: RecordKind | None = None
        self.person = ""
        self._generation, self._loading, self._replace = 0, False, True

    # -- Qt model ----------------------------------------------------------------------

    def rowCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADINGS)

    def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADINGS[section]
        return None

    def data(self, index: Any, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == SIGNATURES:
            return "\n".join(row.signature_details) or row.signatures
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == KIND:
            return row.kind  # the form's full title
        if role == Qt.ItemDataRole.AccessibleTextRole and index.column() == KIND:
            return row.kind
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        day = day_text(row.record_date) if row.record_date else ""
        kind = row.record_kind.short_label if row.record_kind else row.kind
        cells = (row.person, row.payroll_number, kind, day, row.status, row.signatures)
        return cells[index.column()]

    def canFetchMore(self, parent: Any = QtCore.QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._loading and self._more()

    def fetchMore(self, parent: Any = QtCore.QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._load()

    def _more(self) -> bool:
        return self.total is not None and len(self.rows) < self.total

    # -- reading -----------------------------------------------------------------------

    def reload(self) -> None:
        """Read the first page again (the rows shown stay until it arrives)."""
        self._generation += 1
        self._replace = True
        self.searching.emit()
        self._load()

    def set_filter(self, *, person: str | None = None, kind: Any = False) -> None:
        """`kind`: a RecordKind, None for every kind; left out, unchanged."""
        self.person = self.person if person is None else person
        self.kind = self.kind if kind is False else kind
        self.reload()

    def _load(self) -> None:
        self._loading = True
        offset = 0 if self._replace else len(self.rows)
        generation, kind, person, c = self._generation, self.kind, self.person, self.context

        def query(_control: Any) -> IntakePage:
            from lcc_apr.ops.intake import intake_page

            return intake_page(
                c.store,
                user=c.user,
                catalogue=c.catalogue,
                offset=offset,
                limit=PAGE,
                kind=kind,
                person=person,
            )

        self.runner.read(
            query,
            on_done=lambda page: self._arrived(generation, page),
            on_error=lambda error: self._failed(generation, error),
            name="intake page",
        )

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loading = self._replace = False
            self.failed.emit(str(error))

    def _arrived(self, generation: int, page: IntakePage) -> None:
        if generation != self._generation:
            return  # a page for an older filter
        self._loading = False
        self.total = page.total
        if self._replace:
            self._replace = False
            self.beginResetModel()
            self.rows = list(page.rows)
            self.endResetModel()
        elif page.rows:
            first = len(self.rows)
            self.beginInsertRows(QtCore.QModelIndex(), first, first + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()
        self.loaded.emit()
