"""The windows the main window opens: a person's records, the record editor, the choice
of whom a new record is for, the records changed on both sides, finding a person and
their profile.

`Windows` holds what these need and keeps each window alive while it is open; its
`actions()` are what the composition root hands the main window. Every read runs as
an op in a read task: a window opens once its data has arrived.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import AppContext
from .qt import QtWidgets
from .tasks import TaskRunner

if TYPE_CHECKING:
    from lcc_apr.editing import EditSession
    from lcc_apr.ops.people import Person

    from .absences import AbsencesDialog
    from .find_person import FindPersonDialog
    from .main_window import WindowActions
    from .profile import ProfileWindow
    from .records import EditorWindow, EmployeeRecords


class Windows:
    """UI thread only. `parent` (the main window) is set once it is built."""

    def __init__(self, context: AppContext, runner: TaskRunner) -> None:
        self.context, self.runner = context, runner
        self.parent: QtWidgets.QWidget | None = None
        self.open: list[QtWidgets.QDialog] = []
        self.message: Callable[[str], None] = lambda text: None  # the main window's status

    def actions(self, *, sign_out: Callable[[], Any] | None = None) -> WindowActions:
        from .main_window import WindowActions

        return WindowActions(
            open_employee=self.open_employee,
            open_record=self.open_record,
            new_record=self.new_record if self.context.user.is_manager else None,
            conflicts=self.show_conflicts,
            sign_out=sign_out,
            find_person=self.find_person,
            open_absences=self.open_absences if self._records_absences() else None,
        )

    def _records_absences(self) -> bool:
        """Line managers and HR record absences (the core checks whose)."""
        return self.context.user.is_manager or self.context.user.is_hr

    def keep(self, dialog: QtWidgets.QDialog) -> None:
        self.open.append(dialog)
        dialog.finished.connect(lambda _r: self.open.remove(dialog))
        dialog.show()

    def open_employee(self, employee_id: int) -> EmployeeRecords:
        from .records import EmployeeRecords

        records = EmployeeRecords(self.context, self.runner, employee_id, self.parent)
        records.open_record.connect(self.open_record)
        if self._records_absences():
            records.show_absences_button()
            records.open_absences.connect(self.open_absences)
        self.keep(records)
        return records

    def open_absences(self, employee_id: int) -> AbsencesDialog:
        """The person's absences (one window a person: opening it again raises it)."""
        from .absences import AbsencesDialog

        found = next(
            (
                w
                for w in self.open
                if isinstance(w, AbsencesDialog) and w.employee_id == employee_id
            ),
            None,
        )
        if found is None:
            found = AbsencesDialog(self.context, self.runner, employee_id, self.parent)
            self.keep(found)
        found.raise_()
        found.activateWindow()
        return found

    def find_person(self) -> FindPersonDialog:
        """Find a person (Ctrl+K); the one chosen opens on their profile."""
        from .find_person import FindPersonDialog

        found = next((w for w in self.open if isinstance(w, FindPersonDialog)), None)
        if found is None:
            found = FindPersonDialog(self.context, self.runner, self.parent)
            found.chosen.connect(self.open_profile)
            self.keep(found)
        found.raise_()
        found.activateWindow()
        found.text.setFocus()
        found.text.selectAll()
        return found

    def open_profile(self, employee_id: int) -> ProfileWindow:
        from .profile import ProfileWindow

        profile = ProfileWindow(self.context, self.runner, employee_id, self.parent)
        profile.open_record.connect(self.open_record)
        profile.open_employee.connect(self.open_employee)
        self.keep(profile)
        return profile

    def open_record(self, record_id: str) -> None:
        """Load the record for editing in a read task, then open its editor. One editor per
        record: opening it again brings its editor to the front (two would save over each
        other)."""
        if (editor := self.editor_of(record_id)) is not None:
            editor.raise_()
            editor.activateWindow()
            return
        c = self.context

        def load(_control: Any) -> EditSession:
            from lcc_apr.ops.editing import open_record  # the editing core loads in the worker

            return open_record(
                c.store, record_id=record_id, user=c.user, catalogue=c.catalogue, policy=c.policy
            )

        self.runner.read(
            load,
            on_done=self.show_editor,
            on_error=lambda error: self.message(f"The record could not be opened: {error}"),
            name="open record",
        )

    def editor_of(self, record_id: str) -> EditorWindow | None:
        from .records import EditorWindow

        return next(
            (w for w in self.open if isinstance(w, EditorWindow) and w.record_id == record_id),
            None,
        )

    def show_editor(self, session: EditSession) -> EditorWindow:
        from .records import EditorWindow

        if (open_already := self.editor_of(session.record_id)) is not None:
            open_already.raise_()  # a second load that was already on its way
            return open_already
        editor = EditorWindow(self.context, self.runner, session, self.parent)
        self.keep(editor)
        return editor

    def new_record(self) -> None:
        """File > New record: choose whom it is for, then their records (kind and New)."""
        store, me = self.context.store, self.context.user.employee_id

        def reports(_control: Any) -> list[Person]:
            from lcc_apr.ops.people import reports_of

            return reports_of(store, manager_id=me)

        self.runner.read(reports, on_done=self._choose, name="reports")

    def _choose(self, team: list[Person]) -> None:
        if not team:
            self.message("New records are started for people you manage.")
            return
        names = [p.name for p in team]
        name, ok = QtWidgets.QInputDialog.getItem(
            self.parent, "New record", "For whom?", names, 0, False
        )
        if ok:
            self.open_employee(team[names.index(name)].employee_id)

    def show_conflicts(self) -> QtWidgets.QDialog:
        from .conflicts import ConflictsList

        dialog = QtWidgets.QDialog(self.parent)
        dialog.setWindowTitle("Changed on both sides")
        dialog.setAccessibleName("Records changed on both sides")
        layout = QtWidgets.QVBoxLayout(dialog)
        conflicts = ConflictsList(
            self.context.store,
            self.context.catalogue,
            runner=self.runner,
            user_id=self.context.user.user_id,
            parent=dialog,
        )
        layout.addWidget(conflicts)
        dialog.resize(800, 400)
        self.keep(dialog)
        return dialog
