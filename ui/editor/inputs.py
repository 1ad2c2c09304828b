"""One answer's widgets, made from its template field: they show a value and report changes.

No rules live here: whether a field may change, is shown, or is valid is the
EditSession's business. Each input reports a user's change as (path, value) to
the `on_change` callback it was given; `show` never reports. Runs on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import Any

from lcc_apr.forms import Field, FieldType
from lcc_apr.forms.display import display_text, iso_date
from ui.qt import QtCore, QtGui, QtWidgets

Qt = QtCore.Qt
OnChange = Callable[[str, Any], None]
RADIO_MAX_OPTIONS = 3  # a choice with this many options or fewer shows radio buttons
NOT_SET = "Not answered"


class InputGuard(QtCore.QObject):
    """Keeps the record's Undo/Redo keys for the editor, and the mouse wheel for scrolling.

    Text boxes claim Ctrl+Z for their own undo; ignoring the override lets the
    editor's shortcut (the session's undo stack) have it. A spin box, combo or
    date box changes only on a wheel turn when it has the keyboard focus.
    """

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind == QtCore.QEvent.Type.ShortcutOverride:
            assert isinstance(event, QtGui.QKeyEvent)
            keys = (QtGui.QKeySequence.StandardKey.Undo, QtGui.QKeySequence.StandardKey.Redo)
            if any(event.matches(k) for k in keys):
                event.ignore()
                return True
        wheel = kind == QtCore.QEvent.Type.Wheel
        if wheel and isinstance(watched, QtWidgets.QWidget) and not watched.hasFocus():
            event.ignore()
            return True
        return False


class FieldInput:
    """Base class: `widget` goes in the row; `inputs` are its focusable parts in page order."""

    def __init__(self, field: Field, path: str, on_change: OnChange) -> None:
        self.field = field
        self.path = path
        self._on_change = on_change
        self.widget: QtWidgets.QWidget = QtWidgets.QWidget()
        self.inputs: list[QtWidgets.QWidget] = []

    @property
    def read_only(self) -> bool:
        return False

    def show(self, value: Any) -> None:
        raise NotImplementedError

    def describe(self, name: str, description: str) -> None:
        """Accessible name (the label) and description (help, then any problem)."""
        for widget in self.inputs:
            widget.setAccessibleName(name)
            widget.setAccessibleDescription(description)
            widget.setToolTip(description)

    def changed(self, value: Any) -> None:
        self._on_change(self.path, value)

    def cancel(self) -> None:
        """Escape: drop text typed but not yet reported (a date being typed)."""


class ShortText(FieldInput):
    def __init__(self, field: Field, path: str, on_change: OnChange) -> None:
        super().__init__(field, path, on_change)
        self.widget = self.edit = QtWidgets.QLineEdit()
        self.edit.setClearButtonEnabled(False)
        self.edit.textEdited.connect(self.changed)
        self.inputs = [self.edit]

    def show(self, value: Any) -> None:
        if self.edit.text() != (value or ""):
            self.edit.setText(value or "")


class GrowingTextEdit(QtWidgets.QPlainTextEdit):
    """A text box that grows with its text (4 to 16 lines) and lets Tab move the focus."""

    def __init__(self, min_lines: int = 4, max_lines: int = 16) -> None:
        super().__init__()
        self.min_lines, self.max_lines = min_lines, max_lines
        self.setTabChangesFocus(True)
        self.setUndoRedoEnabled(False)  # the record's undo stack does this
        self.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _fit(self, *_: Any) -> None:
        lines = max(self.document().documentLayout().documentSize().height(), 1)
        lines = min(max(lines, self.min_lines), self.max_lines)
        margins = self.contentsMargins()
        frame = 2 * self.frameWidth() + margins.top() + margins.bottom()
        text = lines * self.fontMetrics().lineSpacing() + 2 * self.document().documentMargin()
        self.setFixedHeight(int(text) + frame)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit()


class LongText(FieldInput):
    def __init__(self, field: Field, path: str, on_change: OnChange) -> None:
        super().__init__(field, path, on_change)
        self.widget = self.edit = GrowingTextEdit()
        self.edit.textChanged.connect(lambda: self.changed(self.edit.toPlainText()))
        self.inputs = [self.edit]

    def show(self, value: Any) -> None:
        if self.edit.toPlainText() != (value or ""):
            with QtCore.QSignalBlocker(self.edit):
                self.edit.setPlainText(value or "")


class DateInput(FieldInput):
    """A date box with a Clear button; with no date, one "Set date" button in its place."""

    def __init__(self, field: Field, path: str, on_change: OnChange, reference: date) -> None:
        super().__init__(field, path, on_change)
        self.reference = reference
        self.widget = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QtWidgets.QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("dd/MM/yyyy")
        self.edit.setMinimumDate(QtCore.QDate(1900, 1, 1))
        self.edit.dateChanged.connect(lambda d: self.changed(d.toPython().isoformat()))
        self.clear = QtWidgets.QPushButton("Clear")
        self.clear.clicked.connect(self._clear)
        self.set_button = QtWidgets.QPushButton("Set date")
        self.set_button.clicked.connect(self._set)
        for widget in (self.set_button, self.edit, self.clear):
            row.addWidget(widget)
        for button in (self.set_button, self.clear):
            button.setAutoDefault(False)  # Enter in another answer never sets or clears a date
        row.addStretch(1)
        self.inputs = [self.set_button, self.edit, self.clear]
        self._show_set(False)

    def _show_set(self, is_set: bool) -> None:
        self.set_button.setVisible(not is_set)
        self.edit.setVisible(is_set)
        self.clear.setVisible(is_set)

    def _set(self) -> None:
        self._show_set(True)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        with QtCore.QSignalBlocker(self.edit):
            self.edit.setDate(
                QtCore.QDate(self.reference.year, self.reference.month, self.reference.day)
            )
        self.changed(self.reference.isoformat())

    def _clear(self) -> None:
        self._show_set(False)
        self.set_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed(None)

    def show(self, value: Any) -> None:
        day = iso_date(value)
        self._show_set(day is not None)
        if day is not None and self.edit.date().toPython() != day:
            with QtCore.QSignalBlocker(self.edit):
                self.edit.setDate(QtCore.QDate(day.year, day.month, day.day))

    def describe(self, name: str, description: str) -> None:
        super().describe(name, description)
        self.set_button.setAccessibleName(f"{name}: set a date")
        self.clear.setAccessibleName(f"{name}: clear the date")


class NumberInput(FieldInput):
    """A spin box within the field's range; one below the minimum means "not set"."""

    def __init__(self, field: Field, path: str, on_change: OnChange) -> None:
        super().__init__(field, path, on_change)
        low = field.minimum if field.minimum is not None else -1_000_000
        high = field.maximum if field.maximum is not None else 1_000_000
        box: QtWidgets.QSpinBox | QtWidgets.QDoubleSpinBox
        if field.integer:
            box = QtWidgets.QSpinBox()
            box.setRange(int(low) - 1, int(high))
        else:
            box = QtWidgets.QDoubleSpinBox()
            box.setDecimals(2)
            box.setRange(low - 1, high)
        self.empty = box.minimum()
        box.setSpecialValueText(NOT_SET)
        box.setValue(box.minimum())  # type: ignore[arg-type]  # each box takes its own minimum
        box.valueChanged.connect(self._changed)
        self.widget = self.box = box
        box.installEventFilter(_SelectAllWhenEmpty(box, self))
        self.inputs = [box]

    def _changed(self, value: float) -> None:
        if value == self.empty:
            self.changed(None)
        else:
            self.changed(int(value) if self.field.integer else value)

    def show(self, value: Any) -> None:
        target = self.empty if value is None else value
        if self.box.value() != target:
            with QtCore.QSignalBlocker(self.box):
                # PySide6's QSpinBox.setValue takes a float too (truncates); its stub says int
                self.box.setValue(target)  # type: ignore[arg-type]


class _SelectAllWhenEmpty(QtCore.QObject):
    """Clicking into an empty number box selects "Not answered" so typing replaces it."""

    def __init__(self, parent: QtWidgets.QAbstractSpinBox, owner: NumberInput) -> None:
        super().__init__(parent)
        self.owner = owner

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in (QtCore.QEvent.Type.FocusIn, QtCore.QEvent.Type.MouseButtonRelease):
            box = self.owner.box
            if box.value() == self.owner.empty:
                QtCore.QTimer.singleShot(0, box.selectAll)
        return False


class ChoiceCombo(FieldInput):
    def __init__(self, field: Field, path: str, on_change: OnChange) -> None:
        super().__init__(field, path, on_change)
        self.widget = self.combo = QtWidgets.QComboBox()
        self.combo.addItem("Not chosen", None)
        for option in field.choices():
            self.combo.addItem(option.label, option.value)
        self.combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(lambda i: self.changed(self.combo.itemData(i)))
        self.inputs = [self.combo]

    def show(self, value: Any) -> None:
        index = max(self.combo.findData(value), 0) if value is not None else 0
        if self.combo.currentIndex() != index:
            with QtCore.QSignalBlocker(self.combo):
                self.combo.setCurrentIndex(index)


class RadioChoice(FieldInput):
    """Radio buttons for a short choice, a rating scale, or yes/no; none ticked = no answer."""

    def __init__(
        self,
        field: Field,
        path: str,
        on_change: OnChange,
        options: list[tuple[Any, str]],
        *,
        across: bool,
    ) -> None:
        super().__init__(field, path, on_change)
        self.widget = QtWidgets.QWidget()
        layout: QtWidgets.QBoxLayout = (
            QtWidgets.QHBoxLayout(self.widget) if across else QtWidgets.QVBoxLayout(self.widget)
        )
        layout.setContentsMargins(0, 0, 0, 0)
        self.group = QtWidgets.QButtonGroup(self.widget)
        self.values: list[Any] = []
        for i, (value, label) in enumerate(options):
            button = QtWidgets.QRadioButton(label)
            self.group.addButton(button, i)
            self.values.append(value)
            layout.addWidget(button)
            self.inputs.append(button)
        if across:
            layout.addStretch(1)
        self.group.idToggled.connect(self._toggled)

    def _toggled(self, index: int, checked: bool) -> None:
        if checked:
            self.changed(self.values[index])

    def show(self, value: Any) -> None:
        index = self.values.index(value) if value in self.values else -1
        if self.group.checkedId() == index:
            return
        with QtCore.QSignalBlocker(self.group):
            if index < 0:
                self.group.setExclusive(False)
                for button in self.group.buttons():
                    button.setChecked(False)
                self.group.setExclusive(True)
            else:
                self.group.button(index).setChecked(True)

    def describe(self, name: str, description: str) -> None:
        super().describe(name, description)
        for button in self.inputs:
            assert isinstance(button, QtWidgets.QRadioButton)
            button.setAccessibleName(f"{name}: {button.text()}")


class MultiChoice(FieldInput):
    def __init__(self, field: Field, path: str, on_change: OnChange) -> None:
        super().__init__(field, path, on_change)
        self.widget = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[tuple[str, QtWidgets.QCheckBox]] = []
        for option in field.choices():
            box = QtWidgets.QCheckBox(option.label)
            box.toggled.connect(lambda _checked: self.changed(self._ticked()))
            layout.addWidget(box)
            self.boxes.append((option.value, box))
            self.inputs.append(box)

    def _ticked(self) -> list[str]:
        return [value for value, box in self.boxes if box.isChecked()]

    def show(self, value: Any) -> None:
        chosen = set(value or [])
        for option, box in self.boxes:
            if box.isChecked() != (option in chosen):
                with QtCore.QSignalBlocker(box):
                    box.setChecked(option in chosen)

    def describe(self, name: str, description: str) -> None:
        super().describe(name, description)
        for _value, box in self.boxes:
            box.setAccessibleName(f"{name}: {box.text()}")


class ReadOnly(FieldInput):
    """An answer this person may not change: selectable, focusable text."""

    def __init__(self, field: Field, path: str) -> None:
        super().__init__(field, path, lambda _p, _v: None)
        box: GrowingTextEdit | QtWidgets.QLineEdit
        if field.type is FieldType.LONG_TEXT:
            box = GrowingTextEdit(min_lines=1)
        else:
            box = self.line = QtWidgets.QLineEdit()
        box.setReadOnly(True)
        box.setPlaceholderText(NOT_SET)
        box.setObjectName("read-only")
        # Plain text on the page, with a rule at the left: visibly not a box to type in.
        box.setStyleSheet(
            "#read-only { background: transparent; border: none;"
            " border-left: 3px solid palette(mid); padding-left: 6px; }"
        )
        self.widget = box
        self.inputs = [box]

    @property
    def read_only(self) -> bool:
        return True

    def show(self, value: Any) -> None:
        text = display_text(self.field, value)
        if isinstance(self.widget, GrowingTextEdit):
            if self.widget.toPlainText() != text:
                self.widget.setPlainText(text)
        elif self.line.text() != text:
            self.line.setText(text)
            self.line.setCursorPosition(0)


def make_input(
    field: Field, path: str, on_change: OnChange, *, reference: date, read_only: bool
) -> FieldInput:
    """The input for one field type (groups and guidance are built elsewhere)."""
    if read_only:
        return ReadOnly(field, path)
    t = field.type
    if t is FieldType.SHORT_TEXT:
        return ShortText(field, path, on_change)
    if t is FieldType.LONG_TEXT:
        return LongText(field, path, on_change)
    if t is FieldType.DATE:
        return DateInput(field, path, on_change, reference)
    if t is FieldType.NUMBER:
        return NumberInput(field, path, on_change)
    if t is FieldType.YES_NO:
        return RadioChoice(field, path, on_change, [(True, "Yes"), (False, "No")], across=True)
    if t is FieldType.MULTI_CHOICE:
        return MultiChoice(field, path, on_change)
    options = [(o.value, o.label) for o in field.choices()]
    if t is FieldType.RATING:
        across = sum(len(label) for _v, label in options) <= 80
        return RadioChoice(field, path, on_change, options, across=across)
    if t is FieldType.CHOICE and len(options) <= RADIO_MAX_OPTIONS:
        return RadioChoice(field, path, on_change, options, across=False)
    if t is FieldType.CHOICE:
        return ChoiceCombo(field, path, on_change)
    raise ValueError(f"no input for {t.value} fields")


def guidance_label(text: str) -> QtWidgets.QLabel:
    """Read-only guidance: wrapped rich text (paragraphs kept), in a tinted box."""
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    label = QtWidgets.QLabel(paragraphs)
    label.setObjectName("guidance")
    label.setStyleSheet(
        "#guidance { background: palette(alternate-base); border-left: 3px solid palette(mid);"
        " padding: 2px 8px; }"
    )
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName("Guidance")
    label.setAccessibleDescription(text)
    return label
