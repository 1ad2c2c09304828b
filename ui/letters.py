"""Letters to the employee from the record editor: pick a letter, give what it asks for
(a meeting's time and place...), Preview makes the signed PDF in a worker and shows it.

What applies, the wording, the checks and the signing are the core's
(lcc_apr.pdf.printed_letters); this dialog only asks and shows. When the core refuses a
letter (LetterError) its message and what is missing are shown beside the form, the
inputs it names are marked, and no PDF is made.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from typing import Any

from lcc_apr.ops.printing import print_letter
from lcc_apr.pdf.letters import LetterError
from lcc_apr.pdf.printed_letters import LetterChoice, LetterInput
from lcc_apr.pdf.records import PrintedRecord

from .context import AppContext
from .qt import Qt, QtCore, QtWidgets
from .tasks import TaskRunner

NO_INPUTS = "This letter needs nothing more: everything in it comes from the record."
GIVE = re.compile(r"\s*\(give '([^']+)'\)")


class ValueInput(QtWidgets.QWidget):
    """One value a letter asks for: a line of text, or a time or date that starts unset
    ("Set time" / "Set date", then the box and Clear), like the editor's dates."""

    def __init__(self, spec: LetterInput, today: date) -> None:
        super().__init__()
        self.spec = spec
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit: Any
        self.set_button: QtWidgets.QPushButton | None = None
        self.clear: QtWidgets.QPushButton | None = None
        name = spec.label
        if spec.kind in ("time", "date") and not spec.default:
            if spec.kind == "time":
                self.edit = QtWidgets.QTimeEdit(QtCore.QTime(10, 0))
                self.edit.setDisplayFormat("h:mm ap")
                self.edit.setLocale(QtCore.QLocale(QtCore.QLocale.Language.English))
            else:
                self.edit = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day))
                self.edit.setCalendarPopup(True)
                self.edit.setDisplayFormat("d MMMM yyyy")
                self.edit.setLocale(QtCore.QLocale(QtCore.QLocale.Language.English))
            word = spec.kind
            self.set_button = QtWidgets.QPushButton(f"Set {word}")
            self.set_button.setAccessibleName(f"{name}: set a {word}")
            self.set_button.clicked.connect(lambda: self._show_set(True, focus=True))
            self.clear = QtWidgets.QPushButton("Clear")
            self.clear.setAccessibleName(f"{name}: clear the {word}")
            self.clear.clicked.connect(lambda: self._show_set(False, focus=True))
            for button in (self.set_button, self.clear):
                button.setAutoDefault(False)
            for widget in (self.set_button, self.edit, self.clear):
                row.addWidget(widget)
            row.addStretch(1)
            self._show_set(False)
        else:
            self.edit = QtWidgets.QLineEdit(spec.default)
            self.edit.setPlaceholderText(
                f"for example {spec.example}" if spec.example else spec.label
            )
            self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("m") * 28)
            row.addWidget(self.edit, 1)
        self.edit.setAccessibleName(name)
        self.edit.setAccessibleDescription(
            f"Needed. For example {spec.example}"
            if spec.required and spec.example
            else "Needed"
            if spec.required
            else f"Optional: the letter says '{spec.default}' unless you change it"
        )

    def _show_set(self, is_set: bool, *, focus: bool = False) -> None:
        assert self.set_button is not None and self.clear is not None
        self.set_button.setVisible(not is_set)
        self.edit.setVisible(is_set)
        self.clear.setVisible(is_set)
        if focus:
            (self.edit if is_set else self.set_button).setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def is_set(self) -> bool:
        return self.set_button is None or not self.set_button.isVisibleTo(self)

    def value(self) -> Any:
        """What goes into the letter: text, a datetime.time or a date; None when not given."""
        if isinstance(self.edit, QtWidgets.QLineEdit):
            return self.edit.text().strip() or None
        if not self.is_set:
            return None
        if isinstance(self.edit, QtWidgets.QTimeEdit):
            t = self.edit.time()
            return time(t.hour(), t.minute())
        return self.edit.date().toPython()

    def set_value(self, value: Any) -> None:
        """For tests and for coming back to a letter: text, a time or a date."""
        if isinstance(self.edit, QtWidgets.QLineEdit):
            self.edit.setText("" if value is None else str(value))
        elif value is None:
            self._show_set(False)
        else:
            self._show_set(True)
            if isinstance(self.edit, QtWidgets.QTimeEdit):
                self.edit.setTime(QtCore.QTime(value.hour, value.minute))
            else:
                self.edit.setDate(QtCore.QDate(value))

    def focus(self) -> None:
        target = self.edit if self.is_set else self.set_button
        assert target is not None
        target.setFocus(Qt.FocusReason.OtherFocusReason)


class LetterForm(QtWidgets.QWidget):
    """The inputs of one letter, each with its label and a "needed" mark shown on refusal."""

    def __init__(self, choice: LetterChoice, today: date) -> None:
        super().__init__()
        self.choice = choice
        self.inputs: dict[str, ValueInput] = {}
        self.marks: dict[str, QtWidgets.QLabel] = {}
        layout = QtWidgets.QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapAllRows)
        if not choice.inputs:
            note = QtWidgets.QLabel(NO_INPUTS)
            note.setWordWrap(True)
            note.setAccessibleName(NO_INPUTS)
            layout.addRow(note)
        for spec in choice.inputs:
            value = ValueInput(spec, today)
            label = QtWidgets.QLabel(f"{spec.label}:")
            label.setBuddy(value.edit)
            mark = QtWidgets.QLabel("Needed for this letter")
            mark.setAccessibleName(f"{spec.label} is needed")
            mark.setStyleSheet("color: palette(highlight); font-weight: bold;")
            mark.hide()
            cell = QtWidgets.QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(value)
            cell.addWidget(mark)
            layout.addRow(label, cell)
            self.inputs[spec.name] = value
            self.marks[spec.name] = mark

    def values(self) -> dict[str, Any]:
        """The values given (left-out ones are not sent: the core says they are missing)."""
        return {
            name: value
            for name, widget in self.inputs.items()
            if (value := widget.value()) is not None
        }

    def mark(self, missing: list[str]) -> list[str]:
        """Show "needed" beside the named inputs; returns the ones that are on this form."""
        here = [name for name in missing if name in self.inputs]
        for name, mark in self.marks.items():
            mark.setVisible(name in here)
        if here:
            self.inputs[here[0]].focus()
        return here


class LetterDialog(QtWidgets.QDialog):
    """Letters for one record: `choices` from lcc_apr.ops.printing.letter_choices.

    `save()` is called before each preview (the editor's save_now) so the letter is made
    from what is typed; the PDF is made after every write already queued has finished.
    """

    def __init__(
        self,
        *,
        context: AppContext,
        runner: TaskRunner,
        record_id: str,
        choices: list[LetterChoice],
        save: Callable[[], None] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context, self.runner, self.record_id = context, runner, record_id
        self.choices = choices
        self.save = save
        self.preview: Any = None
        self.setWindowTitle("Letters to the employee")
        self.setAccessibleName("Letters to the employee")

        self.list = QtWidgets.QListWidget()
        self.list.setAccessibleName("Letters that apply to this record now")
        self.stack = QtWidgets.QStackedWidget()
        self.stack.setAccessibleName("What the letter needs")
        self.forms: list[LetterForm] = []
        for choice in choices:
            self.list.addItem(choice.title)
            form = LetterForm(choice, context.today())
            self.forms.append(form)
            self.stack.addWidget(form)
        self.list.currentRowChanged.connect(self._chosen)
        lines = max(3, len(choices)) + 1
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * lines + 2 * self.list.frameWidth())
        list_label = QtWidgets.QLabel("&Letter:")
        list_label.setBuddy(self.list)
        self.needs_label = QtWidgets.QLabel("<b>What the letter needs</b>")

        self.problem = QtWidgets.QLabel()
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setAccessibleName("Why the letter cannot be made yet")
        self.missing = QtWidgets.QListWidget()
        self.missing.setAccessibleName("Still needed")
        self.missing.setWordWrap(True)
        self.problems = QtWidgets.QGroupBox("The letter cannot be made yet")
        self.problems.setAccessibleName("The letter cannot be made yet")
        box = QtWidgets.QVBoxLayout(self.problems)
        box.addWidget(self.problem)
        box.addWidget(self.missing)
        self.problems.hide()

        self.status = QtWidgets.QLabel(
            "Filled from the record's saved answers and signed with your certificate."
        )
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Letter status")
        self.preview_button = QtWidgets.QPushButton("&Preview…")
        self.preview_button.setAccessibleName("Preview the signed letter")
        self.preview_button.setDefault(True)
        self.preview_button.clicked.connect(self.make_preview)
        close = QtWidgets.QPushButton("&Close")
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(close)

        left = QtWidgets.QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.list)
        left.addSpacing(8)
        left.addWidget(self.needs_label)
        left.addWidget(self.stack)
        left.addStretch(1)
        columns = QtWidgets.QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addWidget(self.problems, 2, Qt.AlignmentFlag.AlignTop)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        if choices:
            self.list.setCurrentRow(0)
        self.list.setFocus()
        self.resize(880, 380)

    # -- choosing -----------------------------------------------------------------------

    def _chosen(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)
            self._clear_problems()

    def current(self) -> LetterForm | None:
        row = self.list.currentRow()
        return self.forms[row] if 0 <= row < len(self.forms) else None

    def choose(self, name: str) -> LetterForm:
        for row, choice in enumerate(self.choices):
            if choice.name == name:
                self.list.setCurrentRow(row)
                return self.forms[row]
        raise KeyError(name)

    # -- making the letter --------------------------------------------------------------

    def make_preview(self) -> None:
        """Save what is typed in the editor, wait for writes already queued, then make the
        signed letter in a read worker and show it."""
        form = self.current()
        if form is None or not self.preview_button.isEnabled():
            return  # a letter is being made
        if self.save is not None:
            self.save()
        self.preview_button.setEnabled(False)
        self.status.setText("Making the letter…")
        self._after_writes(lambda: self._start(form))

    def _after_writes(self, then: Callable[[], None]) -> None:
        waiting = {t for t in self.runner.active() if t.kind == "write"}
        if not waiting:
            then()
            return

        def one_done(task: Any) -> None:
            waiting.discard(task)
            if not waiting:
                then()

        for task in waiting:
            task.finished.connect(lambda task=task: one_done(task))

    def _start(self, form: LetterForm) -> None:
        context, record_id = self.context, self.record_id
        name, extra = form.choice.name, form.values()

        def make(_control: Any) -> PrintedRecord:
            return print_letter(
                context.store,
                record_id=record_id,
                name=name,
                catalogue=context.catalogue,
                printer=context.printer(record_id),  # may ask the server: in the worker
                extra=extra,
                policy=context.policy,
            )

        self.runner.read(
            make,
            on_done=lambda printed: self._show(form, printed),
            on_error=lambda error: self._refused(form, error),
            name="make letter",
        )

    def _show(self, form: LetterForm, printed: PrintedRecord) -> None:
        from .pdf_view import PdfPreview

        self.preview_button.setEnabled(True)
        self.status.setText("")
        self._clear_problems()
        self.preview = PdfPreview(
            title=printed.title,
            pdf=printed.pdf,
            file_name=printed.file_name,
            check=printed.check
            + (  # Qt's renderer leaves signature widgets undrawn; readers draw them
                " PDF readers show the visible signature box; this preview leaves it out."
                if printed.check.startswith("Signed by")
                else ""
            ),
            parent=self,
        )
        self.preview.show()

    def _refused(self, form: LetterForm, error: BaseException) -> None:
        self.preview_button.setEnabled(True)
        if not isinstance(error, LetterError):
            self.status.setText(f"The letter could not be made: {error}")
            return
        self.status.setText("Nothing was made: see what is needed.")
        self.show_problems(form, error)

    def show_problems(self, form: LetterForm, error: LetterError) -> None:
        """The core's message, each missing item on its own line, and marks on the inputs."""
        here = form.mark(error.missing)
        on_form = {name: form.inputs[name].spec.label for name in here}
        message = str(error)
        head, _, rest = message.partition(" Missing: ")
        self.problem.setText(head if rest else message)
        self.missing.clear()
        for item in rest.split("; ") if rest else []:
            given = GIVE.search(item)
            if given and given.group(1) in on_form:
                item = f"{on_form[given.group(1)]}: fill it in on the left"
            self.missing.addItem(GIVE.sub("", item))
        self.missing.setVisible(self.missing.count() > 0)
        rows = sum(self.missing.sizeHintForRow(i) for i in range(self.missing.count()))
        self.missing.setFixedHeight(rows + 2 * self.missing.frameWidth() + 4)
        self.problems.show()

    def _clear_problems(self) -> None:
        self.problems.hide()
        self.missing.clear()
        for form in self.forms:
            form.mark([])
