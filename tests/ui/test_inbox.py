"""The 'Needs my action' page: first in the navigation with its count, opening what each
item is about with Enter, its empty state, and the notice a sync's new items bring."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from lcc_apr.models import Conflict, Record, RecordKind
from ui.app import build_window
from ui.inbox import EMPTY, InboxView, notice_text
from ui.qt import Qt, QtWidgets

from .conftest import EMPLOYEE, HR, MANAGER, context_for


@pytest.fixture
def window_for(qtbot, demo_store_copy, settings, runner):
    def build(username: str):
        window = build_window(
            context_for(demo_store_copy, username), settings=settings, runner=runner
        )
        qtbot.addWidget(window)
        return window

    return build


def employees_apr(store, employee_id: int) -> str:
    with store.session() as s:
        return s.scalars(
            select(Record.id).where(
                Record.subject_id == employee_id,
                Record.kind == RecordKind.APR,
                Record.status == "shared",
            )
        ).one()


def set_status(store, record_id: str, status: str) -> None:
    with store.session() as s:
        s.get(Record, record_id).status = status


def test_the_page_comes_first_with_its_count_and_lists_what_waits(window_for):
    window = window_for(EMPLOYEE)
    assert window.current_page() == "inbox"
    assert window.nav.item(0).text() == "Needs my action (1)"
    page = window.pages["inbox"]
    assert [i.text for i in page.items()] == ["Respond to and sign your Annual Performance Review"]
    assert page.summary.text() == "1 item waits for you."
    assert window.actions_by_name["page_inbox"].shortcut().toString() == "Ctrl+1"


def test_enter_opens_the_record_the_person_or_the_conflicts(qtbot, demo_store_copy, runner):
    with demo_store_copy.session() as s:
        some = s.scalars(select(Record.id)).first()
        s.add(Conflict(record_id=some, fields=["x"], created_at=datetime(2026, 11, 29, tzinfo=UTC)))
    page = InboxView(context=context_for(demo_store_copy, MANAGER), runner=runner)
    qtbot.addWidget(page)
    opened: list[object] = []
    page.open_record.connect(lambda rid: opened.append(("record", rid)))
    page.open_employee.connect(lambda eid: opened.append(("employee", eid)))
    page.open_conflicts.connect(lambda: opened.append("conflicts"))
    page.refresh()
    page.show()
    rows = page._rows()
    assert {page.item_at(r).group for r in rows} >= {"mine", "conflict", "due"}
    for row in rows:
        page.tree.setCurrentItem(row)
        page.tree.setFocus()
        qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    item = page.item_at
    expected = [
        "conflicts"
        if item(r).group == "conflict"
        else ("record", item(r).record_id)
        if item(r).record_id
        else ("employee", item(r).employee_id)
        for r in rows
    ]
    assert opened == expected and ("employee", item(rows[-1]).employee_id) in opened


def test_nothing_waiting_says_so(window_for):
    page = window_for(HR).pages["inbox"]  # nothing waits for HR in the demo
    assert page.items() == [] and page.summary.text() == EMPTY


def test_the_filter_narrows_the_list(qtbot, window_for):
    page = window_for(MANAGER).pages["inbox"]
    everything = page.items()
    page.filter_box.setText("supervision")
    assert page.items() and len(page.items()) < len(everything)
    assert all("supervision" in i.text.casefold() for i in page.items())
    page.filter_box.setText("")
    assert page.items() == everything


def test_a_sync_with_new_items_brings_a_notice_without_names(qtbot, window_for, settings):
    window = window_for(MANAGER)
    notices: list[int] = []
    window.notifier = notices.append
    store = window.context.store
    employee = context_for(store, EMPLOYEE).user
    before = window.nav.item(0).text()
    window.status.synced.emit(object())  # a sync that brought nothing new
    assert notices == []
    set_status(store, employees_apr(store, employee.employee_id), "employee_signed")
    window.status.synced.emit(object())
    assert notices == [2]  # the countersignature, and the review's mid-year (APR form v2)
    assert window.nav.item(0).text() != before
    assert notice_text(1) == "1 new item needs your action in LCC APR"
    assert notice_text(2) == "2 new items need your action in LCC APR"
    assert employee.display_name not in notice_text(1)
    settings.set("notify/new_items", 0)  # turned off in Settings
    with store.session() as s:
        s.add(
            Conflict(
                record_id=s.scalars(select(Record.id)).first(),
                fields=["x"],
                created_at=datetime(2026, 11, 29, tzinfo=UTC),
            )
        )
    window.status.synced.emit(object())
    assert notices == [2]


def test_the_tray_notifier_shows_nothing_without_a_tray(qtbot, monkeypatch):
    from ui.inbox import TrayNotifier

    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    monkeypatch.setattr(
        QtWidgets.QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False)
    )
    notifier = TrayNotifier(parent)
    assert notifier(2) is False and notifier.tray is None


def test_my_own_records_stop_saying_overdue_once_i_signed(qtbot, window_for):
    """Defect: the staff page still said 'Overdue' for the APR after the employee signed."""
    from lcc_apr.ops.changes import moved

    window = window_for(EMPLOYEE)
    window.show_page("own")
    due = window.pages["own"].due
    assert "APR 2026/27 (shared): Overdue" in due.text()
    me = window.context.user.employee_id
    record_id = employees_apr(window.context.store, me)
    set_status(window.context.store, record_id, "employee_signed")
    window.apply_changes(moved([record_id], [me]))  # as signing reports it
    qtbot.waitUntil(lambda: "APR 2026/27 (shared)" not in due.text(), timeout=2000)
    assert "APR 2027/28: Due 30 Jun 2027" in due.text()
    # Held in May on APR form v2: its mid-year review is the manager's to arrange.
    assert "Mid-year review (APR 2026/27): Overdue" in due.text()
    assert window.nav.item(0).text() == "Needs my action (0)"


def test_the_columns_keep_their_widths_when_the_items_come(qtbot, demo_store_copy, settings):
    """The window shows before the store is read (issue 17): the columns are laid out for
    the items before they come, so nothing moves when they do."""
    from ui.tasks import TaskRunner

    runner, held = TaskRunner(inline=True), []
    runner.read = lambda work, **kw: held.append((work, kw))  # type: ignore[method-assign]
    window = build_window(context_for(demo_store_copy, MANAGER), settings=settings, runner=runner)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    page = window.pages["inbox"]
    header = page.tree.header()
    before = [header.sectionSize(c) for c in range(2)]
    assert page.summary.text() == "Loading…" and before[0] > before[1] > 0
    for work, kw in held:  # the reads run now, their answers arrive
        if kw.get("name") == "inbox":
            kw["on_done"](work(None))
    assert len(page.items()) > 1 and page.summary.text() != "Loading…"
    assert [header.sectionSize(c) for c in range(2)] == before
    widest = max(page.tree.fontMetrics().horizontalAdvance(r.text(1)) for r in page._rows())
    assert widest < before[1]  # every "when" fits


def test_the_list_kept_shows_first_and_the_same_read_leaves_it_as_it_is(
    qtbot, demo_store_copy, runner, monkeypatch
):
    """A later start: the list the page last showed (kept in the store) shows while the
    store opens; the store's read, the same list, leaves the rows as they are (nothing
    flickers) and keeps nothing again; a changed read is kept for the next start."""
    from lcc_apr.ops import glance
    from lcc_apr.ops.inbox_items import Inbox, from_bytes

    context = context_for(demo_store_copy, MANAGER)
    first = InboxView(context=context, runner=runner)  # the inline runner: read, kept
    qtbot.addWidget(first)
    first.refresh()
    read = first.inbox
    assert read is not None and len(read) > 1
    with demo_store_copy.session() as s:
        user_id, as_of, items = s.execute(text("SELECT user_id, as_of, items FROM glances")).one()
    assert (user_id, as_of) == (context.user.user_id, context.today().isoformat())
    assert from_bytes(items) == read

    kept: list[Inbox] = []
    monkeypatch.setattr(glance, "keep", lambda store, **kw: kept.append(kw["inbox"]))
    later = InboxView(context=context, runner=runner)
    qtbot.addWidget(later)
    later.glimpse(read)
    assert [i.text for i in later.items()] == [i.text for i in read.items]
    waiting = f"{len(read)} items wait for you."
    assert later.summary.text() == waiting  # found in a real window: it said "Nothing..."
    marked = later._rows()[0]
    marked.setData(1, Qt.ItemDataRole.UserRole, "the row shown first")
    later.refresh()  # the store's read: the same list
    assert later._rows()[0].data(1, Qt.ItemDataRole.UserRole) == "the row shown first"
    assert later.summary.text() == waiting
    assert kept == []
    later.glimpse(Inbox(read.items[:1]))  # too late: the store's read is shown
    assert len(later.items()) == len(read)

    waiting = next(i.record_id for i in read.items if i.record_id)
    set_status(demo_store_copy, waiting, "archived")  # the records change: read, kept again
    later.refresh()
    assert later.inbox != read and kept == [later.inbox]
