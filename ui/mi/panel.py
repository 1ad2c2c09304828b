"""One management-information view on screen: its chart (matplotlib's Qt canvas, drawn by
lcc_apr.mi.charts) with its table beside it holding the same figures, the definition and
the disclosure rule under them, and the view's export buttons. A view with a message
shows the message instead of figures. UI thread only; matplotlib loads with the first chart."""

from __future__ import annotations

from typing import Any

from lcc_apr.mi.table import Table

from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal, chart_canvas
from ..theme import fit_rows, system_point_size
from .model import FLAG, ViewModel, band_words
from .words import ViewWords, plain_label

CHART_WORDS = "The table beside the chart holds the same figures, row by row."


class ViewPanel(QtWidgets.QWidget):
    """Shows one Table (`show_table`); asks for its exports through the signals."""

    export_chart = Signal()
    export_table = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("View")
        self.table: Table | None = None
        self.canvas: Any = None  # FigureCanvasQTAgg, made with the first chart
        self.title = QtWidgets.QLabel()
        self.title.setAccessibleName("View title")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.model = ViewModel(self)
        self.grid = QtWidgets.QTableView()
        self.grid.setAccessibleName("Figures")
        self.grid.setModel(self.model)
        self.grid.setWordWrap(False)
        self.grid.verticalHeader().hide()
        self.grid.horizontalHeader().setStretchLastSection(False)
        self.grid.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setTabKeyNavigation(False)  # Tab leaves the table; arrows move within it
        self.chart_box = QtWidgets.QWidget()
        self.chart_layout = QtWidgets.QVBoxLayout(self.chart_box)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_scroll = QtWidgets.QScrollArea()  # a chart of many rows scrolls, never squeezed
        self.chart_scroll.setWidgetResizable(True)
        self.chart_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.chart_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table holds its figures
        self.chart_scroll.setWidget(self.chart_box)
        self.split = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.chart_scroll)
        self.split.addWidget(self.grid)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.message = plain_label("Message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.split)
        self.stack.addWidget(self.message)
        self.words = ViewWords()
        self.chart_button = QtWidgets.QPushButton("Export cha&rt…")
        self.chart_button.setAccessibleName("Export the chart as PNG, SVG or PDF")
        self.chart_button.setToolTip("Ctrl+Shift+E: the chart as a PNG, SVG or PDF file")
        self.chart_button.clicked.connect(self.export_chart)
        self.table_button = QtWidgets.QPushButton("Export tab&le…")
        self.table_button.setAccessibleName("Export the table as CSV or XLSX")
        self.table_button.setToolTip("Ctrl+E: the table as a CSV or Excel file")
        self.table_button.clicked.connect(self.export_table)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.chart_button)
        buttons.addWidget(self.table_button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.words)
        layout.addLayout(buttons)
        self._redraw = QtCore.QTimer(self)  # a resized chart is laid out again once
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(150)
        self._redraw.timeout.connect(self._draw)
        fit_rows(self.grid)
        self.show_table(None)

    def show_table(self, table: Table | None, *, empty: str = "") -> None:
        """Show `table` (None: `empty` words in its place)."""
        self.table = table
        self.model.set_table(table if table is not None and not table.message else None)
        if table is None:
            self.title.setText("")
            self._say(empty)
            self.words.show_words("", "", ())
            return
        self.title.setText(f"<h3>{_escape(table.title)}</h3>")
        self.words.show_words(table.definition, table.disclosure, table.notes)
        self.chart_button.setEnabled(not table.empty)
        self.table_button.setEnabled(not table.empty)
        if table.empty:
            self._say(table.message or "Nothing to show for these filters.")
            return
        self.stack.setCurrentWidget(self.split)
        self._fit_columns()
        self._ensure_canvas()
        self.canvas.setAccessibleName(f"Chart: {table.title}")
        self.canvas.setAccessibleDescription(f"{table.chart.axis_label}. {CHART_WORDS}")
        self.canvas.setToolTip(CHART_WORDS)
        flagged = [r.label for r in table.rows if r.flagged]
        if flagged:
            self.grid.setAccessibleDescription(
                f"Rows marked {FLAG} are {band_words(table)}: {', '.join(flagged)}."
            )
        else:
            self.grid.setAccessibleDescription(f"{len(table.rows)} rows")
        self._draw()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self.chart_button.setEnabled(False)
        self.table_button.setEnabled(False)

    def _ensure_canvas(self) -> None:
        if self.canvas is not None:
            return
        from matplotlib.figure import Figure

        self.canvas = chart_canvas()(Figure())
        self.canvas.setMinimumWidth(200)
        self.canvas.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table holds its figures
        self.canvas.installEventFilter(self)
        self.chart_layout.addWidget(self.canvas)

    def chart_scale(self) -> float:
        """Chart text follows the application's text size (the canvas handles the screen's
        pixel ratio itself)."""
        app = QtWidgets.QApplication.instance()
        base = system_point_size(app) if isinstance(app, QtWidgets.QApplication) else 0.0
        size = self.font().pointSizeF()
        return float(size / base) if base > 0 and size > 0 else 1.0

    def _draw(self) -> None:
        table = self.table
        if self.canvas is None or table is None or table.empty:
            return
        from lcc_apr.mi import charts

        scale = self.chart_scale()
        tall = charts.height_in(table, scale, title=False) * 96  # logical pixels
        self.canvas.setMinimumHeight(max(160, int(tall)))
        charts.draw(table, self.canvas.figure, scale=scale, title=False)
        self.canvas.draw_idle()
        self._place()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.canvas and event.type() == QtCore.QEvent.Type.Resize:
            self._redraw.start()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Columns as wide as their text, then the chart and table placed to suit."""
        self.grid.resizeColumnsToContents()
        header = self.grid.horizontalHeader()
        pad = self.grid.fontMetrics().horizontalAdvance("M")
        for column in range(self.model.columnCount()):
            header.resizeSection(column, header.sectionSize(column) + pad)
        self._place()

    def _place(self) -> None:
        """The table beside the chart when both fit side by side (the table whole, the chart
        at least about 50 characters wide); else the table under the chart, full width."""
        header = self.grid.horizontalHeader()
        bar = self.grid.verticalScrollBar().sizeHint().width()
        wanted = header.length() + 2 * self.grid.frameWidth() + bar + 4
        room = max(self.width(), 400)
        chart = self.fontMetrics().averageCharWidth() * 50
        if room >= wanted + chart:
            self.split.setOrientation(Qt.Orientation.Horizontal)
            self.split.setSizes([room - wanted, wanted])
        else:
            self.split.setOrientation(Qt.Orientation.Vertical)
            tall = max(self.split.height(), 300)
            rows = self.grid.verticalHeader().length() + header.height() + bar + 4
            chart = self.canvas.minimumHeight() + 4 if self.canvas is not None else tall // 2
            table = rows if rows + chart <= tall else max(tall - chart, min(rows, tall // 2))
            self.split.setSizes([tall - table, table])

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.model.rowCount():
            self._place()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            fit_rows(self.grid)
            self._fit_columns()
            self._redraw.start()
        super().changeEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
