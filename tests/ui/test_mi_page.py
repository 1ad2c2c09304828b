"""Management information (HR and managers): the page, its filters, each view's chart and
table, the exports (audited) and the committee pack, on the 50-person demo."""

from __future__ import annotations

import pytest

from ui.app import build_window

from .conftest import HR, context_for


@pytest.fixture
def window_for(qtbot, demo_store_copy, settings, runner):
    def build(username, *, task_runner=None):
        window = build_window(
            context_for(demo_store_copy, username), settings=settings, runner=task_runner or runner
        )
        qtbot.addWidget(window)
        return window

    return build


def test_smoke(window_for, qtbot):
    window = window_for(HR)
    window.show_page("mi")
    page = window.pages["mi"]
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(300)
    window.grab().save("/tmp/mi-smoke.png")
    assert page.views.count() > 0
