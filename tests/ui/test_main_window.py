"""The main window: navigation by role, menus and shortcuts, accessibility, geometry, themes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lcc_apr.models import Record
from ui.about import AboutDialog, versions
from ui.app import build_window
from ui.qt import QSettings, Qt, QtGui, QtWidgets
from ui.settings import Settings
from ui.tasks import TaskRunner
from ui.theme import is_dark, system_point_size

from .conftest import ADMIN, EMPLOYEE, HR, MANAGER


@pytest.fixture
def window_for(qtbot, make_context, settings, runner):
    def build(username: str, **kw):
        window = build_window(
            make_context(username),
            settings=kw.pop("settings", settings),
            runner=kw.pop("runner", runner),
            **kw,
        )
        qtbot.addWidget(window)
        return window

    return build


def shown(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    return window


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        (MANAGER, ["inbox", "team", "own", "mi"]),
        (EMPLOYEE, ["inbox", "own"]),
        (HR, ["inbox", "own", "hr", "records", "intake", "mi", "audit"]),
        (ADMIN, ["inbox", "own"]),
    ],
)
def test_navigation_follows_the_roles(window_for, username, pages):
    window = window_for(username)
    assert window.page_keys() == pages
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert ("HR" in labels) == ("hr" in pages)
    assert ("My team" in labels) == ("team" in pages)
    assert "My own records" in labels
    assert labels[0].startswith("Needs my action (")  # first, with its count


def test_the_hr_page_lists_everyone_with_departments(window_for):
    window = window_for(HR)
    page = window.pages["hr"]
    assert page.model.rowCount() == 0  # read only when first shown
    window.show_page("hr")
    assert window.stack.currentWidget() is page
    assert page.model.rowCount() == 50
    assert "Department" in [c.title for c in page.model.columns]


def test_my_own_records_lists_my_records_and_what_is_due(window_for, demo_store):
    window = window_for(EMPLOYEE)
    window.show_page("own")
    page = window.pages["own"]
    me = window.context.user.employee_id
    with demo_store.session() as s:
        count = s.scalar(
            select(func.count()).select_from(Record).where(Record.subject_id == me, ~Record.deleted)
        )
    assert count and page.table.rowCount() == count
    assert page.due.text().startswith("Coming up for you:")
    admin = window_for(ADMIN)
    admin.show_page("own")
    assert admin.pages["own"].due.text().startswith("This account has no staff")


def test_the_status_bar_counts_unsynced_changes(window_for, demo_store):
    window = window_for(MANAGER)
    with demo_store.session() as s:
        dirty = s.scalar(select(func.count()).select_from(Record).where(Record.dirty))
    assert window.status.unsynced.text() == f"{dirty:,} unsynced changes"
    assert window.status.last_sync.text() == "Never synced"
    assert window.status.connection.text() == "Offline: no server set up"
    assert not window.actions_by_name["sync"].isEnabled()


def test_shortcuts_trigger_their_actions(qtbot, window_for):
    calls = []
    window = shown(qtbot, window_for(MANAGER, sync=lambda cancel, progress: calls.append(1)))
    expected = {
        "new": "Ctrl+N",
        "quit": "Ctrl+Q",
        "find": "Ctrl+F",
        "sync": "F5",
        "page_inbox": "Ctrl+1",
        "page_team": "Ctrl+2",
        "page_own": "Ctrl+3",
    }
    for name, keys in expected.items():
        assert window.actions_by_name[name].shortcut().toString() == keys, name
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert calls == [1]
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "own"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "team"
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QtWidgets.QApplication.focusWidget() is window.pages["team"].filter_box
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_ctrl_f_finds_a_filter_on_every_page(qtbot, window_for):
    """Defect: Ctrl+F on 'My own records' said 'This page has no filter'."""
    for username in (MANAGER, HR, EMPLOYEE):
        window = shown(qtbot, window_for(username, runner=TaskRunner(inline=True)))
        for key in window.page_keys():
            window.show_page(key)
            qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
            focus = QtWidgets.QApplication.focusWidget()
            assert isinstance(focus, QtWidgets.QLineEdit), key
            assert window.pages[key].isAncestorOf(focus) and focus.accessibleName(), key
            assert window.status.message.text() != "This page has no filter."
        window.close()


def test_every_action_works_and_none_is_a_placeholder(window_for):
    window = window_for(MANAGER)
    assert "save" not in window.actions_by_name and "print" not in window.actions_by_name
    for name in ("new", "quit", "settings", "about", "find", "conflicts"):
        assert window.actions_by_name[name].isEnabled(), name
    assert not window_for(EMPLOYEE).actions_by_name["new"].isEnabled()  # managers start records


def test_every_menu_is_reachable_with_alt(window_for):
    window = window_for(MANAGER)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Tools", "&Help"]
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            assert action.isSeparator() or "&" in action.text(), action.text()


def test_every_focusable_widget_has_an_accessible_name(qtbot, window_for):
    for username in (MANAGER, HR):
        window = shown(qtbot, window_for(username, runner=TaskRunner(inline=True)))
        for key in window.page_keys():
            window.show_page(key)
            focusable = [
                w
                for w in window.findChildren(QtWidgets.QWidget)
                if w.isVisible() and w.focusPolicy() != Qt.FocusPolicy.NoFocus
            ]
            assert window.nav in focusable and window.status.sync_button in focusable
            assert len(focusable) >= {"own": 4, "inbox": 4}.get(key, 5)
            missing = [type(w).__name__ for w in focusable if not w.accessibleName()]
            assert missing == [], (username, key)
        window.close()


def test_tab_follows_the_page(qtbot, window_for):
    window = shown(qtbot, window_for(MANAGER, sync=lambda c, p: None))
    window.show_page("team")
    team = window.pages["team"]
    window.nav.setFocus()
    order = [window.nav]
    for _ in range(5):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QtWidgets.QApplication.focusWidget())
    assert order == [
        window.nav,
        team.filter_box,
        team.show_box,
        team.table,
        team.absences_button,  # the table's current row is someone: their absences
        window.status.sync_button,
    ]


def test_geometry_is_remembered_across_windows(qtbot, window_for, settings):
    first = shown(qtbot, window_for(MANAGER))
    first.resize(731, 517)  # the offscreen screen is 800 x 600
    qtbot.waitUntil(lambda: first.size().width() == 731)
    first.close()
    assert settings.get("window/geometry")
    again = window_for(MANAGER, runner=TaskRunner(inline=True))
    assert (again.width(), again.height()) == (731, 517)


def test_about_shows_the_versions(qtbot, window_for):
    found = versions()
    for name in ("LCC APR", "Python", "Qt", "PySide6", "SQLite (store)", "SQLCipher"):
        assert found[name]
    dialog = window_for(MANAGER).show_about()
    assert isinstance(dialog, AboutDialog)
    assert found["SQLCipher"] in dialog.text.text()
    assert found["Qt"] in dialog.text.text()
    dialog.close()


def test_settings_open_and_apply_theme_and_text_size(qtbot, qapp, window_for, settings):
    window = window_for(MANAGER)
    table = window.pages["team"].table
    row_height = table.verticalHeader().defaultSectionSize()
    dialog = window.open_settings()
    assert dialog.isVisible()
    base = system_point_size(qapp)
    dialog.editors["appearance/theme"].setCurrentIndex(
        dialog.editors["appearance/theme"].findData("dark")
    )
    dialog.editors["appearance/text_scale"].setCurrentIndex(
        dialog.editors["appearance/text_scale"].findData(150)
    )
    dialog.accept()
    qapp.processEvents()  # font changes reach widgets as events
    assert is_dark(qapp.palette())
    assert qapp.font().pointSizeF() == pytest.approx(base * 1.5)
    assert table.font().pointSizeF() == pytest.approx(base * 1.5)
    assert table.verticalHeader().defaultSectionSize() >= row_height * 1.3  # rows grow too
    settings.set("appearance/theme", "light")
    assert not is_dark(qapp.palette())


def test_the_dark_theme_keeps_state_colours_readable(qtbot, qapp, window_for, settings):
    settings.set("appearance/theme", "dark")
    window = window_for(MANAGER)
    window.show_page("team")
    team = window.pages["team"]
    assert is_dark(team.palette())
    apr = [c.title for c in team.model.columns].index("APR")
    index = next(
        team.model.index(r, apr)
        for r in range(team.model.rowCount())
        if team.model.index(r, apr).data().startswith("Overdue")
    )
    back = index.data(Qt.ItemDataRole.BackgroundRole).color()
    fore = index.data(Qt.ItemDataRole.ForegroundRole).color()
    assert contrast(back, fore) >= 4.5
    assert back.lightness() < 128  # a dark tint, not a light one in a dark window


def contrast(a: QtGui.QColor, b: QtGui.QColor) -> float:
    def luminance(c: QtGui.QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_settings_made_in_tests_stay_in_the_test_folder(isolated_qsettings):
    assert Path_is_inside(Settings().store.fileName(), isolated_qsettings)
    assert QSettings().fileName().startswith(str(isolated_qsettings))


def Path_is_inside(name: str, folder) -> bool:
    from pathlib import Path

    return Path(name).is_relative_to(folder)


def test_the_sync_button_syncs_then_the_pages_refresh(qtbot, make_context, settings):
    from lcc_apr.ops.sync import Synced, sync_changes
    from lcc_apr.sync.outcome import Progress, SyncResult

    go = threading.Event()

    def sync(cancel, on_progress):
        on_progress(Progress("sending", 4, 2048))
        go.wait(5)
        result = SyncResult(sent=4, received=2)
        return Synced(result, sync_changes(result))

    runner = TaskRunner()
    window = build_window(make_context(MANAGER), settings=settings, runner=runner, sync=sync)
    qtbot.addWidget(window)
    window.show_page("team")
    team = window.pages["team"]
    qtbot.waitUntil(lambda: team.model.rowCount() == 10, timeout=5000)
    window.status.sync_button.click()
    qtbot.waitUntil(lambda: window.status.message.text() == "Sending your changes: 4", timeout=5000)
    loads = []
    team.model.modelReset.connect(lambda: loads.append(1))
    with qtbot.waitSignal(window.status.synced, timeout=5000):
        go.set()
    assert window.status.message.text() == "Sync finished. Sent 4, received 2."
    qtbot.waitUntil(lambda: bool(loads), timeout=5000)  # records came in: the team read again
    window.close()


def test_the_window_runs_until_closed_and_says_whether_the_person_signed_out(
    qapp, make_context, monkeypatch
):
    from types import SimpleNamespace

    from ui.main_window import MainWindow
    from ui.settings import Settings
    from ui.start import run_window
    from ui.tasks import TaskRunner

    seen: list[str] = []

    def fake_exec(app) -> int:  # a real exec() would leave the shared test QApplication closing
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget.windowTitle())
                if widget.actions_by_name["sign_out"].isEnabled() and len(seen) == 2:
                    widget.actions_by_name["sign_out"].trigger()
                widget.close()
        return 3

    calls: list[str] = []
    session = SimpleNamespace(
        first_sync=None,
        connection=SimpleNamespace(logout=lambda: calls.append("logout")),
        close=lambda: calls.append("close"),
    )
    monkeypatch.setattr(QtWidgets.QApplication, "exec", fake_exec)
    run = (qapp, make_context(MANAGER), session, Settings())
    assert run_window(*run, TaskRunner(inline=True), None) == (3, None)
    assert run_window(*run, TaskRunner(inline=True), None) == (3, "")
    assert seen == ["Renée Tebbutt"] * 2  # Qt adds " — LCC APR"
    assert calls == ["close", "logout", "close"]


def test_pages_refresh_only_for_changes_to_what_they_show(qtbot, window_for):
    """An autosave changes no list: the team stays; a step on a team member's record
    reloads the team; other pages wait until they are next shown."""
    from lcc_apr.ops import Changes
    from lcc_apr.ops.changes import edited, moved

    window = window_for(MANAGER)
    window.show_page("own")  # read once: nothing is stale now
    window.show_page("mi")
    window.show_page("team")
    assert window.stale == set()
    team, own = window.pages["team"], window.pages["own"]
    member = team.model.row(0).employee_id
    outsider = max(team.model.employee_ids()) + 1000
    loads: list[str] = []
    team.model.modelReset.connect(lambda: loads.append("team"))
    status: list[int] = []
    window.status.refresh = lambda: status.append(1)  # the status bar's counts

    def apply(changes: Changes) -> None:
        window.apply_changes(changes)
        qtbot.wait(20)  # the event loop gathers changes into one refresh

    apply(edited("r1", member))  # an autosave
    assert loads == [] and status == [1] and window.stale == set()
    apply(moved(["r2"], [outsider]))  # someone else's record moved on
    assert loads == [] and window.stale == {"mi"}  # the figures count every record
    apply(moved(["r3"], [member]))  # a step on a team member's record
    assert loads == ["team"]
    assert "own" not in window.stale  # not this person's own records
    apply(Changes(everything=True))  # a sync brought records
    assert loads == ["team", "team"] and window.stale == {"own", "mi"}
    window.show_page("own")
    assert window.stale == {"mi"} and own.table.rowCount() > 0
