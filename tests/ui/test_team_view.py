"""'My team': exactly the manager's reports, the schedule's items, sort, filter, words."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from lcc_apr.models import Employee, RecordKind
from lcc_apr.ops.people import team_rows
from lcc_apr.schedule import DueItem, DueState, due_for
from ui.qt import Qt
from ui.team_view import DueTableModel, TeamView, item_text, state_text

from .conftest import AS_OF, POLICY

STATE_WORDS = re.compile(
    r"^(Overdue \(\d+ days?\)|Due soon \((in \d+ days?|today)\)|Due \d+ \w+ \d{4})$"
)


def manager_employee_id(store, username="rtebbutt") -> int:
    from lcc_apr.models import User

    with store.session() as s:
        return s.scalars(select(User.employee_id).where(User.username == username)).one()


@pytest.fixture
def team(qtbot, demo_store, runner):
    me = manager_employee_id(demo_store)
    view = TeamView(
        title="My team",
        load=lambda today: team_rows(demo_store, policy=POLICY, today=today, manager_id=me),
        today=lambda: AS_OF,
        runner=runner,
    )
    qtbot.addWidget(view)
    view.refresh()
    return view


def column(model: DueTableModel, title: str) -> int:
    return [c.title for c in model.columns].index(title)


def texts(model: DueTableModel, title: str) -> list[str]:
    c = column(model, title)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def test_the_rows_are_exactly_the_managers_reports_with_due_fors_items(team, demo_store):
    me = manager_employee_id(demo_store)
    with demo_store.session() as s:
        reports = set(s.scalars(select(Employee.id).where(Employee.line_manager_id == me)))
        expected = due_for(s, POLICY, today=AS_OF, employee_ids=reports)
    model = team.model
    shown = {model.row(r).employee_id: model.row(r).items for r in range(model.rowCount())}
    assert len(reports) == 10
    assert set(shown) == reports
    assert shown == {k: tuple(v) for k, v in expected.items()}
    ids = {model.index(r, 0).data(DueTableModel.EMPLOYEE_ID) for r in range(model.rowCount())}
    assert ids == reports
    assert "10 people" in team.summary.text()


def test_each_state_is_written_in_words_not_only_coloured(team):
    model = team.model
    coloured = 0
    for title in ("APR", "Supervision", "Probation", "Capability"):
        c = column(model, title)
        for r in range(model.rowCount()):
            index = model.index(r, c)
            item = model.columns[c].item(model.row(r))
            if item is None:
                assert index.data() == ""
                assert "nothing due" in index.data(Qt.ItemDataRole.AccessibleTextRole)
                continue
            assert STATE_WORDS.match(index.data()), index.data()
            if item.state is not DueState.OK:
                coloured += 1
                assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
                word = "Overdue" if item.state is DueState.OVERDUE else "Due soon"
                assert index.data().startswith(word)
    assert coloured >= 3  # the demo team has overdue APRs and supervisions due soon
    urgent = texts(model, "Most urgent")
    assert any(t.startswith("APR 2026/27") and "Overdue (153 days)" in t for t in urgent)


def test_sorting_by_name_and_by_urgency(team):
    model = team.model
    keys = [row.sort_name for row in model.rows()]  # surname, then the name they go by
    assert keys == sorted(keys) and keys[0][0] <= keys[-1][0]
    names = texts(model, "Name")
    team.table.sortByColumn(column(model, "Name"), Qt.SortOrder.DescendingOrder)
    assert texts(model, "Name") == names[::-1]
    team.table.sortByColumn(column(model, "APR"), Qt.SortOrder.AscendingOrder)
    apr = texts(model, "APR")
    overdue = [t.startswith("Overdue") for t in apr]
    assert overdue == sorted(overdue, reverse=True) and any(overdue)  # overdue first
    team.table.sortByColumn(column(model, "Most urgent"), Qt.SortOrder.AscendingOrder)
    first = model.row(0).most_urgent()
    assert first is not None and first.state is DueState.OVERDUE


def test_the_filter_box_matches_names_jobs_and_states(team, qtbot):
    model = team.model
    qtbot.keyClicks(team.filter_box, "zainab")
    assert texts(model, "Name") == ["Zainab Pankhania"]
    team.filter_box.setText("CLEANER")
    assert texts(model, "Name") == ["Zainab Pankhania"]
    team.filter_box.setText("overdue")
    assert model.rowCount() == 7  # 4 APRs, and 3 mid-year reviews (APR form v2)
    assert all(any(i.state is DueState.OVERDUE for i in r.items) for r in model.rows())
    assert "Showing 7" in team.summary.text()
    team.filter_box.clear()
    assert model.rowCount() == 10


def test_the_show_choice_keeps_only_urgent_rows(team):
    model = team.model
    team.show_box.setCurrentIndex(team.show_box.findData("overdue"))
    assert model.rowCount() == 7  # 4 APRs, and 3 mid-year reviews (APR form v2)
    team.show_box.setCurrentIndex(team.show_box.findData("urgent"))
    assert model.rowCount() == 8  # and a probation review due soon
    team.show_box.setCurrentIndex(team.show_box.findData("all"))
    assert model.rowCount() == 10


def test_double_click_and_enter_open_the_employee(team, qtbot):
    model = team.model
    wanted = model.row(2).employee_id
    team.show()
    rect = team.table.visualRect(model.index(2, 0))
    # An item view only takes a double-click on the index pressed first, as a real one is.
    qtbot.mouseClick(team.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(team.open_employee) as blocker:
        qtbot.mouseDClick(team.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [wanted]
    team.table.setCurrentIndex(model.index(3, 0))
    team.table.setFocus()
    with qtbot.waitSignal(team.open_employee) as blocker:
        qtbot.keyClick(team.table, Qt.Key.Key_Return)
    assert blocker.args == [model.row(3).employee_id]


def test_the_list_is_read_in_a_background_task(qtbot, demo_store, threaded_runner):
    me = manager_employee_id(demo_store)
    view = TeamView(
        title="My team",
        load=lambda today: team_rows(demo_store, policy=POLICY, today=today, manager_id=me),
        today=lambda: AS_OF,
        runner=threaded_runner,
    )
    qtbot.addWidget(view)
    view.refresh()
    assert view.summary.text() == "Loading…"
    qtbot.waitUntil(lambda: view.model.rowCount() == 10, timeout=5000)
    assert "10 people" in view.summary.text()


def test_hr_sees_every_current_employee(qtbot, demo_store, runner):
    rows = team_rows(demo_store, policy=POLICY, today=AS_OF, manager_id=None)
    assert len(rows) == 50
    assert all(r.department for r in rows)


@pytest.mark.parametrize(
    ("state", "due", "text"),
    [
        (DueState.OVERDUE, date(2026, 11, 18), "Overdue (12 days)"),
        (DueState.OVERDUE, date(2026, 11, 29), "Overdue (1 day)"),
        (DueState.DUE_SOON, date(2026, 11, 30), "Due soon (today)"),
        (DueState.DUE_SOON, date(2026, 12, 1), "Due soon (in 1 day)"),
        (DueState.OK, date(2027, 6, 30), "Due 30 Jun 2027"),
    ],
)
def test_state_words(state, due, text):
    assert state_text(DueItem(1, RecordKind.APR, "APR", due, state), AS_OF) == text


# -- attendance (a manager's team) ---------------------------------------------------


@pytest.fixture
def attendance_team(qtbot, demo_store, runner):
    from lcc_apr.attendance.policy import default_attendance_policy
    from lcc_apr.ops.absence_view import with_attendance

    me = manager_employee_id(demo_store)
    policy = default_attendance_policy()

    def load(today):
        rows = team_rows(demo_store, policy=POLICY, today=today, manager_id=me)
        return with_attendance(demo_store, rows, policy=policy, today=today)

    view = TeamView(title="My team", load=load, today=lambda: AS_OF, runner=runner, attendance=True)
    qtbot.addWidget(view)
    return view


def test_the_attendance_columns_show_the_schedules_items(attendance_team, demo_store):
    from lcc_apr.attendance.policy import default_attendance_policy
    from lcc_apr.schedule.attendance import attendance_due_for
    from ui.team_attendance import TITLES, words

    view = attendance_team
    header = view.table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(header.count())]  # before the rows
    view.refresh()
    assert [header.sectionSize(c) for c in range(header.count())] == widths  # nothing jumps
    model = view.model
    ids = [model.row(r).employee_id for r in range(model.rowCount())]
    with demo_store.session() as s:
        expected = attendance_due_for(  # with the demo's return-to-work interviews
            s, default_attendance_policy(), today=AS_OF, employee_ids=ids
        )
    assert expected  # the demo has some: the test can fail
    for topic, title in TITLES.items():
        want = []
        for person in ids:
            items = [i for i in expected.get(person, []) if i.topic == topic]
            want.append(words(urgent_of(items), AS_OF) if items else "")
        assert texts(model, title) == want
    shown = {model.row(r).employee_id: model.row(r).attendance for r in range(len(ids))}
    assert shown == {p: tuple(expected.get(p, ())) for p in ids}
    # "Most urgent" weighs attendance's items with the records' (the most pressing of all)
    most = []
    for r in range(len(ids)):
        row = model.row(r)
        every = [*row.items, *row.attendance]
        most.append(item_text(urgent_of(every), AS_OF) if every else "Nothing due")
    assert texts(model, "Most urgent") == most
    assert any(
        urgent_of([*model.row(r).items, *model.row(r).attendance]) in model.row(r).attendance
        for r in range(len(ids))
    )  # in the demo, someone's most urgent is attendance's: the test can fail


def urgent_of(items):
    from lcc_apr.schedule import SEVERITY

    return min(items, key=lambda i: (SEVERITY[i.state], i.due))


def test_the_absences_button_opens_the_chosen_person(attendance_team, qtbot):
    view = attendance_team
    view.refresh()
    button = view.absences_button
    assert button is not None and not button.isEnabled()  # nobody chosen yet
    assert button.accessibleName() == "Absences of the chosen person"
    view.table.setCurrentIndex(view.model.index(4, 0))
    assert button.isEnabled()
    with qtbot.waitSignal(view.open_absences) as blocker:
        button.click()
    assert blocker.args == [view.model.row(4).employee_id]
    chosen = view.model.row(4).employee_id
    view.refresh()  # the chosen person stays chosen when the rows come again
    assert view.model.row(view.table.currentIndex().row()).employee_id == chosen
    assert button.isEnabled()


def test_a_team_without_attendance_has_no_such_columns_nor_button(team):
    assert team.absences_button is None
    assert "Attendance trigger" not in [c.title for c in team.model.columns]
