"""Beside and instead of the form: the list of its sections, and the record's history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lcc_apr.forms import Section
from ui.qt import Qt, QtWidgets, Signal

from .form import muted


class ContentsList(QtWidgets.QListWidget):
    """One entry per section; Enter or a click chooses it (`chosen`: the section's key)."""

    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Sections of this form")
        self.setAccessibleDescription(
            "Enter goes to a section; sections with answers still needed say how many."
        )
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.itemActivated.connect(self._choose)
        self.itemClicked.connect(self._choose)

    def _choose(self, item: QtWidgets.QListWidgetItem) -> None:
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def fill(self, sections: Sequence[Section]) -> None:
        """Its width follows the text size (narrow: about 24 letters)."""
        self.clear()
        for section in sections:
            item = QtWidgets.QListWidgetItem(section.title)
            item.setData(Qt.ItemDataRole.UserRole, section.key)
            self.addItem(item)
        self.setSpacing(2)
        self.setFixedWidth(self.fontMetrics().averageCharWidth() * 24 + 16)

    def show_needed(
        self, missing: dict[str, int], titles: dict[str, str], visible: Callable[[str], bool]
    ) -> None:
        """Hide sections not shown; say how many answers each still needs."""
        for i in range(self.count()):
            item = self.item(i)
            key = item.data(Qt.ItemDataRole.UserRole)
            count = missing.get(key, 0)
            text = f"{titles[key]} ({count} needed)" if count else titles[key]
            if item.text() != text:
                item.setText(text)
                font = item.font()
                font.setBold(bool(count))
                item.setFont(font)
            item.setHidden(not visible(key))


class HistoryPage(QtWidgets.QWidget):
    """Who changed, shared, signed and printed the record, and when (newest first)."""

    def __init__(self) -> None:
        super().__init__()
        self.table = QtWidgets.QTableWidget(0, 3)
        table = self.table
        table.setAccessibleName("History of this record")
        table.setHorizontalHeaderLabels(["When", "Who", "What"])
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        table.setShowGrid(False)
        table.setWordWrap(True)  # long lines wrap; rows grow to fit them
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        self.note = QtWidgets.QLabel("Loading the history…")
        self.note.setWordWrap(True)
        muted(self.note)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addWidget(self.note)
        layout.addWidget(table, 1)

    def show_rows(self, rows: list[Any]) -> None:
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, text in enumerate((row.when, row.who, row.what)):
                self.table.setItem(index, column, QtWidgets.QTableWidgetItem(text))
        self.note.setText(
            "Newest first. Times are UK time." if rows else "Nothing is recorded yet."
        )
        for column in (0, 1):
            self.table.resizeColumnToContents(column)

    def show_failed(self) -> None:
        self.note.setText("The history could not be read on this computer.")
