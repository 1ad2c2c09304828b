"""HR: export completed records as signed PDFs. HR ticks departments in the organisation's
tree (a directorate brings every service and unit under it), the kinds, a cycle or dates,
and sees "N records, about X MB" before starting; the export runs in a worker with
progress and cancel. With a pool kit, the export's processes are started (warmed) as
the dialog shows, so their start-up overlaps HR's choosing; they end when it hides.
Choosing records, counting, naming and writing are the core's (lcc_apr.ops.printing,
lcc_apr.pdf.export); this dialog only asks and shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcc_apr.models import RecordKind
from lcc_apr.ops.printing import (
    DepartmentNode,
    count_export,
    department_tree,
    export_cycles,
    export_records,
    warm_pool,
)
from lcc_apr.pdf.export import ExportCount, ExportResult, MakePdf, Selection
from lcc_apr.policy import Policy, load_policy
from lcc_apr.schedule.cycles import Cycle
from lcc_apr.store import Store

from .files import documents_folder
from .qt import QtCore, QtGui, QtWidgets
from .tasks import Task, TaskRunner

if TYPE_CHECKING:
    from lcc_apr.ops.printing import HrPoolKit
    from lcc_apr.pdf.pool import WarmPool

ID = QtCore.Qt.ItemDataRole.UserRole + 1  # a tree item's department id
CHECKED = QtCore.Qt.CheckState.Checked
PARTLY = QtCore.Qt.CheckState.PartiallyChecked
RECOUNT_MS = 150  # a burst of ticks is counted once


def day_of(edit: QtWidgets.QDateEdit) -> date:
    day = edit.date()
    return date(day.year(), day.month(), day.day())


class ExportDialog(QtWidgets.QDialog):
    """UI thread only. The departments and cycles are read (a read task) once it is first
    shown; each change of the selection is counted by a read task (only the latest one's
    answer is shown). The export runs as a read task."""

    def __init__(
        self,
        *,
        store: Store,
        runner: TaskRunner,
        make_pdf: MakePdf,
        policy: Policy | None = None,
        pool: HrPoolKit | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export completed records as PDFs")
        self.setAccessibleName("Export completed records as PDFs")
        self.store = store
        self.runner = runner
        self.make_pdf = make_pdf
        self.pool = pool  # a big batch on one process per core (ops.printing.hr_pool_kit)
        self.warm: WarmPool | None = None  # the pool's processes, started while shown
        self.warming = False  # a read task is starting them
        self.policy = policy or load_policy()
        self.task: Task | None = None
        self.result_: ExportResult | None = None
        self.counted: ExportCount | None = None  # the count of the selection shown
        self.asked = False
        self.counting = 0  # the latest count asked for; older answers are dropped

        self.model = QtGui.QStandardItemModel(self)
        self.tree = QtWidgets.QTreeView()
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Departments to export")
        self.tree.setAccessibleDescription(
            "Tick a directorate for everything under it, or tick services and units. "
            "Space ticks the department in focus."
        )
        self.tree.setEnabled(False)  # until the departments arrive
        self.model.itemChanged.connect(self._ticked)
        self.spreading = False  # while a tick is passed down and up the tree

        self.kinds: dict[RecordKind, QtWidgets.QCheckBox] = {}
        kinds_box = QtWidgets.QGroupBox("Kinds")
        kinds_layout = QtWidgets.QGridLayout(kinds_box)  # two columns: fits 768 px at 150%
        keys = ("A", "S", "P", "i", "u", "n", "o")
        for n, (kind, key) in enumerate(zip(RecordKind, keys, strict=True)):
            text = kind.plural.replace(key, "&" + key, 1)
            box = QtWidgets.QCheckBox(text)
            box.setChecked(True)
            box.setAccessibleName(f"Include {kind.plural}")
            box.toggled.connect(lambda _on: self.schedule_count())
            kinds_layout.addWidget(box, n // 2, n % 2)
            self.kinds[kind] = box

        period_box = QtWidgets.QGroupBox("Period")
        period = QtWidgets.QFormLayout(period_box)
        self.cycle = QtWidgets.QComboBox()
        self.cycle.setAccessibleName("Cycle (April to March)")
        self.cycle.addItem("Any cycle", None)
        self.cycle.currentIndexChanged.connect(lambda _i: self.schedule_count())
        cycle_label = QtWidgets.QLabel("C&ycle:")
        cycle_label.setBuddy(self.cycle)
        period.addRow(cycle_label, self.cycle)
        self.between = QtWidgets.QCheckBox("Only &between dates")
        self.between.setAccessibleName("Only records dated between two dates")
        period.addRow(self.between)
        today = QtCore.QDate.currentDate()
        self.first = self._date_edit("From date", today.addYears(-1))
        self.last = self._date_edit("To date", today)
        first_label = QtWidgets.QLabel("F&rom:")
        first_label.setBuddy(self.first)
        last_label = QtWidgets.QLabel("&To:")
        last_label.setBuddy(self.last)
        period.addRow(first_label, self.first)
        period.addRow(last_label, self.last)
        self.between.toggled.connect(self._dates_on)
        self.between.toggled.connect(lambda _on: self.schedule_count())
        self._dates_on(False)

        self.folder = QtWidgets.QLineEdit()
        self.folder.setAccessibleName("Folder to write the PDFs to")
        self.folder.setText(str(documents_folder()))
        browse = QtWidgets.QPushButton("Bro&wse…")
        browse.setAccessibleName("Choose the folder")
        browse.clicked.connect(self._browse)
        folder_row = QtWidgets.QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        folder_label = QtWidgets.QLabel("&Folder:")
        folder_label.setBuddy(self.folder)
        self.browse = browse

        departments_label = QtWidgets.QLabel("&Departments:")
        departments_label.setBuddy(self.tree)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(departments_label)
        left.addWidget(self.tree, 1)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(kinds_box)
        right.addWidget(period_box)
        right.addStretch(1)
        choose = QtWidgets.QHBoxLayout()
        choose.addLayout(left, 3)
        choose.addLayout(right, 2)

        self.count_line = QtWidgets.QLabel("Reading the departments…")
        self.count_line.setAccessibleName("Records to export")
        bold = self.count_line.font()
        bold.setBold(True)
        self.count_line.setFont(bold)
        self.count_line.setWordWrap(True)

        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName("Export progress")
        self.bar.hide()
        self.message = QtWidgets.QLabel(
            "Each record becomes one PDF, signed with your certificate when this computer "
            "has one, in a folder for its kind and cycle, with index.csv listing them all. "
            "Files already in the folder are kept and skipped."
        )
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Export status")
        self.failures = QtWidgets.QListWidget()
        self.failures.setAccessibleName("Records that could not be exported")
        self.failures.hide()

        self.start_button = QtWidgets.QPushButton("&Export")
        self.start_button.setAccessibleName("Start the export")
        self.start_button.clicked.connect(self.start)
        self.start_button.setEnabled(False)  # until there is something to export
        self.cancel_button = QtWidgets.QPushButton("&Cancel export")
        self.cancel_button.setAccessibleName("Cancel the export")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        close = QtWidgets.QPushButton("C&lose")
        close.setAccessibleName("Close")
        close.clicked.connect(self.close)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.start_button, self.cancel_button, close):
            button.setAutoDefault(False)
            buttons.addWidget(button)

        folder_form = QtWidgets.QFormLayout()
        folder_form.addRow(folder_label, folder_row)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(choose, 3)
        layout.addLayout(folder_form)
        layout.addWidget(self.count_line)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.failures, 1)
        layout.addLayout(buttons)
        self.choosers: list[QtWidgets.QWidget] = [
            self.tree,
            kinds_box,
            period_box,
            self.folder,
            browse,
        ]
        self.count_timer = QtCore.QTimer(self)
        self.count_timer.setSingleShot(True)
        self.count_timer.setInterval(RECOUNT_MS)
        self.count_timer.timeout.connect(self.recount)
        metrics = self.fontMetrics()  # sized by the text, so it grows with the text size
        size = QtCore.QSize(metrics.averageCharWidth() * 100, metrics.height() * 30)
        size = size.expandedTo(self.sizeHint())  # never narrower than its own controls
        screen = self.screen().availableGeometry().size() if self.screen() else size
        self.resize(size.boundedTo(screen))

    def _date_edit(self, name: str, day: QtCore.QDate) -> QtWidgets.QDateEdit:
        edit = QtWidgets.QDateEdit(day)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setAccessibleName(name)
        edit.dateChanged.connect(lambda _d: self.schedule_count())
        return edit

    def _dates_on(self, on: bool) -> None:
        self.first.setEnabled(on)
        self.last.setEnabled(on)

    # -- reading ---------------------------------------------------------------------

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self.asked:
            self.warm_up()
        else:
            self.asked = True
            store, policy = self.store, self.policy
            self.runner.read(
                lambda _c: (department_tree(store), export_cycles(store, policy=policy)),
                on_done=self._show_choices,
                on_error=self._unreadable,
                name="departments",
            )

    def warm_up(self) -> None:
        """Start the export's processes in a read task (the store's key is read), while
        HR chooses; if that fails, the export starts its own."""
        if self.pool is None or self.warm is not None or self.warming or not self.isVisible():
            return
        self.warming = True
        pool = self.pool
        self.runner.read(
            lambda _c: warm_pool(pool),
            on_done=self._warmed,
            on_error=lambda _error: setattr(self, "warming", False),
            name="start export processes",
        )

    def _warmed(self, pool: WarmPool) -> None:
        self.warming = False
        if self.isVisible() and self.warm is None:
            self.warm = pool
        else:  # hidden meanwhile
            pool.close()

    def cool_down(self) -> None:
        """End the warm processes, once no export is using them."""
        if self.warm is not None and self.task is None:
            self.warm.close()
            self.warm = None

    def _unreadable(self, error: BaseException) -> None:
        self.count_line.setText("")
        self.message.setText(f"The departments could not be read: {error}")

    def _show_choices(self, found: tuple[list[DepartmentNode], list[Cycle]]) -> None:
        tree, cycles = found
        for node in tree:
            self.model.appendRow(self._item(node))
        for cycle in cycles:
            self.cycle.addItem(cycle.label, cycle)
        self.warm_up()  # after the departments: their read comes first
        self.tree.setEnabled(bool(tree))
        if tree:
            self.tree.setCurrentIndex(self.model.index(0, 0))
        self.recount()

    def _item(self, node: DepartmentNode) -> QtGui.QStandardItem:
        item = QtGui.QStandardItem(node.name)
        item.setEditable(False)
        item.setToolTip(node.name)  # a long name may be cut short in a narrow tree
        item.setCheckable(True)
        item.setData(node.id, ID)
        for child in node.children:
            item.appendRow(self._item(child))
        return item

    def _ticked(self, item: QtGui.QStandardItem) -> None:
        """A tick goes down to every section under it; a parent shows whether all, some or
        none of its sections are ticked."""
        if self.spreading:
            return
        self.spreading = True
        try:
            state = item.checkState()
            if state != PARTLY:
                todo = [item]
                while todo:
                    current = todo.pop()
                    for row in range(current.rowCount()):
                        child = current.child(row)
                        child.setCheckState(state)
                        todo.append(child)
            parent = item.parent()
            while parent is not None:
                states = {parent.child(row).checkState() for row in range(parent.rowCount())}
                parent.setCheckState(states.pop() if len(states) == 1 else PARTLY)
                parent = parent.parent()
        finally:
            self.spreading = False
        self.schedule_count()

    def items(self) -> list[QtGui.QStandardItem]:
        """Every department's item, parents before their children."""
        found: list[QtGui.QStandardItem] = []
        todo = [self.model.item(row) for row in range(self.model.rowCount())]
        while todo:
            item = todo.pop(0)
            found.append(item)
            todo[:0] = [item.child(row) for row in range(item.rowCount())]
        return found

    def item_named(self, name: str) -> QtGui.QStandardItem:
        return next(item for item in self.items() if item.text() == name)

    def tick(self, *names: str) -> None:
        """Tick the named departments (each with everything under it)."""
        for name in names:
            self.item_named(name).setCheckState(CHECKED)

    def selection(self) -> Selection:
        chosen: set[int] = set()
        todo = [self.model.item(row) for row in range(self.model.rowCount())]
        while todo:
            item = todo.pop()
            if item.checkState() == CHECKED:
                chosen.add(int(item.data(ID)))  # with every section under it
            elif item.checkState() == PARTLY:
                todo.extend(item.child(row) for row in range(item.rowCount()))
        cycle = self.cycle.currentData()
        dated = self.between.isChecked()
        return Selection(
            frozenset(chosen),
            kinds=frozenset(k for k, box in self.kinds.items() if box.isChecked()),
            cycles=(cycle,) if isinstance(cycle, Cycle) else (),
            first=day_of(self.first) if dated else None,
            last=day_of(self.last) if dated else None,
        )

    def schedule_count(self) -> None:
        self.counted = None
        self.start_button.setEnabled(False)
        self.count_timer.start()

    def recount(self) -> Task | None:
        """Count the selection in a read task; a later change makes this answer stale."""
        self.count_timer.stop()
        self.counting += 1
        asked = self.counting
        self.counted = None
        self.start_button.setEnabled(False)
        selection = self.selection()
        if not selection.departments:
            self.count_line.setText("Tick the departments to export.")
            return None
        if not selection.kinds:
            self.count_line.setText("Tick at least one kind of record.")
            return None
        if selection.first and selection.last and selection.first > selection.last:
            self.count_line.setText("The From date is after the To date.")
            return None
        self.count_line.setText("Counting…")
        store = self.store
        return self.runner.read(
            lambda _c: count_export(store, selection),
            on_done=lambda found: self._show_count(asked, found),
            on_error=lambda error: self._count_failed(asked, error),
            name="count export",
        )

    def _show_count(self, asked: int, found: ExportCount) -> None:
        if asked != self.counting:
            return  # the selection changed since
        self.counted = found
        self.count_line.setText(found.summary())
        self.start_button.setEnabled(found.records > 0 and self.task is None)

    def _count_failed(self, asked: int, error: BaseException) -> None:
        if asked == self.counting:
            self.count_line.setText(f"The records could not be counted: {error}")

    def _browse(self) -> None:
        chosen = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Folder for the PDFs", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    # -- exporting -------------------------------------------------------------------

    def start(self) -> Task | None:
        folder_text = self.folder.text().strip()
        selection = self.selection()
        if not folder_text or not selection.departments:
            self.message.setText("Tick the departments to export and choose a folder first.")
            return None
        if self.task is not None:
            return None
        folder = Path(folder_text)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        for widget in self.choosers:
            widget.setEnabled(False)
        self.failures.clear()
        self.failures.hide()
        self.bar.setRange(0, 0)
        self.bar.setFormat("Finding the records…")
        self.bar.show()
        about = f" ({self.counted.summary()})" if self.counted else ""
        self.message.setText(f"Exporting to {folder}{about}…")

        store, make_pdf, policy, pool = self.store, self.make_pdf, self.policy, self.pool
        warm = self.warm

        def work(control: Any) -> ExportResult:
            return export_records(
                store,
                selection=selection,
                folder=folder,
                make_pdf=make_pdf,
                policy=policy,
                progress=lambda done, total: control.progress((done, total)),
                cancel=control.cancel,
                pool=pool,
                warm=warm,
            )

        self.task = self.runner.read(
            work,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progress,
            name="export PDFs",
        )
        return self.task

    def cancel(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.message.setText("Stopping after the record being written…")

    def _progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(f"{done:,} of {total:,}")
        self.bar.setAccessibleDescription(f"{done:,} of {total:,} records")

    def _done(self, result: ExportResult) -> None:
        self.result_ = result
        self._finish(result.summary())
        for record_id, why in result.failed:
            self.failures.addItem(f"Record {record_id[:8]}: {why}")
        self.failures.setVisible(bool(result.failed))

    def _failed(self, error: BaseException) -> None:
        self._finish(f"The export stopped: {error}")

    def _finish(self, text: str) -> None:
        self.task = None
        self.message.setText(text)
        for widget in self.choosers:
            widget.setEnabled(True)
        self.tree.setEnabled(self.model.rowCount() > 0)
        self._dates_on(self.between.isChecked())
        self.cancel_button.setEnabled(False)
        if not self.isVisible():  # closed during the export
            self.cool_down()
        self.recount()

    def closeEvent(self, event: Any) -> None:
        self.cancel()
        super().closeEvent(event)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        """Closed, Escape or hidden (not minimised): cancel, and end the processes."""
        super().hideEvent(event)
        if not event.spontaneous():
            self.cancel()
            self.cool_down()
