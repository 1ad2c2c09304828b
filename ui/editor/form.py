"""The form generated from a record's template: sections, field rows and repeating groups.

The form shows what the EditSession says (values, who may change what, what is
visible, what is wrong) and reports the person's changes through two callbacks;
it decides nothing itself. Runs on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from html import escape
from typing import Any, cast

from lcc_apr.editing import EditSession, item_path
from lcc_apr.forms import Field, FieldType, Section
from ui.qt import QtCore, QtGui, QtWidgets

from .inputs import HELP_PROPERTY, FieldInput, InputGuard, guidance_label, make_input

Qt = QtCore.Qt
OnChange = Callable[[str, Any], None]
OnItems = Callable[[str, str, int], None]  # (group path, "add" | "remove" | "up" | "down", index)
_MUTED = "lccAprMuted"


def muted(widget: QtWidgets.QWidget, weight: float = 0.72) -> None:
    """Secondary text: the text colour mixed towards the background, still easy to read."""
    widget.setProperty(_MUTED, weight)
    _apply_muted(widget, weight)


def _apply_muted(widget: QtWidgets.QWidget, weight: float) -> None:
    theme = QtWidgets.QApplication.palette()
    text = theme.color(QtGui.QPalette.ColorRole.WindowText)
    back = theme.color(QtGui.QPalette.ColorRole.Window)
    rgba = tuple[int, int, int, int]  # PySide6's stub says getRgb returns object
    pairs = zip(cast(rgba, text.getRgb())[:3], cast(rgba, back.getRgb())[:3], strict=True)
    mixed = QtGui.QColor(*(int(weight * a + (1 - weight) * b) for a, b in pairs))
    palette = widget.palette()
    palette.setColor(QtGui.QPalette.ColorRole.WindowText, mixed)
    widget.setPalette(palette)


def problem_colour() -> str:
    """Dark red on a light theme, light red on a dark one (both at least 4.5:1)."""
    dark = QtWidgets.QApplication.palette().color(QtGui.QPalette.ColorRole.Window).lightness()
    return "#ff8a80" if dark < 128 else "#a3160e"


def restyle(root: QtWidgets.QWidget) -> None:
    """Recolour muted text and problem messages after the theme changed."""
    for widget in root.findChildren(QtWidgets.QWidget):
        weight = widget.property(_MUTED)
        if weight is not None:
            _apply_muted(widget, float(weight))
        if widget.objectName() == "problem":
            widget.setStyleSheet(f"color: {problem_colour()};")


class FieldRow(QtWidgets.QWidget):
    """One answer: its label, its help, its input and an inline message under it."""

    def __init__(
        self,
        field: Field,
        path: str,
        body: QtWidgets.QWidget,
        first: QtWidgets.QWidget,
        help_text: str = "",
    ):
        super().__init__()
        self.field, self.path, self.help_text = field, path, help_text
        self.setObjectName("field-row")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(3)
        self.label = QtWidgets.QLabel(field.label)
        self.label.setWordWrap(True)
        bold = self.label.font()
        bold.setBold(True)
        self.label.setFont(bold)
        self.label.setBuddy(first)
        layout.addWidget(self.label)
        if help_text:
            self.help = QtWidgets.QLabel(help_text)
            self.help.setWordWrap(True)
            muted(self.help)
            layout.addWidget(self.help)
        self.body = body
        self._needed: QtWidgets.QLabel | None = None  # made when first needed (opening fast)
        self._warning: QtWidgets.QLabel | None = None  # the same, for a warning
        layout.addWidget(body)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("problem")
        self.message.setStyleSheet(f"color: {problem_colour()};")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.input: FieldInput | None = None

    def set_problems(
        self,
        messages: list[str],
        needed: list[tuple[str, str]] | None = None,
        warnings: list[str] | None = None,
    ) -> bool:
        """Show problems under the field, and above its input what is still needed before
        a step ((message, step label) pairs) and any warning, which blocks nothing;
        returns True if they changed."""
        warned = "\n".join(f"Warning: {w}" for w in warnings or [])
        warned_changed = warned != self.warning_text
        if warned_changed:
            self.warning.setText(warned)
            self.warning.setVisible(bool(warned))
        text = "\n".join(messages)
        shown, said = [], []
        for message, step in needed or []:
            if message in messages:
                continue
            plain = message in (f"{self.field.label} is required", f"Answer '{self.field.label}'")
            line = f"Needed before '{step}'" if plain else f"Needed before '{step}': {message}"
            if line not in shown:
                shown.append(line)
                said.append(f"{message}, before '{step}'.")
        wanted = "\n".join(shown)
        if text == self.message.text() and wanted == self.needed_text and not warned_changed:
            return False
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if wanted or self._needed is not None:
            self.needed.setText(wanted)
            self.needed.setVisible(bool(wanted))
        if self.input is not None:
            description = " ".join(x for x in (self.help_text, text, *said, warned) if x)
            self.input.describe(self.field.label, description)
        return True

    @property
    def warning_text(self) -> str:
        return self._warning.text() if self._warning is not None else ""

    @property
    def warning(self) -> QtWidgets.QLabel:
        """Under the input: a warning from the form (shorter than policy asks), which never
        blocks a step. Marked like the needed mark, with a rule at its left."""
        if self._warning is None:
            label = QtWidgets.QLabel()
            label.setObjectName("warning")
            label.setWordWrap(True)
            label.setStyleSheet(
                "#warning { background: palette(alternate-base);"
                " border-left: 4px solid palette(mid); padding: 2px 6px; }"
            )
            layout = self.layout()
            assert isinstance(layout, QtWidgets.QVBoxLayout)
            layout.insertWidget(layout.indexOf(self.message), label)
            self._warning = label
        return self._warning

    @property
    def needed_text(self) -> str:
        return self._needed.text() if self._needed is not None else ""

    @property
    def needed(self) -> QtWidgets.QLabel:
        """The mark above the input: an answer still needed before a step (not only listed
        by the steps). A rule at its left, like the banner's."""
        if self._needed is None:
            label = QtWidgets.QLabel()
            label.setObjectName("needed")
            label.setWordWrap(True)
            label.setStyleSheet(
                "#needed { background: palette(alternate-base);"
                " border-left: 4px solid palette(highlight); padding: 2px 6px; }"
            )
            layout = self.layout()
            assert isinstance(layout, QtWidgets.QVBoxLayout)
            layout.insertWidget(layout.indexOf(self.body), label)
            self._needed = label
        return self._needed


class GroupEditor(QtWidgets.QWidget):
    """A repeating group: one sub-form per entry with Move up/down and Remove, then Add."""

    def __init__(self, form: Form, field: Field, path: str) -> None:
        super().__init__()
        self.form, self.field, self.path = form, field, path
        self.layout_ = QtWidgets.QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.entries: list[QtWidgets.QGroupBox] = []
        self.rows: list[FieldRow] = []
        self.add_button: QtWidgets.QPushButton | None = None
        self.buttons: dict[tuple[str, int], QtWidgets.QPushButton] = {}
        self.count = -1

    def rebuild(self) -> None:
        """Make the entries afresh from the session (after add, remove, move, undo)."""
        session = self.form.session
        for row in self.rows:
            self.form.rows.pop(row.path, None)
        _empty(self.layout_)
        self.entries, self.rows, self.buttons = [], [], {}
        items = session.value(self.path) or []
        self.count = len(items)
        editable = session.may_change_items(self.path)
        for index in range(len(items)):
            entry = self._entry(index, len(items), editable)
            self.layout_.addWidget(entry)
            entry.show()  # at once, not when the event loop next runs: focus can go there
        if not items and not editable:
            none = QtWidgets.QLabel("None recorded.")
            muted(none)
            self.layout_.addWidget(none)
        self.add_button = None
        if editable:
            add = QtWidgets.QPushButton("Add an entry" if items else "Add the first entry")
            add.setAutoDefault(False)  # Enter in an answer never adds or removes entries
            add.setAccessibleName(f"Add an entry to {self.field.label}")
            add.clicked.connect(lambda: self.form.on_items(self.path, "add", len(items)))
            add_row = QtWidgets.QHBoxLayout()
            add_row.addWidget(add)
            add_row.addStretch(1)
            self.layout_.addLayout(add_row)
            add.show()
            self.add_button = add

    def _entry(self, index: int, count: int, editable: bool) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox(f"Entry {index + 1} of {count}")
        box.setAccessibleName(f"{self.field.label}, entry {index + 1} of {count}")
        layout = QtWidgets.QVBoxLayout(box)
        for sub in self.field.fields:
            row = self.form.make_row(sub, item_path(self.path, index, sub.key))
            layout.addWidget(row)
            self.rows.append(row)
        if editable:
            bar = QtWidgets.QHBoxLayout()
            for action, text, enabled in (
                ("up", "Move up", index > 0),
                ("down", "Move down", index < count - 1),
                ("remove", "Remove", True),
            ):
                button = QtWidgets.QPushButton(text)
                button.setAutoDefault(False)
                button.setEnabled(enabled)
                where = {"up": "up", "down": "down", "remove": ""}[action]
                verb = "Remove" if action == "remove" else "Move"
                button.setAccessibleName(
                    f"{verb} entry {index + 1} of {self.field.label} {where}".strip()
                )
                button.clicked.connect(
                    lambda _=False, a=action, i=index: self.form.on_items(self.path, a, i)
                )
                bar.addWidget(button)
                self.buttons[(action, index)] = button
            bar.addStretch(1)
            layout.addLayout(bar)
        self.entries.append(box)
        return box


class SectionBox(QtWidgets.QFrame):
    def __init__(self, section: Section, guidance: str) -> None:
        super().__init__()
        self.section = section
        self.setObjectName("section")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 12)
        title = QtWidgets.QLabel(f"<h2>{escape(section.title)}</h2>")
        title.setTextFormat(Qt.TextFormat.RichText)
        title.setAccessibleName(section.title)
        title.setWordWrap(True)
        layout.addWidget(title)
        if guidance:
            layout.addWidget(guidance_label(guidance))
        self.body = layout


class Form(QtWidgets.QWidget):
    """Every section of the template, with a row (or group editor) per field."""

    def __init__(self, session: EditSession, on_change: OnChange, on_items: OnItems) -> None:
        super().__init__()
        self.session = session
        self.on_change, self.on_items = on_change, on_items
        self.guard = InputGuard(self)
        self.rows: dict[str, FieldRow] = {}
        self.groups: dict[str, GroupEditor] = {}
        self.guidance: dict[str, QtWidgets.QWidget] = {}
        self.sections: dict[str, SectionBox] = {}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(16, 0, 16, 16)
        for section in session.template.sections:
            box = SectionBox(section, session.shown_text(section.guidance))
            for f in section.fields:
                box.body.addWidget(self._top_level(f))
            self.sections[section.key] = box
            layout.addWidget(box)
        layout.addStretch(1)
        self.refresh()

    def _top_level(self, field: Field) -> QtWidgets.QWidget:
        if field.type is FieldType.GUIDANCE:
            label = guidance_label(self.session.shown_text(field.text))
            self.guidance[field.key] = label
            return label
        if field.type is FieldType.GROUP:
            group = GroupEditor(self, field, field.key)
            row = FieldRow(field, field.key, group, group)
            row.label.setBuddy(None)  # type: ignore[arg-type]  # Qt takes None (no buddy); the stub does not
            self.rows[field.key] = row
            self.groups[field.key] = group
            group.rebuild()
            return row
        return self.make_row(field, field.key)

    def make_row(self, field: Field, path: str) -> FieldRow:
        if field.type is FieldType.GUIDANCE:  # guidance inside a group entry
            label = guidance_label(self.session.shown_text(field.text))
            row = FieldRow(field, path, label, label)
            self.rows[path] = row
            return row
        session = self.session
        widget = make_input(
            field,
            path,
            self.on_change,
            reference=session.reference,
            read_only=not session.may_edit(path),
        )
        widget.show(session.value(path))
        help_text = session.shown_text(field.help)
        widget.describe(field.label, help_text)
        for input_ in widget.inputs:
            input_.installEventFilter(self.guard)
            input_.setProperty(HELP_PROPERTY, help_text)
            input_.setWhatsThis(help_text)
        row = FieldRow(field, path, widget.widget, widget.inputs[0], help_text)
        row.input = widget
        self.rows[path] = row
        return row

    # -- showing the session's state ----------------------------------------------------

    def refresh(self) -> None:
        """Entries, values, visibility and inline messages as the session has them now."""
        for path, group in self.groups.items():
            if len(self.session.value(path) or []) != group.count:
                group.rebuild()
        for row in self.rows.values():
            if row.input is not None:
                row.input.show(self.session.value(row.path))
        self.refresh_visibility()

    def refresh_visibility(self) -> None:
        session = self.session
        for key, box in self.sections.items():
            box.setVisible(session.section_visible(key))
        for path, row in self.rows.items():
            row.setVisible(session.visible(path))
        for key, label in self.guidance.items():
            label.setVisible(session.visible(key))

    def show_problems(
        self,
        problems: dict[str, list[str]],
        needed: dict[str, list[tuple[str, str]]] | None = None,
        warnings: dict[str, list[str]] | None = None,
    ) -> None:
        needed, warnings = needed or {}, warnings or {}
        for path, row in self.rows.items():
            row.set_problems(problems.get(path, []), needed.get(path, []), warnings.get(path, []))

    # -- finding things -----------------------------------------------------------------

    def row_for(self, path: str) -> FieldRow | None:
        """The row for a path, or the nearest enclosing one (an entry's path -> its group)."""
        while path not in self.rows:
            if path.endswith("]"):
                path = path[: path.rindex("[")]
            elif "." in path:
                path = path.rpartition(".")[0]
            else:
                return None
        return self.rows[path]

    def focus_path(self, path: str) -> QtWidgets.QWidget | None:
        """Put the keyboard focus on the first input at (or nearest to) a path."""
        row = self.row_for(path)
        if row is None or not self._shown(row):
            return None
        group = self.groups.get(row.path)
        target: QtWidgets.QWidget | None
        if group is not None:
            index = _index_in(path)
            entry_rows = [
                r
                for r in group.rows
                if index is not None and r.path.startswith(f"{row.path}[{index}]")
            ]
            target = next(
                (w for r in entry_rows if r.input for w in r.input.inputs if self._shown(w)),
                group.add_button,
            )
        else:
            inputs = row.input.inputs if row.input else []
            target = next((w for w in inputs if self._shown(w)), None)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        return target

    def _shown(self, widget: QtWidgets.QWidget) -> bool:
        """Shown on the form (new widgets become visible only when the event loop runs)."""
        return widget.isVisibleTo(self)

    def editable_inputs(self) -> int:
        """How many answers (and groups) this person can change here."""
        inputs = sum(1 for r in self.rows.values() if r.input is not None and not r.input.read_only)
        return inputs + sum(1 for g in self.groups.values() if g.add_button is not None)

    def focus_chain(self) -> list[QtWidgets.QWidget]:
        """Every widget that takes Tab focus, in page order (top to bottom as laid out)."""
        return [w for w in _walk(self.layout()) if w.focusPolicy() & Qt.FocusPolicy.TabFocus]


def _empty(layout: QtWidgets.QLayout) -> None:
    """Remove and delete everything in a layout, leaving no stale widget in the tab chain."""
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        if (widget := item.widget()) is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif (inner := item.layout()) is not None:
            _empty(inner)


def _index_in(path: str) -> int | None:
    if "[" not in path:
        return None
    return int(path.split("[", 1)[1].split("]", 1)[0])


def _walk(layout: QtWidgets.QLayout | None) -> Iterator[QtWidgets.QWidget]:
    """Widgets in layout order, depth first (a widget before the widgets inside it)."""
    if layout is None:
        return
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        if (widget := item.widget()) is not None:
            yield widget
            yield from _walk(widget.layout())
        elif (inner := item.layout()) is not None:
            yield from _walk(inner)
