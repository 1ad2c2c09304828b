"""Background work: off the UI thread, outcomes back on it, progress, cancel, inline mode."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from lcc_apr.ops import Changes
from ui.events import UiCaller, on_ui_thread
from ui.tasks import TaskRunner


def test_a_write_runs_on_a_worker_and_its_result_arrives_on_the_ui_thread(qtbot, threaded_runner):
    seen: dict[str, object] = {}

    def op(control):
        seen["worker"] = threading.current_thread()
        seen["worker_is_ui"] = on_ui_thread()
        return 42

    task = threaded_runner.write(op, on_done=lambda v: seen.update(done_on_ui=on_ui_thread()))
    with qtbot.waitSignal(task.succeeded, timeout=5000) as blocker:
        pass
    assert blocker.args == [42]
    assert seen["worker"] is not threading.main_thread()
    assert seen["worker_is_ui"] is False
    assert seen["done_on_ui"] is True
    assert task.done and task.result == 42 and task.error is None


def test_an_error_arrives_on_the_ui_thread(qtbot, threaded_runner):
    got: list[tuple[BaseException, bool]] = []

    def op(control):
        raise ValueError("The store is busy.")

    task = threaded_runner.read(op, on_error=lambda e: got.append((e, on_ui_thread())))
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        pass
    assert isinstance(blocker.args[0], ValueError)
    assert got and str(got[0][0]) == "The store is busy." and got[0][1] is True
    assert task.error is blocker.args[0] and task.result is None


def test_an_error_without_a_handler_is_reported_by_the_runner(qtbot, threaded_runner):
    def op(control):
        raise RuntimeError("boom")

    with qtbot.waitSignal(threaded_runner.unhandled_error, timeout=5000) as blocker:
        threaded_runner.read(op)
    assert isinstance(blocker.args[1], RuntimeError)


def test_writes_share_one_thread_and_keep_their_order(qtbot, threaded_runner):
    threads, order = set(), []

    def op(n):
        def run(control):
            threads.add(threading.get_ident())
            order.append(n)
            return n

        return run

    tasks = [threaded_runner.write(op(n)) for n in range(6)]
    with qtbot.waitSignal(tasks[-1].succeeded, timeout=5000):
        pass
    qtbot.waitUntil(lambda: all(t.done for t in tasks), timeout=5000)
    assert order == list(range(6))
    assert len(threads) == 1


def test_reads_run_side_by_side(qtbot, threaded_runner):
    both = threading.Barrier(2, timeout=5)  # only passes when two reads run at once

    tasks = [threaded_runner.read(lambda c: both.wait()) for _ in range(2)]
    qtbot.waitUntil(lambda: all(t.done for t in tasks), timeout=5000)
    assert all(t.error is None for t in tasks)


def test_progress_is_reemitted_on_the_ui_thread_and_cancel_reaches_the_work(qtbot, threaded_runner):
    started = threading.Event()
    progress: list[tuple[object, bool]] = []

    def op(control):
        control.progress("first")
        started.set()
        if not control.cancel.wait(5):  # a runner that ran this inline fails, never hangs
            return "never cancelled"
        control.progress("stopping")
        return "cancelled"

    task = threaded_runner.write(op, on_progress=lambda p: progress.append((p, on_ui_thread())))
    with qtbot.waitSignal(task.progressed, timeout=5000) as first:
        pass
    assert first.args == ["first"]
    assert started.wait(5)
    assert not task.done
    task.cancel()
    assert task.cancel_requested
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert task.result == "cancelled"
    assert progress == [("first", True), ("stopping", True)]


def test_progress_while_the_ui_is_busy_shows_the_latest_value(qtbot, threaded_runner):
    def op(control):
        for n in range(500):
            control.progress(n)
        return None

    shown: list[int] = []
    task = threaded_runner.write(op, on_progress=shown.append)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert shown and shown[-1] == 499
    assert shown == sorted(shown)
    assert len(shown) < 500  # coalesced: the UI never queues a backlog


def test_the_inline_runner_delivers_before_returning(qapp):
    runner = TaskRunner(inline=True)
    got, errors = [], []
    task = runner.write(lambda c: (c.progress(1), "done")[1], on_done=got.append)
    runner.read(lambda c: 1 / 0, on_error=errors.append)
    assert task.done and got == ["done"]
    assert isinstance(errors[0], ZeroDivisionError)
    runner.shutdown()


def test_after_shutdown_nothing_is_delivered_and_nothing_new_starts(qtbot, qapp):
    runner = TaskRunner()
    release = threading.Event()
    got = []
    runner.write(lambda c: release.wait(5), on_done=got.append)
    runner.shutdown(wait=False)
    release.set()
    qtbot.wait(100)
    assert got == []
    with pytest.raises(RuntimeError):
        runner.read(lambda c: 1)


def test_shutdown_lets_queued_writes_finish_and_drops_queued_reads(qtbot, qapp):
    runner = TaskRunner(read_workers=1)
    release = threading.Event()
    wrote, read = [], []
    runner.write(lambda c: release.wait(5))
    runner.write(lambda c: wrote.append("saved"))  # queued behind the first
    runner.read(lambda c: release.wait(5))
    runner.read(lambda c: read.append("read"))  # queued behind the first read
    threading.Timer(0.05, release.set).start()
    runner.shutdown(wait=True)
    assert wrote == ["saved"]  # the user's change was not thrown away
    assert read == []


def test_a_closure_from_a_worker_runs_on_the_ui_thread(qtbot):
    caller = UiCaller()
    ran: list[bool] = []
    worker = threading.Thread(target=caller.call, args=(lambda: ran.append(on_ui_thread()),))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: ran == [True], timeout=5000)


def test_writes_hand_their_changes_to_the_screens(qtbot):
    runner = TaskRunner()
    seen: list[tuple[Changes, bool]] = []
    runner.changed.connect(lambda c: seen.append((c, on_ui_thread())))
    saved = Changes(records=frozenset({"r1"}), unsent=True)
    started = SimpleNamespace(record_id="r2", changes=Changes(listed=True))
    runner.write(lambda c: saved)
    runner.write(lambda c: None)  # a write that changed nothing says nothing
    runner.read(lambda c: Changes(everything=True))  # reads never announce changes
    last = runner.write(lambda c: started)
    qtbot.waitUntil(lambda: last.done, timeout=5000)
    qtbot.wait(20)
    assert seen == [(saved, True), (started.changes, True)]
    runner.shutdown()


def test_closing_while_the_first_read_starts_does_not_hang(qapp):
    """The window closes (shutdown) as the store opens: the page's first() read may start
    after shutdown, and its end is never delivered; the read queued behind it must not
    wait for that, or closing the window hangs (found by the UI suite)."""
    runner, opened = TaskRunner(), threading.Event()
    runner.hold_reads(opened.wait)
    runner.read(lambda _control: None)
    with runner.first():
        runner.read(lambda _control: threading.Event().wait(0.05))
    closing = threading.Thread(target=runner.shutdown)
    closing.start()
    closing.join(0.2)  # shutdown has begun: it waits for the readers
    opened.set()
    closing.join(5)
    assert not closing.is_alive()


def test_held_reads_start_in_order_the_first_ones_first_and_alone(qtbot, threaded_runner):
    """While the store opens (hold_reads), the page on screen's read (first()) starts before
    the reads asked for earlier, and they wait until it is done."""
    opened = threading.Event()
    threaded_runner.hold_reads(opened.wait)
    seen: list[str] = []
    lock = threading.Lock()

    def query(name: str):
        def run(_control):
            with lock:
                seen.append(f"start {name}")
            threading.Event().wait(0.05)  # long enough for another reader to start
            with lock:
                seen.append(f"end {name}")

        return run

    tasks = [threaded_runner.read(query(n)) for n in ("inbox", "status")]
    with threaded_runner.first():
        tasks.append(threaded_runner.read(query("team")))
    tasks.append(threaded_runner.read(query("later")))
    qtbot.wait(50)
    assert seen == []
    opened.set()
    qtbot.waitUntil(lambda: all(t.done for t in tasks), timeout=5000)
    assert seen[:2] == ["start team", "end team"]
    assert sorted(seen[2:]) == [
        f"{e} {n}" for e in ("end", "start") for n in ("inbox", "later", "status")
    ]
