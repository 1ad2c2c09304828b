"""'My team' (and HR's everyone): one row per person with what is due, due soon and overdue.

The rows come from `lcc_apr.ops.people.team_rows` in a read task. The model
sorts and filters its own rows (a proxy model over Python rows is far too
slow at HR's 6,000 people; see the engineering notes). A state is always
written out ("Overdue (12 days)"); its colour only repeats it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lcc_apr.models import RecordKind
from lcc_apr.ops import Changes
from lcc_apr.schedule import ABSENCE_KINDS, SEVERITY, DueItem, DueState

from .days import day_text
from .qt import ModelIndex, Qt, QtCore, QtGui, QtWidgets, Signal
from .skeleton import SkeletonTable
from .tasks import TaskRunner
from .theme import StateColours, fit_rows, state_colours

if TYPE_CHECKING:  # the export side and the team's op (SQLAlchemy) load when first used
    from lcc_apr.ops.list_export import ListChoice
    from lcc_apr.ops.people import TeamRow
    from lcc_apr.schedule.attendance import AttendanceItem

# Column widths come from these, not from the rows, so nothing moves when the rows arrive
# (issue 17); longer names and jobs are elided, whole in the tooltip.
NAME, JOB = "Deborah Lloyd-Davies", "Customer Service Advisor"
URGENT, DUE = "Probation review (week 16): Due soon (in 10 days)", "Due soon (in 10 days)"
SHOW = (("all", "Everyone"), ("urgent", "Overdue or due soon"), ("overdue", "Overdue only"))


def state_text(item: DueItem | AttendanceItem, today: date) -> str:
    """The state in words: 'Overdue (12 days)', 'Due soon (in 3 days)', 'Due 30 Jun 2027'."""
    days = (item.due - today).days
    if item.state is DueState.OVERDUE:
        late = -days
        return f"Overdue ({late} day{'s' if late != 1 else ''})"
    if item.state is DueState.DUE_SOON:
        if days == 0:
            return "Due soon (today)"
        return f"Due soon (in {days} day{'s' if days != 1 else ''})"
    return f"Due {day_text(item.due)}"


def item_text(item: DueItem | AttendanceItem, today: date) -> str:
    return f"{item.label}: {state_text(item, today)}"


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[TeamRow, date], str]
    key: Callable[[TeamRow], Any]
    item: Callable[[TeamRow], Any] = lambda row: None  # the item (DueItem, AttendanceItem) shown
    due: bool = False  # a column of due items (of `kind`, or of every kind when None)
    kind: RecordKind | None = None
    sample: str = ""  # the widest text it usually holds: sizes it before the rows come
    tip: Callable[[TeamRow, date], str | None] | None = None  # the tooltip, when not the items'


def _urgent_column(kind: RecordKind | None, title: str) -> Column:
    """A column showing the most urgent item (of one kind, or of any kind when None)."""

    def urgent(row: TeamRow) -> DueItem | AttendanceItem | None:
        return row.most_urgent(kind)

    def text(row: TeamRow, today: date) -> str:
        item = urgent(row)
        if item is None:
            return "" if kind else "Nothing due"
        return state_text(item, today) if kind else item_text(item, today)

    def key(row: TeamRow) -> Any:
        item = urgent(row)
        return (SEVERITY[item.state], item.due) if item else (9, date.max)

    return Column(title, text, key, urgent, due=True, kind=kind, sample=DUE if kind else URGENT)


def columns(*, with_department: bool, attendance: bool = False) -> list[Column]:
    """The team's columns; HR's everyone (`with_department`) also has the payroll number,
    so two people with the same name, job and department can be told apart; with
    `attendance` (a manager's team, HR's everyone) what attendance management has due
    follows 'Most urgent' (ui.team_attendance)."""
    found = [Column("Name", lambda r, t: r.name, lambda r: r.sort_name, sample=NAME)]
    if with_department:
        found.append(
            Column(
                "Payroll no.",
                lambda r, t: r.payroll_number,
                lambda r: r.payroll_number,
                sample="Payroll no.",
            )
        )
    found.append(
        Column(
            "Job title",
            lambda r, t: r.job_title,
            lambda r: r.job_title.casefold(),
            sample=JOB,
        )
    )
    if with_department:
        found.append(
            Column(
                "Department",
                lambda r, t: r.department,
                lambda r: r.department,
                sample=JOB,
            )
        )
    found.append(_urgent_column(None, "Most urgent"))  # the summary, before the details
    if attendance:  # before the kinds' columns: in view without scrolling
        from .team_attendance import attendance_columns

        found += attendance_columns(Column)
    kinds = [kind for kind in RecordKind if kind not in ABSENCE_KINDS]  # attendance's above
    return found + [_urgent_column(kind, kind.short_label) for kind in kinds]


def _all_items(row: TeamRow) -> tuple[Any, ...]:
    return row.items + row.attendance


class DueTableModel(QtCore.QAbstractTableModel):
    """The rows of a team (or of everyone), sorted and filtered here. UI thread only."""

    EMPLOYEE_ID = Qt.ItemDataRole.UserRole

    def __init__(
        self,
        *,
        with_department: bool = False,
        attendance: bool = False,
        parent: QtCore.QObject | None = None,
    ):
        super().__init__(parent)
        self.columns = columns(with_department=with_department, attendance=attendance)
        self.today = date.min
        self.colours: dict[str, StateColours] = {}
        self._all: list[TeamRow] = []
        self._text: dict[int, str] = {}  # employee id -> what the filter searches
        self._shown: list[TeamRow] = []
        self._filter = ""
        self._show = "all"
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -- feeding ------------------------------------------------------------------

    def set_rows(self, rows: Sequence[TeamRow], today: date) -> None:
        self.today = today
        self._all = list(rows)
        self._text = {
            r.employee_id: " ".join(
                [c.text(r, today) for c in self.columns]
                + [i.label for i in r.items]
                + [i.label for i in r.attendance]
                + [r.payroll_number]
            ).casefold()
            for r in self._all
        }
        if self._sort:
            self._sort_rows(*self._sort)
        self._refilter()

    def set_filter(self, text: str) -> None:
        self._filter = text.strip().casefold()
        self._refilter()

    def set_show(self, mode: str) -> None:
        if mode not in dict(SHOW):
            raise ValueError(mode)
        self._show = mode
        self._refilter()

    def set_colours(self, colours: dict[str, StateColours]) -> None:
        self.colours = colours
        if self._shown:
            last = self.index(len(self._shown) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def _keep(self, row: TeamRow) -> bool:
        if self._filter and self._filter not in self._text[row.employee_id]:
            return False
        states = {i.state for i in row.items} | {i.state for i in row.attendance}
        if self._show == "overdue":
            return DueState.OVERDUE in states
        if self._show == "urgent":
            return bool(states & {DueState.OVERDUE, DueState.DUE_SOON})
        return True

    def _refilter(self) -> None:
        self.beginResetModel()
        self._shown = [r for r in self._all if self._keep(r)]
        self.endResetModel()

    # -- reading ------------------------------------------------------------------

    def employee_ids(self) -> frozenset[int]:
        return frozenset(r.employee_id for r in self._all)

    def row(self, index: int) -> TeamRow:
        return self._shown[index]

    def rows(self) -> list[TeamRow]:
        return list(self._shown)

    def counts(self) -> tuple[int, int, int]:
        """(people, people with something overdue, people with something due soon) in all rows."""
        overdue = sum(any(i.state is DueState.OVERDUE for i in _all_items(r)) for r in self._all)
        soon = sum(any(i.state is DueState.DUE_SOON for i in _all_items(r)) for r in self._all)
        return len(self._all), overdue, soon

    def rowCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: ModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row, column = self._shown[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row, self.today)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return column.text(row, self.today) or f"{column.title}: nothing due"
        if role == self.EMPLOYEE_ID:
            return row.employee_id
        if role == Qt.ItemDataRole.ToolTipRole and column.tip is not None:
            return column.tip(row, self.today)
        item = column.item(row)
        if item is None:
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.text(row, self.today) or None  # the whole text when elided
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = column.kind
            shown = [i for i in _all_items(row) if kind is None or getattr(i, "kind", None) is kind]
            return "\n".join(f"{item_text(i, self.today)} ({day_text(i.due)})" for i in shown)
        colours = self.colours.get(item.state.value)
        if colours is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole and colours.background is not None:
            return QtGui.QBrush(colours.background)
        if role == Qt.ItemDataRole.ForegroundRole and colours.foreground is not None:
            return QtGui.QBrush(colours.foreground)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.beginResetModel()
        self._sort_rows(column, order)
        self._shown = [r for r in self._all if self._keep(r)]
        self.endResetModel()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        key = self.columns[column].key
        reverse = order == Qt.SortOrder.DescendingOrder
        self._all.sort(key=lambda r: (key(r), r.sort_name, r.employee_id), reverse=reverse)


NOBODY = "Nobody to show."  # an empty list, unless the page says more


class TeamView(QtWidgets.QWidget):
    """A page: heading, filter box and 'show' choice, the table, and a one-line summary."""

    open_employee = Signal(int)  # employee id, on double-click or Enter
    open_absences = Signal(int)  # employee id: their absences (the Absences… button)

    def __init__(
        self,
        *,
        title: str,
        load: Callable[[date], list[TeamRow]],
        today: Callable[[], date],
        runner: TaskRunner,
        everyone: bool = False,
        empty_text: str = NOBODY,
        attendance: bool = False,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        self.runner = runner
        self.load = load
        self.today = today
        self.empty_text = empty_text
        self.everyone = everyone  # HR's list of everyone: departments shown, anyone may join
        self.loading = False
        self.heading = QtWidgets.QLabel(f"<h2>{title}</h2>")
        self.heading.setAccessibleName(title)
        self.filter_box = QtWidgets.QLineEdit()
        what = "name, payroll number, job" if everyone else "name, job"
        self.filter_box.setPlaceholderText(f"Filter by {what} or what is due (Ctrl+F)")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAccessibleName("Filter")
        self.filter_box.setAccessibleDescription("Shows only the people whose row contains this")
        filter_label = QtWidgets.QLabel("F&ilter:")
        filter_label.setBuddy(self.filter_box)
        self.show_box = QtWidgets.QComboBox()
        for key, label in SHOW:
            self.show_box.addItem(label, key)
        self.show_box.setAccessibleName("Show")
        show_label = QtWidgets.QLabel("Sho&w:")
        show_label.setBuddy(self.show_box)
        self.model = DueTableModel(with_department=everyone, attendance=attendance, parent=self)
        self.table = SkeletonTable()  # placeholder rows until the first rows come
        self.table.setModel(self.model)
        self.table.setAccessibleName(f"{title} table")
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        fit_rows(self.table)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(200)  # sample rows: fast at HR's size
        header.setStretchLastSection(True)
        self.fit_columns()
        self.summary = QtWidgets.QLabel()
        self.summary.setAccessibleName("Summary")
        self.filter_box.textChanged.connect(self.model.set_filter)
        self.filter_box.textChanged.connect(self._show_summary)
        self.show_box.currentIndexChanged.connect(self._show_changed)
        self.table.doubleClicked.connect(self._open)
        self.table.installEventFilter(self)  # Enter opens the current row too
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_box, 1)
        bar.addWidget(show_label)
        bar.addWidget(self.show_box)
        self.absences_button: QtWidgets.QPushButton | None = None
        if attendance:  # a manager's team, HR's everyone: record and see their absences
            button = QtWidgets.QPushButton("&Absences…")
            button.setAccessibleName("Absences of the chosen person")
            button.setAccessibleDescription("Record, correct, end or withdraw their absences")
            button.setToolTip("Record or see the absences of the person chosen in the list")
            button.setEnabled(False)  # until someone is chosen
            button.clicked.connect(self._open_absences)
            self.table.selectionModel().currentRowChanged.connect(
                lambda current, _previous: button.setEnabled(current.isValid())
            )
            self.model.modelReset.connect(
                lambda: button.setEnabled(self.table.currentIndex().isValid())
            )
            bar.addWidget(button)
            self.absences_button = button
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        QtWidgets.QWidget.setTabOrder(self.filter_box, self.show_box)
        QtWidgets.QWidget.setTabOrder(self.show_box, self.table)
        if self.absences_button is not None:
            QtWidgets.QWidget.setTabOrder(self.table, self.absences_button)
        self._apply_palette()

    def focus_filter(self) -> None:
        self.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_box.selectAll()

    def export_choice(self) -> ListChoice:
        """The rows shown, in their order, for 'Export list…'."""
        from lcc_apr.ops.list_export import ListChoice, ListKind

        kind = ListKind.EVERYONE if self.everyone else ListKind.TEAM
        return ListChoice(kind, employee_ids=tuple(r.employee_id for r in self.model.rows()))

    def shows(self, changes: Changes) -> bool:
        """Whether a change moves what is due for someone listed (autosaves never do)."""
        if changes.everything:
            return True
        if not changes.listed:
            return False
        return self.everyone or bool(changes.people & self.model.employee_ids())

    def refresh(self) -> None:
        """Reload the rows in a read task; the table keeps its sort and filter."""
        today = self.today()
        load = self.load
        self.loading = True
        self.summary.setText("Loading…")
        self.table.set_waiting(True)

        def query(_control: Any) -> list[TeamRow]:
            return load(today)

        self.runner.read(
            query,
            on_done=lambda rows: self._loaded(rows, today),
            on_error=self._failed,
            name="team",
        )

    def _loaded(self, rows: list[TeamRow], today: date) -> None:
        self.loading = False
        self.table.set_waiting(False)
        index = self.table.currentIndex()
        chosen = self.model.row(index.row()).employee_id if index.isValid() else None
        self.model.set_rows(rows, today)
        shown = [r.employee_id for r in self.model.rows()]
        if chosen in shown:  # the person chosen stays chosen (their Absences… button too)
            self.table.setCurrentIndex(self.model.index(shown.index(chosen), index.column()))
        self._show_summary()

    def fit_columns(self) -> None:
        """Each column as wide as its sample text or its title, at the current text size."""
        metrics = self.table.fontMetrics()
        pad = metrics.horizontalAdvance("MM")
        for column, spec in enumerate(self.model.columns):
            widest = max(metrics.horizontalAdvance(t) for t in (spec.sample, spec.title))
            self.table.setColumnWidth(column, widest + pad)

    def _failed(self, error: BaseException) -> None:
        self.loading = False
        self.table.set_waiting(False)
        self.summary.setText(f"Could not read the list: {error}")

    def _show_changed(self, _index: int) -> None:
        self.model.set_show(self.show_box.currentData())
        self._show_summary()

    def _show_summary(self) -> None:
        if self.loading:
            return
        people, overdue, soon = self.model.counts()
        if not people:
            self.summary.setText(self.empty_text)
            return
        text = f"{people:,} {'person' if people == 1 else 'people'}: "
        text += f"{overdue:,} with something overdue, {soon:,} with something due soon."
        shown = self.model.rowCount()
        if shown != people:
            text += f" Showing {shown:,}."
        self.summary.setText(text)

    def _open(self, index: QtCore.QModelIndex) -> None:
        if index.isValid():
            self.open_employee.emit(self.model.row(index.row()).employee_id)

    def _open_absences(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.open_absences.emit(self.model.row(index.row()).employee_id)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QtCore.QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)  # type: ignore[attr-defined]
        ):
            self._open(self.table.currentIndex())
            return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            self._apply_palette()
        elif event.type() == QtCore.QEvent.Type.FontChange:
            fit_rows(self.table)
            self.fit_columns()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        self.model.set_colours(state_colours(self.palette()))
