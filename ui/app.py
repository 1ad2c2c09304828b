"""The QApplication and the main window, built with the windows its actions open."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .qt import QtCore, QtWidgets
from .settings import APPLICATION, ORGANISATION, Settings
from .tasks import TaskRunner
from .theme import apply_appearance

if TYPE_CHECKING:  # the window and the core load when the window is built (see ui.start)
    from lcc_apr.ops.opening import LaterSession, Opening

    from .context import AppContext
    from .main_window import MainWindow
    from .status import SyncCall


def ensure_app(argv: list[str] | None = None) -> QtWidgets.QApplication:
    """The running QApplication, or a new one. High-DPI screens need nothing set: Qt 6
    scales by the screen's exact factor (rounding policy PassThrough) by default."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(argv if argv is not None else sys.argv[:1])
        app.setOrganizationName(ORGANISATION)
        app.setApplicationName(APPLICATION)
        app.setApplicationDisplayName(APPLICATION)
    return app  # type: ignore[return-value]


def build_window(
    context: AppContext,
    *,
    settings: Settings | None = None,
    runner: TaskRunner | None = None,
    sync: SyncCall | None = None,
    sign_out: Callable[[], Any] | None = None,
) -> MainWindow:
    """Apply the appearance settings and build the main window (not shown, no event loop),
    with the windows its actions open (`window.windows`). Neither the window nor its pages
    load SQLAlchemy or read the store here: their reads run in `runner`'s workers, so the
    window and its pages' frames can show while the store still opens (an Opening in
    the context, opened by a write task on the same runner)."""
    from lcc_apr.ops.opening import Opening

    from .main_window import MainWindow
    from .windows import Windows

    app = ensure_app()
    settings = settings if settings is not None else Settings()
    apply_appearance(
        app,
        theme=settings.get("appearance/theme"),
        text_scale=settings.get("appearance/text_scale"),
    )
    runner = runner if runner is not None else TaskRunner()
    if isinstance(context.store, Opening):  # the page on screen reads first once open
        runner.hold_reads(context.store.done.wait)
    windows = Windows(context, runner)
    window = MainWindow(
        context=context,
        settings=settings,
        runner=runner,
        actions=windows.actions(sign_out=sign_out),
        sync=sync,
    )
    windows.parent = window
    windows.message = window.status.message.setText
    window.windows = windows
    return window


def open_once_shown(
    window: MainWindow,
    opening: Opening[Any] | LaterSession,
    opener: Callable[..., Any],
    *,
    on_done: Callable[[Any], Any] | None = None,
    on_error: Callable[[BaseException], Any] | None = None,
    on_glimpse: Callable[[Any], Any] | None = None,
) -> None:
    """Open the store (`opener`, e.g. open_store(path, ...)), or a later start's session,
    on the window's writer once the window is on screen: at the event loop's first turn, so
    its frame is painted before the opening worker takes its share of the interpreter
    (measured: the frame 3.6x -> 2.7x a bare window, the team no later). The pages' reads
    wait for it meanwhile; `on_done` / `on_error` then run on the UI thread. With
    `on_glimpse`, `opener` takes a callback for what it can show before it is open (a later
    start's first page as it last showed), which `on_glimpse` gets on the UI thread."""

    def run(control: Any) -> Any:
        if on_glimpse is None:
            return opening.open(opener)
        return opening.open(lambda: opener(control.progress))

    QtCore.QTimer.singleShot(
        0,
        lambda: window.runner.write(
            run, on_done=on_done, on_error=on_error, on_progress=on_glimpse, name="open the store"
        ),
    )
