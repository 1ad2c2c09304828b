"""A later start goes straight to the main window (issue 17, goal 3): the window shows
before the cache is opened (its key from the keyring), then the session opens and syncs in
the background; a sign-in the server no longer accepts goes back to the welcome, saying so,
with the username filled in and the records on this computer kept."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

import lcc_apr.launch as launch
import ui.settings
import ui.start as start
from lcc_apr.forms import Catalogue
from lcc_apr.models import Record
from lcc_apr.server.tables import AuthSession
from lcc_apr.store import keys, open_store
from lcc_apr.sync import transport
from lcc_apr.sync.address import check_server_url
from lcc_apr.sync.transport import Connection
from main import make_context, make_later_start
from ui.main_window import MainWindow
from ui.qt import QtCore, QtWidgets
from ui.settings import Settings
from ui.welcome import WelcomeDialog

from ..conftest import MemoryKeyring
from ..ui.conftest import isolated_qsettings  # noqa: F401  (autouse: settings in tmp)

CATALOGUE = Catalogue.load()


@pytest.fixture
def signed_in_before(live_server, tmp_path, monkeypatch):
    """A manager who signed in with a password at an earlier start (then quit): their
    cache, the refresh token in the keyring, and who they are in the settings."""
    ring = MemoryKeyring()
    monkeypatch.setattr(keys, "secure_keyring", lambda backend=None: ring)
    monkeypatch.setattr(  # the live server is plain http on this computer
        transport,
        "Connection",
        lambda url, **kw: Connection(url, **kw | {"allow_plain_local": True}),
    )
    monkeypatch.setattr(
        ui.settings, "check_server_url", lambda url: check_server_url(url, allow_plain_local=True)
    )
    manager = live_server.people.managers[0]
    session = launch.sign_in(
        url=live_server.url,
        username=manager.username,
        password="demo",
        folder=tmp_path,
        keyring_backend=ring,
        ask_passphrase=None,
        catalogue=CATALOGUE,
    )
    start.remember(Settings(), session, None)
    session.close()
    return manager, ring


def shown(kind):
    return [
        w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
    ]


def run(tmp_path, steps, glimpses=None):
    """run_app as main.py runs it; `steps(later)` is polled on the UI thread until it
    returns True. The opener waits until the main window is on screen; what it shows
    before the cache is open goes into `glimpses` too."""
    window_shown, opened = threading.Event(), []
    later_start = make_later_start(tmp_path, CATALOGUE)

    def gated(url, username, user, ask):
        later, context, opener, maker = later_start(url, username, user, ask)

        def after_window(glimpse):
            assert window_shown.wait(30)
            opened.append(later)
            if glimpses is None:
                return opener(glimpse)
            return opener(lambda seen: (glimpses.append(seen), glimpse(seen)))

        return later, context, after_window, maker

    def on_shown(name):
        if name == "main":
            window_shown.set()
        return False

    deadline = time.monotonic() + 60

    def poll():
        if time.monotonic() > deadline:  # never hang: close whatever shows, and fail below
            failed.append("nothing came within 60 s")
            for widget in QtWidgets.QApplication.topLevelWidgets():
                widget.close()
        elif not steps(opened[0] if opened else None):
            QtCore.QTimer.singleShot(20, poll)

    def no_welcome(*args):
        raise AssertionError("the welcome signed in")

    failed: list[str] = []
    QtCore.QTimer.singleShot(0, poll)
    code = start.run_app(
        sign_in=no_welcome, make_context=make_context, later_start=gated, on_shown=on_shown
    )
    assert failed == []
    return code


def test_the_window_shows_before_the_cache_opens_then_it_syncs(
    qtbot, live_server, tmp_path, signed_in_before
):
    manager, _ring = signed_in_before
    outcomes = []

    def steps(later):
        windows = shown(MainWindow)
        if not windows:
            return False
        window = windows[0]
        if not outcomes:
            window.status.synced.connect(outcomes.append)
            assert "Signed in as" in window.who.text()  # who it is, before the cache is open
            outcomes.append("connected")
        if len(outcomes) < 2:
            return False
        window.close()
        return True

    assert run(tmp_path, steps) == 0
    result = outcomes[1]
    assert not isinstance(result, Exception), result  # the background sync ended well
    assert Settings().get("account/username") == manager.username  # still signed in
    assert "employee_id" in Settings().get("account/user")


def test_a_refused_sign_in_goes_back_to_the_welcome_and_keeps_the_records(
    qtbot, live_server, tmp_path, signed_in_before
):
    manager, ring = signed_in_before
    with live_server.session() as s:  # the server ends the session meanwhile
        for signed_in in s.scalars(select(AuthSession)):
            signed_in.revoked_at = datetime.now(UTC)
    seen: list[str] = []

    def steps(later):
        welcomes = shown(WelcomeDialog)
        if not welcomes:
            return False
        welcome = welcomes[0]
        seen.append(welcome.message.text())
        seen.append(welcome.username.text())
        welcome.reject()
        return True

    assert run(tmp_path, steps) == 0
    assert "sign in again" in seen[0] and "records on this computer are kept" in seen[0]
    assert seen[1] == manager.username
    assert start.last_known(Settings()) is None  # the next start asks at the welcome
    store = open_store(
        launch.cache_path(tmp_path, live_server.url, manager.username), keyring_backend=ring
    )
    try:
        with store.session() as s:
            assert s.scalar(select(func.count(Record.id))) > 0  # the cache as it was
    finally:
        store.close()


def test_the_first_page_shows_as_it_last_showed_while_the_cache_opens(
    qtbot, live_server, tmp_path, signed_in_before
):
    """The list 'Needs my action' showed at the last start is read from the cache before
    it is open (lcc_apr.ops.glance) and shown; the cache's own read then follows."""
    synced: list[object] = []
    lists = []

    def steps(later):
        windows = shown(MainWindow)
        if not windows:
            return False
        window = windows[0]
        if not synced:
            window.status.synced.connect(synced.append)
            synced.append("connected")
        reading = any(t.kind == "read" for t in window.runner.active())
        if len(synced) < 2 or reading or window.pages["inbox"].inbox is None:
            return False
        lists.append(window.pages["inbox"].inbox)  # the last read: kept as the window closes
        window.close()
        return True

    assert run(tmp_path, steps) == 0  # the first later start: its list kept at the end
    shown_last = lists[-1]
    assert shown_last is not None and len(shown_last) > 0
    glimpses: list[object] = []
    shown_first: list[object] = []

    def again(later):
        windows = shown(MainWindow)
        if not windows or not glimpses:
            return False
        page = windows[0].pages["inbox"]
        if not shown_first:
            shown_first.append([i.text for i in page.items()])
        if page.inbox is None:  # the cache's read not yet back
            return False
        windows[0].close()
        return True

    assert run(tmp_path, again, glimpses) == 0
    assert glimpses == [shown_last]
    assert shown_first == [[i.text for i in shown_last.items]]
