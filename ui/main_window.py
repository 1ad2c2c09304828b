"""The main window: navigation by role, the pages (ui.pages), menus with standard shortcuts,
status bar.

Built by `ui.app.build_window` from an AppContext and the WindowActions that open
other windows (wired by the composition root); never reaches for globals. Every
page reads through ops in read tasks, and refreshes when a write's Changes touch
what it shows (`shows(changes)`): the page on screen at once, the others when next shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from lcc_apr.ops import Changes

from .context import AppContext
from .inbox import InboxView, TrayNotifier, nav_label
from .pages import Page, Pages, later_pages
from .qt import Qt, QtCore, QtGui, QtWidgets
from .settings import Settings, SettingsDialog
from .status import StatusBar, SyncCall
from .tasks import TaskRunner
from .theme import apply_appearance

if TYPE_CHECKING:  # the PDF side (reportlab) loads when first used, not at start
    from .about import AboutDialog
    from .export_dialog import ExportDialog
    from .windows import Windows


@dataclass(frozen=True)
class WindowActions:
    """What the main window does that opens other windows; the composition root wires them.
    An action left None is not offered."""

    open_employee: Callable[[int], Any]
    open_record: Callable[[str], Any]
    new_record: Callable[[], Any] | None = None  # File > New record (for someone I manage)
    conflicts: Callable[[], Any] | None = None  # Tools > Resolve changes made on both sides
    sign_out: Callable[[], Any] | None = None  # File > Sign out
    find_person: Callable[[], Any] | None = None  # Edit > Find a person (Ctrl+K)
    open_absences: Callable[[int], Any] | None = None  # a person's absences (managers, HR)


def _read_status(context: AppContext) -> Any:
    """The status bar's counts (lcc_apr.ops.status), in its read task."""
    from lcc_apr.ops.status import read_status  # SQLAlchemy loads in the worker

    return read_status(context.store)


class MainWindow(QtWidgets.QMainWindow):
    def __init__(
        self,
        *,
        context: AppContext,
        settings: Settings,
        runner: TaskRunner,
        actions: WindowActions,
        sync: SyncCall | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.window_actions = actions
        self.windows: Windows | None = None  # what opens the actions' windows (build_window)
        self.settings = settings
        self.runner = runner
        # Qt adds the application's name ("Sam Smith — LCC APR"): not repeated here
        self.setWindowTitle(context.user.display_name)
        self.setAccessibleName("LCC APR main window")
        self.notifier: Callable[[int], Any] = TrayNotifier(self)
        self.stale: set[str] = set()
        self._pending = Changes()  # changes not yet shown: several in one go, one refresh
        self._changed = QtCore.QTimer(self)
        self._changed.setSingleShot(True)
        self._changed.setInterval(0)
        self._changed.timeout.connect(self._show_changes)
        self.nav = QtWidgets.QListWidget()
        self.nav.setAccessibleName("Sections")
        self.nav.setAccessibleDescription("Choose what the page on the right shows")
        self.stack = QtWidgets.QStackedWidget()
        self.stack.setAccessibleName("Page")
        self.pages = Pages(self.stack, self.nav)
        self._add_pages()
        self.nav.setSpacing(2)
        self.who = QtWidgets.QLabel(context.signed_in_as())
        self.who.setAccessibleName("Signed in as")
        self.who.setWordWrap(True)
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(self.nav, 1)
        left.addWidget(self.who)
        central = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(central)
        row.addLayout(left)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status = StatusBar(
            runner=runner,
            facts=partial(_read_status, context),
            sync=sync if sync is not None else context.sync_call(),
            parent=self,
        )
        self.setStatusBar(self.status)
        self.actions_by_name: dict[str, QtGui.QAction] = {}
        self.export_dialog: ExportDialog | None = None
        self.hr_export_dialog: QtWidgets.QDialog | None = None
        self._build_menus()
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.nav.setCurrentRow(0)
        self._fit_nav()
        self.status.synced.connect(self._sync_ended)
        self.status.synced.connect(self.pages["inbox"].sync_ended)  # type: ignore[attr-defined]
        runner.changed.connect(self.apply_changes)
        runner.unhandled_error.connect(self._task_failed)
        settings.changed.connect(self._setting_changed)
        self.status.set_interval(settings.get("sync/interval_minutes"))
        self._restore_geometry()
        self.refresh()

    # -- pages --------------------------------------------------------------------

    def glimpse(self, seen: Any) -> None:
        """A later start: the first page's list as it last showed (lcc_apr.ops.glance),
        while the store opens."""
        self.pages["inbox"].glimpse(seen)  # type: ignore[attr-defined]

    def _add_pages(self) -> None:
        c, actions = self.context, self.window_actions
        inbox = InboxView(context=c, runner=self.runner, notify=self._notify)
        inbox.open_record.connect(actions.open_record)
        inbox.open_employee.connect(actions.open_employee)
        if actions.conflicts is not None:
            inbox.open_conflicts.connect(actions.conflicts)
        inbox.counted.connect(lambda n: self._relabel("inbox", nav_label(n)))
        self._add_page("inbox", nav_label(None), inbox)  # the first page, made now

        for key, label, make in later_pages(c, self.runner, actions, self.settings):
            self._add_page(key, label, make)

    def _add_page(
        self, key: str, label: str, page: QtWidgets.QWidget | Callable[[], QtWidgets.QWidget]
    ) -> None:
        """A page made now, or the maker of one made when first shown."""
        if isinstance(page, QtWidgets.QWidget):
            self.pages.add_made(key, page)
        else:
            self.pages.add(key, label, page)
        item = QtWidgets.QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.nav.addItem(item)

    def _relabel(self, key: str, label: str) -> None:
        self.nav.item(list(self.pages).index(key)).setText(label)
        self._fit_nav()

    def _notify(self, count: int) -> None:
        """New items after a sync: a notice with the count only, when the setting is on."""
        if self.settings.get("notify/new_items"):
            self.notifier(count)

    def page_keys(self) -> list[str]:
        return list(self.pages)

    def current_page(self) -> str:
        return list(self.pages)[self.stack.currentIndex()]

    def show_page(self, key: str) -> None:
        self.nav.setCurrentRow(list(self.pages).index(key))

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        key = list(self.pages)[row]
        self.pages[key]  # made on first showing
        self.stack.setCurrentIndex(row)
        if key in self.stale:
            self.stale.discard(key)
            with self.runner.first():  # ahead of (and before) reads for pages not shown
                self._page(key).refresh()

    def _page(self, key: str) -> Page:
        return self.pages[key]  # type: ignore[return-value]

    def refresh(self) -> None:
        """Reload the page shown and the status counts (read tasks); other pages reload
        when next shown, so HR's list of everyone is only read when HR opens it; a page
        marked `always_fresh` (Needs my action, whose count the navigation shows) every time.
        The page on screen asks first; one chosen later (show_page) goes ahead of these."""
        current = self.current_page()
        made = self.pages.made()  # the others read when first shown
        fresh = [k for k in made if getattr(self.pages[k], "always_fresh", False)]
        self.stale = set(self.pages) - {current} - set(fresh)
        for key in [current, *(k for k in fresh if k != current)]:
            self._page(key).refresh()
        self.status.refresh()

    def apply_changes(self, changes: Changes) -> None:
        """After a write or a sync: pages whose content the changes touch refresh, the one
        on screen now and the others when next shown. Changes arriving together (a sync and
        the saves around it) give one refresh each, from the event loop."""
        self._pending = self._pending | changes
        self._changed.start()

    def _sync_ended(self, outcome: object) -> None:
        """A sync that ended: its Changes reached `runner.changed`; one that failed part way
        may still have received pages, so everything is read again."""
        if isinstance(outcome, BaseException):
            self.apply_changes(Changes(everything=True, synced=True))

    def _show_changes(self) -> None:
        changes, self._pending = self._pending, Changes()
        current = self.current_page()
        for key in self.pages.made():  # the others read when first shown
            if self._page(key).shows(changes):
                if key == current or getattr(self.pages[key], "always_fresh", False):
                    self._page(key).refresh()
                else:
                    self.stale.add(key)
        if changes.status_bar:
            self.status.refresh()

    def _fit_nav(self) -> None:
        """As wide as the longest section name, with room for the count the inbox's name
        gets once read (follows the text size): the pages do not move when it comes."""
        inbox = self.nav.item(list(self.pages).index("inbox")) if "inbox" in self.pages else None
        name = inbox.text() if inbox is not None else ""
        if inbox is not None:
            inbox.setText(nav_label(99_999))
        width = self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth()
        if inbox is not None:
            inbox.setText(name)
        self.nav.setFixedWidth(width + self.nav.fontMetrics().horizontalAdvance("m") * 2)
        self.who.setFixedWidth(self.nav.width())  # wraps under the sections

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
        shortcut: QtGui.QKeySequence | QtGui.QKeySequence.StandardKey | str | None = None,
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
        new_tip = "Start a new record for someone you manage"
        new = self._action("new", "&New record…", self.window_actions.new_record, K.New, new_tip)
        new.setEnabled(self.window_actions.new_record is not None and self.context.user.is_manager)
        file.addAction(new)
        export_tip = "Save the list on this page as a CSV or Excel file"
        export = self._action(
            "export_list", "&Export list…", self.export_list, "Ctrl+E", export_tip
        )
        export.setEnabled(self.context.user.is_hr or self.context.user.is_manager)
        file.addAction(export)
        if self.context.user.is_hr:  # HR only: nobody else sees these items
            hr_tip = "HR: the records accepted since the last export, as CSV or XLSX files"
            file.addAction(
                self._action(
                    "export_hr", "Export for &HR system…", self.open_hr_export, None, hr_tip
                )
            )
            import_tip = "HR: the organisation from the HR system's file, dry run first"
            file.addAction(
                self._action(
                    "org_import", "&Import organisation…", self.open_org_import, None, import_tip
                )
            )
            keep_tip = "HR: records due under the retention rules, legal holds"
            file.addAction(
                self._action("retention", "&Retention…", self.open_retention, None, keep_tip)
            )
        file.addSeparator()
        if self.window_actions.sign_out is not None:
            out_tip = "Sign out: this computer forgets your session; your records stay here"
            file.addAction(
                self._action("sign_out", "Sign &out", self.window_actions.sign_out, None, out_tip)
            )
        quit_ = self._action("quit", "&Quit", self.close, "Ctrl+Q", "Close LCC APR")
        quit_.setMenuRole(QtGui.QAction.MenuRole.QuitRole)
        file.addAction(quit_)
        edit = bar.addMenu("&Edit")
        edit.addAction(
            self._action("find", "&Find…", self.find_on_page, K.Find, "Filter this page")
        )
        if self.window_actions.find_person is not None:
            find_tip = "Find a person by name, payroll number or job, and open their profile"
            edit.addAction(
                self._action(
                    "find_person",
                    "Find a &person…",
                    self.window_actions.find_person,
                    "Ctrl+K",
                    find_tip,
                )
            )
        view = bar.addMenu("&View")
        for number, key in enumerate(self.pages, start=1):
            label = self.nav.item(number - 1).text()
            view.addAction(
                self._action(
                    f"page_{key}",
                    f"&{number} {label}",
                    partial(self.show_page, key),
                    f"Ctrl+{number}",
                    f"Show {label}",
                )
            )
        tools = bar.addMenu("&Tools")
        sync = self._action("sync", "&Sync now", self.status.start_sync, "F5", "Sync now")
        sync.setEnabled(self.status.sync_call is not None)
        tools.addAction(sync)
        if self.window_actions.conflicts is not None:
            tools.addAction(
                self._action(
                    "conflicts",
                    "&Resolve changes made on both sides…",
                    self.window_actions.conflicts,
                    None,
                    "Choose what to keep where a record changed here and on the server",
                )
            )
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
                self._action(
                    "subject_access",
                    "Su&bject access export…",
                    self.open_subject_access,
                    None,
                    "HR: everything held about one person, as one zip (a subject access request)",
                )
            )
        tools.addAction(
            # Ctrl+, : the standard Preferences key is a "Settings" media key on Linux
            self._action("settings", "S&ettings…", self.open_settings, "Ctrl+,", "Settings")
        )
        help_ = bar.addMenu("&Help")
        help_.addAction(
            self._action("guide", "&Guide…", self.show_guide, K.HelpContents, "How to use LCC APR")
        )
        about = self._action("about", "&About LCC APR", self.show_about, None, "Versions")
        about.setMenuRole(QtGui.QAction.MenuRole.AboutRole)
        help_.addAction(about)

    def find_on_page(self) -> None:
        self._page(self.current_page()).focus_filter()  # every page has a filter

    def export_list(self) -> None:
        """File > Export list: the page's list, if it has one (ui.list_export)."""
        from .list_export import export_list_to_file

        page = self.pages[self.current_page()]
        if hasattr(page, "export_current"):  # management information: the view's table
            page.export_current(chart=False)
            return
        if not hasattr(page, "export_choice"):
            self.status.message.setText("This page has no list to export.")
            return
        choice = page.export_choice()
        message = self.status.message.setText
        export_list_to_file(self, self.context, self.runner, choice, message=message)

    def open_export(self) -> ExportDialog:
        """HR's batch export; the dialog stays referenced (and reused) while it lives."""
        from lcc_apr.ops import printing

        from .export_dialog import ExportDialog

        if self.export_dialog is None:
            self.export_dialog = ExportDialog(
                store=self.context.store,
                runner=self.runner,
                make_pdf=printing.hr_pdf_maker(
                    catalogue=self.context.catalogue, printer=lambda: self.context.printer("")
                ),
                policy=self.context.policy,
                pool=printing.hr_pool_kit(
                    self.context.store,
                    catalogue=self.context.catalogue,
                    printer=lambda: self.context.printer(""),
                ),
                parent=self,
            )
        self.export_dialog.show()
        self.export_dialog.raise_()
        self.export_dialog.activateWindow()
        return self.export_dialog

    def open_hr_export(self) -> QtWidgets.QDialog:
        """File > Export for HR system (HR only); one dialog, reused while it lives."""
        from .hr_export_dialog import HrExportDialog

        if self.hr_export_dialog is None:
            self.hr_export_dialog = HrExportDialog(
                context=self.context, runner=self.runner, parent=self
            )
        self.hr_export_dialog.show()
        self.hr_export_dialog.raise_()
        self.hr_export_dialog.activateWindow()
        return self.hr_export_dialog

    def open_retention(self) -> QtWidgets.QDialog:
        """File > Retention (HR): the due list, HR's confirmed purges, legal holds."""
        from lcc_apr.ops.retention import RetentionDesk

        from .retention import RetentionDialog

        desk = self.context.retention_desk or RetentionDesk(None)
        dialog = RetentionDialog(desk=desk, runner=self.runner, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_subject_access(self) -> QtWidgets.QDialog:
        """Tools > Subject access export (HR)."""
        from .subject_access_dialog import SubjectAccessDialog

        dialog = SubjectAccessDialog(context=self.context, runner=self.runner, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_org_import(self) -> QtWidgets.QWizard:
        """File > Import organisation (HR): the wizard; once applied, a sync brings the new
        organisation here."""
        from .org_import import OrgImportWizard

        wizard = OrgImportWizard(
            importer=self.context.org_importer,
            runner=self.runner,
            today=self.context.today(),
            parent=self,
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.applied.connect(lambda _reply: self.status.start_sync())
        wizard.open()
        return wizard

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_guide(self) -> QtWidgets.QDialog:
        """Help > Guide (F1): the guide for this person's role, not modal."""
        from .help import GuideWindow, guide_for

        dialog = GuideWindow(guide_for(self.context.user), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_about(self) -> AboutDialog:
        from .about import AboutDialog  # sqlcipher's version: loaded when asked

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
        from lcc_apr.ops.words import error_words  # SQLAlchemy's errors: loaded by now

        self.status.message.setText(error_words(error))

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
        if self.export_dialog is not None:  # its export processes end
            self.export_dialog.close()
        self.status.set_interval(0)
        self.runner.shutdown(wait=True)  # queued saves finish; a sync stops at its next check
        super().closeEvent(event)
