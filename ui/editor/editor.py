"""RecordEditor: the form for one record, generated from its template, over an EditSession.

What the widget does: shows the form, passes each change to the session, shows
what the session says back (inline messages, visibility, steps), autosaves, and
runs undo/redo. What it never does: decide a rule. Writes go through the
injected `run_write` hook (see ui.editor.writes) as ops from lcc_apr.ops.editing, whose
Changes the runner hands to every screen; the signatures' check goes through `run_read`.
The window passes its task runner; by default both run inline on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any

from lcc_apr.answer_paths import top_key
from lcc_apr.editing import EditRefused, EditSession, StepOption, item_path
from lcc_apr.forms import Problem
from lcc_apr.ops import editing as ops
from lcc_apr.signing.identity import SigningError
from lcc_apr.workflow import WorkflowError
from ui.qt import QtCore, QtGui, QtWidgets

from .form import Form, problem_colour, restyle
from .panels import Header, Pages, editor_actions, signatures_label
from .sign_dialog import SignDialog
from .steps import StepsPanel
from .writes import RunWrite, run_inline

Qt = QtCore.Qt
log = logging.getLogger(__name__)
HISTORY_AFTER_MS = 200  # the History tab is read this long after the form has painted
AUTOSAVE_MS = 1000  # after the last change; the promise to the person is "within 2 seconds"
AskReason = Callable[[QtWidgets.QWidget, StepOption], "str | None"]
Confirm = Callable[[QtWidgets.QWidget, StepOption], bool]
# Asked before signing: (decision, reason), or None when the person cancels.
AskSignature = Callable[[QtWidgets.QWidget, StepOption, str], "tuple[str, str] | None"]
# Run in the worker before signing: (signing identity, organisation trust) from
# lcc_apr.signing.identity.Signer; raises SigningError with a sentence when it cannot sign.
Signing = Callable[[], "tuple[Any, Any]"]


def ask_signature_dialog(
    parent: QtWidgets.QWidget, option: StepOption, signer: str
) -> tuple[str, str] | None:
    dialog = SignDialog(
        title=option.label,
        signer=signer,
        decisions=option.decisions,
        decided=option.decided,
        reason=option.reason,
        parent=parent,
    )
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted or dialog.decision is None:
        return None
    return dialog.decision, dialog.reason


def no_signing() -> tuple[Any, Any]:
    raise SigningError("Signing needs your organisation's server: sign in to it first.")


def ask_reason_dialog(parent: QtWidgets.QWidget, option: StepOption) -> str | None:
    text, ok = QtWidgets.QInputDialog.getMultiLineText(
        parent,
        option.label,
        f"{option.reason_prompt} The signatures on it are voided."
        if option.voids_signatures
        else option.reason_prompt,
    )
    return text.strip() if ok and text.strip() else None


def confirm_dialog(parent: QtWidgets.QWidget, option: StepOption) -> bool:
    """Asked before a step that locks the record (signing, completing, closing)."""
    answer = QtWidgets.QMessageBox.question(
        parent,
        option.label,
        f"{option.label}?\n\nAfterwards the record is locked: its answers can no longer "
        "change, except those marked as changeable after sign-off.",
    )
    return answer == QtWidgets.QMessageBox.StandardButton.Yes


class RecordEditor(QtWidgets.QWidget):
    """The editor for one record as one person. Signals carry the record id.

    `saved(record_id)`: answers were written to the store.
    `stepTaken(record_id, step)`: the record moved on; lists showing it should refresh.
    """

    saved = QtCore.Signal(str)
    stepTaken = QtCore.Signal(str, str)

    def __init__(
        self,
        session: EditSession,
        *,
        run_write: RunWrite = run_inline,
        run_read: RunWrite = run_inline,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        ask_reason: AskReason = ask_reason_dialog,
        confirm: Confirm = confirm_dialog,
        ask_signature: AskSignature = ask_signature_dialog,
        signing: Signing = no_signing,
        signer_name: str = "",
        autosave_ms: int = AUTOSAVE_MS,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.run_write = run_write
        self.run_read = run_read  # the signatures' check reads the store: a read task
        self._clock = clock
        self._ask_reason = ask_reason
        self._confirm = confirm
        self._ask_signature = ask_signature
        self._signing = signing
        self._signer_name = signer_name
        self._saving = False
        self._save_again = False
        self._status_problem = False
        # answers still needed for a step, by row: (message, the step's label)
        self.needed: dict[str, list[tuple[str, str]]] = {}
        self.setObjectName("record-editor")
        self.setAccessibleName(f"{session.template.title}: {session.subject_name}")

        self.autosave = QtCore.QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(autosave_ms)
        self.autosave.timeout.connect(self.save_now)
        # the signatures' check starts once the form has painted (a child timer: it dies
        # with the editor), so its worker does not share the GIL with building the form
        self._check_signatures = QtCore.QTimer(self)
        self._check_signatures.setSingleShot(True)
        self._check_signatures.setInterval(0)
        self._check_signatures.timeout.connect(self._show_signatures)
        self._history_timer = QtCore.QTimer(self)  # after the first paint, the letters' way
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(HISTORY_AFTER_MS)
        self._history_timer.timeout.connect(self._load_history)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._header())
        self.scroll_area = QtWidgets.QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        layout.addWidget(self._pages(), 1)
        self.signatures = signatures_label()
        layout.addWidget(self.signatures)
        self.steps = StepsPanel(self._take, self.show_field)
        layout.addWidget(self.steps)

        self.undo_action, self.redo_action, self.close_action = editor_actions(
            self, undo=self.undo, redo=self.redo, close=lambda: self.window().close()
        )
        self._host: QtWidgets.QWidget | None = None

        self.form: Form
        self._build_form()
        app = QtWidgets.QApplication.instance()
        assert isinstance(app, QtWidgets.QApplication)
        app.focusChanged.connect(self._focus_changed)
        if session.dirty:  # handed over with unsaved changes: keep the autosave promise
            self.save_now()

    # -- building -----------------------------------------------------------------------

    def _header(self) -> QtWidgets.QWidget:
        header = Header()
        self.title, self.subtitle, self.banner = header.title, header.subtitle, header.banner
        self.save_status = header.save_status  # shown beside the tabs (Pages)
        return header

    def _pages(self) -> QtWidgets.QWidget:
        """The form (with its contents beside it) and the record's history, as two tabs."""
        pages = Pages(self.scroll_area, self.save_status)
        self.contents, self.contents_button = pages.contents, pages.contents_button
        self.tabs, self.form_page = pages.tabs, pages.form_page
        self.history_page, self.history = pages.history_page, pages.history_page.table
        self.contents.chosen.connect(self._go_to_section)
        pages.history_opened.connect(self._history_opened)
        self._history_stale = True
        return pages

    def _history_opened(self) -> None:
        if self._history_stale:
            self._load_history()

    def show_history(self, shown: bool = True) -> None:
        """The History tab (True) or the form (False)."""
        self.tabs.setCurrentIndex(1 if shown else 0)

    @property
    def history_shown(self) -> bool:
        return self.tabs.currentIndex() == 1

    def _fill_contents(self) -> None:
        self.contents.fill(self.session.template.sections)

    def _show_contents(self) -> None:
        """How many answers each section still needs for a step."""
        missing: dict[str, int] = {}
        for path in self.needed:
            try:
                key = self.session.template.section_of(top_key(path)).key
            except KeyError:
                continue
            missing[key] = missing.get(key, 0) + 1
        titles = {key: box.section.title for key, box in self.form.sections.items()}
        self.contents.show_needed(missing, titles, self.session.section_visible)

    def _go_to_section(self, key: str) -> None:
        """Scroll the section to the top and put the focus in its first answer."""
        box = self.form.sections[key]
        first = next((w for w in self.form.focus_chain() if box.isAncestorOf(w)), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll_area.verticalScrollBar().setValue(box.y())

    def _load_history(self) -> None:
        """Who changed, shared and signed the record, and when: a read task."""
        self._history_timer.stop()
        self._history_stale = False
        session = self.session
        try:
            self.run_read(lambda: ops.history(session), self._history_loaded, self._history_failed)
        except RuntimeError:  # the app's task runner has shut down (closing): nothing to show
            self._history_stale = True

    def _history_loaded(self, rows: list[Any]) -> None:
        self.history_page.show_rows(rows)

    def _history_failed(self, error: Exception) -> None:
        log.error("reading the history of record %s failed", self.session.record_id, exc_info=error)
        self.history_page.show_failed()

    def _build_form(self) -> None:
        """(Re)make the form from the session: at start, and after a step changes rights."""
        position = self.scroll_area.verticalScrollBar().value()
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.form = Form(self.session, self._changed, self._items)
        self.scroll_area.setWidget(self.form)
        self._fill_contents()
        self.scroll_area.verticalScrollBar().setValue(position)
        s = self.session
        self.title.setText(f"<h1>{escape(s.template.title)}</h1>")
        self.title.setAccessibleName(s.template.title)
        day = f"{s.reference.day} {s.reference:%B %Y}"
        who = f"{s.subject_name}, {s.subject_post}" if s.subject_post else s.subject_name
        self.subtitle.setText(f"{who}  ·  {s.state_label}  ·  {day}")
        self._show_banner()
        self._check_signatures.start()
        self._show_session(restructured=True)
        self._set_status("All changes saved" if not s.dirty else "Unsaved changes")

    def _show_banner(self) -> None:
        editable = self.form.editable_inputs()
        if self.session.locked:
            text = (
                "Signed and locked: only answers marked as changeable after sign-off can change."
                if editable
                else "Signed and locked: this record can no longer change."
            )
        elif self.session.read_only_reason:  # the workflow's words for this stage
            text = self.session.read_only_reason
        elif not editable:
            text = "You can read this record but not change it at this stage."
        else:
            text = ""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _show_signatures(self) -> None:
        """Each signature checked in words, from a read task (a store read, ECDSA checks);
        a moment later the history, from another."""
        self.run_read(self.session.signatures, self._signatures_checked, self._signatures_failed)
        if self._history_stale:
            self._history_timer.start()

    def _signatures_checked(self, lines: list[str]) -> None:
        self.signatures.setText("Signatures:\n" + "\n".join(lines) if lines else "")
        self.signatures.setVisible(bool(lines))

    def _signatures_failed(self, error: Exception) -> None:
        log.error("checking signatures on record %s failed", self.session.record_id, exc_info=error)
        self.signatures.setText("Signatures: could not be checked on this computer.")
        self.signatures.setVisible(True)

    def _show_session(self, *, restructured: bool = False) -> None:
        """Inline messages, visibility, steps and undo state as the session has them now.

        `restructured`: widgets were added or removed, so the Tab order is set again.
        """
        problems = self._by_row(self.session.problems())
        steps = self.session.steps()
        self.needed = {}
        for option in steps:
            for row, messages in self._by_row(list(option.missing)).items():
                self.needed.setdefault(row, []).extend((m, option.label) for m in messages)
        self.form.refresh_visibility()
        self.form.show_problems(problems, self.needed, self._by_row(self.session.warnings()))
        self._show_contents()
        if self.steps.show_steps(steps) or restructured:
            self._fix_tab_order()
        self.undo_action.setEnabled(self.session.can_undo)
        self.redo_action.setEnabled(self.session.can_redo)

    def _by_row(self, problems: list[Problem]) -> dict[str, list[str]]:
        """Messages by the row that shows them (an entry's field, else its group), once each."""
        found: dict[str, list[str]] = {}
        for problem in problems:
            row = self.form.row_for(problem.path)
            if row is not None and problem.message not in found.get(row.path, []):
                found.setdefault(row.path, []).append(problem.message)
        return found

    def _fix_tab_order(self) -> None:
        chain = [*self.form.focus_chain(), *self.steps_focus_chain()]
        for first, second in zip(chain, chain[1:], strict=False):
            QtWidgets.QWidget.setTabOrder(first, second)

    def steps_focus_chain(self) -> list[QtWidgets.QWidget]:
        chain: list[QtWidgets.QWidget] = []
        for name, button in self.steps.buttons.items():
            chain += [button, self.steps.needs[name]]
        return chain

    # -- the person's changes -----------------------------------------------------------

    def _changed(self, path: str, value: Any) -> None:
        try:
            changed = self.session.set(path, value)
        except EditRefused as refused:
            self._set_status(str(refused), problem=True)
            self.form.refresh()
            return
        if changed:
            self._edited()

    def _items(self, group: str, action: str, index: int) -> None:
        session = self.session
        try:
            if action == "add":
                focus = item_path(group, session.add_item(group, index))
            elif action == "remove":
                session.remove_item(group, index)
                left = len(session.value(group) or [])
                focus = item_path(group, min(index, left - 1)) if left else group
            else:
                to = index - 1 if action == "up" else index + 1
                session.move_item(group, index, to)
                focus = item_path(group, to)
        except (EditRefused, IndexError) as refused:
            self._set_status(str(refused), problem=True)
            return
        self.form.groups[group].rebuild()
        self._edited(restructured=True)
        self._focus_after_items(group, action, focus)

    def _focus_after_items(self, group: str, action: str, focus: str) -> None:
        editor = self.form.groups[group]
        if action in ("up", "down"):
            to = int(focus.rsplit("[", 1)[1].rstrip("]"))
            button = editor.buttons.get((action, to))
            if button is None or not button.isEnabled():
                button = editor.buttons.get(("up" if action == "down" else "down", to))
            if button is not None:
                button.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        self.form.focus_path(focus)

    def _edited(self, *, restructured: bool = False) -> None:
        self._show_session(restructured=restructured)
        self._set_status("Unsaved changes")
        self.autosave.start()  # restarted by every change: saves once typing pauses

    def undo(self) -> None:
        self._after_history(self.session.undo())

    def redo(self) -> None:
        self._after_history(self.session.redo())

    def _after_history(self, path: str | None) -> None:
        if path is None:
            return
        self.form.refresh()
        self._edited(restructured=True)
        self.show_field(path)

    def show_field(self, path: str) -> None:
        """Scroll to a field and put the focus in it (used by 'needs' links and undo)."""
        target = self.form.focus_path(path)
        row = self.form.row_for(path)
        for widget in (row, target):  # the whole answer if it fits, and surely its input
            if widget is not None:
                self.scroll_area.ensureWidgetVisible(widget, 0, 60)

    # -- saving -------------------------------------------------------------------------

    def save_now(self) -> None:
        """Write pending changes through run_write (autosave, focus change, closing)."""
        self.autosave.stop()
        if not self.session.dirty:
            return
        if self._saving:
            self._save_again = True
            return
        self._saving = True
        self._set_status("Saving…")
        at = self._clock()
        session = self.session
        self.run_write(lambda: ops.save(session, at=at), self._save_done, self._save_failed)

    def _save_done(self, saved: ops.Saved) -> None:
        result = saved.result
        self._saving = False
        if result.written:
            self._history_changed()
            self.saved.emit(self.session.record_id)
        if result.held_back:
            count = len(result.held_back)
            what = "answer is" if count == 1 else "answers are"
            self._set_status(f"{count} {what} not saved until corrected (marked below)", True)
        else:
            self._set_status("All changes saved" if not self.session.dirty else "Unsaved changes")
        if self._save_again:
            self._save_again = False
            self.save_now()

    def _save_failed(self, error: Exception) -> None:
        self._saving = False
        self._save_again = False
        text = str(error) if str(error).startswith("Not saved") else f"Not saved: {error}"
        if not isinstance(error, EditRefused):
            log.error("saving record %s failed", self.session.record_id, exc_info=error)
        elif self.session.can_undo:
            text += ". Undo discards the change."
        self._set_status(text, problem=True)

    def _focus_changed(self, old: QtWidgets.QWidget | None, new: QtWidgets.QWidget | None) -> None:
        try:
            left = old is not None and self.isAncestorOf(old)
            inside = new is not None and self.scroll_area.isAncestorOf(new)
        except RuntimeError:  # a widget deleted as the focus moved (an entry removed)
            left, inside = True, False
        if left:
            self.session.seal()
            self.save_now()
        if inside and new is not None:
            self.scroll_area.ensureWidgetVisible(new, 0, 40)

    # -- Escape -------------------------------------------------------------------------

    def cancel_edit(self) -> bool:
        """Escape: undo the change typed into the focused field since the focus came in
        (the field's own undo step); the window stays open. True if something was undone."""
        focus = QtWidgets.QApplication.focusWidget()
        row = next(
            (
                r
                for r in self.form.rows.values()
                if r.input is not None and focus is not None and focus in r.input.inputs
            ),
            None,
        )
        if row is None or row.input is None:
            return False
        row.input.cancel()
        if not self.session.cancel_typing(row.path):
            return False
        self.form.refresh()
        self._edited(restructured=True)
        self._set_status("Change cancelled")
        return True

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() in _NO_MODIFIER:
            self.cancel_edit()
            event.accept()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        host = self.window()
        if host is not self and host is not self._host:
            host.installEventFilter(self)  # Escape elsewhere in the window (its buttons)
            self._host = host

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self._host and event.type() == QtCore.QEvent.Type.KeyPress:
            assert isinstance(event, QtGui.QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and event.modifiers() in _NO_MODIFIER:
                return True  # a dialog would close on Escape: the editor's window does not
        return False

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        self.save_now()
        super().hideEvent(event)

    # -- steps --------------------------------------------------------------------------

    def _take(self, option: StepOption) -> None:
        if option.signs:
            self._sign(option)
            return
        reason = None
        if option.needs_reason:
            reason = self._ask_reason(self, option)
            if not reason:
                return
        elif option.locks and not self._confirm(self, option):
            return
        self.autosave.stop()
        at = self._clock()
        session = self.session
        self._set_status("Saving…")
        self.run_write(
            lambda: ops.take_step(session, step=option.name, at=at, reason=reason),
            lambda _moved: self._taken(option),
            self._step_failed,
        )

    def _sign(self, option: StepOption) -> None:
        """Ask for the decision, then (in the worker) get the signing identity and sign."""
        chosen = self._ask_signature(self, option, self._signer_name)
        if chosen is None:
            return
        decision, reason = chosen
        self.autosave.stop()
        at = self._clock()
        session, signing = self.session, self._signing
        self._set_status("Signing…")

        def sign() -> ops.Moved:
            identity, trust = signing()
            return ops.sign(
                session,
                step=option.name,
                at=at,
                identity=identity,
                decision=decision,
                reason=reason or None,
                trust=trust,
            )

        self.run_write(sign, lambda _moved: self._taken(option), self._step_failed)

    def _history_changed(self) -> None:
        """Read the history again now if it is showing, else when it is next shown."""
        self._history_stale = True
        if self.history_shown:
            self._load_history()

    def _taken(self, option: StepOption) -> None:
        self._history_stale = True  # read with the signatures, once the form has painted
        self._build_form()
        self._set_status(f"Done: {option.label}")
        self.stepTaken.emit(self.session.record_id, option.name)
        self.save_now()  # what was typed while the step ran: saved, or shown as refused

    def _step_failed(self, error: Exception) -> None:
        if not isinstance(error, WorkflowError | EditRefused | SigningError):
            log.error("step on record %s failed", self.session.record_id, exc_info=error)
        problems = getattr(error, "problems", [])
        extra = "".join(f"\n• {p.message}" for p in problems[:5])
        self._set_status(f"{error}{extra}", problem=True)
        self._show_session()

    # -- status -------------------------------------------------------------------------

    def _set_status(self, text: str, problem: bool = False) -> None:
        self._status_problem = problem
        self.save_status.setText(text)
        self.save_status.setStyleSheet(f"color: {problem_colour()};" if problem else "")
        self.save_status.setAccessibleDescription(text)

    @property
    def status_text(self) -> str:
        """What the status line says now ("All changes saved", a refusal, ...)."""
        return self.save_status.text()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            restyle(self)
            self._set_status(self.save_status.text(), self._status_problem)


_NO_MODIFIER = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
