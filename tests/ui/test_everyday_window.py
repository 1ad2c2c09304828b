"""Issue 12, smaller defects of the main window: its title, the Settings shortcut, who is
signed in, and fitting a 1,024 x 700 laptop screen at 150% text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lcc_apr.sync.errors import NetworkError
from lcc_apr.sync.outcome import Progress, SyncResult
from ui.app import build_window
from ui.tasks import TaskRunner

from .conftest import EMPLOYEE, HR, MANAGER


@pytest.fixture
def window_for(qtbot, make_context, settings):
    def build(username: str, scale: int = 100, context=None):
        settings.set("appearance/text_scale", scale)
        context = context or make_context(username)
        window = build_window(context, settings=settings, runner=TaskRunner(inline=True))
        qtbot.addWidget(window)
        return window

    return build


def test_the_title_names_the_app_once(window_for):
    window = window_for(MANAGER)
    window.show()
    title = window.windowTitle()
    assert "LCC APR" not in title  # Qt adds the application's display name
    assert window.context.user.display_name in title


def test_settings_has_a_shortcut_you_can_type(window_for):
    window = window_for(MANAGER)
    assert window.actions_by_name["settings"].shortcut().toString() == "Ctrl+,"


def test_the_window_says_who_is_signed_in_in_the_demo(window_for, make_context):
    context = replace(make_context(MANAGER), demo_title="line manager")
    window = window_for(MANAGER, context=context)
    name = context.user.display_name
    assert window.who.text() == f"Signed in as {name} (demo: line manager)"
    assert window_for(HR).who.text().startswith("Signed in as ")


@pytest.mark.parametrize("user", [MANAGER, HR, EMPLOYEE])
@pytest.mark.parametrize("scale", [125, 150])
def test_the_window_fits_a_1024_by_700_screen(qtbot, window_for, user, scale):
    window = window_for(user, scale)
    window.resize(1024, 700)
    window.show()
    status = window.status
    for key in window.page_keys():
        window.show_page(key)
        qtbot.wait(1)
    # the longest things the status bar says: after a sync, offline, and during one
    status.note_outcome(SyncResult(sent=3, received=241_497, conflicts=2, refused=["x"]))
    status.note_outcome(NetworkError("The server could not be reached: check the address."))
    wide = [window.minimumSizeHint().width()]
    status.sync_button.setEnabled(False)
    status.cancel_button.show()
    status.progress.show()
    status._show_progress(Progress("receiving", 12_500, 0, total=241_000, seconds_left=41))
    wide.append(window.minimumSizeHint().width())
    assert max(wide) <= 1024, wide
    assert window.minimumSizeHint().height() <= 700


@pytest.mark.parametrize(("user", "role"), [(MANAGER, "manager"), (HR, "hr"), (EMPLOYEE, "staff")])
def test_help_opens_the_guide_for_the_persons_role(qtbot, window_for, user, role):
    window = window_for(user)
    assert window.actions_by_name["guide"].shortcut().toString() == "F1"
    guide = window.show_guide()
    qtbot.addWidget(guide)
    assert guide.role == role
    assert guide.text.toPlainText().startswith("Guide for ")
    guide.show_guide("staff")
    assert "Sign off" in guide.text.toPlainText()


def test_about_says_what_the_app_is_before_the_versions(qtbot, window_for):
    about = window_for(MANAGER).show_about()
    text = about.text.text()
    assert text.index("app for staff records") < text.index("Python")
