"""Screenshots of 'Needs my action': the manager's (a countersignature waiting, what is due
this week) and the employee's (an APR to respond to and sign). Written to docs/screenshots/
with LCC_APR_SCREENSHOTS=1 (see test_screenshots.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lcc_apr.models import Record, RecordKind
from ui.app import build_window
from ui.tasks import TaskRunner

from .conftest import EMPLOYEE, MANAGER, context_for
from .test_screenshots import SIZE, folder, picture  # noqa: F401  (folder: a fixture)


@pytest.mark.parametrize(
    ("name", "user", "signed"),
    [
        ("manager-needs-my-action.png", MANAGER, True),
        ("employee-needs-my-action.png", EMPLOYEE, False),
    ],
)
def test_screenshot(qtbot, demo_store_copy, settings, folder, name, user, signed):  # noqa: F811
    employee = context_for(demo_store_copy, EMPLOYEE).user
    if signed:  # the employee has signed their APR: the manager countersigns
        with demo_store_copy.session() as s:
            s.scalars(
                select(Record).where(
                    Record.subject_id == employee.employee_id,
                    Record.kind == RecordKind.APR,
                    Record.status == "shared",
                )
            ).one().status = "employee_signed"
    window = build_window(
        context_for(demo_store_copy, user), settings=settings, runner=TaskRunner(inline=True)
    )
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert window.current_page() == "inbox"
    page = window.pages["inbox"]
    texts = [i.text for i in page.items()]
    if signed:
        assert f"Countersign {employee.display_name}'s APR" in texts
    else:
        assert texts == ["Respond to and sign your Annual Performance Review"]
    image = picture(window, 1)
    assert image.save(str(folder / name))
    assert (image.width(), image.height()) == SIZE
