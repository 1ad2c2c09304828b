"""Unresolved conflicts as a list (model/view); each opens the dialog."""

from __future__ import annotations

from typing import Any

from lcc_apr.forms import Catalogue
from lcc_apr.ops import Changes
from lcc_apr.ops.conflicts import ConflictRow, day_words, list_conflicts
from lcc_apr.store import Store

from ..qt import ModelIndex, Qt, QtCore, QtWidgets, Signal
from ..tasks import TaskRunner
from .dialog import ConflictDialog, _label


class ConflictsModel(QtCore.QAbstractTableModel):
    """Unresolved conflicts, one per row: form, person, date, what to decide."""

    HEADERS = ("Record", "Person", "Date", "To decide")

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ConflictRow] = []

    def set_rows(self, rows: list[ConflictRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(
        self,
        index: ModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            day = row.record_date
            texts = (row.form, row.person, day_words(day) if day else "", row.what)
            return texts[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return row.record_id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class ConflictsList(QtWidgets.QWidget):
    """Every record waiting for the person's decision; Enter or double-click opens one."""

    resolved = Signal(str)  # a record id, once its conflict is settled

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        *,
        runner: TaskRunner,
        user_id: int | None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.catalogue, self.runner, self.user_id = store, catalogue, runner, user_id
        self.dialog: ConflictDialog | None = None
        self.setAccessibleName("Records to resolve")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(_label("Records changed here and on the server", bold=True))
        self.summary = _label("Looking for records to resolve…", "Summary")
        layout.addWidget(self.summary)
        self.model = ConflictsModel(self)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Records to resolve")
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(self.open_row)
        layout.addWidget(self.table, 1)
        self.open_button = QtWidgets.QPushButton("&Resolve…")
        self.open_button.setAccessibleName("Resolve the selected record")
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentIndex()))
        row = QtWidgets.QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        runner.changed.connect(self._changed)  # a sync that finds more, or one resolved
        self.refresh()

    def _changed(self, changes: Changes) -> None:
        if changes.conflicts or changes.everything:
            self.refresh()

    def refresh(self) -> None:
        """Read the conflicts again (a read query); the table updates when it returns."""
        self.runner.read(
            lambda _c: list_conflicts(self.store, catalogue=self.catalogue),
            on_done=self._show_rows,
            name="list conflicts",
        )

    def _show_rows(self, rows: list[ConflictRow]) -> None:
        self.model.set_rows(rows)
        count = len(rows)
        if count:
            noun = "record needs" if count == 1 else "records need"
            self.summary.setText(
                f"{count} {noun} your decision before {'it' if count == 1 else 'they'} can be sent."
            )
            self.table.selectRow(0)
        else:
            self.summary.setText("Nothing to resolve: every change can be sent.")
        self.open_button.setEnabled(bool(count))
        self.table.resizeColumnsToContents()

    def open_row(self, index: QtCore.QModelIndex) -> ConflictDialog | None:
        """Open the dialog for a row (window-modal); refreshes when it closes."""
        if not index.isValid():
            return None
        record_id = self.model.rows[index.row()].record_id
        dialog = ConflictDialog(
            self.store,
            self.catalogue,
            record_id,
            runner=self.runner,
            user_id=self.user_id,
            parent=self,
        )
        dialog.finished.connect(lambda result: self._closed(dialog, record_id, result))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog: ConflictDialog, record_id: str, result: int) -> None:
        """A resolution's Changes refresh the list; closing without one changes nothing."""
        self.dialog = None
        dialog.deleteLater()
        if result == QtWidgets.QDialog.DialogCode.Accepted:
            self.resolved.emit(record_id)
