"""The main window: navigation by role, the pages, menus with standard shortcuts, status bar.

Built by `ui.app.build_window` from an AppContext; never reaches for globals.
Records and people open through the `open_employee` / `open_record` signals,
which the record editor connects to.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Record
from lcc_apr.schedule import due_for
from lcc_apr.workflow import WORKFLOWS

from .about import AboutDialog
from .context import AppContext
from .qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .settings import Settings, SettingsDialog
from .status import StatusBar, SyncCall, read_status
from .tasks import TaskRunner
from .team_view import KINDS, TeamView, day_text, item_text, team_rows
from .theme import apply_appearance, fit_rows

if TYPE_CHECKING:  # the PDF side (reportlab) loads when first used, not at start
    from .export_dialog import ExportDialog

LATER = "Arrives with the record editor."


class MainWindow(QtWidgets.QMainWindow):
    open_employee = Signal(int)
    open_record = Signal(str)

    def __init__(
        self,
        *,
        context: AppContext,
        settings: Settings,
        runner: TaskRunner,
        sync: SyncCall | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.settings = settings
        self.runner = runner
        self.setWindowTitle(f"LCC APR: {context.user.display_name}")
        self.setAccessibleName("LCC APR main window")
        self.pages: dict[str, QtWidgets.QWidget] = {}
        self.stale: set[str] = set()
        self._changed = QtCore.QTimer(self)  # several changes in one go: one refresh
        self._changed.setSingleShot(True)
        self._changed.setInterval(0)
        self._changed.timeout.connect(self._refresh_after_change)
        self.nav = QtWidgets.QListWidget()
        self.nav.setAccessibleName("Sections")
        self.nav.setAccessibleDescription("Choose what the page on the right shows")
        self.stack = QtWidgets.QStackedWidget()
        self.stack.setAccessibleName("Page")
        self._add_pages()
        self.nav.setSpacing(2)
        central = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(central)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status = StatusBar(
            runner=runner,
            facts=lambda: read_status(context.store),
            sync=sync if sync is not None else context.sync_call(),
            parent=self,
        )
        self.setStatusBar(self.status)
        self.actions_by_name: dict[str, QtGui.QAction] = {}
        self.export_dialog: ExportDialog | None = None
        self._build_menus()
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.nav.setCurrentRow(0)
        self._fit_nav()
        self.status.synced.connect(lambda _o: self.records_changed())
        runner.write_done.connect(lambda _r: self.records_changed())
        runner.unhandled_error.connect(self._task_failed)
        settings.changed.connect(self._setting_changed)
        self.status.set_interval(settings.get("sync/interval_minutes"))
        self._restore_geometry()
        self.refresh()

    # -- pages --------------------------------------------------------------------

    def _add_pages(self) -> None:
        c, user = self.context, self.context.user
        common = {"session_factory": c.store.session, "today": c.today, "runner": self.runner}
        if user.is_manager and user.employee_id is not None:
            me = user.employee_id
            team = TeamView(
                title="My team",
                load=lambda s, today: team_rows(s, c.policy, today=today, manager_id=me),
                empty_text="Nobody reports to you in this copy of the records.",
                **common,
            )
            team.open_employee.connect(self.open_employee)
            self._add_page("team", "My team", team)
        own = OwnRecordsView(context=c, runner=self.runner)
        own.open_record.connect(self.open_record)
        self._add_page("own", "My own records", own)
        if user.is_hr:
            everyone = TeamView(
                title="HR: everyone",
                load=lambda s, today: team_rows(s, c.policy, today=today, manager_id=None),
                with_department=True,
                **common,
            )
            everyone.open_employee.connect(self.open_employee)
            self._add_page("hr", "HR", everyone)
            from .all_records import AllRecordsView

            records = AllRecordsView(context=c, runner=self.runner)
            records.open_record.connect(self.open_record)
            self._add_page("records", "All records", records)

    def _add_page(self, key: str, label: str, page: QtWidgets.QWidget) -> None:
        self.pages[key] = page
        item = QtWidgets.QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.nav.addItem(item)
        self.stack.addWidget(page)

    def page_keys(self) -> list[str]:
        return list(self.pages)

    def current_page(self) -> str:
        return list(self.pages)[self.stack.currentIndex()]

    def show_page(self, key: str) -> None:
        self.nav.setCurrentRow(list(self.pages).index(key))

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        key = list(self.pages)[row]
        if key in self.stale:
            self.stale.discard(key)
            self.pages[key].refresh()  # type: ignore[attr-defined]

    def refresh(self) -> None:
        """Reload the page shown and the status counts (read tasks); other pages reload
        when next shown, so HR's list of everyone is only read when HR opens it."""
        current = self.current_page()
        self.stale = set(self.pages) - {current}
        self.pages[current].refresh()  # type: ignore[attr-defined]
        self.status.refresh()

    def records_changed(self) -> None:
        """After a write or a sync: refresh what is shown now, the rest when next shown.

        Calls made together (a sync is also a write) give one refresh, from the event loop.
        """
        self._changed.start()

    def _refresh_after_change(self) -> None:
        self.refresh()

    def _fit_nav(self) -> None:
        """As wide as the longest section name (follows the text size)."""
        width = self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth()
        self.nav.setFixedWidth(width + self.nav.fontMetrics().horizontalAdvance("m") * 2)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit_nav()
        super().changeEvent(event)

    # -- menus and actions --------------------------------------------------------

    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[[], Any] | None,
        shortcut: QtGui.QKeySequence | str | None = None,
        tip: str = "",
    ) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip or text.replace("&", ""))
        if slot is None:
            action.setEnabled(False)
        else:
            action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        self.actions_by_name[name] = action
        return action

    def _build_menus(self) -> None:
        K = QtGui.QKeySequence.StandardKey
        bar = self.menuBar()
        bar.setAccessibleName("Menu bar")
        file = bar.addMenu("&File")
        file.addAction(self._action("new", "&New record…", None, K.New, f"New record. {LATER}"))
        file.addAction(self._action("save", "&Save", None, K.Save, f"Save. {LATER}"))
        file.addAction(self._action("print", "&Print…", None, K.Print, f"Print. {LATER}"))
        file.addSeparator()
        quit_ = self._action("quit", "&Quit", self.close, "Ctrl+Q", "Close LCC APR")
        quit_.setMenuRole(QtGui.QAction.MenuRole.QuitRole)
        file.addAction(quit_)
        edit = bar.addMenu("&Edit")
        edit.addAction(self._action("find", "&Find…", self.find, K.Find, "Filter this page"))
        view = bar.addMenu("&View")
        for number, key in enumerate(self.pages, start=1):
            label = self.nav.item(number - 1).text()
            view.addAction(
                self._action(
                    f"page_{key}",
                    f"&{number} {label}",
                    lambda k=key: self.show_page(k),
                    f"Ctrl+{number}",
                    f"Show {label}",
                )
            )
        tools = bar.addMenu("&Tools")
        sync = self._action("sync", "&Sync now", self.status.start_sync, "F5", "Sync now")
        sync.setEnabled(self.status.sync_call is not None)
        tools.addAction(sync)
        if self.context.user.is_hr:
            tools.addAction(
                self._action(
                    "export_pdfs",
                    "E&xport completed records as PDFs…",
                    self.open_export,
                    None,
                    "HR: a department's completed records, one signed PDF each, into a folder",
                )
            )
        tools.addAction(
            self._action("settings", "S&ettings…", self.open_settings, K.Preferences, "Settings")
        )
        help_ = bar.addMenu("&Help")
        about = self._action("about", "&About LCC APR", self.show_about, None, "Versions")
        about.setMenuRole(QtGui.QAction.MenuRole.AboutRole)
        help_.addAction(about)

    def find(self) -> None:
        page = self.pages[self.current_page()]
        if hasattr(page, "focus_filter"):
            page.focus_filter()
        else:
            self.status.message.setText("This page has no filter.")

    def open_export(self) -> ExportDialog:
        """HR's batch export; the dialog stays referenced (and reused) while it lives."""
        from .export_dialog import ExportDialog

        if self.export_dialog is None:
            self.export_dialog = ExportDialog(
                session_factory=self.context.store.session,
                runner=self.runner,
                make_pdf=hr_pdf_maker(self.context),
                parent=self,
            )
        self.export_dialog.show()
        self.export_dialog.raise_()
        self.export_dialog.activateWindow()
        return self.export_dialog

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _setting_changed(self, key: str, value: Any) -> None:
        if key in ("appearance/theme", "appearance/text_scale"):
            app = QtWidgets.QApplication.instance()
            apply_appearance(
                app,  # type: ignore[arg-type]
                theme=self.settings.get("appearance/theme"),
                text_scale=self.settings.get("appearance/text_scale"),
            )
        elif key == "sync/interval_minutes":
            self.status.set_interval(value)

    def _task_failed(self, task: Any, error: BaseException) -> None:
        self.status.message.setText(f"Something went wrong: {error}")

    # -- geometry -----------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.settings.get("window/geometry")
        if not geometry or not self.restoreGeometry(QtCore.QByteArray(geometry)):
            screen = QtGui.QGuiApplication.primaryScreen().availableGeometry()
            self.resize(min(1280, int(screen.width() * 0.9)), min(800, int(screen.height() * 0.85)))
        state = self.settings.get("window/state")
        if state:
            self.restoreState(QtCore.QByteArray(state))

    def save_geometry(self) -> None:
        self.settings.set("window/geometry", bytes(self.saveGeometry().data()))
        self.settings.set("window/state", bytes(self.saveState().data()))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.save_geometry()
        self._changed.stop()
        self.status.set_interval(0)
        self.runner.shutdown(wait=True)  # queued saves finish; a sync stops at its next check
        super().closeEvent(event)


class OwnRecordsView(QtWidgets.QWidget):
    """'My own records': what is due for me, and my records (newest first)."""

    open_record = Signal(str)

    def __init__(
        self, *, context: AppContext, runner: TaskRunner, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("My own records")
        self.context = context
        self.runner = runner
        heading = QtWidgets.QLabel("<h2>My own records</h2>")
        heading.setAccessibleName("My own records")
        self.due = QtWidgets.QLabel()
        self.due.setWordWrap(True)
        self.due.setAccessibleName("What is due for you")
        self.due.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Record", "Date", "Status"])
        self.table.setAccessibleName("My records table")
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        fit_rows(self.table)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.due)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        me, c = self.context.user.employee_id, self.context
        if me is None:
            self.due.setText("This account has no staff record, so it has no records of its own.")
            self.table.setRowCount(0)
            return
        today = c.today()

        def query(_control: Any) -> tuple[list[str], list[tuple[str, str, str, str]]]:
            with c.store.session() as s:
                return own_records(s, c, employee_id=me, today=today)

        self.runner.read(query, on_done=self._loaded, name="own records")

    def _loaded(self, found: tuple[list[str], list[tuple[str, str, str, str]]]) -> None:
        due, records = found
        self.due.setText(
            "Coming up for you: " + "; ".join(due) + "." if due else "Nothing is due for you."
        )
        self.table.setRowCount(len(records))
        for row, (record_id, *cells) in enumerate(records):
            for column, text in enumerate(cells):
                cell = QtWidgets.QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, record_id)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            fit_rows(self.table)
        super().changeEvent(event)

    def _open(self, index: QtCore.QModelIndex) -> None:
        if index.isValid():
            self.open_record.emit(index.data(Qt.ItemDataRole.UserRole))


def hr_pdf_maker(context: AppContext) -> Callable[[Session, str], bytes]:
    """make_pdf for HR's export: each record's PDF signed by HR in HR's box. Runs in the
    export's worker; who signs (context.printer, which may ask the server) is found once,
    on the first record, and kept for the rest of the batch."""
    from lcc_apr.pdf.records import Printer, record_pdf

    found: list[Printer | Exception] = []  # the printer, or why there is none: asked once
    lock = threading.Lock()

    def make_pdf(session: Session, record_id: str) -> bytes:
        with lock:
            if not found:
                try:
                    found.append(context.printer(""))
                except Exception as error:  # each record then fails with the same reason
                    found.append(error)
        printer = found[0]
        if isinstance(printer, Exception):
            raise printer
        return record_pdf(
            session,
            record_id,
            context.catalogue,
            signer=printer.signer,
            signer_name=printer.name,
            role="hr",
        )

    return make_pdf


def own_records(
    session: Session, context: AppContext, *, employee_id: int, today: date
) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    """Read worker: my due items as text, and (id, kind, date, status) for my records."""
    items = due_for(session, context.policy, today=today, employee_ids=[employee_id])
    due = [item_text(i, today) for i in items.get(employee_id, [])]
    kinds = dict(KINDS)
    rows = session.execute(
        select(Record.id, Record.kind, Record.record_date, Record.status)
        .where(Record.subject_id == employee_id, ~Record.deleted)
        .order_by(Record.record_date.desc())
    )
    records = []
    for rid, kind, day, status in rows:
        try:
            status_label = WORKFLOWS[kind].state(status).label
        except (KeyError, ValueError):
            status_label = status.replace("_", " ").capitalize()
        records.append((rid, kinds[kind], day_text(day) if day else "", status_label))
    return due, records
