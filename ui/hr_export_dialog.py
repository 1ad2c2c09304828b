"""File > Export for HR system… (HR only): the records HR accepted since the last export,
written as CSV files or one XLSX workbook for the HR system (lcc_apr.ops.hr_export).

The dialog shows what the next export will hold (counted in a read task, per kind and
template version), writes it with progress and a Cancel that stops it (a cancelled
export leaves no file and does not move the export on: the core's promise), and lists
the past exports, any of which it makes again byte for byte. The export writes HR's
register and log, so it runs on the writer; counting, listing and making again read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lcc_apr.hr.waiting import Waiting
from lcc_apr.ops import hr_export as ops
from lcc_apr.ops.hr_export import Cancelled, Made, PastExport
from lcc_apr.progress import Step

from .context import AppContext
from .files import documents_folder
from .hr_past_exports import PastExportsBox
from .qt import Qt, QtCore, QtWidgets
from .tasks import Task, TaskRunner

TITLE = "Export for HR system"
FORMATS = (("csv", "&CSV files (a folder of them)"), ("xlsx", "&XLSX workbook (one file)"))


class HrExportDialog(QtWidgets.QDialog):
    """UI thread only; every read and write goes through the task runner."""

    def __init__(
        self, *, context: AppContext, runner: TaskRunner, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.context, self.runner = context, runner
        self.task: Task | None = None  # the export or the making again that runs
        self.counting: Task | None = None
        self.waiting: list[Waiting] | None = None
        self.made: Made | None = None  # the last one written

        self.folder = QtWidgets.QLineEdit(str(documents_folder()))
        self.folder.setAccessibleName("Folder to write the export to")
        self.folder.textChanged.connect(lambda _t: self._enable())
        folder_label = QtWidgets.QLabel("&Folder:")
        folder_label.setBuddy(self.folder)
        self.browse = QtWidgets.QPushButton("Bro&wse…")
        self.browse.setAccessibleName("Choose the folder")
        self.browse.clicked.connect(self._browse)
        folder_row = QtWidgets.QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.formats: dict[str, QtWidgets.QRadioButton] = {}
        format_row = QtWidgets.QHBoxLayout()
        for key, text in FORMATS:
            radio = QtWidgets.QRadioButton(text)
            radio.setAccessibleName(f"Export as {key.upper()}")
            format_row.addWidget(radio)
            self.formats[key] = radio
        format_row.addStretch(1)
        self.formats["csv"].setChecked(True)
        form = QtWidgets.QFormLayout()
        form.addRow(folder_label, folder_row)
        form.addRow("Format:", format_row)

        self.summary = QtWidgets.QLabel("Counting what was accepted since the last export…")
        self.summary.setAccessibleName("What will be exported")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        bold = self.summary.font()
        bold.setBold(True)
        self.summary.setFont(bold)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName("Export progress")
        self.bar.hide()
        self.message = QtWidgets.QLabel(
            "The export holds every record accepted into the HR register since the last "
            "export: a file (CSV) or sheet (XLSX) per form and version."
        )
        self.message.setAccessibleName("Export status")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.past = PastExportsBox()
        self.past.again.connect(self.make_again)

        self.export_button = QtWidgets.QPushButton("&Export")
        self.export_button.setAccessibleName("Export the records accepted since the last export")
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QtWidgets.QPushButton("Ca&ncel export")
        self.cancel_button.setAccessibleName("Cancel the export")
        self.cancel_button.clicked.connect(self.cancel)
        close = QtWidgets.QPushButton("C&lose")
        close.setAccessibleName("Close")
        close.clicked.connect(self.close)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.export_button, self.cancel_button, close):
            buttons.addWidget(button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.past, 1)
        layout.addLayout(buttons)
        for push in self.findChildren(QtWidgets.QPushButton):
            push.setAutoDefault(False)  # Enter never starts an export by accident
        self.choosers: list[QtWidgets.QWidget] = [self.folder, self.browse, *self.formats.values()]
        metrics = self.fontMetrics()
        size = QtCore.QSize(metrics.averageCharWidth() * 110, metrics.height() * 34)
        screen = self.screen().availableGeometry().size() if self.screen() else size
        self.resize(size.boundedTo(screen))
        self._enable()

    # -- reading -----------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.waiting is None and self.counting is None:
            self.reread()

    def reread(self) -> None:
        """Count what the next export holds and list the past ones (read tasks)."""
        c, at = self.context, datetime.now(UTC)
        self.summary.setText("Counting what was accepted since the last export…")
        self.waiting = None
        self._enable()
        task = self.runner.read(
            lambda control: ops.waiting_for_export(
                c.store, user=c.user, catalogue=c.catalogue, at=at, cancel=control.cancel
            ),
            on_done=self._counted,
            on_error=lambda error: self._count_failed(error),
            name="hr export count",
        )
        self.counting = None if task.done else task
        self.runner.read(
            lambda _c: ops.past_exports(c.store, user=c.user),
            on_done=self._listed,
            on_error=lambda error: self.message.setText(f"Past exports unreadable: {error}"),
            name="hr exports",
        )

    def _counted(self, waiting: list[Waiting]) -> None:
        self.counting, self.waiting = None, waiting
        total = sum(w.entries for w in waiting)
        if not total:
            self.summary.setText("Nothing new: no record was accepted since the last export.")
        else:
            lines = "\n".join(w.words() for w in waiting)
            what = "1 record" if total == 1 else f"{total:,} records"
            self.summary.setText(f"{what} to export:\n{lines}")
        self._enable()

    def _count_failed(self, error: BaseException) -> None:
        self.counting = None
        if not isinstance(error, Cancelled):
            self.summary.setText(f"What to export could not be counted: {error}")

    def _listed(self, exports: list[PastExport]) -> None:
        self.past.show_exports(exports)

    def _browse(self) -> None:
        chosen = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Folder for the export", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    def chosen_format(self) -> str:
        return next(key for key, button in self.formats.items() if button.isChecked())

    def _folder(self) -> Path | None:
        text = self.folder.text().strip()
        folder = Path(text) if text else None
        if folder is None or not folder.is_dir():
            self.message.setText("Choose a folder that exists.")
            return None
        return folder

    def _enable(self) -> None:
        idle = self.task is None
        has = bool(self.waiting) and any(w.entries for w in self.waiting or [])
        self.export_button.setEnabled(idle and has and bool(self.folder.text().strip()))
        self.cancel_button.setEnabled(not idle)
        for widget in self.choosers:
            widget.setEnabled(idle)
        self.past.set_busy(not idle)

    # -- writing -----------------------------------------------------------------------

    def start(self) -> Task | None:
        """Export (a write op: it takes accepted records into the register and logs it)."""
        folder = self._folder()
        if folder is None or self.task is not None:
            return None
        c, fmt, at = self.context, self.chosen_format(), datetime.now(UTC)
        return self._run(
            self.runner.write,
            lambda control: ops.export_to_hr(
                c.store,
                user=c.user,
                folder=folder,
                fmt=fmt,
                catalogue=c.catalogue,
                at=at,
                progress=control.progress,
                cancel=control.cancel,
            ),
            f"Exporting to {folder}…",
        )

    def make_again(self, export_id: int) -> Task | None:
        """A past export written again into the folder (a read: nothing in the store moves)."""
        folder = self._folder()
        if folder is None or self.task is not None:
            return None
        c = self.context
        return self._run(
            self.runner.read,
            lambda control: ops.export_again(
                c.store,
                user=c.user,
                export_id=export_id,
                folder=folder,
                catalogue=c.catalogue,
                progress=control.progress,
                cancel=control.cancel,
            ),
            f"Making export {export_id} again in {folder}…",
        )

    def _run(self, submit: Any, work: Any, doing: str) -> Task | None:
        self.message.setText(doing)
        self.bar.setRange(0, 0)
        self.bar.setFormat("Starting…")
        self.bar.show()
        self.task = submit(work, on_done=self._done, on_error=self._failed, on_progress=self._step)
        if self.task is not None and self.task.done:
            self.task = None
        self._enable()
        return self.task

    def cancel(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.message.setText("Stopping: nothing of this export will be kept…")

    def _step(self, step: Step) -> None:
        total = max(step.total or 0, step.done or 0)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(step.done or 0)
        words = f"{step.text}: {step.done or 0:,} of {total:,}" if total else step.text
        self.bar.setFormat(words)
        self.bar.setAccessibleDescription(words)

    def _done(self, made: Made | None) -> None:
        self.made = made
        if made is None:
            self._finish("Nothing new was accepted since the last export: no file was written.")
            return
        what = "1 record" if made.entries == 1 else f"{made.entries:,} records"
        self._finish(f"Wrote {made.path.name} ({what}) in {made.path.parent}.")

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._finish(
                "Cancelled: no file was written, and the next export holds the same records."
            )
        else:
            self._finish(f"The export stopped, and no file was kept: {error}")

    def _finish(self, text: str) -> None:
        self.task = None
        self.bar.hide()
        self.message.setText(text)
        self._enable()
        self.reread()

    def closeEvent(self, event: Any) -> None:
        self.cancel()
        if self.counting is not None:
            self.counting.cancel()
        super().closeEvent(event)
