"""Screenshots of the management-information page: HR's dashboard for each kind of view
and a manager's, at 1280 x 800. Written to docs/screenshots/ with LCC_APR_SCREENSHOTS=1
(see test_screenshots.py); look at them after any visual change."""

from __future__ import annotations

import pytest

from ui.app import build_window
from ui.tasks import TaskRunner

from .conftest import HR, MANAGER
from .test_screenshots import folder, picture  # noqa: F401  (folder: a fixture)
from .test_screenshots_lists import colourful

SIZE = (1280, 800)
KINDS = ("apr", "supervision", "probation", "capability", "equality")


def richest(tables) -> int:
    """The view whose chart has the most figures released: one worth seeing."""
    released = [sum(r.cells[t.chart.column].value is not None for r in t.rows) for t in tables]
    return released.index(max(released))


def page_shown(qtbot, window):
    window.show_page("mi")
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    return window.pages["mi"]


def save(qtbot, window, path) -> None:
    qtbot.wait(300)  # the chart is drawn again once the window has its size
    image = picture(window, 1)
    assert image.save(str(path)) and colourful(image)
    assert (image.width(), image.height()) == SIZE


@pytest.mark.parametrize("kind", KINDS)
def test_hr_dashboard(qtbot, make_context, settings, folder, kind):  # noqa: F811
    window = build_window(make_context(HR), settings=settings, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    page = page_shown(qtbot, window)
    page.kind.setCurrentIndex(page.kind.findData(kind))
    assert page.board.filters.kind == kind and page.board.tables
    page.views.setCurrentRow(richest(page.board.tables))
    save(qtbot, window, folder / f"mi-hr-{kind}.png")


def test_hr_attendance(qtbot, make_context, settings, folder):  # noqa: F811
    """Days lost per FTE for the whole council (docs/screenshots/mi-attendance.png)."""
    window = build_window(make_context(HR), settings=settings, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    page = page_shown(qtbot, window)
    page.kind.setCurrentIndex(page.kind.findData("attendance"))
    assert page.board.tables[0].key == "attendance_days_lost"
    page.views.setCurrentRow(0)
    save(qtbot, window, folder / "mi-attendance.png")


def test_manager_dashboard(qtbot, make_context, settings, folder):  # noqa: F811
    window = build_window(make_context(MANAGER), settings=settings, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    page = page_shown(qtbot, window)
    assert page.area.currentText() == "My area" and page.board.tables
    save(qtbot, window, folder / "mi-manager.png")
