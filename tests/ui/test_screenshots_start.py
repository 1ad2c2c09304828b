"""Screenshots of the start-up and help: the welcome's demo chooser, its progress, the
guide, and the manager's window on a 1,024 x 700 screen at 125% and 150% text."""

from __future__ import annotations

import pytest

from lcc_apr.progress import Step
from ui.app import build_window
from ui.help import GuideWindow
from ui.tasks import TaskRunner
from ui.theme import apply_appearance
from ui.welcome import WelcomeDialog

from .conftest import MANAGER
from .test_screenshots import folder, picture  # noqa: F401 (fixture)


def test_welcome_with_demo_chooser_and_progress(qtbot, folder):  # noqa: F811
    dialog = WelcomeDialog(runner=TaskRunner(inline=True), sign_in=lambda *a: None)
    qtbot.addWidget(dialog)
    dialog.show()
    picture(dialog, 1).save(str(folder / "welcome-demo-people.png"))
    dialog._busy(True)
    dialog.show_message(Step("Receiving records", 12_500, 241_000, 41))
    picture(dialog, 1).save(str(folder / "welcome-progress.png"))
    dialog._busy(False)
    assert dialog.message.text().startswith("Receiving records: 12,500 of about 241,000")


def test_guide(qtbot, folder):  # noqa: F811
    guide = GuideWindow("manager")
    qtbot.addWidget(guide)
    guide.show()
    picture(guide, 1).save(str(folder / "guide-manager.png"))
    assert guide.role == "manager"


@pytest.mark.parametrize("scale", [125, 150])
def test_manager_on_a_small_laptop(qtbot, qapp, make_context, settings, folder, scale):  # noqa: F811
    settings.set("appearance/text_scale", scale)
    window = build_window(make_context(MANAGER), settings=settings, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    assert window.width() == 1024
    picture(window, 1).save(str(folder / f"manager-1024-text-{scale}.png"))
    apply_appearance(qapp, theme="system", text_scale=100)
