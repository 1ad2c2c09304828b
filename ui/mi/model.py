"""One management-information view's figures as a Qt table: the cells' text exactly as the
core released it (so nothing withheld can show), total rows in bold, and rows outside the
equality band marked "!" in a column of their own (never by colour alone). UI thread only."""

from __future__ import annotations

from typing import Any

from lcc_apr.mi.table import Table

from ..qt import ModelIndex, Qt, QtCore, QtGui

FLAG = "▲"  # as the chart's key marks a group outside the band
FLAG_HEADER = "Outside band"


def band_words(table: Table) -> str:
    band = table.chart.band
    return f"outside {band[0]:g} to {band[1]:g}" if band else "flagged"


class ViewModel(QtCore.QAbstractTableModel):
    """The rows of one Table; `set_table` swaps them (None: no rows)."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.table: Table | None = None
        self.flag_column = False  # whether the flag column is shown

    def set_table(self, table: Table | None) -> None:
        self.beginResetModel()
        self.table = table
        rows = table.rows if table is not None else ()
        self.flag_column = table is not None and (
            table.chart.band is not None or any(r.flagged for r in rows)
        )
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.table is None:
            return 0
        return len(self.table.rows)

    def columnCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.table is None:
            return 0
        return 1 + len(self.table.columns) + (1 if self.flag_column else 0)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if self.table is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return None
        return (self.table.stub, *self.table.columns, FLAG_HEADER)[section]

    def text(self, row: int, column: int) -> str:
        """What a cell shows (and a screen reader reads)."""
        assert self.table is not None
        found = self.table.rows[row]
        if column == 0:
            return found.label
        if column <= len(found.cells):
            return found.cells[column - 1].text
        return FLAG if found.flagged else ""

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid() or self.table is None:
            return None
        row, column = index.row(), index.column()
        found = self.table.rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = self.text(row, column)
            if text == FLAG:
                return f"Flagged: {band_words(self.table)}"
            return text
        if role == Qt.ItemDataRole.ToolTipRole and column > len(found.cells) and found.flagged:
            return f"This group's figure is {band_words(self.table)}."
        if role == Qt.ItemDataRole.FontRole and found.total:
            font = QtGui.QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
