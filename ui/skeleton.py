"""A table that shows placeholder rows (grey bars) while its first rows are read.

The bars sit where the rows will: row height and column widths are the table's own,
so the rows replace them in place and nothing moves (issue 17: the window shows first,
the team fills in). Drawn only while the model is empty; the UI thread paints them.
"""

from __future__ import annotations

from .qt import QtCore, QtGui, QtWidgets

PLACEHOLDER_ROWS = 6
_LENGTHS = (0.7, 0.5, 0.6, 0.4)  # of each column's width, varied by row and column


class SkeletonTable(QtWidgets.QTableView):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._waiting = False

    @property
    def waiting(self) -> bool:
        """Whether the placeholder rows show (while the model is empty)."""
        return self._waiting and self.model() is not None and self.model().rowCount() == 0

    def set_waiting(self, waiting: bool) -> None:
        if waiting != self._waiting:
            self._waiting = waiting
            self.viewport().update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.waiting:
            return
        painter = QtGui.QPainter(self.viewport())
        colour = self.palette().color(QtGui.QPalette.ColorRole.Text)
        colour.setAlpha(28)  # a faint bar in light and dark themes alike
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        height = self.verticalHeader().defaultSectionSize()
        bar = max(4, height // 3)
        pad = self.fontMetrics().horizontalAdvance("m") // 2
        for row in range(PLACEHOLDER_ROWS):
            top = row * height + (height - bar) // 2
            for column in range(self.model().columnCount()):
                left = self.columnViewportPosition(column) + pad
                length = _LENGTHS[(row + column) % len(_LENGTHS)]
                width = int((self.columnWidth(column) - 2 * pad) * length)
                painter.drawRoundedRect(QtCore.QRectF(left, top, width, bar), bar / 2, bar / 2)
        painter.end()
