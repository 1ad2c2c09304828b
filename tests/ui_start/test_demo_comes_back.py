"""Defect 6: a demo sign-in is remembered, so the next start signs straight back in as the
same demo person; the welcome shows in the saved colours and text size."""

from types import SimpleNamespace

import ui.start as start
from ui.qt import QtCore, QtWidgets
from ui.settings import Settings
from ui.welcome import WelcomeDialog


def fake_demo_session():
    connection = SimpleNamespace(url="http://127.0.0.1:1", username="x", logout=lambda: None)
    return SimpleNamespace(demo=True, connection=connection, close=lambda: None, first_sync=None)


def run_once(monkeypatch, on_welcome, sign_in, **options):
    """run_app with the main window replaced: returns the welcome dialogs that showed."""
    seen = []
    monkeypatch.setattr(start, "run_window", lambda *a, **k: (0, None))

    def poll():
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if isinstance(widget, WelcomeDialog) and widget.isVisible() and widget not in seen:
                seen.append(widget)
                on_welcome(widget)
                return
        QtCore.QTimer.singleShot(10, poll)

    QtCore.QTimer.singleShot(0, poll)
    assert start.run_app(sign_in=sign_in, make_context=lambda session: None, **options) == 0
    return seen


def test_the_demo_person_chosen_on_the_welcome_is_signed_back_in_next_time(qtbot, monkeypatch):
    roles = []

    def sign_in(role, url, user, password, progress, cancel=None, ask=None):
        roles.append(role)
        return fake_demo_session()

    run_once(monkeypatch, lambda w: w.start_demo("hr"), sign_in)
    assert Settings().get("account/demo_role") == "hr"
    run_once(monkeypatch, lambda w: None, sign_in)  # no click: it signs itself in
    assert roles == ["hr", "hr"]


def test_a_removed_demo_is_not_built_again_unasked(qtbot, monkeypatch):
    roles = []

    def sign_in(role, url, user, password, progress, cancel=None, ask=None):
        roles.append(role)
        return fake_demo_session()

    run_once(monkeypatch, lambda w: w.start_demo("manager"), sign_in, demo_built=lambda: True)
    run_once(monkeypatch, lambda w: None, sign_in, demo_built=lambda: True)
    assert roles == ["manager", "manager"]  # built: straight back in
    # lcc-apr demo --remove since: the welcome waits for the person
    welcomes = run_once(
        monkeypatch,
        lambda w: QtCore.QTimer.singleShot(200, w.reject),
        sign_in,
        demo_built=lambda: False,
    )
    assert len(welcomes) == 1 and roles == ["manager", "manager"]


def test_the_welcome_shows_in_the_saved_text_size(qtbot, monkeypatch, qapp):
    from ui.theme import system_point_size

    settings = Settings()
    settings.set("appearance/text_scale", 150)
    settings.set("appearance/theme", "dark")
    sizes = []

    def look(welcome):
        sizes.append((welcome.font().pointSizeF(), welcome.palette().window().color().value()))
        welcome.reject()

    run_once(monkeypatch, look, lambda *a: None)
    base = system_point_size(qapp)
    assert sizes[0][0] == base * 1.5
    assert sizes[0][1] < 100  # dark


def test_quitting_during_the_first_sync_stops_it_and_exits_within_two_seconds(qtbot, monkeypatch):
    """Defect 5: Quit on the welcome while the sign-in's first sync runs."""
    import threading
    import time

    from lcc_apr.sync.errors import Cancelled

    started, ended = threading.Event(), threading.Event()

    def slow_first_sync(role, url, user, password, progress, cancel=None, ask=None):
        started.set()
        for _page in range(300):  # a long pull: 30 s unless cancelled
            if cancel is not None and cancel.is_set():
                ended.set()
                raise Cancelled("cancelled")
            time.sleep(0.1)
        ended.set()
        return fake_demo_session()

    quit_at = []

    def quit_while_syncing(welcome):
        welcome.start_demo("hr")
        assert started.wait(5)
        quit_at.append(time.monotonic())
        qtbot.mouseClick(welcome.quit_button, QtCore.Qt.MouseButton.LeftButton)

    run_once(monkeypatch, quit_while_syncing, slow_first_sync)
    assert ended.is_set()  # the worker has ended, not left running
    assert time.monotonic() - quit_at[0] < 2
    assert Settings().get("account/demo_role") == ""  # nothing signed in
