"""The dialog: both versions side by side, a choice per field, applied as one write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from lcc_apr.forms import Catalogue, FieldType
from lcc_apr.ops import conflicts
from lcc_apr.ops.conflicts import EDIT, MINE, THEIRS, ConflictView, Disagreement
from lcc_apr.store import Store

from ..editor.inputs import NOT_SET, FieldInput, make_input
from ..qt import Qt, QtGui, QtWidgets
from ..tasks import TaskRunner

CHOICES = ((MINE, "Keep mine"), (THEIRS, "Keep the server's"), (EDIT, "Edit"))


class ValueBox(QtWidgets.QTextEdit):
    """Read-only, selectable text as tall as its content at the current width (then scrolls)."""

    def __init__(self, name: str, text: str, max_lines: int = 10) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setTabChangesFocus(True)
        self.setPlainText(text)
        self.setPlaceholderText(NOT_SET)
        self.setAccessibleName(name)
        self.setObjectName("value")
        # Plain text with a rule at the left, as the editor shows read-only answers.
        self.setStyleSheet(
            "#value { background: transparent; border: none;"
            " border-left: 3px solid palette(mid); padding-left: 4px; }"
        )
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self._fit()

    def _fit(self) -> None:
        lines = self.fontMetrics().lineSpacing()
        margin = 2 * self.document().documentMargin()
        most = self.max_lines * lines + margin
        content = max(self.document().size().height(), lines + margin)
        fits = content <= most
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        frame = self.height() - self.viewport().height()  # borders above and below, if any
        self.setFixedHeight(int(min(content, most)) + max(frame, 0))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


def _label(text: str, name: str | None = None, *, bold: bool = False) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setAccessibleName(name or text)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


def _panel(title: str) -> tuple[QtWidgets.QFrame, QtWidgets.QGridLayout]:
    """A framed block for one answer: its label in bold, then a two-column grid."""
    panel = QtWidgets.QFrame()
    panel.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
    panel.setAccessibleName(title)
    grid = QtWidgets.QGridLayout(panel)
    grid.addWidget(_label(title, bold=True), 0, 0, 1, 2)
    grid.setColumnStretch(0, 1)
    grid.setColumnStretch(1, 1)
    return panel, grid


def _sides(grid: QtWidgets.QGridLayout, item: Disagreement, row: int = 1) -> None:
    """'On this computer' and 'On the server', side by side."""
    for column, (side, text) in enumerate(
        (("On this computer", item.mine_text), ("On the server", item.theirs_text))
    ):
        header = _label(side)
        value = ValueBox(f"{item.label}: {side.lower()}", text)
        header.setBuddy(value)
        grid.addWidget(header, row, column)
        grid.addWidget(value, row + 1, column, Qt.AlignmentFlag.AlignTop)


class ConflictDialog(QtWidgets.QDialog):
    """Settle one record's conflict; accepted once the choice is saved. UI thread only.

    Loads with `runner.read`, saves with `runner.write` (the ops of
    lcc_apr.ops.conflicts); a failed save is shown in the dialog, which stays open.
    """

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        record_id: str,
        *,
        runner: TaskRunner,
        user_id: int | None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.record_id, self.runner, self.user_id = store, record_id, runner, user_id
        self.view: ConflictView | None = None
        self.groups: dict[str, QtWidgets.QButtonGroup] = {}  # disputed answer -> its choice
        self.edit_inputs: dict[str, FieldInput] = {}
        self.edits: dict[str, Any] = {}
        self.busy = False
        self.setWindowTitle("Changed here and on the server")
        self.setAccessibleName("Resolve changes made here and on the server")
        self.resize(860, 640)
        self.rows = QtWidgets.QVBoxLayout(self)
        self.heading = _label("Loading…", "Record", bold=True)
        self.intro = _label("", "What happened")
        self.rows.addWidget(self.heading)
        self.rows.addWidget(self.intro)
        self.problem = _label("", "Problem")
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet(
            "#problem { border-left: 4px solid #c42b1c; padding: 4px 8px;"
            " background: palette(alternate-base); }"
        )
        self.problem.hide()
        self.waiting = _label("", "Still to decide")
        self.buttons = QtWidgets.QDialogButtonBox()
        self.later_button = self._button("Keep it for &now", "Keep it for now", self.reject)
        self.discard_button = self._button("&Discard my change", "Discard my change", self.discard)
        self.restore_button = self._button(
            "&Restore my version", "Restore my version", self.restore
        )
        self.apply_button = self._button("&Apply my choices", "Apply my choices", self.apply)
        self.apply_button.hide()
        self.discard_button.hide()
        self.restore_button.hide()
        self.runner.read(
            lambda _c: conflicts.load_conflict(store, catalogue=catalogue, record_id=record_id),
            on_done=self._show,
            on_error=self._load_failed,
            name="load conflict",
        )

    def _button(self, text: str, name: str, slot: Any) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self.buttons.addButton(button, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        return button

    def _finish_layout(self) -> None:
        self.rows.addWidget(self.problem)
        footer = QtWidgets.QHBoxLayout()
        footer.addWidget(self.waiting, 1)
        footer.addWidget(self.buttons)
        self.rows.addLayout(footer)

    # -- building ------------------------------------------------------------------

    def _show(self, view: ConflictView) -> None:
        self.view = view
        self.setWindowTitle(f"Changed here and on the server: {view.title}")
        self.heading.setText(view.title)
        self.heading.setAccessibleName(f"Record: {view.title}")
        if view.reason and not view.answers:
            self._show_refusal(view)
        elif view.deleted:
            self.intro.setText(
                "This record was deleted on the server after it was changed on this "
                "computer. Your change is kept here, unsent. Restore my version: bring the "
                "record back with your answers (sent at the next sync; the server accepts "
                "it if you may still change this record). Accept the deletion: drop your "
                "change. Or keep it for now and decide later."
            )
            if view.server_known:
                self.restore_button.show()
                self.discard_button.setText("&Accept the deletion")
                self.discard_button.setAccessibleName("Accept the deletion")
                self.discard_button.show()
            self.later_button.setDefault(True)  # Enter never deletes or restores anything
            self.rows.addStretch(1)
        else:
            self._show_answers(view)
        self._finish_layout()
        self._update_apply()

    def _scrolled(self, panels: Sequence[QtWidgets.QWidget], name: str) -> None:
        page = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        for panel in panels:
            column.addWidget(panel)
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setAccessibleName(name)
        scroll.setWidget(page)
        self.rows.addWidget(scroll, 1)

    def _show_refusal(self, view: ConflictView) -> None:
        self.intro.setText("The server refused the change made on this computer. It said:")
        self.rows.addWidget(ValueBox("Why the server refused", view.reason or ""))
        if view.out_of_view:
            after = (
                "Discard my change: remove this record from this computer. Keep it for "
                "now: it is sent if the record comes back to you."
            )
            self.discard_button.show()
        elif view.server_answers is None:
            after = (
                "The server has no version of this record to go back to. Keep your change "
                "for now and ask your HR team."
            )
        else:
            after = (
                "Discard my change: take the server's version of this record instead. "
                "Keep it for now: leave your change here, unsent, and decide later."
            )
            self.discard_button.show()
        self.rows.addWidget(_label(after, "What you can do"))
        if view.differences:
            self.rows.addWidget(_label("Where your version differs from the server's:"))
        panels = []
        for item in view.differences:
            panel, grid = _panel(item.label)
            _sides(grid, item)
            panels.append(panel)
        self._scrolled(panels, "How your version differs from the server's")
        self.later_button.setDefault(True)  # Enter never discards anything

    def _show_answers(self, view: ConflictView) -> None:
        both = "This answer was" if len(view.answers) == 1 else "These answers were"
        choose = f"{both} changed on both: choose what to keep. " if view.answers else ""
        self.intro.setText(
            "This record was changed on this computer and on the server. "
            f"{choose}Answers changed on one side only are already combined."
        )
        panels = [self._answer_panel(item, view) for item in view.answers]
        if view.status is not None:
            panel, grid = _panel("Status")
            _sides(grid, view.status)
            note = (
                "The server's status is kept. If your step is still needed, take it again "
                "after applying."
            )
            grid.addWidget(_label(note, "About the status"), 3, 0, 1, 2)
            panels.append(panel)
        self._scrolled(panels, "Answers to decide")
        self.apply_button.show()
        self.apply_button.setDefault(True)

    def _answer_panel(self, item: Disagreement, view: ConflictView) -> QtWidgets.QFrame:
        panel, grid = _panel(item.label)
        _sides(grid, item)
        editable = item.field is not None and item.field.type is not FieldType.GROUP
        group = QtWidgets.QButtonGroup(panel)
        choices = QtWidgets.QHBoxLayout()
        for value, text in CHOICES:
            if value == EDIT and not editable:
                continue
            radio = QtWidgets.QRadioButton(text)
            radio.setObjectName(f"{item.key}:{value}")
            radio.setAccessibleName(f"{item.label}: {text.lower()}")
            group.addButton(radio)
            choices.addWidget(radio)
        choices.addStretch(1)
        grid.addLayout(choices, 3, 0, 1, 2)
        if editable and item.field is not None:

            def keep(_path: str, value: Any, key: str = item.key) -> None:
                self.edits[key] = value

            field_input = make_input(
                item.field,
                item.key,
                keep,
                reference=view.record_date or date.today(),
                read_only=False,
            )
            field_input.show(item.mine)
            field_input.describe(f"{item.label}: your edited answer", item.field.help)
            for widget in field_input.inputs:
                if isinstance(widget, QtWidgets.QPlainTextEdit):
                    widget.setUndoRedoEnabled(True)  # no record undo stack here
            field_input.widget.hide()
            self.edits[item.key] = item.mine
            self.edit_inputs[item.key] = field_input
            grid.addWidget(field_input.widget, 4, 0, 1, 2)
        else:
            note = "A list cannot be edited here: keep one version, then change it in the record."
            grid.addWidget(_label(note), 4, 0, 1, 2)
        group.buttonToggled.connect(lambda _b, _on, key=item.key: self._chosen(key))
        self.groups[item.key] = group
        return panel

    # -- choosing ------------------------------------------------------------------

    def choices(self) -> dict[str, str]:
        """Each disputed answer's choice so far: "mine", "theirs" or "edit"."""
        chosen = {}
        for key, group in self.groups.items():
            button = group.checkedButton()
            if button is not None:
                chosen[key] = button.objectName().rsplit(":", 1)[1]
        return chosen

    def choose(self, key: str, choice: str) -> None:
        """Tick a choice for one answer, as a click would."""
        for button in self.groups[key].buttons():
            if button.objectName() == f"{key}:{choice}":
                button.setChecked(True)

    def _chosen(self, key: str) -> None:
        if key in self.edit_inputs:
            self.edit_inputs[key].widget.setVisible(self.choices().get(key) == EDIT)
        self._update_apply()

    def _update_apply(self) -> None:
        left = len(self.groups) - len(self.choices())
        self.apply_button.setEnabled(left == 0 and not self.busy)
        text = (
            f"Choose what to keep for {left} more answer{'s' if left != 1 else ''}." if left else ""
        )
        self.waiting.setText(text)
        self.waiting.setAccessibleName(text or "Still to decide: nothing")
        self.apply_button.setAccessibleDescription(text)

    # -- saving --------------------------------------------------------------------

    def apply(self) -> None:
        if self.view is not None and self.apply_button.isEnabled():
            answers = conflicts.final_answers(self.view, choices=self.choices(), edits=self.edits)
            self._resolve(answers)

    def discard(self) -> None:
        """Go back to the server's version: its status and answers, when it is known here
        (a record no longer this person's to see leaves this computer)."""
        if self.view is None:
            return
        store, record_id = self.store, self.record_id
        if self.view.server_known or self.view.out_of_view:
            self._set_busy(True)
            self.runner.write(
                lambda _c: conflicts.accept_server_version(store, record_id=record_id),
                on_done=lambda _r: self._saved(),
                on_error=self._save_failed,
                name="discard my change",
            )
        elif self.view.server_answers is not None:
            self._resolve(dict(self.view.server_answers))

    def restore(self) -> None:
        """Keep this computer's version of a record deleted on the server: it is sent
        at the next sync as a restore."""
        if self.view is None or not self.view.deleted or not self.view.server_known:
            return
        self._set_busy(True)
        store, record_id, user_id = self.store, self.record_id, self.user_id
        self.runner.write(
            lambda _c: conflicts.restore_deleted(store, record_id=record_id, user_id=user_id),
            on_done=lambda _r: self._saved(),
            on_error=self._save_failed,
            name="restore my version",
        )

    def _resolve(self, answers: dict[str, Any]) -> None:
        self._set_busy(True)
        store, record_id, user_id = self.store, self.record_id, self.user_id
        self.runner.write(
            lambda _c: conflicts.resolve_conflict(
                store, record_id=record_id, answers=answers, user_id=user_id
            ),
            on_done=lambda _result: self._saved(),
            on_error=self._save_failed,
            name="resolve conflict",
        )

    def _saved(self) -> None:
        self._set_busy(False)
        self.accept()

    def _save_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, KeyError):
            text = "This record has nothing left to resolve: it was settled already."
        else:
            text = f"Your choice could not be saved: {error}"
        self.problem.setText(text)
        self.problem.setAccessibleName(f"Problem: {text}")
        self.problem.show()

    def _load_failed(self, error: BaseException) -> None:
        self.heading.setText("Nothing to resolve")
        self.heading.setAccessibleName("Nothing to resolve")
        self._save_failed(error)
        self.rows.addStretch(1)
        self._finish_layout()
        self.later_button.setText("&Close")
        self.later_button.setAccessibleName("Close")
        self.later_button.setDefault(True)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.discard_button.setEnabled(not busy)
        self.restore_button.setEnabled(not busy)
        self.later_button.setEnabled(not busy)
        self._update_apply()

    def reject(self) -> None:
        if not self.busy:  # a save in flight finishes first
            super().reject()


# -- the list ------------------------------------------------------------------------
