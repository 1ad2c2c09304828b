"""The dry run's report as a table: kind, where in the file, who, what. A plain table
model over the core's rows (lcc_apr.ops.org_import_report.ReportRow), so a first import
of thousands of posts shows at once; a filter shows one kind."""

from __future__ import annotations

from typing import Any

from lcc_apr.ops.org_import_report import KINDS, ReportRow

from ..qt import ModelIndex, QtCore, QtWidgets
from ..theme import fit_rows

HEADINGS = ("Kind", "Where in the file", "Who", "What")
ALL = "Everything"
PLURAL = {"Error": "Errors", "Change": "Changes", "Leaver": "Leavers", "Mover": "Movers"}


class ReportModel(QtCore.QAbstractTableModel):
    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.every: list[ReportRow] = []
        self.rows: list[ReportRow] = []
        self.kind = ALL

    def set_rows(self, rows: list[ReportRow]) -> None:
        self.every = rows
        self.show_kind(self.kind)

    def show_kind(self, kind: str) -> None:
        self.beginResetModel()
        self.kind = kind
        self.rows = self.every if kind == ALL else [r for r in self.every if r.kind == kind]
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(HEADINGS)

    def data(self, index: ModelIndex, role: int = QtCore.Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            QtCore.Qt.ItemDataRole.DisplayRole,
            QtCore.Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        row = self.rows[index.row()]
        return (row.kind, row.where, row.who, row.what)[index.column()]

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: QtCore.Qt.Orientation,
        role: int = QtCore.Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == QtCore.Qt.Orientation.Horizontal and role == 0:
            return HEADINGS[section]
        return None


class ReportTable(QtWidgets.QWidget):
    """A 'Show' choice of kind above the table; both keyboard reachable."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ReportModel(self)
        self.show_box = QtWidgets.QComboBox()
        self.show_box.setAccessibleName("Show")
        self.show_box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.show_box.setAccessibleDescription("Which items of the report the table lists")
        self.show_box.currentIndexChanged.connect(self._kind_chosen)
        label = QtWidgets.QLabel("S&how:")
        label.setBuddy(self.show_box)
        self.view = QtWidgets.QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Dry run report")
        self.view.setAccessibleDescription("Each error, change, leaver, mover, add and account")
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        fit_rows(self.view)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.show_box)
        bar.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def set_rows(self, rows: list[ReportRow]) -> None:
        counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in KINDS}
        self.show_box.blockSignals(True)
        self.show_box.clear()
        self.show_box.addItem(f"{ALL} ({len(rows):,})", ALL)
        for kind in KINDS:
            if counts[kind]:
                self.show_box.addItem(f"{PLURAL.get(kind, kind + 's')} ({counts[kind]:,})", kind)
        self.show_box.setCurrentIndex(0)
        self.show_box.blockSignals(False)
        self.model.kind = ALL
        self.model.set_rows(rows)
        char = self.fontMetrics().averageCharWidth()
        for column, width in enumerate((9, 34, 32)):  # characters: Kind, Where, Who
            self.view.setColumnWidth(column, char * width)

    def _kind_chosen(self, _index: int) -> None:
        self.model.show_kind(self.show_box.currentData() or ALL)
