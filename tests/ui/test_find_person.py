"""Find a person from anywhere (Ctrl+K): name, payroll number or job, within the scope of
whoever asks; Enter opens their profile with their details, manager and every record."""

from __future__ import annotations

from ui.app import build_window
from ui.find_person import FindPersonDialog
from ui.profile import ProfileWindow
from ui.qt import Qt, QtGui

from .conftest import EMPLOYEE, HR, MANAGER


def window_for(qtbot, make_context, runner, settings, username: str):
    window = build_window(make_context(username), settings=settings, runner=runner)
    qtbot.addWidget(window)
    return window


def find(qtbot, window, text: str) -> FindPersonDialog:
    action = window.actions_by_name["find_person"]
    assert action.shortcut() == QtGui.QKeySequence("Ctrl+K")
    action.trigger()
    dialog = next(w for w in window.windows.open if isinstance(w, FindPersonDialog))
    qtbot.keyClicks(dialog.text, text)
    dialog.search()  # the typing pause, passed at once
    return dialog


def test_ctrl_k_finds_a_report_and_enter_opens_their_profile(qtbot, make_context, runner, settings):
    window = window_for(qtbot, make_context, runner, settings, MANAGER)
    dialog = find(qtbot, window, "deb lloyd")
    assert [p.name for p in dialog.found] == ["Deborah Lloyd-Davies"]
    row = dialog.list.topLevelItem(0)
    assert [row.text(c) for c in range(3)] == [
        "Deborah Lloyd-Davies",
        "14241950",
        "Facilities Assistant",
    ]
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    profile = next(w for w in window.windows.open if isinstance(w, ProfileWindow))
    assert profile.heading.text() == "Deborah Lloyd-Davies"
    assert profile.values["Line manager"].text() == "Renée Tebbutt"
    assert profile.values["Payroll number"].text() == "14241950"
    assert profile.table.rowCount() == len(profile.profile.records) > 10
    profile.table.activated.emit(profile.table.model().index(0, 0))
    editor = window.windows.open[-1]  # inline runner: the record loaded at once
    assert editor.session.record_id == profile.profile.records[0].id


def test_the_search_keeps_to_whom_the_person_may_see(qtbot, make_context, runner, settings):
    manager = window_for(qtbot, make_context, runner, settings, MANAGER)
    dialog = find(qtbot, manager, "Will Roberts")
    assert dialog.found == [] and dialog.list.topLevelItemCount() == 0
    assert dialog.status.text() == "Nobody you can see matches “Will Roberts”."
    hr = window_for(qtbot, make_context, runner, settings, HR)
    dialog = find(qtbot, hr, "reablement support")
    assert [p.name for p in dialog.found] == ["Gillian Cooper", "Susan King", "Will Roberts"]
    staff = window_for(qtbot, make_context, runner, settings, EMPLOYEE)
    assert [p.name for p in find(qtbot, staff, "r").found] == ["Ryan Robinson"]


def test_a_profile_outside_the_scope_says_so(qtbot, make_context, runner):
    profile = ProfileWindow(make_context(MANAGER), runner, 26)  # Will Roberts: not hers
    qtbot.addWidget(profile)
    assert profile.heading.text() == "Profile not shown"
    assert "not in the people you can see" in profile.message.text()
    assert profile.table.rowCount() == 0


def test_staff_find_only_themselves(qtbot, make_context, runner, settings):
    window = window_for(qtbot, make_context, runner, settings, EMPLOYEE)
    window.actions_by_name["find_person"].trigger()
    dialog = next(w for w in window.windows.open if isinstance(w, FindPersonDialog))
    dialog.text.setText("robinson")
    dialog.search()
    assert [p.name for p in dialog.found] == ["Ryan Robinson"]  # staff: only themselves
