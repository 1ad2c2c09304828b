"""HR screen fixtures: the main window as HR (or anyone) on a private copy of the
50-person demo store, with an inline task runner unless a test asks for threads."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lcc_apr.models import Record
from lcc_apr.store import Store
from tests.ui.conftest import (  # noqa: F401 (fixtures)
    EMPLOYEE,
    HR,
    MANAGER,
    context_for,
    isolated_qsettings,
    runner,
    settings,
    threaded_runner,
)
from ui.app import build_window
from ui.main_window import MainWindow
from ui.qt import Qt, QtWidgets


@pytest.fixture
def store(demo_store_copy: Store) -> Store:  # tests/conftest.py: written to by these tests
    return demo_store_copy


@pytest.fixture
def window_for(qtbot, store, settings, runner) -> Callable[..., MainWindow]:  # noqa: F811
    def build(username: str = HR, **kw) -> MainWindow:
        window = build_window(
            context_for(store, username), settings=settings, runner=kw.pop("runner", runner)
        )
        qtbot.addWidget(window)
        return window

    return build


def status_of(store: Store, record_id: str) -> str:
    with store.session() as s:
        record = s.get(Record, record_id)
        assert record is not None
        return record.status


def unnamed(widget: QtWidgets.QWidget) -> list[str]:
    """The visible controls (buttons, and whatever takes Tab) with no accessible name."""
    problems = []
    for child in widget.findChildren(QtWidgets.QWidget):
        if not child.isVisibleTo(widget):
            continue
        control = isinstance(child, QtWidgets.QAbstractButton) or (
            child.focusPolicy() & Qt.FocusPolicy.TabFocus
        )
        if control and not child.accessibleName():
            problems.append(f"{type(child).__name__} {getattr(child, 'text', lambda: '')()!r}")
    return problems
