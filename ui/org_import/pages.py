"""The wizard's three pages: the file (and profile, sheet, date), the dry run's report, and
what was applied. Widgets only: the wizard runs the tasks and fills them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..files import documents_folder
from ..qt import QtCore, QtWidgets
from .report_table import ReportTable

FILES = "Spreadsheets (*.csv *.xlsx *.xlsm);;All files (*)"


def _label(text: str, name: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ChooseFilePage(QtWidgets.QWizardPage):
    """The file, the HR system's profile, the sheet (only when a workbook has several that
    could be the organisation) and the file's date."""

    chosen = QtCore.Signal()  # the file or the profile changed: the sheets are looked at again

    def __init__(self, today: date, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Choose the HR system's file")
        self.setSubTitle(
            "The organisation as the HR system exports it, as CSV or Excel (.xlsx). Nothing "
            "changes until you have seen the dry run and pressed Apply."
        )
        self.path = QtWidgets.QLineEdit()
        self.path.setAccessibleName("File")
        self.path.setPlaceholderText("Choose a CSV or Excel file")
        self.path.textChanged.connect(lambda _text: self._changed())
        self.browse = QtWidgets.QPushButton("&Browse…")
        self.browse.setAccessibleName("Browse for the file")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self._browse)
        self.profile = QtWidgets.QComboBox()
        self.profile.setAccessibleName("HR system profile")
        self.profile.setAccessibleDescription("How the HR system writes its export")
        self.profile.currentIndexChanged.connect(lambda _i: self._changed())
        self.sheet = QtWidgets.QComboBox()
        self.sheet.setAccessibleName("Sheet")
        self.sheet.setAccessibleDescription("The workbook's sheet that holds the organisation")
        self.sheet_label = QtWidgets.QLabel("&Sheet:")
        self.sheet_label.setBuddy(self.sheet)
        self.as_of = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day))
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("d MMMM yyyy")
        self.as_of.setAccessibleName("The file's date")
        self.as_of.setAccessibleDescription("Changes take effect from this day")
        inner = self.as_of.findChild(QtWidgets.QLineEdit)  # the date edit's own text box
        if inner is not None:
            inner.setAccessibleName("The file's date")
        self.note = _label("", "About the file")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form = QtWidgets.QFormLayout(self)
        file_label = QtWidgets.QLabel("&File:")
        file_label.setBuddy(self.path)
        form.addRow(file_label, row)
        profile_label = QtWidgets.QLabel("HR system &profile:")
        profile_label.setBuddy(self.profile)
        form.addRow(profile_label, self.profile)
        form.addRow(self.sheet_label, self.sheet)
        date_label = QtWidgets.QLabel("The file's &date:")
        date_label.setBuddy(self.as_of)
        form.addRow(date_label, self.as_of)
        form.addRow(self.note)
        self.show_sheets([])

    def set_profiles(self, profiles: list[tuple[str, str]]) -> None:
        self.profile.blockSignals(True)
        for name, label in profiles:
            self.profile.addItem(label, name)
        self.profile.blockSignals(False)
        self._changed()

    def show_sheets(self, sheets: list[str]) -> None:
        """Offer a choice of sheet only when there are several candidates."""
        self.sheet.clear()
        self.sheet.addItems(sheets)
        several = len(sheets) > 1
        self.sheet.setVisible(several)
        self.sheet_label.setVisible(several)
        self.note.setText(
            f"The workbook has {len(sheets)} sheets that could be the organisation: choose one."
            if several
            else ""
        )

    def file(self) -> Path | None:
        text = self.path.text().strip()
        return Path(text) if text else None

    def profile_name(self) -> str:
        return self.profile.currentData() or "generic"

    def sheet_name(self) -> str | None:
        return self.sheet.currentText() if self.sheet.count() > 1 else None

    def day(self) -> date:
        value = self.as_of.date()
        return date(value.year(), value.month(), value.day())

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return self.file() is not None and self.profile.count() > 0

    def _changed(self) -> None:
        self.completeChanged.emit()
        self.chosen.emit()

    def _browse(self) -> None:
        chosen = self.file()
        start = str(chosen.parent) if chosen is not None else str(documents_folder())
        name, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self, "Choose the HR system's file", start, FILES
        )
        if name:
            self.path.setText(name)


class ReportPage(QtWidgets.QWizardPage):
    """The dry run: progress while it runs, then the counts, the leavers' confirmation when
    the server asks for it, and the table. Complete (Next) only once applied: Apply is
    the wizard's own button, never the default."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Dry run: what the import would do")
        self.setSubTitle("Nothing has changed yet. Read the report, then press Apply import.")
        self.applied = False
        self.status = _label("", "Dry run status")
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName("Dry run progress")
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.stop = QtWidgets.QPushButton("S&top")
        self.stop.setAccessibleName("Stop the dry run")
        self.stop.setAutoDefault(False)
        self.again = QtWidgets.QPushButton("&Run the dry run again")
        self.again.setAccessibleName("Run the dry run again")
        self.again.setAutoDefault(False)
        self.counts = _label("", "What the file would change")
        self.complete = QtWidgets.QCheckBox(
            "The file lists &everyone: anyone held and not in it leaves (a complete file)"
        )
        self.complete.setAccessibleName("Complete file")
        self.confirm_note = _label("", "Leavers to confirm")
        self.confirm = QtWidgets.QCheckBox("I have checked the &leavers: apply them")
        self.confirm.setAccessibleName("Confirm the leavers")
        self.table = ReportTable()
        running = QtWidgets.QHBoxLayout()
        running.addWidget(self.bar, 1)
        running.addWidget(self.stop)
        running.addWidget(self.again)
        running.addStretch(0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(running)
        layout.addWidget(self.counts)
        layout.addWidget(self.complete)
        layout.addWidget(self.confirm_note)
        layout.addWidget(self.confirm)
        layout.addWidget(self.table, 1)
        self.show_confirmation(None)

    def show_running(self, running: bool) -> None:
        self.bar.setVisible(running)
        self.stop.setVisible(running)
        self.again.setVisible(not running)
        self.complete.setEnabled(not running)

    def show_confirmation(self, text: str | None) -> None:
        self.confirm_note.setText(text or "")
        self.confirm_note.setVisible(text is not None)
        self.confirm.setVisible(text is not None)
        if text is None:
            self.confirm.setChecked(False)

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return self.applied


class ResultPage(QtWidgets.QWizardPage):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("The organisation is imported")
        self.setSubTitle("The server has applied the import, all of it.")
        self.setFinalPage(True)
        self.summary = _label("", "What was applied")
        self.counts = _label("", "What the file changed")
        self.next_step = _label(
            "This computer now syncs to bring the new organisation here; it also syncs "
            "on everyone else's computer at their next sync.",
            "What happens next",
        )
        layout = QtWidgets.QVBoxLayout(self)
        layout.setSpacing(self.fontMetrics().height())
        for widget in (self.summary, self.counts, self.next_step):
            layout.addWidget(widget)
        layout.addStretch(1)
