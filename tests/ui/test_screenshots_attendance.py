"""Screenshots of the manager's attendance screens, offscreen: the team page's attendance
columns and the absence form (over the person's absences). As test_screenshots: a
temporary folder, or docs/screenshots/ with LCC_APR_SCREENSHOTS=1."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from ui.app import build_window
from ui.qt import QtWidgets
from ui.tasks import TaskRunner
from ui.theme import apply_appearance

from .conftest import AS_OF, MANAGER, context_for
from .test_absence_dialog import free_report, open_absences

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if os.environ.get("LCC_APR_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def not_blank(image) -> bool:
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    return len(colours) > 20


def test_screenshots(qtbot, demo_store_copy, settings, folder):
    settings.set("appearance/theme", "light")
    window = build_window(
        context_for(demo_store_copy, MANAGER), settings=settings, runner=TaskRunner(inline=True)
    )
    qtbot.addWidget(window)
    window.show_page("team")
    window.resize(1600, 760)  # the attendance columns in view
    window.show()
    qtbot.waitExposed(window)
    person = free_report(demo_store_copy, since=AS_OF - timedelta(days=400))
    dialog = open_absences(window, person)
    dialog.record_button.click()
    form = dialog.form
    form.first_day.set_day(AS_OF - timedelta(days=35))
    form.reason.setCurrentIndex(1)
    form.save_button.click()
    dialog.record_button.click()
    form = dialog.form
    form.first_day.set_day(AS_OF - timedelta(days=3))  # overlaps: the message shows
    form.reason.setCurrentIndex(2)
    form.save_button.click()
    qtbot.waitExposed(form)
    qtbot.wait(50)
    image = form.grab().toImage()  # the form, a window of its own over the person's list
    assert image.save(str(folder / "absence-dialog.png"))
    assert not_blank(image)
    assert form.message.text().startswith("It overlaps")
    width_100 = form.width()
    form.reject()
    qtbot.wait(20)
    list_shot = dialog.grab().toImage()
    assert list_shot.save(str(folder / "absences-list.png"))
    assert not_blank(list_shot)
    # the app's text size: 150% makes a bigger form, nothing clipped
    apply_appearance(QtWidgets.QApplication.instance(), theme="light", text_scale=150)
    dialog.record_button.click()
    big = dialog.form
    qtbot.waitExposed(big)
    qtbot.wait(50)
    assert big.width() > width_100 * 1.3
    note = big.note
    assert note.height() >= note.heightForWidth(note.width())  # the whole note shows
    big_shot = big.grab().toImage()
    assert big_shot.save(str(folder / "absence-dialog-150.png"))
    big.reject()
    apply_appearance(QtWidgets.QApplication.instance(), theme="light", text_scale=100)
    dialog.accept()
    team = window.pages["team"]
    qtbot.waitUntil(lambda: not team.loading)
    qtbot.wait(50)
    image = window.grab().toImage()
    assert image.save(str(folder / "team-attendance.png"))
    assert not_blank(image)
