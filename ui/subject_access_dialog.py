"""Tools > Subject access export (HR): pick a person and a folder; the zip of everything
held about them is made by lcc_apr.ops.subject_access in a write task, with progress and
Cancel. Nothing here decides what goes in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .context import AppContext
from .hr_audit import contains_completer, name_inner
from .qt import Qt, QtWidgets
from .tasks import Task, TaskRunner

INTRO = (
    "Everything LCC APR holds about one person, as one zip file: their records (data and "
    "signed PDF), account, equality data, sign-offs and the audit entries about them. "
    "Other people's names found in free text are listed in the zip's index for you to "
    "review before release: nothing is redacted automatically. The export is audited."
)


class SubjectAccessDialog(QtWidgets.QDialog):
    """UI thread."""

    def __init__(
        self, *, context: AppContext, runner: TaskRunner, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context, self.runner = context, runner
        self.task: Task | None = None
        self.setWindowTitle("Subject access export")
        self.setAccessibleName("Subject access export")
        intro = QtWidgets.QLabel(INTRO)
        intro.setWordWrap(True)
        self.person = QtWidgets.QComboBox()
        self.person.setEditable(True)
        self.person.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.person.setCompleter(contains_completer(self.person))
        self.person.setAccessibleName("Person")
        self.person.setAccessibleDescription("Type a name or payroll number")
        name_inner(self.person, "Person")
        self.folder = QtWidgets.QLineEdit()
        self.folder.setAccessibleName("Folder to save the zip in")
        self.browse = QtWidgets.QPushButton("&Browse…")
        self.browse.setAccessibleName("Choose the folder")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self._choose_folder)
        folder_row = QtWidgets.QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        form = QtWidgets.QFormLayout()
        form.addRow("&Person:", self.person)
        folder_label = QtWidgets.QLabel("&Folder:")
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setAccessibleName("Progress of the export")
        self.progress.setValue(0)
        self.message = QtWidgets.QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_button = QtWidgets.QPushButton("&Make export")
        self.start_button.setAccessibleName("Make the subject access export")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QtWidgets.QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel the export")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QtWidgets.QPushButton("Cl&ose")
        self.close_button.setAccessibleName("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(560, 300)
        self._load_people()

    def _load_people(self) -> None:
        store = self.context.store

        def read(_control: Any) -> list[Any]:
            from lcc_apr.ops.audit_view import people_choices

            return people_choices(store)

        self.runner.read(read, on_done=self._set_people, name="people")

    def _set_people(self, choices: list[Any]) -> None:
        for choice in choices:
            self.person.addItem(choice.label, choice.value)
        self.person.setCurrentIndex(-1)

    def _choose_folder(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Save the export in")
        if folder:
            self.folder.setText(folder)

    def chosen_person(self) -> int | None:
        index = self.person.findText(self.person.currentText())
        return self.person.itemData(index) if index >= 0 else None

    def start(self) -> None:
        employee_id = self.chosen_person()
        folder = Path(self.folder.text().strip()) if self.folder.text().strip() else None
        if employee_id is None:
            self.message.setText("Choose a person from the list.")
            return
        if folder is None or not folder.is_dir():
            self.message.setText("Choose a folder that exists.")
            return
        c = self.context

        def work(control: Any) -> Any:
            from lcc_apr.ops.printing import hr_pdf_maker
            from lcc_apr.ops.subject_access import export_subject_access

            make_pdf = hr_pdf_maker(catalogue=c.catalogue, printer=lambda: c.printer(""))
            return export_subject_access(
                c.store,
                employee_id=employee_id,
                folder=folder,
                make_pdf=make_pdf,
                connection=c.hr_connection,
                user=c.user,
                progress=lambda done, total: control.progress((done, total)),
                cancel=control.cancel,
                today=c.today(),
            )

        self._busy(True)
        self.message.setText("Gathering…")
        self.task = self.runner.write(
            work,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progressed,
            name="subject access export",
        )

    def cancel(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()
            self.message.setText("Cancelling…")

    def _progressed(self, value: tuple[int, int]) -> None:
        done, total = value
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _done(self, result: Any) -> None:
        self._busy(False)
        self.progress.setValue(self.progress.maximum())
        self.message.setText(f"Saved {result.path.name}: {result.summary()}.")

    def _failed(self, error: BaseException) -> None:
        from lcc_apr.subject_access import Cancelled

        self._busy(False)
        if isinstance(error, Cancelled):
            self.message.setText("Cancelled: nothing was saved.")
        elif str(error).endswith("Nothing was saved."):
            self.message.setText(str(error))
        else:
            self.message.setText(f"Could not make the export: {error}. Nothing was saved.")

    def _busy(self, busy: bool) -> None:
        for widget in (self.person, self.folder, self.browse, self.start_button):
            widget.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
