"""The "Management information" page (HR and managers): filters for area, year and kind at
the top, the list of views on the left and the chosen view on the right (its chart with its
table beside it), and the committee pack. A list and one view, rather than a long scrolling
page, keeps a keyboard or screen-reader user a few keys from any figure.

Every read goes through the runner (lcc_apr.ops.mi): the filters' choices once, then the
dashboard for each set of filters; a reply for filters no longer chosen is dropped. The last
filters are kept in the settings. UI thread only."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from lcc_apr.mi.table import Dashboard, Filters, Table
from lcc_apr.ops import Changes

from ..context import AppContext
from ..qt import Qt, QtCore, QtGui, QtWidgets
from ..settings import Settings
from ..tasks import TaskRunner
from . import TITLE  # named in the package: the navigation names the page before it is made
from .panel import ViewPanel
from .words import plain_label

if TYPE_CHECKING:  # the measures (lcc_apr.ops.mi) load in the page's first read
    from lcc_apr.ops.mi import MiChoices

    from .exports import PackExport

ALL_KINDS = ""  # the kind combo's "All"


def year_label(year: int) -> str:
    """2025 -> '2025/26' (the APR year starts on 1 April)."""
    return f"{year}/{(year + 1) % 100:02d}"


def _combo(name: str) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    combo.setAccessibleName(name)
    combo.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    combo.setMinimumContentsLength(7)
    return combo


class MiPage(QtWidgets.QWidget):
    def __init__(
        self,
        *,
        context: AppContext,
        runner: TaskRunner,
        settings: Settings,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(TITLE)
        self.context, self.runner, self.settings = context, runner, settings
        self.choices: MiChoices | None = None
        self.board: Dashboard | None = None
        self.asked: Filters | None = None  # the filters whose dashboard is on its way
        self.loading = False
        heading = QtWidgets.QLabel(f"<h2>{TITLE}</h2>")
        self.area, self.year, self.kind = _combo("Area"), _combo("Year"), _combo("Kind of view")
        self.area.setMinimumContentsLength(12)
        self.pack_button = QtWidgets.QPushButton("Committee &pack (PDF)…")
        self.pack_button.setAccessibleName("Save every view as one PDF for a committee")
        self.pack_button.setToolTip("Ctrl+Shift+P: every view shown, with its table, in one PDF")
        filters = QtWidgets.QHBoxLayout()
        for text, combo in (("&Area:", self.area), ("&Year:", self.year), ("&Kind:", self.kind)):
            label = QtWidgets.QLabel(text)
            label.setBuddy(combo)
            filters.addWidget(label)
            filters.addWidget(combo, 2 if combo is self.area else 1)
        self.state = plain_label("Dashboard status", "Loading…")
        under = QtWidgets.QHBoxLayout()  # on a line of its own: the filters fit narrow windows
        under.addWidget(self.state, 1)
        under.addWidget(self.pack_button)
        self.view_filter = QtWidgets.QLineEdit()
        self.view_filter.setPlaceholderText("Filter views (Ctrl+F)")
        self.view_filter.setAccessibleName("Filter the views by title")
        self.view_filter.setClearButtonEnabled(True)
        self.views = QtWidgets.QListWidget()
        self.views.setAccessibleName("Views")
        self.views.setAccessibleDescription("Choose a view: its chart and table show beside")
        self.views.setWordWrap(True)
        self.views.setTextElideMode(Qt.TextElideMode.ElideNone)
        left = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.view_filter)
        column.addWidget(self.views, 1)
        self.panel = ViewPanel()
        self.split = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(left)
        self.split.addWidget(self.panel)
        self.split.setStretchFactor(1, 1)
        self.message = plain_label("Export status")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(filters)
        layout.addLayout(under)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.message)
        self._keys()
        self._fit_views()
        self.area.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self.year.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self.kind.currentIndexChanged.connect(lambda _i: self._filters_changed())
        self.view_filter.textChanged.connect(self._find)
        self.views.currentRowChanged.connect(self._view_chosen)
        self.panel.export_chart.connect(lambda: self.export_current(chart=True))
        self.panel.export_table.connect(lambda: self.export_current(chart=False))
        self.pack_button.clicked.connect(self.export_pack)
        self._enable()

    def _keys(self) -> None:
        for keys, slot in (
            ("Ctrl+Shift+E", lambda: self.export_current(chart=True)),
            ("Ctrl+Shift+P", self.export_pack),
        ):
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    @cached_property
    def packer(self) -> PackExport:
        """The committee pack's export, made when first used (it loads the measures)."""
        from .exports import PackExport

        return PackExport(self, self.context, self.runner, self.message.setText)

    # -- the page protocol (ui.main_window.Page) ------------------------------------

    def shows(self, changes: Changes) -> bool:
        """Figures move when records are added, moved on or synced."""
        return changes.lists_of(None)

    def refresh(self) -> None:
        """Read the choices once, then the dashboard for the filters chosen."""
        if self.choices is None:
            c = self.context
            self.state.setText("Loading…")

            def choices(_control: Any) -> MiChoices:
                from lcc_apr.ops.mi import mi_choices  # the measures load in the worker

                return mi_choices(c.store, user=c.user, policy=c.policy, today=c.today())

            self.runner.read(
                choices,
                on_done=self._choices_read,
                on_error=self._failed,
                name="mi choices",
            )
        else:
            self.load()

    def focus_filter(self) -> None:
        self.view_filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.view_filter.selectAll()

    # -- filters --------------------------------------------------------------------

    def _choices_read(self, choices: MiChoices) -> None:
        self.choices = choices
        combos = (self.area, self.year, self.kind)
        for combo in combos:
            combo.blockSignals(True)
            combo.clear()
        for area_id, label in choices.areas:
            self.area.addItem(label, -1 if area_id is None else area_id)
        for year in choices.years:
            self.year.addItem(year_label(year), year)
        self.kind.addItem("All", ALL_KINDS)
        for key, label in choices.kinds:
            self.kind.addItem(label, key)
        self._choose(self.area, self.settings.get("mi/area"))
        self._choose(self.year, self.settings.get("mi/year"))
        self._choose(self.kind, self.settings.get("mi/kind"))
        for combo in combos:
            combo.blockSignals(False)
        self.load()

    @staticmethod
    def _choose(combo: QtWidgets.QComboBox, value: Any) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(index if index >= 0 else 0)

    def filters(self) -> Filters | None:
        """What the combos say now (None before the choices are read)."""
        if self.choices is None or self.year.currentIndex() < 0:
            return None
        area = self.area.currentData()
        return Filters(
            year=int(self.year.currentData()),
            department_id=None if area is None or area < 0 else int(area),
            kind=self.kind.currentData() or None,
        )

    def _filters_changed(self) -> None:
        found = self.filters()
        if found is None:
            return
        self.settings.set("mi/area", found.department_id or -1)
        self.settings.set("mi/year", found.year)
        self.settings.set("mi/kind", found.kind or ALL_KINDS)
        self.load()

    # -- reading the dashboard ------------------------------------------------------

    def load(self) -> None:
        filters, c = self.filters(), self.context
        if filters is None:
            return
        self.asked, self.loading = filters, True
        self.state.setText("Loading…")
        self._enable()

        def read(_control: Any) -> Dashboard:
            from lcc_apr.ops.mi import dashboard

            return dashboard(
                c.store, user=c.user, filters=filters, policy=c.policy, today=c.today()
            )

        self.runner.read(
            read,
            on_done=lambda board: self._loaded(filters, board),
            on_error=lambda error: self._failed(error, filters),
            name="mi dashboard",
        )

    def _loaded(self, filters: Filters, board: Dashboard) -> None:
        if filters != self.asked:
            return  # a reply for filters no longer chosen
        self.loading, self.board = False, board
        shown = self.current_table()
        self.views.blockSignals(True)
        self.views.clear()
        for table in board.tables:
            item = QtWidgets.QListWidgetItem(table.title)
            item.setData(Qt.ItemDataRole.UserRole, table.key)
            self.views.addItem(item)
        self.views.blockSignals(False)
        keys = [t.key for t in board.tables]
        row = keys.index(shown.key) if shown is not None and shown.key in keys else 0
        count = len(board.tables)
        views = "1 view" if count == 1 else f"{count} views"
        self.state.setText(f"{board.area_title}, {year_label(filters.year)}: {views}.")
        self._find(self.view_filter.text())
        if board.tables:
            self.views.setCurrentRow(row)
            self._view_chosen(row)
        else:
            self.panel.show_table(None, empty="Nothing to show for these filters.")
        self._enable()

    def _failed(self, error: BaseException, filters: Filters | None = None) -> None:
        if filters is not None and filters != self.asked:
            return
        self.loading = False
        self.state.setText(f"The figures could not be read: {error}")
        self._enable()

    def _view_chosen(self, row: int) -> None:
        tables = self.board.tables if self.board is not None else ()
        self.panel.show_table(tables[row] if 0 <= row < len(tables) else None)

    def current_table(self) -> Table | None:
        return self.panel.table

    def _find(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.views.count()):
            item = self.views.item(row)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def _enable(self) -> None:
        ready = self.board is not None and not self.loading
        self.pack_button.setEnabled(ready and bool(self.board and self.board.tables))

    def _fit_views(self) -> None:
        """The list of views as wide as about 24 characters (follows the text size)."""
        self.views.setMinimumWidth(self.fontMetrics().averageCharWidth() * 18)
        self.split.setSizes([self.fontMetrics().averageCharWidth() * 28, 800])

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit_views()
        super().changeEvent(event)

    # -- exports --------------------------------------------------------------------

    def export_current(self, *, chart: bool) -> None:
        """The view shown, as a chart or a table file (File > Export list, Ctrl+E: table)."""
        table = self.current_table()
        if table is None or table.empty or self.board is None or self.loading:
            self.message.setText("Choose a view with figures to export.")
            return
        from .exports import save_view

        save_view(
            self,
            self.context,
            self.runner,
            table=table,
            filters=self.board.filters,
            chart=chart,
            say=self.message.setText,
        )

    def export_pack(self) -> None:
        if self.board is None or self.loading or not self.board.tables:
            self.message.setText("Wait for the figures before making the pack.")
            return
        self.packer.start(self.board)
