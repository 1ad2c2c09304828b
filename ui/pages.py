"""The main window's pages: made when first shown, and which pages each role has.

`Pages` holds them in the navigation's order; `later_pages` says, by role, which pages
follow the first ('Needs my action', made with the window) and how each is made: its
module loads then, not before the window shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from lcc_apr.ops import Changes

from .context import AppContext
from .qt import Qt, QtWidgets
from .settings import Settings
from .tasks import TaskRunner

if TYPE_CHECKING:
    from lcc_apr.ops.people import TeamRow

    from .main_window import WindowActions

Maker = Callable[[], QtWidgets.QWidget]


class Page(Protocol):
    def refresh(self) -> None: ...
    def shows(self, changes: Changes) -> bool: ...
    def focus_filter(self) -> None: ...


class Pages(Mapping[str, QtWidgets.QWidget]):
    """The window's pages by key, in the navigation's order. Each is made when first asked
    for (shown, or reached by a test): until then the stack holds an empty stand-in, so the
    window and its first page show without building or loading the others."""

    def __init__(self, stack: QtWidgets.QStackedWidget, nav: QtWidgets.QWidget) -> None:
        self._stack, self._nav = stack, nav
        self._keys: list[str] = []
        self._makers: dict[str, Callable[[], QtWidgets.QWidget]] = {}
        self._made: dict[str, QtWidgets.QWidget] = {}
        self._stand_ins: dict[str, QtWidgets.QWidget] = {}

    def add(self, key: str, label: str, make: Callable[[], QtWidgets.QWidget]) -> None:
        self._keys.append(key)
        self._makers[key] = make
        stand_in = self._stand_ins[key] = QtWidgets.QWidget()
        stand_in.setAccessibleName(label)
        self._stack.addWidget(stand_in)

    def add_made(self, key: str, page: QtWidgets.QWidget) -> None:
        """A page made with the window (the first): in the stack at once."""
        self._keys.append(key)
        self._made[key] = page
        self._stack.addWidget(page)

    def made(self) -> list[str]:
        """The keys of the pages made so far, in order."""
        return [k for k in self._keys if k in self._made]

    def __getitem__(self, key: str) -> QtWidgets.QWidget:
        page = self._made.get(key)
        if page is None:
            page = self._made[key] = self._makers[key]()
            del self._makers[key]
            index, current = self._keys.index(key), self._stack.currentIndex()
            stand_in = self._stand_ins.pop(key)
            self._stack.insertWidget(index, page)
            self._stack.removeWidget(stand_in)
            stand_in.deleteLater()
            self._stack.setCurrentIndex(current)
            _join_focus_chain(self._nav, page)
        return page

    def __contains__(self, key: object) -> bool:  # without making it
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _join_focus_chain(nav: QtWidgets.QWidget, page: QtWidgets.QWidget) -> None:
    """A page made after the window: Qt puts its controls at the end of the tab order;
    they go right after the navigation, before what followed it."""

    def tabbable(widget: QtWidgets.QWidget) -> bool:
        return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)

    def following(widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
        found = widget.nextInFocusChain()
        return found if found is not None else nav  # the chain is a ring

    inside, widget = [], following(page)
    while widget is not page and page.isAncestorOf(widget):
        inside.append(widget)
        widget = following(widget)
    after = following(nav)
    while after is not nav and (page.isAncestorOf(after) or not tabbable(after)):
        after = following(after)
    chain = [nav, *(w for w in inside if tabbable(w)), after]
    for first, second in zip(chain, chain[1:], strict=False):
        QtWidgets.QWidget.setTabOrder(first, second)


def later_pages(
    c: AppContext, runner: TaskRunner, actions: WindowActions, settings: Settings
) -> list[tuple[str, str, Maker]]:
    """(key, label, maker) of each page after the first, in the navigation's order."""
    store, policy, user = c.store, c.policy, c.user

    def team_with_attendance(today: date, manager_id: int | None) -> list[TeamRow]:
        from lcc_apr.attendance.policy import default_attendance_policy
        from lcc_apr.ops.absence_view import with_attendance
        from lcc_apr.ops.people import team_rows  # the schedule loads in the worker

        rows = team_rows(store, policy=policy, today=today, manager_id=manager_id)
        attendance = default_attendance_policy()
        everyone = manager_id is None
        return with_attendance(store, rows, policy=attendance, today=today, everyone=everyone)

    def people(manager_id: int | None) -> Maker:
        """A manager's team, or HR's everyone (manager_id None)."""

        def make() -> QtWidgets.QWidget:
            from .team_view import NOBODY, TeamView

            mine = manager_id is not None
            page = TeamView(
                title="My team" if mine else "HR: everyone",
                load=lambda today: team_with_attendance(today, manager_id),
                everyone=not mine,
                today=c.today,
                runner=runner,
                attendance=True,
                empty_text="Nobody reports to you in this copy of the records." if mine else NOBODY,
            )
            page.open_employee.connect(actions.open_employee)
            if actions.open_absences is not None:
                page.open_absences.connect(actions.open_absences)
            return page

        return make

    def listing(module: str, name: str) -> Maker:
        """A page listing records, Enter opening one."""

        def make() -> QtWidgets.QWidget:
            page = getattr(import_module(module, __package__), name)(context=c, runner=runner)
            page.open_record.connect(actions.open_record)
            return page  # type: ignore[no-any-return]

        return make

    def mi() -> QtWidgets.QWidget:
        from .mi.page import MiPage

        return MiPage(context=c, runner=runner, settings=settings)

    def audit() -> QtWidgets.QWidget:
        from .hr_audit import AuditView

        return AuditView(context=c, runner=runner)

    found: list[tuple[str, str, Maker]] = []
    if user.is_manager and user.employee_id is not None:
        found.append(("team", "My team", people(user.employee_id)))
    found.append(("own", "My own records", listing(".own_records", "OwnRecordsView")))
    if user.is_hr:
        from .hr_intake import TITLE as INTAKE

        found.append(("hr", "HR", people(None)))
        found.append(("records", "All records", listing(".all_records", "AllRecordsView")))
        found.append(("intake", INTAKE, listing(".hr_intake", "HrIntakeView")))
    from lcc_apr.ops.mi_access import may_see_mi  # not ops.mi: its measures load later

    if may_see_mi(user):  # HR and managers; staff have no such page
        from .mi import TITLE as MI_TITLE

        found.append(("mi", MI_TITLE, mi))
    if user.is_hr:  # HR's audit viewer (the server's log: read when HR asks)
        found.append(("audit", "Audit", audit))
    return found
