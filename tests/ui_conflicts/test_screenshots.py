"""Screenshots of the conflict dialog, offscreen.

They go to a temporary folder; with LCC_APR_SCREENSHOTS=1 they are written to
docs/screenshots/ instead (look at them after any visual change).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ui.conflicts import ConflictDialog, ConflictsList

from .conftest import CATALOGUE, R1, R2

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

MINE = {
    "workload": (
        "Caseload down to 18 after two cases closed. Agreed to stop covering duty on "
        "Fridays until the new starter is in post."
    ),
    "supervision_type": "group",
    "new_actions": [
        {"action": "Book the safeguarding refresher", "owner": "Bethan", "due_date": "2027-01-15"}
    ],
    "learning": "Booked onto the Supervisor Development Programme.",
}
THEIRS = {
    "workload": "Caseload stays at 22 until the January review.",
    "supervision_type": "unplanned",
    "new_actions": [
        {"action": "Book the safeguarding refresher", "owner": "Bethan", "due_date": "2027-01-15"},
        {"action": "Shadow a colleague on duty", "owner": "Manager", "due_date": "2027-01-08"},
    ],
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if os.environ.get("LCC_APR_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def shoot(qtbot, widget, path: Path, size: tuple[int, int]) -> None:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)  # let pending layouts settle before drawing
    image = widget.grab().toImage()
    assert image.save(str(path))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 10  # not blank


def test_screenshot_of_a_conflict(qtbot, maker, runner, folder):
    maker.conflict({"workload": "Heavy", "supervision_type": "planned"}, MINE, THEIRS)
    dialog = ConflictDialog(maker.store, CATALOGUE, R1, runner=runner, user_id=maker.user_id)
    dialog.choose("workload", "edit")
    dialog.choose("supervision_type", "mine")
    shoot(qtbot, dialog, folder / "conflict.png", (900, 780))


def test_screenshot_of_a_refusal(qtbot, maker, runner, folder):
    maker.refused(R1, "Only the employee's line manager may change the workload section.")
    dialog = ConflictDialog(maker.store, CATALOGUE, R1, runner=runner, user_id=maker.user_id)
    shoot(qtbot, dialog, folder / "conflict-refused.png", (700, 360))


def test_screenshot_of_the_list(qtbot, maker, runner, folder):
    maker.conflict({"workload": "Heavy"}, {"workload": "Mine"}, {"workload": "Theirs"})
    maker.refused(R2, "Refused.")
    shoot(
        qtbot,
        ConflictsList(maker.store, CATALOGUE, runner=runner, user_id=maker.user_id),
        folder / "conflict-list.png",
        (700, 300),
    )
