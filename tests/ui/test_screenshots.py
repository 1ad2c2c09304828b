"""Screenshots of the main window, offscreen: manager, HR, dark, large text, high DPI.

They go to a temporary folder; with LCC_APR_SCREENSHOTS=1 they are written to
docs/screenshots/ instead (look at them after any visual change).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ui.app import build_window
from ui.qt import QtGui
from ui.tasks import TaskRunner

from .conftest import EMPLOYEE, HR, MANAGER

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZE = (1280, 760)

SHOTS = [
    # file, user, page, theme, text scale, device pixel ratio
    ("manager-my-team.png", MANAGER, "team", "light", 100, 1),
    ("hr-everyone.png", HR, "hr", "light", 100, 1),
    ("manager-dark.png", MANAGER, "team", "dark", 100, 1),
    ("manager-text-150.png", MANAGER, "team", "light", 150, 1),
    ("manager-high-dpi.png", MANAGER, "team", "system", 100, 2),
    ("employee-own-records.png", EMPLOYEE, "own", "light", 100, 1),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if os.environ.get("LCC_APR_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def picture(widget, ratio: int) -> QtGui.QImage:
    """The widget drawn at `ratio` device pixels per logical pixel (2: a high-DPI screen)."""
    if ratio == 1:
        return widget.grab().toImage()
    pixmap = QtGui.QPixmap(widget.size() * ratio)
    pixmap.setDevicePixelRatio(ratio)
    widget.render(pixmap)
    return pixmap.toImage()


@pytest.mark.parametrize(("name", "user", "page", "theme", "scale", "ratio"), SHOTS)
def test_screenshot(qtbot, make_context, settings, folder, name, user, page, theme, scale, ratio):
    settings.set("appearance/theme", theme)
    settings.set("appearance/text_scale", scale)
    window = build_window(make_context(user), settings=settings, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    window.show_page(page)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)  # let pending layouts settle before drawing
    image = picture(window, ratio)
    assert image.save(str(folder / name))
    assert (image.width(), image.height()) == (SIZE[0] * ratio, SIZE[1] * ratio)
    # Not blank: many distinct colours (text, tints, lines) across the picture.
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20
    assert window.pages[page].table.model().rowCount() > 0
