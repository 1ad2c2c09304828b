"""One employee's records (model/view), the editor window, and starting a new record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lcc_apr.editing import EditSession
from lcc_apr.models import RecordKind
from lcc_apr.ops import Changes
from lcc_apr.ops.people import person_name
from lcc_apr.ops.records import (
    Existing,
    RecordRow,
    Started,
    delete_draft,
    employee_records,
    existing_in_cycle,
    may_delete_draft,
    may_start_for,
    start_record,
)

from .context import AppContext
from .editor import RecordEditor
from .editor.editor import no_signing
from .editor.writes import via_runner
from .qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .tasks import TaskRunner

if TYPE_CHECKING:
    from lcc_apr.pdf.printed_letters import LetterChoice

COLUMNS = ("Record", "Date", "Stage", "Sync")
OPEN, START, CANCEL = "open", "start", "cancel"
# Asked when a record of the same kind and cycle exists: OPEN it, START another, or CANCEL.
AskExisting = Callable[[QtWidgets.QWidget, Existing, str], str]
# Asked before deleting a draft (the row, the person's name): True deletes.
ConfirmDelete = Callable[[QtWidgets.QWidget, RecordRow, str], bool]


def _day(value: Any) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def ask_existing_dialog(parent: QtWidgets.QWidget, existing: Existing, name: str) -> str:
    """A second record for the same year is usually a mistake: the default opens the
    existing one; Escape cancels."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle("New record")
    box.setAccessibleName("A record for this year already exists")
    dated = f", dated {_day(existing.record_date)}" if existing.record_date else ""
    box.setText(f"{name} already has an {existing.cycle} record ({existing.status}{dated}).")
    box.setInformativeText(
        "Starting another makes a second record for the same year. Open the existing one?"
    )
    open_button = box.addButton(
        "&Open the existing one", QtWidgets.QMessageBox.ButtonRole.AcceptRole
    )
    open_button.setAccessibleName("Open the existing record")
    start_button = box.addButton(
        "&Start another anyway", QtWidgets.QMessageBox.ButtonRole.DestructiveRole
    )
    start_button.setAccessibleName("Start a second record for the same year")
    cancel = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    cancel.setAccessibleName("Cancel: start nothing")
    box.setDefaultButton(open_button)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return OPEN if clicked is open_button else START if clicked is start_button else CANCEL


def confirm_delete_dialog(parent: QtWidgets.QWidget, row: RecordRow, name: str) -> bool:
    """Deleting is confirmed; the default button is Cancel."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete draft")
    box.setAccessibleName("Delete this draft?")
    dated = f" of {_day(row.record_date)}" if row.record_date else ""
    box.setText(f"Delete the draft {row.kind}{dated} for {name}?")
    box.setInformativeText(
        "Only a draft never shared can be deleted. It is kept in the record's history, "
        "and the deletion is recorded on the server."
    )
    delete = box.addButton("&Delete draft", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
    delete.setAccessibleName("Delete the draft")
    cancel = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    cancel.setAccessibleName("Cancel: keep the draft")
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is delete


KINDS = (  # the order offered for a new record: the most frequent first
    RecordKind.SUPERVISION,
    RecordKind.RETURN_TO_WORK,
    RecordKind.WELFARE_CONTACT,
    RecordKind.APR,
    RecordKind.PROBATION,
    RecordKind.CAPABILITY,
    RecordKind.ATTENDANCE,
)


class RecordsModel(QtCore.QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RecordRow] = []

    def set_rows(self, rows: list[RecordRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = QtCore.QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Any, role: int = 0) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        sync = (
            "Changed on both sides: choose what to keep"
            if row.conflict
            else "Not yet sent"
            if row.unsynced
            else "Synced"
        )
        return (row.kind, _day(row.record_date), row.status, sync)[index.column()]


class EmployeeRecords(QtWidgets.QDialog):
    """An employee's record history; Enter or double-click opens one. It shows at once and
    fills in from read tasks (the name, then the records); it refreshes itself when a
    write's Changes touch this person (a sync that sent their records too). Columns are
    sized from their text, so nothing is cut off at any text size."""

    open_record = Signal(str)
    open_absences = Signal(int)  # the person's absences (shown for managers and HR)

    def __init__(
        self,
        context: AppContext,
        runner: TaskRunner,
        employee_id: int,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context, self.runner, self.employee_id = context, runner, employee_id
        self.ask_existing: AskExisting = ask_existing_dialog  # tests answer for the person
        self.confirm_delete: ConfirmDelete = confirm_delete_dialog
        layout = QtWidgets.QVBoxLayout(self)
        self.model = RecordsModel()
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open)
        self.table.activated.connect(self._open)
        layout.addWidget(self.table)
        buttons = QtWidgets.QHBoxLayout()
        self.kind = QtWidgets.QComboBox()
        self.kind.setAccessibleName("Kind of new record")
        for kind in KINDS:
            self.kind.addItem(kind.label, kind)
        self.new_button = QtWidgets.QPushButton("&New record")
        self.new_button.setAutoDefault(False)  # Enter opens the chosen record, never creates
        self.new_button.clicked.connect(self.new_record)
        self.delete_button = QtWidgets.QPushButton("&Delete draft…")
        self.delete_button.setAccessibleName("Delete the chosen draft")
        self.delete_button.setToolTip("Only a draft you started and never shared")
        self.delete_button.setAutoDefault(False)
        self.delete_button.setEnabled(False)  # until the chosen record may be deleted
        self.delete_button.clicked.connect(self.delete_chosen)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        self.export_button = QtWidgets.QPushButton("E&xport list…")
        self.export_button.setAccessibleName("Export these records as CSV or XLSX")
        self.export_button.setAutoDefault(False)
        self.export_button.setVisible(context.user.is_hr or context.user.is_manager)
        self.export_button.clicked.connect(self.export)
        self.close_button = QtWidgets.QPushButton("&Close")
        self.close_button.setAccessibleName("Close")
        self.close_button.setAutoDefault(False)  # Enter in the table opens a record, and only that
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.kind)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        self.absences_button = QtWidgets.QPushButton("&Absences…")
        self.absences_button.setAccessibleName("Absences: record or see them")
        self.absences_button.setAutoDefault(False)
        self.absences_button.setVisible(False)  # show_absences_button: managers and HR
        self.absences_button.clicked.connect(lambda: self.open_absences.emit(self.employee_id))
        buttons.addWidget(self.absences_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.message = QtWidgets.QLabel("")
        self.message.setAccessibleName("Messages")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        metrics = self.fontMetrics()  # room for the columns at any text size
        self.resize(metrics.averageCharWidth() * 110, metrics.height() * 24)
        self._set_name(f"Employee {employee_id}")  # until the read below brings the name
        store, me, user = context.store, employee_id, context.user
        runner.read(
            lambda _c: person_name(store, employee_id=me), on_done=self._set_name, name="name"
        )
        self.new_button.setEnabled(False)  # until the workflow says this person may start
        self.kind.setEnabled(False)
        runner.read(
            lambda _c: may_start_for(store, user=user, subject_id=me),
            on_done=self._may_start,
            name="may start",
        )
        runner.changed.connect(self._changed)
        self.refresh()

    def show_absences_button(self) -> None:
        self.absences_button.setVisible(True)

    def _set_name(self, name: str) -> None:
        self.name = name
        self.setWindowTitle(f"Records: {name}")
        self.setAccessibleName(f"Records of {name}")
        self.table.setAccessibleName(f"Records of {name}")
        self.new_button.setAccessibleName(f"Start a new record for {name}")

    def _may_start(self, allowed: bool) -> None:
        self.new_button.setEnabled(allowed)
        self.kind.setEnabled(allowed)
        if not allowed:
            self.new_button.setToolTip("Only the employee's line manager or HR start records.")

    def _changed(self, changes: Changes) -> None:
        if changes.rows_of(self.employee_id):
            self.refresh()

    def refresh(self) -> None:
        c, me = self.context, self.employee_id

        def query(_control: Any) -> list[RecordRow]:
            return employee_records(c.store, employee_id=me, catalogue=c.catalogue)

        self.runner.read(query, on_done=self._set_rows, name="employee records")

    def _set_rows(self, rows: list[RecordRow]) -> None:
        self.model.set_rows(rows)
        self.delete_button.setEnabled(False)  # the choice went with the old rows

    def _chosen(self, current: Any, _previous: Any = None) -> None:
        self.delete_button.setEnabled(False)
        if not current.isValid():
            return
        c, record_id = self.context, self.model.rows[current.row()].id

        def allowed(may: bool) -> None:
            chosen = self.table.currentIndex()
            still = chosen.isValid() and self.model.rows[chosen.row()].id == record_id
            self.delete_button.setEnabled(may and still)

        self.runner.read(
            lambda _c: may_delete_draft(c.store, user=c.user, record_id=record_id),
            on_done=allowed,
            name="may delete",
        )

    def delete_chosen(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        row, c, at = self.model.rows[index.row()], self.context, datetime.now(UTC)
        if not self.confirm_delete(self, row, self.name):
            return
        self.runner.write(
            lambda _c: delete_draft(c.store, user=c.user, record_id=row.id, at=at),
            on_done=lambda _changes: self.message.setText("The draft was deleted."),
            on_error=lambda e: QtWidgets.QMessageBox.warning(self, "Delete draft", str(e)),
            name="delete draft",
        )

    def export(self) -> None:
        """The person's records as CSV or XLSX (scope and audit in the core)."""
        from lcc_apr.ops.list_export import ListChoice, ListKind

        from .list_export import export_list_to_file

        choice = ListChoice(ListKind.PERSON, employee_id=self.employee_id)
        export_list_to_file(self, self.context, self.runner, choice, message=self.message.setText)

    def _open(self, index: Any) -> None:
        self.open_record.emit(self.model.rows[index.row()].id)

    def new_record(self) -> None:
        """Start a record of the chosen kind; when one of the same kind and cycle exists
        (a second APR for the year), ask first: open it, start another, or cancel."""
        kind = RecordKind(self.kind.currentData())  # Qt hands enum data back as text
        c, subject, today = self.context, self.employee_id, self.context.today()

        def found(existing: Existing | None) -> None:
            choice = START if existing is None else self.ask_existing(self, existing, self.name)
            if choice == START:
                self._start(kind)
            elif choice == OPEN and existing is not None:
                self.open_record.emit(existing.record_id)

        self.runner.read(
            lambda _c: existing_in_cycle(
                c.store, kind=kind, subject_id=subject, policy=c.policy, today=today
            ),
            on_done=found,
            name="same cycle",
        )

    def _start(self, kind: RecordKind) -> None:
        c = self.context
        subject, today, at = self.employee_id, c.today(), datetime.now(UTC)

        def op(_control: Any) -> Started:
            return start_record(
                c.store,
                user=c.user,
                kind=kind,
                subject_id=subject,
                catalogue=c.catalogue,
                policy=c.policy,
                today=today,
                at=at,
            )

        def done(started: Started) -> None:
            self.open_record.emit(started.record_id)

        self.runner.write(
            op,
            on_done=done,
            on_error=lambda e: QtWidgets.QMessageBox.warning(self, "New record", str(e)),
            name="new record",
        )


LETTERS_AFTER_MS = 250


class EditorWindow(QtWidgets.QDialog):
    """One record in the template-driven editor, for the signed-in person."""

    def __init__(
        self,
        context: AppContext,
        runner: TaskRunner,
        session: EditSession,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        """`session` comes from `lcc_apr.ops.records.open_record`, run in a read task."""
        super().__init__(parent)
        user, record_id = context.user, session.record_id
        self.session = session
        self.editor = RecordEditor(
            self.session,
            run_write=via_runner(runner.write),
            run_read=via_runner(runner.read, "signatures"),
            signing=context.signing or no_signing,
            signer_name=user.display_name,
        )
        self.setWindowTitle(f"{self.session.template.title}: {self.session.subject_name}")
        self.setAccessibleName(self.windowTitle())
        self.context, self.runner, self.record_id = context, runner, record_id
        self.print_button = QtWidgets.QPushButton("&Print or save as PDF…")
        self.print_button.setAccessibleName("Print or save this record as a signed PDF")
        self.print_button.setToolTip("Ctrl+P: a preview of the signed PDF, to save or print")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_record)
        QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Print, self).activated.connect(
            self.print_record
        )
        self.print_note = QtWidgets.QLabel()
        self.print_note.setAccessibleName("Printing")
        self.letters_button = QtWidgets.QPushButton("&Letters…")
        self.letters_button.setAccessibleName("Make a letter to the employee from this record")
        self.letters_button.setToolTip("The letters that apply to this record now, signed")
        self.letters_button.setAutoDefault(False)
        self.letters_button.clicked.connect(self.open_letters)
        self.letters_button.hide()  # shown when a letter applies (refresh_letters)
        self.letter_choices: list[Any] = []
        self.letters: Any = None
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.addWidget(self.print_note, 1)
        bar.addWidget(self.letters_button)
        bar.addWidget(self.print_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor, 1)
        layout.addLayout(bar)
        self.preview: Any = None
        self.editor.stepTaken.connect(lambda *_: self.refresh_letters())
        self.editor.saved.connect(lambda *_: self.refresh_letters())
        self.letters_known = False  # True once the letters check has answered
        # after the first paint: its worker would otherwise share the GIL with the opening
        # (a child timer: it dies with the window, never firing on a deleted one)
        self._letters_timer = QtCore.QTimer(self)
        self._letters_timer.setSingleShot(True)
        self._letters_timer.setInterval(LETTERS_AFTER_MS)
        self._letters_timer.timeout.connect(self.refresh_letters)
        self._letters_timer.start()
        self.resize(1000, 800)

    def refresh_letters(self) -> None:
        """Show Letters… when a letter applies for this person (the core decides, in a
        worker: only the line manager or HR make letters)."""
        if self.runner.closed:  # the app closed before the delayed check ran
            return
        context, record_id = self.context, self.record_id
        parties = self.session.actor.parties()

        def query(_control: Any) -> list[LetterChoice]:
            from lcc_apr.ops import printing  # reportlab: not on the UI thread

            return printing.letter_choices(
                context.store,
                record_id=record_id,
                catalogue=context.catalogue,
                parties=parties,
                policy=context.policy,
            )

        def found(choices: list[LetterChoice]) -> None:
            self.letters_known = True
            self.letter_choices = choices
            self.letters_button.setVisible(bool(choices))

        def failed(error: BaseException) -> None:  # e.g. a letter template with mistakes
            found([])
            first = (str(error) or type(error).__name__).splitlines()[0]
            self.print_note.setText(f"Letters are not available: {first}")

        self.runner.read(query, on_done=found, on_error=failed, name="letters")

    def open_letters(self) -> None:
        """Save what is typed, then the letters dialog (it stays open beside the editor)."""
        from .letters import LetterDialog

        if not self.letter_choices:
            return
        self.editor.save_now()
        if self.letters is not None:
            self.letters.close()
        self.letters = LetterDialog(
            context=self.context,
            runner=self.runner,
            record_id=self.record_id,
            choices=self.letter_choices,
            save=self.editor.save_now,
            parent=self,
        )
        self.letters.show()

    def print_record(self) -> None:
        """Save what is typed, make the signed PDF in a worker, then show the preview."""
        from lcc_apr.ops import printing
        from lcc_apr.pdf.records import PrintedRecord

        from .pdf_view import PdfPreview

        self.editor.save_now()
        context, record_id = self.context, self.record_id
        self.print_button.setEnabled(False)
        self.print_note.setText("Making the PDF…")

        def make(_control: Any) -> PrintedRecord:
            return printing.print_record(
                context.store,
                record_id=record_id,
                catalogue=context.catalogue,
                printer=context.printer(record_id),
                user=context.user,
            )

        def show(printed: PrintedRecord) -> None:
            self.print_button.setEnabled(True)
            self.print_note.setText("")
            self.preview = PdfPreview(
                title=printed.title,
                pdf=printed.pdf,
                file_name=printed.file_name,
                check=printed.check,
                parent=self,
            )
            self.preview.show()

        def failed(error: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.print_note.setText(f"The PDF could not be made: {error}")

        # a write task: it runs after the save queued just before it
        self.runner.write(make, on_done=show, on_error=failed, name="print record")

    def done(self, result: int) -> None:  # closing saves what is typed
        self.editor.save_now()
        super().done(result)
