"""A manager's absences screens: recording from the team page, the person's list, the team
page's attendance columns as the schedule computes them, bad input, keyboard, names."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.models import Employee, User
from lcc_apr.ops.absences import absences_of
from lcc_apr.schedule.attendance import attendance_due_for
from ui.absence_form import AbsenceForm
from ui.absences import AbsencesDialog
from ui.app import build_window
from ui.qt import Qt, QtWidgets
from ui.team_attendance import KEEPING_IN_TOUCH, RETURN_TO_WORK, TITLES, TRIGGER, words

from .conftest import AS_OF, MANAGER, context_for

POLICY = default_attendance_policy()
OVERLAP = "It overlaps the absence already recorded"


def free_report(store, *, since: date) -> int:
    """A report of the manager with no episode reaching `since` or later."""
    with store.session() as s:
        me = s.scalars(select(User.employee_id).where(User.username == MANAGER)).one()
        reports = sorted(s.scalars(select(Employee.id).where(Employee.line_manager_id == me)))
    for person in reports:
        rows = absences_of(store, employee_id=person, policy=POLICY)
        if all(r.last_day is not None and r.last_day < since for r in rows):
            return person
    raise AssertionError("no report free of absences")


@pytest.fixture
def window(qtbot, demo_store_copy, settings, runner):
    built = build_window(context_for(demo_store_copy, MANAGER), settings=settings, runner=runner)
    qtbot.addWidget(built)
    built.show_page("team")
    return built


def team_row(team, person: int) -> int:
    model = team.model
    return next(r for r in range(model.rowCount()) if model.row(r).employee_id == person)


def cell(team, person: int, title: str) -> str:
    column = [c.title for c in team.model.columns].index(title)
    return team.model.index(team_row(team, person), column).data()


def open_absences(window, person: int) -> AbsencesDialog:
    team = window.pages["team"]
    team.table.setCurrentIndex(team.model.index(team_row(team, person), 0))
    assert team.absences_button.isEnabled()
    team.absences_button.click()
    return next(w for w in window.windows.open if isinstance(w, AbsencesDialog))


def fill(form: AbsenceForm, first: date, last: date | None, reason: int = 2) -> None:
    form.first_day.set_day(first)
    form.still_off.setChecked(last is None)
    if last is not None:
        form.last_day.set_day(last)
    form.reason.setCurrentIndex(reason)


def test_a_manager_records_an_absence_from_the_team_page(window, demo_store_copy, qtbot):
    first = AS_OF - timedelta(days=40)
    person = free_report(demo_store_copy, since=first)
    team = window.pages["team"]
    assert cell(team, person, TITLES[KEEPING_IN_TOUCH]) == ""
    dialog = open_absences(window, person)
    before = dialog.model.rowCount()
    dialog.record_button.click()
    form = dialog.form
    assert form is not None and form.isVisible()
    fill(form, first, None)
    form.pregnancy.setChecked(True)
    form.save_button.click()
    assert not form.isVisible()
    # it appears in the person's list, newest first, still off
    assert dialog.model.rowCount() == before + 1
    row = dialog.model.rows[0]
    assert (row.first_day, row.last_day, row.reason_code) == (first, None, POLICY.reasons[2].code)
    assert row.pregnancy_related and not row.disability_related
    assert dialog.model.index(0, 1).data() == "Still off"
    assert "recorded" in dialog.message.text()
    # the team page shows what the schedule computes: long-term absence, keep in touch
    with demo_store_copy.session() as s:
        items = attendance_due_for(s, POLICY, today=AS_OF, rtw_held={}, employee_ids=[person])
    (kit,) = [i for i in items[person] if i.topic == KEEPING_IN_TOUCH]
    qtbot.waitUntil(lambda: cell(team, person, TITLES[KEEPING_IN_TOUCH]) != "")  # refreshed
    assert cell(team, person, TITLES[KEEPING_IN_TOUCH]) == words(kit, AS_OF)
    assert "Off (5 weeks), next by" in cell(team, person, TITLES[KEEPING_IN_TOUCH])


def test_ending_it_makes_the_return_to_work_interview_outstanding(window, demo_store_copy, qtbot):
    first = AS_OF - timedelta(days=6)
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=400))
    team = window.pages["team"]
    dialog = open_absences(window, person)
    dialog.record_button.click()
    fill(dialog.form, first, None)
    dialog.form.save_button.click()
    qtbot.wait(10)  # the team page's refresh
    assert cell(team, person, TITLES[RETURN_TO_WORK]) == ""
    dialog.table.selectRow(0)
    assert dialog.end_button.isEnabled()
    dialog.end_button.click()
    form = dialog.form
    assert not form.first_day.isEnabled() and form.last_day.isEnabled()
    form.last_day.set_day(AS_OF - timedelta(days=2))
    form.save_button.click()
    assert dialog.model.rows[0].last_day == AS_OF - timedelta(days=2)
    with demo_store_copy.session() as s:
        items = attendance_due_for(s, POLICY, today=AS_OF, rtw_held={}, employee_ids=[person])
    (rtw,) = [i for i in items[person] if i.topic == RETURN_TO_WORK]
    qtbot.waitUntil(lambda: cell(team, person, TITLES[RETURN_TO_WORK]) != "")
    assert cell(team, person, TITLES[RETURN_TO_WORK]) == words(rtw, AS_OF) == "Due soon (in 2 days)"
    assert not [i for i in items[person] if i.topic == TRIGGER]
    assert cell(team, person, TITLES[TRIGGER]) == ""
    # two more short spells in the window: the trigger point (3 episodes) is reached
    for days_ago in (30, 20):
        dialog.record_button.click()
        start = AS_OF - timedelta(days=days_ago)
        fill(dialog.form, start, start)
        dialog.form.save_button.click()
    with demo_store_copy.session() as s:
        items = attendance_due_for(s, POLICY, today=AS_OF, rtw_held={}, employee_ids=[person])
    (reached,) = [i for i in items[person] if i.topic == TRIGGER]
    qtbot.waitUntil(lambda: cell(team, person, TITLES[TRIGGER]) != "")
    assert cell(team, person, TITLES[TRIGGER]) == words(reached, AS_OF)
    assert cell(team, person, TITLES[TRIGGER]).startswith("Reached (3 episodes")


def test_correcting_and_withdrawing(window, demo_store_copy):
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    dialog = open_absences(window, person)
    before = dialog.model.rowCount()
    dialog.record_button.click()
    fill(dialog.form, AS_OF - timedelta(days=10), AS_OF - timedelta(days=9))
    dialog.form.save_button.click()
    dialog.table.selectRow(0)
    dialog.correct_button.click()
    form = dialog.form
    assert form.first_day.day() == AS_OF - timedelta(days=10)  # as held
    form.disability.setChecked(True)
    form.save_button.click()
    assert dialog.model.rows[0].disability_related
    assert dialog.model.index(0, 3).data() == "Disability-related"
    dialog.table.selectRow(0)
    dialog.confirm_withdraw = lambda parent, row, name: False
    dialog.withdraw_button.click()
    assert dialog.model.rowCount() == before + 1  # cancelled: kept
    dialog.confirm_withdraw = lambda parent, row, name: True
    dialog.withdraw_button.click()
    assert dialog.model.rowCount() == before
    assert "withdrawn" in dialog.message.text()


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (AS_OF - timedelta(days=3), AS_OF - timedelta(days=5), "The last day of absence is before"),
        (AS_OF + timedelta(days=2), None, "The absence starts after today"),
        (AS_OF - timedelta(days=8), AS_OF - timedelta(days=7), OVERLAP),
    ],
)
def test_bad_input_shows_the_cores_message_and_keeps_every_field(
    window, demo_store_copy, first, last, message
):
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    dialog = open_absences(window, person)
    dialog.record_button.click()
    fill(dialog.form, AS_OF - timedelta(days=9), None)  # still off: overlaps what follows
    dialog.form.save_button.click()
    count = dialog.model.rowCount()
    dialog.record_button.click()
    form = dialog.form
    fill(form, first, last, reason=4)
    form.disability.setChecked(True)
    form.save_button.click()
    assert form.isVisible()
    assert form.message.isVisibleTo(form) and form.message.text().startswith(message)
    assert form.values() == {
        "first_day": first,
        "last_day": last,
        "reason": POLICY.reasons[4].code,
        "disability_related": True,
        "pregnancy_related": False,
    }
    assert dialog.model.rowCount() == count  # nothing recorded
    fill(form, AS_OF - timedelta(days=20), AS_OF - timedelta(days=19), reason=4)
    form.save_button.click()  # put right, it saves
    assert not form.isVisible() and dialog.model.rowCount() == count + 1


def test_keyboard_only_enter_never_saves_from_a_field_escape_cancels(
    window, demo_store_copy, qtbot
):
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    dialog = open_absences(window, person)
    dialog.show()
    qtbot.waitExposed(dialog)
    count = dialog.model.rowCount()
    assert dialog.record_button.hasFocus() or dialog.focusWidget() is dialog.record_button
    qtbot.keyClick(dialog.record_button, Qt.Key.Key_Return)  # Enter on the button opens it
    form = dialog.form
    assert form is not None
    qtbot.waitExposed(form)
    assert form.focusWidget() is form.first_day.edit
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Enter in the fields saves nothing
        qtbot.keyClick(form.first_day.edit, key)
        qtbot.keyClick(form.reason, key)
        qtbot.keyClick(form.disability, key)
    assert form.isVisible() and dialog.model.rowCount() == count
    # Tab walks the form in order and reaches Save (the last day is off: still off)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.first_day.setFocus()
    order = [form.first_day.edit]
    for _ in range(6):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QtWidgets.QApplication.focusWidget())
    want = [form.first_day.edit, form.still_off, form.reason, form.disability, form.pregnancy]
    assert order[:7] == [*want, form.save_button, form.cancel_button]
    for key, widget in ((Qt.Key.Key_F, form.first_day.edit), (Qt.Key.Key_R, form.reason)):
        qtbot.keyClick(form.save_button, key, Qt.KeyboardModifier.AltModifier)  # mnemonics
        assert QtWidgets.QApplication.focusWidget() is widget
    form.save_button.setFocus()
    qtbot.keyClick(form.save_button, Qt.Key.Key_Return)
    assert not form.isVisible() and dialog.model.rowCount() == count + 1
    # Escape cancels a form, saving nothing
    qtbot.keyClick(dialog.record_button, Qt.Key.Key_Return)
    second = dialog.form
    qtbot.waitExposed(second)
    qtbot.keyClick(second.first_day.edit, Qt.Key.Key_Escape)
    assert not second.isVisible() and dialog.model.rowCount() == count + 1
    # Enter on the list opens and creates nothing; Escape closes the dialog
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert dialog.form is None and dialog.isVisible()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_every_control_has_an_accessible_name(window, demo_store_copy):
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    dialog = open_absences(window, person)
    dialog.record_button.click()
    for parent in (dialog, dialog.form):
        controls = parent.findChildren(QtWidgets.QAbstractButton)
        controls += parent.findChildren(QtWidgets.QAbstractSpinBox)
        controls += parent.findChildren(QtWidgets.QComboBox)
        controls += parent.findChildren(QtWidgets.QLineEdit)
        controls += parent.findChildren(QtWidgets.QAbstractItemView)
        unnamed = [
            w
            for w in controls
            if w.isVisibleTo(parent)
            and not isinstance(w, QtWidgets.QHeaderView)  # the table's own
            and not w.accessibleName().strip()
        ]
        assert not unnamed, unnamed
    assert "not counted towards attendance trigger points" in dialog.form.note.text()
    assert dialog.form.disability.accessibleDescription() == dialog.form.note.text()


def test_the_employees_records_window_opens_their_absences(window, demo_store_copy):
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    records = window.windows.open_employee(person)
    assert records.absences_button.isVisibleTo(records)
    records.absences_button.click()
    found = [w for w in window.windows.open if isinstance(w, AbsencesDialog)]
    assert [w.employee_id for w in found] == [person]
    assert found[0].record_button.isEnabled()
    records.absences_button.click()  # again: the same window, raised
    assert len([w for w in window.windows.open if isinstance(w, AbsencesDialog)]) == 1


def test_focus_starts_on_record_and_enter_works_before_the_list_arrives(
    qtbot, demo_store_copy, threaded_runner
):
    """The list is read in a worker. The Record button is on from the start and has the
    focus; pressed before the list comes, the form opens when it does (found in a real X
    window: the button was off at first, the focus went to the list and Enter did nothing)."""
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    dialog = AbsencesDialog(context_for(demo_store_copy, MANAGER), threaded_runner, person)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.page is None  # nothing read yet
    assert dialog.focusWidget() is dialog.record_button
    qtbot.keyClick(dialog.record_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.form is not None, timeout=5000)
    assert dialog.form.mode == "record" and dialog.focusWidget() is dialog.record_button


def test_saving_in_a_worker_and_escape_while_it_runs(qtbot, demo_store_copy, threaded_runner):
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    dialog = AbsencesDialog(context_for(demo_store_copy, MANAGER), threaded_runner, person)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.page is not None, timeout=5000)
    count = dialog.model.rowCount()
    form = dialog.open_form("record")
    qtbot.waitExposed(form)
    fill(form, AS_OF - timedelta(days=4), AS_OF - timedelta(days=3))
    form.save_button.click()
    form.reject()  # Escape while the write runs: the save finishes first
    assert form.isVisible()
    qtbot.waitUntil(lambda: dialog.form is None, timeout=5000)  # saved, closed
    qtbot.waitUntil(lambda: dialog.model.rowCount() == count + 1, timeout=5000)
    assert dialog.model.rows[0].first_day == AS_OF - timedelta(days=4)


def test_dates_are_typed_day_first_and_a_non_date_is_said_and_kept(window, demo_store_copy, qtbot):
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=30))
    dialog = open_absences(window, person)
    count = dialog.model.rowCount()
    dialog.record_button.click()
    form = dialog.form
    form.first_day.edit.selectAll()
    qtbot.keyClicks(form.first_day.edit, "05/11/2026")
    assert form.first_day.day() == date(2026, 11, 5)
    form.first_day.edit.setText("31/11/2026")  # no such day
    form.save_button.click()
    assert form.isVisible() and form.message.text().startswith("The first day is not a date")
    assert form.first_day.edit.text() == "31/11/2026"  # as typed
    assert dialog.model.rowCount() == count
    form.first_day.edit.setText("2 Nov 26")
    form.save_button.click()
    assert dialog.model.rows[0].first_day == date(2026, 11, 2)


def test_starting_the_return_to_work_interview_settles_it_on_the_team_page(
    window, demo_store_copy, qtbot
):
    """Issue 19: the manager ends an absence, the team page says the return-to-work
    interview is due; starting that interview's record (the editor's own tests fill and
    sign it) takes it off, as the schedule reads the interviews from their records."""
    from datetime import UTC, datetime

    from lcc_apr.forms import Catalogue
    from lcc_apr.models import RecordKind
    from lcc_apr.ops.records import start_record

    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=400))
    team = window.pages["team"]
    dialog = open_absences(window, person)
    dialog.record_button.click()
    fill(dialog.form, AS_OF - timedelta(days=6), AS_OF - timedelta(days=2))
    dialog.form.save_button.click()
    qtbot.waitUntil(lambda: cell(team, person, TITLES[RETURN_TO_WORK]) != "")
    dialog.close()

    context = window.context
    started = []
    window.runner.write(
        lambda _control: start_record(
            context.store,
            user=context.user,
            kind=RecordKind.RETURN_TO_WORK,
            subject_id=person,
            catalogue=Catalogue.load(),
            policy=context.policy,
            today=AS_OF,
            at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        ),
        on_done=started.append,
    )
    qtbot.waitUntil(lambda: bool(started))
    qtbot.waitUntil(lambda: cell(team, person, TITLES[RETURN_TO_WORK]) == "")
