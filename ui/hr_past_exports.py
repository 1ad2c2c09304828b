"""The exports to the HR system made from this computer, newest first (read by the HR
export dialog through lcc_apr.ops.hr_export.past_exports); 'Make again' asks for one to
be written again, byte for byte, into the dialog's folder."""

from __future__ import annotations

from lcc_apr.ops.hr_export import PastExport

from .days import day_text
from .qt import Qt, QtWidgets, Signal

HEADINGS = ("Made", "File or folder", "Records", "Format", "By")
ID = Qt.ItemDataRole.UserRole


def made_text(past: PastExport) -> str:
    local = past.made_at.astimezone()
    return f"{day_text(local.date())} {local:%H:%M}"


class PastExportsBox(QtWidgets.QGroupBox):
    """UI thread. `again(export_id)` when HR asks for a past export to be made again."""

    again = Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Past exports", parent)
        self.setAccessibleName("Past exports")
        self.table = QtWidgets.QTreeWidget()
        self.table.setColumnCount(len(HEADINGS))
        self.table.setHeaderLabels(list(HEADINGS))
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAllColumnsShowFocus(True)
        self.table.setAccessibleName("Exports made from this computer, newest first")
        self.table.setAccessibleDescription("Choose one, then Make again to write it again")
        self.table.currentItemChanged.connect(lambda *_: self._enable())
        self.empty = QtWidgets.QLabel("No exports have been made from this computer yet.")
        self.empty.setAccessibleName("No past exports")
        self.again_button = QtWidgets.QPushButton("&Make again")
        self.again_button.setAccessibleName("Make the chosen export again, byte for byte")
        self.again_button.setAutoDefault(False)
        self.again_button.clicked.connect(self._again)
        note = QtWidgets.QLabel(
            "Make again writes the chosen export into the folder above exactly as it was "
            "first written (the export to the HR system is not moved on)."
        )
        note.setWordWrap(True)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(note, 1)
        row.addWidget(self.again_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.busy = False
        self.show_exports([])

    def show_exports(self, exports: list[PastExport]) -> None:
        self.table.clear()
        for past in exports:
            format_ = past.format.upper()
            item = QtWidgets.QTreeWidgetItem(
                [made_text(past), past.name, f"{past.entries:,}", format_, past.made_by]
            )
            item.setData(0, ID, past.export_id)
            self.table.addTopLevelItem(item)
        for column in range(len(HEADINGS)):
            self.table.resizeColumnToContents(column)
        self.empty.setVisible(not exports)
        self.table.setVisible(bool(exports))
        first = self.table.topLevelItem(0)
        if first is not None:
            self.table.setCurrentItem(first)
        self._enable()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._enable()

    def chosen(self) -> int | None:
        item = self.table.currentItem()
        return int(item.data(0, ID)) if item is not None else None

    def _enable(self) -> None:
        self.again_button.setEnabled(not self.busy and self.chosen() is not None)

    def _again(self) -> None:
        chosen = self.chosen()
        if chosen is not None and not self.busy:
            self.again.emit(chosen)
