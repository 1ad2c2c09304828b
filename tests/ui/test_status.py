"""The status bar's Sync: runs a sync callable as a task with progress, Cancel and a summary."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from lcc_apr.ops.status import StatusFacts
from lcc_apr.sync.errors import Cancelled, NetworkError
from lcc_apr.sync.outcome import Progress, SyncResult
from ui.status import StatusBar, outcome_text, progress_text


class FakeSync:
    """Reports progress, waits to be let go (or cancelled), then returns or raises."""

    def __init__(self, result=None, error=None):
        self.result = result or SyncResult(sent=2, received=5)
        self.error = error
        self.go = threading.Event()
        self.calls = 0

    def __call__(self, cancel: threading.Event, on_progress):
        self.calls += 1
        on_progress(Progress("receiving", 1200, 3_400_000))
        for _ in range(500):  # at most 5 s, so a broken test fails instead of hanging
            if self.go.wait(0.01):
                break
            if cancel.is_set():
                raise Cancelled("Sync was cancelled; what was already sent or received is kept.")
        if self.error:
            raise self.error
        return self.result


@pytest.fixture
def bar(qtbot, threaded_runner):
    facts = {"value": StatusFacts(3, 0, None)}

    def make(sync):
        status = StatusBar(runner=threaded_runner, facts=lambda: facts["value"], sync=sync)
        qtbot.addWidget(status)
        status.show()
        return status, facts

    return make


def test_sync_shows_progress_then_a_plain_summary(qtbot, bar):
    sync = FakeSync()
    status, facts = bar(sync)
    status.refresh()
    qtbot.waitUntil(lambda: status.unsynced.text() == "3 unsynced changes", timeout=5000)
    assert status.connection.text() == "Not yet connected"
    status.resize(1200, status.height())  # as wide as a main window
    qtbot.wait(20)  # laid out
    places = [(w, w.geometry()) for w in (status.connection, status.slot)]
    status.sync_button.click()
    assert status.syncing and not status.sync_button.isEnabled()
    assert status.cancel_button.isVisible() and status.progress.isVisible()
    qtbot.wait(20)
    assert [(w, w.geometry()) for w, _ in places] == places  # found in a real window: moved
    qtbot.waitUntil(lambda: status.message.text() == "Receiving records: 1,200", timeout=5000)
    facts["value"] = StatusFacts(0, 0, datetime(2026, 11, 30, 14, 5, tzinfo=UTC))
    with qtbot.waitSignal(status.synced, timeout=5000) as blocker:
        sync.go.set()
    assert isinstance(blocker.args[0], SyncResult)
    assert status.message.text() == "Sync finished. Sent 2, received 5."
    assert status.connection.text() == "Online"
    assert not status.syncing and status.sync_button.isEnabled()
    assert not status.cancel_button.isVisible() and not status.progress.isVisible()
    qtbot.waitUntil(lambda: status.unsynced.text() == "All changes synced", timeout=5000)
    assert status.last_sync.text().startswith("Last sync: 30 Nov 2026")
    qtbot.wait(20)
    assert [(w, w.geometry()) for w, _ in places] == places  # "Online" where it said the rest


def test_cancel_stops_the_sync_and_says_what_was_kept(qtbot, bar):
    sync = FakeSync()
    status, _ = bar(sync)
    status.start_sync()
    qtbot.waitUntil(lambda: status.message.text().startswith("Receiving"), timeout=5000)
    assert status.start_sync() is None  # one sync at a time
    with qtbot.waitSignal(status.synced, timeout=5000) as blocker:
        status.cancel_button.click()
    assert isinstance(blocker.args[0], Cancelled)
    assert "cancelled" in status.message.text() and "kept" in status.message.text()
    assert status.sync_button.isEnabled() and not status.cancel_button.isVisible()
    assert sync.calls == 1


def test_a_network_failure_shows_offline(qtbot, bar):
    sync = FakeSync(error=NetworkError("The server could not be reached. Check the connection."))
    sync.go.set()
    status, _ = bar(sync)
    with qtbot.waitSignal(status.synced, timeout=5000):
        status.start_sync()
    assert status.connection.text() == "Offline: working on this computer"
    assert status.message.text() == (
        "Sync did not finish: The server could not be reached. Check the connection."
    )


def test_without_a_server_sync_is_unavailable(qtbot, runner):
    status = StatusBar(runner=runner, facts=lambda: StatusFacts(0, 2, None), sync=None)
    qtbot.addWidget(status)
    assert not status.sync_button.isEnabled()
    assert status.start_sync() is None
    status.refresh()
    assert status.unsynced.text() == "All changes synced; 2 to resolve"
    assert status.connection.text() == "Offline: no server set up"


def test_the_interval_setting_starts_background_syncs(qtbot, runner):
    sync = FakeSync()
    sync.go.set()
    status = StatusBar(runner=runner, facts=lambda: StatusFacts(0, 0, None), sync=sync)
    qtbot.addWidget(status)
    status.set_interval(5)
    assert status.timer.isActive() and status.timer.interval() == 5 * 60_000
    status.timer.timeout.emit()
    assert sync.calls == 1 and status.message.text().startswith("Sync finished")
    status.set_interval(0)
    assert not status.timer.isActive()


def test_texts():
    assert progress_text(Progress("sending", 3, 0)) == "Sending your changes: 3"
    receiving = Progress("receiving", 12_500, 0, total=241_000, seconds_left=41)
    assert (
        progress_text(receiving) == "Receiving records: 12,500 of about 241,000 — about 40 s left"
    )
    assert outcome_text(SyncResult(sent=1, received=0, conflicts=1)).startswith(
        "Sync finished. Sent 1, received 0. 1 record(s) changed on both sides"
    )
