"""Starting the window: `run_window(context)` for main.py, `build_window` for tests."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .qt import QtWidgets
from .settings import APPLICATION, ORGANISATION, Settings
from .tasks import TaskRunner
from .theme import apply_appearance

if TYPE_CHECKING:  # the window and the core load when the window is built (see ui.start)
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
) -> MainWindow:
    """Apply the appearance settings and build the main window (not shown, no event loop)."""
    from .main_window import MainWindow

    app = ensure_app()
    settings = settings if settings is not None else Settings()
    apply_appearance(
        app,
        theme=settings.get("appearance/theme"),
        text_scale=settings.get("appearance/text_scale"),
    )
    runner = runner if runner is not None else TaskRunner()
    return MainWindow(context=context, settings=settings, runner=runner, sync=sync)


def run_window(context: AppContext) -> int:
    """Show the main window and run the event loop; returns the exit code."""
    app = ensure_app()
    window = build_window(context)
    window.show()
    return app.exec()
