"""HR's everyone page with the team page's attendance columns (issue 19): the schedule's
items for everyone, the Absences… button (named, reached by Tab and by Alt+A), and a
welfare contact recorded moving the next contact on the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.schedule.attendance import attendance_due_for
from ui.app import build_window
from ui.qt import Qt
from ui.team_attendance import KEEPING_IN_TOUCH, TITLES, words

from .conftest import AS_OF, HR, context_for
from .test_main_window import shown
from .test_team_view import texts, urgent_of

POLICY = default_attendance_policy()


@pytest.fixture
def window(qtbot, demo_store_copy, settings, runner):
    built = build_window(context_for(demo_store_copy, HR), settings=settings, runner=runner)
    qtbot.addWidget(built)
    built.show_page("hr")
    return built


def test_hr_everyone_shows_the_attendance_columns_as_the_schedule_computes_them(window):
    page = window.pages["hr"]
    model = page.model
    titles = [c.title for c in model.columns]
    at = titles.index("Most urgent")
    assert titles[at + 1 : at + 4] == list(TITLES.values())  # as on the manager's team page
    assert "Department" in titles and "Payroll no." in titles
    assert "Welfare contact" not in titles  # prompted by absences: the column above says it
    ids = [model.row(r).employee_id for r in range(model.rowCount())]
    assert len(ids) == 50
    with window.context.store.session() as s:
        expected = attendance_due_for(s, POLICY, today=AS_OF)
    assert expected  # the demo has some: the test can fail
    for topic, title in TITLES.items():
        want = []
        for person in ids:
            items = [i for i in expected.get(person, []) if i.topic == topic]
            want.append(words(urgent_of(items), AS_OF) if items else "")
        assert texts(model, title) == want
    # every cell of them has an accessible text, the empty ones saying so
    for title in TITLES.values():
        column = titles.index(title)
        for r in range(model.rowCount()):
            name = model.index(r, column).data(Qt.ItemDataRole.AccessibleTextRole)
            assert name and (name != f"{title}: nothing due" or not texts(model, title)[r])


def test_hr_reaches_the_absences_button_by_keyboard_and_it_is_named(window, qtbot):
    page = window.pages["hr"]
    button = page.absences_button
    assert button is not None and not button.isEnabled()
    assert button.accessibleName() == "Absences of the chosen person"
    assert button.accessibleDescription() and button.toolTip()
    shown(qtbot, window)
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)  # the first row becomes current
    assert button.isEnabled()
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert button.hasFocus()
    person = page.model.row(page.table.currentIndex().row()).employee_id
    opened = []
    page.open_absences.disconnect()
    page.open_absences.connect(opened.append)
    qtbot.keyClick(button, Qt.Key.Key_Space)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # its mnemonic
    qtbot.waitUntil(lambda: len(opened) == 2)  # a mnemonic clicks after a moment
    assert opened == [person, person]


def test_a_welfare_contact_recorded_moves_the_next_contact_on_the_hr_page(window, qtbot):
    """HR records that someone has been off six weeks: the page prompts keeping in touch;
    once a welfare contact is recorded (a draft counts), it says when the next is due."""
    from lcc_apr.forms import Catalogue
    from lcc_apr.models import RecordKind
    from lcc_apr.ops.absences import absences_of, record_absence
    from lcc_apr.ops.records import start_record

    page = window.pages["hr"]
    model = page.model
    column = [c.title for c in model.columns].index(TITLES[KEEPING_IN_TOUCH])
    context = window.context
    store, since = context.store, AS_OF - timedelta(days=60)
    person = next(
        model.row(r).employee_id
        for r in range(model.rowCount())
        if model.row(r).employee_id != context.user.employee_id
        and all(
            a.last_day is not None and a.last_day < since
            for a in absences_of(store, employee_id=model.row(r).employee_id, policy=POLICY)
        )
    )

    def cell() -> str:
        row = next(r for r in range(model.rowCount()) if model.row(r).employee_id == person)
        return model.index(row, column).data()

    done = []
    window.runner.write(
        lambda _control: record_absence(
            store,
            user=context.user,
            employee_id=person,
            first_day=AS_OF - timedelta(days=42),
            last_day=None,
            reason="mental_health",
            today=AS_OF,
            policy=POLICY,
        ),
        on_done=done.append,
    )
    qtbot.waitUntil(lambda: bool(done) and cell() != "")
    assert cell().startswith("Off (6 weeks), next by") and "last contact" not in cell()
    window.runner.write(
        lambda _control: start_record(
            store,
            user=context.user,
            kind=RecordKind.WELFARE_CONTACT,
            subject_id=person,
            catalogue=Catalogue.load(),
            policy=context.policy,
            today=AS_OF,
            at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        ),
        on_done=done.append,
    )
    qtbot.waitUntil(lambda: "last contact" in cell())
    # contacted today (the form's date starts at today): the next in two weeks
    assert cell() == f"Off (6 weeks), next by {AS_OF + timedelta(weeks=2):%d %b} " + (
        f"(last contact {AS_OF:%d %b})"
    )
