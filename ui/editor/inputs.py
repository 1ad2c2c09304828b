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
from lcc_apr.forms.dates import DATE_HINT, day_text, parse_day
from lcc_apr.forms.display import display_text, iso_date
from ui.day_box import pop_calendar
from ui.qt import QtCore, QtGui, QtWidgets

Qt = QtCore.Qt
OnChange = Callable[[str, Any], None]
RADIO_MAX_OPTIONS = 3  # a choice with this many options or fewer shows radio buttons
NOT_SET = "Not answered"


HELP_PROPERTY = "lccAprHelp"  # an input's guidance, shown by F1


class InputGuard(QtCore.QObject):
    """Keeps the record's Undo/Redo keys for the editor, and the mouse wheel for scrolling;
    F1 shows the answer's guidance (its help from the template) beside it.

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
        if kind == QtCore.QEvent.Type.KeyPress and isinstance(watched, QtWidgets.QWidget):
            assert isinstance(event, QtGui.QKeyEvent)
            if event.key() == Qt.Key.Key_F1:
                self.show_help(watched)
                return True
        wheel = kind == QtCore.QEvent.Type.Wheel
        if wheel and isinstance(watched, QtWidgets.QWidget) and not watched.hasFocus():
            event.ignore()
            return True
        return False

    shown_help = ""

    def show_help(self, widget: QtWidgets.QWidget) -> None:
        text = widget.property(HELP_PROPERTY) or "There is no guidance for this answer."
        self.shown_help = str(text)
        where = widget.mapToGlobal(QtCore.QPoint(0, widget.height()))
        QtWidgets.QToolTip.showText(where, self.shown_help, widget)


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
    """A text box for a date typed day first (31/03/2027, 31/3/27, 31 Mar 2027), with a
    calendar button beside it. Empty until a date is typed or picked (no default). Tab
    leaves the box for the next answer; Alt+Down or F4 opens the calendar."""

    def __init__(self, field: Field, path: str, on_change: OnChange, reference: date) -> None:
        super().__init__(field, path, on_change)
        self.reference = reference
        self.widget = QtWidgets.QWidget()
        outer = QtWidgets.QVBoxLayout(self.widget)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        row = QtWidgets.QHBoxLayout()
        self.edit = QtWidgets.QLineEdit()
        self.edit.setPlaceholderText("dd/mm/yyyy")
        width = self.edit.fontMetrics().horizontalAdvance("00 September 0000") + 24
        self.edit.setMinimumWidth(width)  # from the font: grows with the text size
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._finished)
        self.calendar_button = QtWidgets.QToolButton()
        self.calendar_button.setText("Calendar…")
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes on; Alt+Down
        self.calendar_button.clicked.connect(self.open_calendar)
        for keys in ("Alt+Down", "F4"):
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(keys), self.edit)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_calendar)
        row.addWidget(self.edit)
        row.addWidget(self.calendar_button)
        row.addStretch(1)
        outer.addLayout(row)
        self.hint = QtWidgets.QLabel(DATE_HINT)
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        outer.addWidget(self.hint)
        self.inputs = [self.edit]
        self._value: Any = None
        self.popup: QtWidgets.QCalendarWidget | None = None

    def _typed(self, text: str) -> None:
        day = parse_day(text)
        if day is not None or not text.strip():
            self.hint.setVisible(False)
            self.changed(day.isoformat() if day else None)

    def _finished(self) -> None:
        text = self.edit.text()
        day = parse_day(text)
        self.hint.setVisible(bool(text.strip()) and day is None)
        if day is not None and text != day_text(day):
            self.edit.setText(day_text(day))  # tidied once the person leaves the box

    def open_calendar(self) -> None:
        """A calendar under the box; choosing a day (click or Enter) sets it."""
        shown = iso_date(self._value) or parse_day(self.edit.text()) or self.reference
        name = f"{self.field.label}: choose a date"
        self.popup = pop_calendar(self.widget, self.edit, name, shown, self._picked)

    def _picked(self, day: QtCore.QDate, calendar: QtWidgets.QCalendarWidget) -> None:
        calendar.close()
        self.popup = None
        picked = date(day.year(), day.month(), day.day())
        self.edit.setText(day_text(picked))
        self.hint.setVisible(False)
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)
        self.changed(picked.isoformat())

    def show(self, value: Any) -> None:
        self._value = value
        day = iso_date(value)
        typed = self.edit.text()
        if day is not None and parse_day(typed) == day:
            return  # the date as it was typed
        if self.edit.hasFocus() and typed.strip() and parse_day(typed) is None:
            return  # half typed: left as it is until it is a date (Escape gives it back)
        text = day_text(day) if day else ("" if value is None else str(value))
        if typed != text:
            self.edit.setText(text)

    def cancel(self) -> None:
        """Escape: the box shows the date kept (before any typing since the focus came in)."""
        self.hint.setVisible(False)
        day = iso_date(self._value)
        self.edit.setText(day_text(day) if day else "")

    def describe(self, name: str, description: str) -> None:
        super().describe(name, description)
        how = "Type the date day first, such as 31/03/2027; Alt+Down opens a calendar."
        self.edit.setAccessibleDescription(" ".join(x for x in (description, how) if x))
        self.calendar_button.setAccessibleName(f"{name}: choose from a calendar")


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
        self.widget = options_box = _Options(across)
        self.group = QtWidgets.QButtonGroup(self.widget)
        self.values: list[Any] = []
        for i, (value, label) in enumerate(options):
            button = QtWidgets.QRadioButton(label)
            self.group.addButton(button, i)
            self.values.append(value)
            options_box.add(button)
            self.inputs.append(button)
        self.group.idToggled.connect(self._toggled)
        self._arrows = _ArrowsChoose(self)
        for widget in self.inputs:
            widget.installEventFilter(self._arrows)

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


class _Options(QtWidgets.QWidget):
    """Options side by side when they fit the width (`across`), else one under another:
    large text never makes the form wider than its window."""

    def __init__(self, across: bool) -> None:
        super().__init__()
        self.across = across
        self.buttons: list[QtWidgets.QWidget] = []
        self.box = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.TopToBottom, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetNoConstraint)
        self.box.addStretch(1)  # side by side: the options stay together at the left

    def add(self, button: QtWidgets.QWidget) -> None:
        self.box.insertWidget(len(self.buttons), button, 0, Qt.AlignmentFlag.AlignLeft)
        self.buttons.append(button)

    def _across_width(self) -> int:
        spacing = max(self.box.spacing(), 0) + 12
        return sum(b.sizeHint().width() for b in self.buttons) + spacing * len(self.buttons)

    def minimumSizeHint(self) -> QtCore.QSize:
        hint = super().minimumSizeHint()
        narrowest = max((b.minimumSizeHint().width() for b in self.buttons), default=0)
        return QtCore.QSize(narrowest, hint.height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        fits = self.across and event.size().width() >= self._across_width()
        direction = (
            QtWidgets.QBoxLayout.Direction.LeftToRight
            if fits
            else QtWidgets.QBoxLayout.Direction.TopToBottom
        )
        if self.box.direction() != direction:
            self.box.setDirection(direction)
            self.box.setSpacing(12 if fits else -1)


class _ArrowsChoose(QtCore.QObject):
    """Arrow keys in a radio group choose the next or previous option (not only move)."""

    NEXT = (Qt.Key.Key_Right, Qt.Key.Key_Down)
    BACK = (Qt.Key.Key_Left, Qt.Key.Key_Up)

    def __init__(self, owner: RadioChoice) -> None:
        super().__init__(owner.widget)
        self.owner = owner

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QtGui.QKeyEvent)
        key = event.key()
        if key not in self.NEXT + self.BACK or watched not in self.owner.inputs:
            return False
        buttons = self.owner.inputs
        at = buttons.index(watched)  # type: ignore[arg-type]
        to = buttons[(at + (1 if key in self.NEXT else -1)) % len(buttons)]
        assert isinstance(to, QtWidgets.QRadioButton)
        to.setFocus(Qt.FocusReason.TabFocusReason)
        to.setChecked(True)
        return True


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
