"""HR: export a department's completed records as signed PDFs, in a worker with progress
and cancel. The departments, the choosing of records, naming and writing are the core's
(lcc_apr.ops.printing, lcc_apr.pdf.export); this dialog only asks and shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lcc_apr.ops.printing import DepartmentChoice, departments, export_department
from lcc_apr.pdf.export import ExportResult, MakePdf
from lcc_apr.store import Store

from .qt import QtCore, QtGui, QtWidgets
from .tasks import Task, TaskRunner


class ExportDialog(QtWidgets.QDialog):
    """UI thread only. The departments are read (a read task) once it is first shown; the
    list stays disabled until they arrive. The export runs as a read task."""

    def __init__(
        self,
        *,
        store: Store,
        runner: TaskRunner,
        make_pdf: MakePdf,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export completed records as PDFs")
        self.setAccessibleName("Export completed records as PDFs")
        self.store = store
        self.runner = runner
        self.make_pdf = make_pdf
        self.task: Task | None = None
        self.result_: ExportResult | None = None
        self.departments_asked = False
        self.department = QtWidgets.QComboBox()
        self.department.setAccessibleName("Department")
        self.department.setEnabled(False)  # until the departments arrive
        self.folder = QtWidgets.QLineEdit()
        self.folder.setAccessibleName("Folder to write the PDFs to")
        self.folder.setText(
            QtCore.QStandardPaths.writableLocation(
                QtCore.QStandardPaths.StandardLocation.DocumentsLocation
            )
        )
        browse = QtWidgets.QPushButton("&Browse…")
        browse.setAccessibleName("Choose the folder")
        browse.clicked.connect(self._browse)
        form = QtWidgets.QFormLayout()
        department_label = QtWidgets.QLabel("&Department:")
        department_label.setBuddy(self.department)
        form.addRow(department_label, self.department)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        folder_label = QtWidgets.QLabel("&Folder:")
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, row)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName("Export progress")
        self.bar.setFormat("%v of %m records")
        self.bar.hide()
        self.message = QtWidgets.QLabel(
            "Each completed record becomes one PDF, signed with your certificate when this "
            "computer has one. Files already in the folder are kept and skipped."
        )
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Export status")
        self.failures = QtWidgets.QListWidget()
        self.failures.setAccessibleName("Records that could not be exported")
        self.failures.hide()
        self.start_button = QtWidgets.QPushButton("&Export")
        self.start_button.setAccessibleName("Start the export")
        self.start_button.clicked.connect(self.start)
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
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.failures, 1)
        layout.addStretch(1)  # takes the room while there is no failure to list
        layout.addLayout(buttons)
        self.message.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Maximum
        )
        self.failures.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding
        )
        self.resize(560, 260)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self.departments_asked:
            self.departments_asked = True
            store = self.store
            self.runner.read(
                lambda _c: departments(store),
                on_done=self._show_departments,
                on_error=lambda error: self.message.setText(
                    f"The departments could not be read: {error}"
                ),
                name="departments",
            )

    def _show_departments(self, found: list[DepartmentChoice]) -> None:
        for department in found:
            self.department.addItem(department.name, department.id)
        self.department.setEnabled(bool(found))

    def _browse(self) -> None:
        chosen = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Folder for the PDFs", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    def start(self) -> Task | None:
        folder_text = self.folder.text().strip()
        if not folder_text or self.department.currentIndex() < 0:
            self.message.setText("Choose a department and a folder first.")
            return None
        folder = Path(folder_text)
        department_id = self.department.currentData()
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.failures.clear()
        self.failures.hide()
        self.bar.setRange(0, 0)
        self.bar.show()
        self.message.setText(f"Exporting {self.department.currentText()}…")

        store, make_pdf = self.store, self.make_pdf

        def work(control: Any) -> ExportResult:
            return export_department(
                store,
                department_id=department_id,
                folder=folder,
                make_pdf=make_pdf,
                progress=lambda done, total: control.progress((done, total)),
                cancel=control.cancel,
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
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def closeEvent(self, event: Any) -> None:
        self.cancel()
        super().closeEvent(event)
