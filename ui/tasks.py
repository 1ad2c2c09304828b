"""Background work: write ops on one worker thread, read queries on a small pool.

Both wrap a plain core callable (usually an op from `lcc_apr.ops`) that takes a
`TaskControl` and returns a value, for example
`lambda control: engine.run(control.cancel)`. The callable
runs on a worker thread and must never touch a widget; its result, its error
and its progress reports come back on the UI thread, as the Task's signals
and as the optional callbacks. Write ops share ONE thread because SQLCipher
has a single writer, so they also run in the order they were submitted. A write
whose result is (or carries) a `Changes` has it emitted as `changed`, once it is
delivered: every screen listens and refreshes only what the change touches.

Tests build `TaskRunner(inline=True)`: each task then runs to the end inside
`write()`/`read()` on the calling thread and its callbacks fire before the
call returns (Picard's test thread pool does the same).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from lcc_apr.ops.changes import changes_of

from .events import UiCaller
from .qt import QObject, Signal

Work = Callable[["TaskControl"], Any]
Callback = Callable[[Any], object]  # what a callback returns is ignored


class TaskControl:
    """What a running callable may use, from its worker thread."""

    def __init__(self, post: Callable[[Callable[[], None]], None], emit: Callback) -> None:
        self.cancel = threading.Event()  # set by Task.cancel(); long work checks it
        self._post = post
        self._emit = emit
        self._lock = threading.Lock()
        self._latest: Any = None
        self._pending = False

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def progress(self, value: Any) -> None:
        """Report progress; thread-safe. When the UI is busy only the latest value is shown."""
        with self._lock:
            self._latest = value
            if self._pending:
                return
            self._pending = True
        self._post(self._flush)

    def _flush(self) -> None:
        with self._lock:
            value, self._latest, self._pending = self._latest, None, False
        self._emit(value)


class Task(QObject):
    """One submitted callable. Signals are emitted on the UI thread."""

    succeeded = Signal(object)  # the callable's return value
    failed = Signal(object)  # the exception it raised
    progressed = Signal(object)  # each value passed to TaskControl.progress
    finished = Signal()  # after succeeded or failed

    def __init__(self, kind: str, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kind = kind  # "write" or "read"
        self.name = name
        self.control: TaskControl  # set by the runner before the work starts
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        """Ask the work to stop (it checks control.cancel); results still arrive as usual."""
        self.control.cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self.control.cancel.is_set()


class TaskRunner(QObject):
    """Runs write ops and read queries off the UI thread. Create and use it on the UI thread."""

    changed = Signal(object)  # a write op's Changes (lcc_apr.ops): screens refresh what they show
    unhandled_error = Signal(object, object)  # (task, exception) for tasks without on_error

    def __init__(
        self, parent: QObject | None = None, *, inline: bool = False, read_workers: int = 2
    ) -> None:
        super().__init__(parent)
        self.inline = inline
        self._caller = UiCaller(self)
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._read_workers = read_workers
        self._active: set[Task] = set()
        self._closed = False
        # reads not yet taken by a reader: each reader takes the first when it is free
        self._reads: deque[tuple[Task, Work, Callback | None, Callback | None, bool]] = deque()
        self._first = False
        self._alone = threading.Condition()  # a first() read runs alone: the others wait
        self._first_running = 0
        self._hold: Callable[[], object] | None = None

    def write(
        self,
        op: Work,
        *,
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        on_progress: Callback | None = None,
        name: str = "",
    ) -> Task:
        """Run `op` on the single writer thread; returns its Task at once."""
        if self._writer is None and not self.inline:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="lcc-apr-write")
        return self._submit("write", op, self._writer, on_done, on_error, on_progress, name)

    def read(
        self,
        query: Work,
        *,
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        on_progress: Callback | None = None,
        name: str = "",
    ) -> Task:
        """Run `query` on the read pool (it must not write); returns its Task at once."""
        if self._readers is None and not self.inline:
            self._readers = ThreadPoolExecutor(
                self._read_workers, thread_name_prefix="lcc-apr-read"
            )
        return self._submit("read", query, self._readers, on_done, on_error, on_progress, name)

    @contextmanager
    def first(self) -> Iterator[None]:
        """Reads asked for inside go ahead of the reads still queued and run alone: a read
        queued behind one waits until its outcome is delivered (the page on screen fills in
        first, with the interpreter to itself)."""
        self._first = True
        try:
            yield
        finally:
            self._first = False

    def hold_reads(self, until: Callable[[], object]) -> None:
        """Each reader calls `until()` (on its thread) before it takes a read from the queue,
        e.g. waits for the store being opened: the reads asked for meanwhile then start in
        their order, `first()` ones first, not in the order readers happened to take them."""
        self._hold = until

    def active(self) -> list[Task]:
        """Tasks submitted and not yet delivered."""
        return list(self._active)

    @property
    def closed(self) -> bool:
        """Shut down: nothing more can be submitted (the window is closing)."""
        return self._closed

    def shutdown(self, *, wait: bool = True) -> None:
        """Window closing: ask running work to stop and deliver nothing more.

        Queued reads are dropped; queued writes still run (they hold the user's
        changes). With `wait` this returns only once running reads and the writer
        are done, so
        the store can then be closed safely.
        """
        self._closed = True
        for task in list(self._active):
            task.cancel()
        with self._alone:  # reads waiting behind a first() one: let them end
            self._first_running = 0
            self._alone.notify_all()
        if self._readers is not None:  # a running read must finish before the store closes
            self._readers.shutdown(wait=wait, cancel_futures=True)
        if self._writer is not None:
            self._writer.shutdown(wait=wait, cancel_futures=False)
        self._active.clear()

    # -- internals ----------------------------------------------------------------

    def _submit(
        self,
        kind: str,
        work: Work,
        pool: ThreadPoolExecutor | None,
        on_done: Callback | None,
        on_error: Callback | None,
        on_progress: Callback | None,
        name: str,
    ) -> Task:
        if self._closed:
            raise RuntimeError("The task runner has been shut down.")
        task = Task(kind, name or getattr(work, "__name__", kind), self)
        post = self._caller.call if self.inline else self._caller.call_later
        task.control = TaskControl(post, lambda value: self._progress(task, value, on_progress))
        self._active.add(task)
        if pool is None:  # inline: run here, deliver before returning
            self._run(task, work, on_done, on_error)
        elif kind == "read":
            queued = (task, work, on_done, on_error, self._first)
            (self._reads.appendleft if self._first else self._reads.append)(queued)
            pool.submit(self._run_next_read)
        else:
            pool.submit(self._run, task, work, on_done, on_error)
        return task

    def _run_next_read(self) -> None:
        """Reader thread: one read per submission, the first in the queue once `_hold` lets
        it and no first() read is running (or it is one)."""
        if self._hold is not None:
            self._hold()
        with self._alone:
            task, work, on_done, on_error, first = self._reads.popleft()
            if first and not self._closed:  # closed: its end is never delivered
                self._first_running += 1
            elif not first:  # a window closing waits for this reader: it waits no more
                self._alone.wait_for(lambda: not self._first_running or self._closed)
        try:
            self._run(task, work, on_done, on_error)
        finally:
            if first:  # the others wait until its outcome is delivered: the page is filled
                self._post(self._first_done)

    def _first_done(self) -> None:
        with self._alone:
            self._first_running = max(0, self._first_running - 1)  # 0 after shutdown
            self._alone.notify_all()

    def _run(
        self, task: Task, work: Work, on_done: Callback | None, on_error: Callback | None
    ) -> None:
        """Worker thread (or the UI thread inline): run the work, then post the outcome."""
        try:
            value = work(task.control)
        except Exception as exc:  # delivered to the UI, never swallowed
            import logging  # loaded when there is something to log

            logging.getLogger(__name__).debug("task %s failed", task.name, exc_info=True)
            error = exc  # `exc` is unbound when the except block ends
            self._post(lambda: self._deliver(task, None, error, on_done, on_error))
        else:
            self._post(lambda: self._deliver(task, value, None, on_done, on_error))

    def _post(self, fn: Callable[[], None]) -> None:
        if self.inline:
            fn()
        else:
            self._caller.call_later(fn)

    def _progress(self, task: Task, value: Any, on_progress: Callback | None) -> None:
        if self._closed or task.done:
            return
        task.progressed.emit(value)
        if on_progress is not None:
            on_progress(value)

    def _deliver(
        self,
        task: Task,
        value: Any,
        error: Exception | None,
        on_done: Callback | None,
        on_error: Callback | None,
    ) -> None:
        """UI thread: record the outcome, call back, emit the task's signals."""
        self._active.discard(task)
        if self._closed:
            return
        task.done, task.result, task.error = True, value, error
        try:
            if error is None:
                if on_done is not None:
                    on_done(value)
                task.succeeded.emit(value)
                changes = changes_of(value) if task.kind == "write" else None
                if changes:
                    self.changed.emit(changes)
            else:
                if on_error is not None:
                    on_error(error)
                else:
                    self.unhandled_error.emit(task, error)
                task.failed.emit(error)
        finally:
            task.finished.emit()
            task.setParent(None)  # now freed with its last Python reference
