"""HR's menu items: File > Import organisation… and Tools > Export completed records as
PDFs… are offered to HR and to nobody else (not even greyed out)."""

from __future__ import annotations

import pytest

from ui.app import build_window

from .conftest import EMPLOYEE, HR, MANAGER

HR_ITEMS = {
    "org_import": "&Import organisation…",
    "export_pdfs": "E&xport completed records as PDFs…",
    "retention": "&Retention…",
}


def menu_texts(window) -> set[str]:
    return {
        item.text()
        for menu_action in window.menuBar().actions()
        for item in menu_action.menu().actions()
    }


@pytest.fixture
def window_for(qtbot, settings, runner, make_context):
    def build(user):
        window = build_window(make_context(user), settings=settings, runner=runner)
        qtbot.addWidget(window)
        return window

    return build


def test_hr_has_import_organisation_in_the_file_menu(window_for):
    window = window_for(HR)
    texts = menu_texts(window)
    for name, text in HR_ITEMS.items():
        assert window.actions_by_name[name].isEnabled() and text in texts
    for menu_action in window.menuBar().actions():
        if menu_action.text() == "&File":
            assert window.actions_by_name["org_import"] in menu_action.menu().actions()


@pytest.mark.parametrize("user", [MANAGER, EMPLOYEE])
def test_no_one_else_sees_any_hr_item(window_for, user):
    window = window_for(user)
    assert not set(HR_ITEMS) & set(window.actions_by_name)
    assert not set(HR_ITEMS.values()) & menu_texts(window)
    assert not any("organisation" in text.lower() for text in menu_texts(window))
