"""Core callbacks re-emitted as Qt signals on the UI thread.

The core reports through plain callables (e.g. `SyncEngine(on_progress=...)`)
and never imports Qt. This thin adapter hands the core such callables; when
one is called, on whatever thread, the matching Qt signal is emitted on the
UI thread, so slots may touch widgets. Electrum's `QtEventListener` plays the
same part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .qt import QObject, QtCore, Signal


def on_ui_thread() -> bool:
    """True when the calling thread is the one running the Qt application."""
    app = QtCore.QCoreApplication.instance()
    return app is not None and QtCore.QThread.currentThread() is app.thread()


class UiCaller(QObject):
    """Runs closures on the UI thread. Create it on the UI thread; `call` is thread-safe."""

    _queued = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Connected here, on the UI thread, so the slot belongs to it: an emit from a
        # worker is then queued to the UI thread (Qt's automatic connection). No explicit
        # QueuedConnection: naming it builds Qt's enum namespace (15 ms at start-up).
        self._queued.connect(self._run)

    def call(self, fn: Callable[[], Any]) -> None:
        """Run `fn` now when already on the UI thread, else as soon as its event loop runs."""
        if on_ui_thread():
            fn()
        else:
            self._queued.emit(fn)

    def call_later(self, fn: Callable[[], Any]) -> None:
        """Always queue `fn` for the UI thread's event loop (never run it inside this call)."""
        if on_ui_thread():
            QtCore.QTimer.singleShot(0, self, fn)  # dropped if this caller is gone
        else:
            self._queued.emit(fn)

    @staticmethod
    def _run(fn: Callable[[], Any]) -> None:
        fn()
