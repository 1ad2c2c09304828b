"""Screenshots of the lists' windows: finding a person, a profile, HR's all records found
by name, and a list exported. Written to docs/screenshots/ with LCC_APR_SCREENSHOTS=1
(see test_screenshots.py)."""

from __future__ import annotations

from pathlib import Path

from ui import list_export
from ui.app import build_window
from ui.find_person import FindPersonDialog
from ui.profile import ProfileWindow
from ui.tasks import TaskRunner

from .conftest import HR, MANAGER
from .test_screenshots import SIZE, folder, picture  # noqa: F401  (folder: a fixture)


def colourful(image) -> bool:
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    return len(colours) > 8


def save(qtbot, widget, path: Path) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)  # let pending layouts settle before drawing
    image = picture(widget, 1)
    assert image.save(str(path)) and colourful(image)


def test_find_a_person(qtbot, make_context, folder):  # noqa: F811
    dialog = FindPersonDialog(make_context(HR), TaskRunner(inline=True))
    qtbot.addWidget(dialog)
    dialog.text.setText("hunt")
    dialog.search()
    assert dialog.list.topLevelItemCount() == 3
    save(qtbot, dialog, folder / "find-person.png")


def test_a_persons_profile(qtbot, make_context, folder):  # noqa: F811
    profile = ProfileWindow(make_context(MANAGER), TaskRunner(inline=True), 9)
    qtbot.addWidget(profile)
    assert profile.heading.text() == "Deborah Lloyd-Davies"
    save(qtbot, profile, folder / "person-profile.png")


def test_all_records_found_by_name_and_exported(
    qtbot,
    make_context,
    settings,
    folder,  # noqa: F811
    monkeypatch,
    tmp_path,
):
    window = build_window(make_context(HR), settings=settings, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show_page("records")
    page = window.pages["records"]
    page.filter.setText("Lucy Hunt")
    qtbot.waitUntil(lambda: page.model.person == "Lucy Hunt")  # after the typing pause
    save(qtbot, window, folder / "hr-all-records.png")
    monkeypatch.setattr(list_export, "ask_save_path", lambda _p, _n: tmp_path / "hunt.xlsx")
    window.actions_by_name["export_list"].trigger()
    assert window.status.message.text().startswith("Exported ")
    save(qtbot, window, folder / "hr-export-list.png")
