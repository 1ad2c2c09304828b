# ruff: noqa: F811 - the server fixtures are imported by name
"""HR's Retention page against a real server: the due list worked out, records chosen and
their purge confirmed (asked once more), a legal hold shown and released."""

from __future__ import annotations

from lcc_apr.models import RecordKind
from lcc_apr.ops.retention import OFFLINE, RetentionDesk
from lcc_apr.server import retention
from lcc_apr.sync.transport import Connection, Tokens
from tests.conftest import MemoryKeyring
from tests.server.conftest import (  # noqa: F401 - fixtures, found by name
    live_server,
    live_server_factory,
    server_template,
    server_workspace,
    shared_uvicorn,
)
from tests.test_retention import make, staff
from tests.ui.test_screenshots import folder  # noqa: F401 - a fixture
from ui.qt import Qt, QtWidgets
from ui.retention import RetentionDialog
from ui.tasks import TaskRunner


def hr_desk(live_server) -> RetentionDesk:
    connection = Connection(live_server.url, tokens=Tokens(MemoryKeyring()), allow_plain_local=True)
    connection.login(live_server.people.hr[0].username, "demo")
    return RetentionDesk(connection)


def rows(table: QtWidgets.QTreeWidget) -> list[QtWidgets.QTreeWidgetItem]:
    return [table.topLevelItem(i) for i in range(table.topLevelItemCount())]


def test_hr_confirms_a_purge_and_releases_a_hold(qtbot, live_server):
    a, b = staff(live_server, 2)
    hr = live_server.people.hr[0]
    gone = make(live_server, RecordKind.SUPERVISION, a, "completed", "2015-06-01")
    held = make(live_server, RecordKind.SUPERVISION, b, "completed", "2015-06-01")
    with live_server.session() as s:
        retention.place_hold(s, hr.id, "tribunal", employee_id=b)
    asked: list[str] = []
    answers = [False, True, True]

    def ask(title: str, question: str) -> bool:
        asked.append(title)
        return answers.pop(0)

    dialog = RetentionDialog(desk=hr_desk(live_server), runner=TaskRunner(inline=True), ask=ask)
    qtbot.addWidget(dialog)
    assert "not been worked out" in dialog.listed.text()
    (hold,) = rows(dialog.holds)
    assert "Employment tribunal" in hold.text(1) and hold.text(0)
    assert not dialog.purge_button.isEnabled()

    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    by_id = {r.data(0, Qt.ItemDataRole.UserRole): r for r in rows(dialog.due)}
    assert gone in by_id and held in by_id
    assert by_id[gone].text(4) == "Yes" and by_id[gone].text(0) == "Supervision"
    assert by_id[held].text(4).startswith("No: A legal hold")
    by_id[gone].setSelected(True)
    by_id[held].setSelected(True)
    assert dialog.purge_button.isEnabled()

    qtbot.mouseClick(dialog.purge_button, Qt.MouseButton.LeftButton)  # HR says no
    assert dialog.status.text() == "Nothing was purged."
    assert len(live_server.records(id=gone)) == 1
    qtbot.mouseClick(dialog.purge_button, Qt.MouseButton.LeftButton)  # HR says yes
    assert "Purged 1 record(s). Kept 1: A legal hold" in dialog.status.text()
    assert live_server.records(id=gone) == [] and len(live_server.records(id=held)) == 1
    assert gone not in {r.data(0, Qt.ItemDataRole.UserRole) for r in rows(dialog.due)}

    dialog.holds.setCurrentItem(rows(dialog.holds)[0])
    qtbot.mouseClick(dialog.release_button, Qt.MouseButton.LeftButton)
    assert rows(dialog.holds) == []
    assert asked == ["Confirm purge", "Confirm purge", "Release legal hold"]
    named = [dialog, dialog.due, dialog.holds, dialog.refresh_button, dialog.purge_button]
    named += [dialog.release_button, dialog.status, dialog.listed]
    assert all(w.accessibleName() for w in named)
    for button in dialog.findChildren(QtWidgets.QPushButton):
        assert button.accessibleName(), button.text()


def test_without_a_connection_the_page_says_so(qtbot):
    dialog = RetentionDialog(desk=RetentionDesk(None), runner=TaskRunner(inline=True))
    qtbot.addWidget(dialog)
    assert dialog.status.text() == OFFLINE
    assert rows(dialog.due) == []


class CannedDesk:
    """The server's answers, as a review (for the screenshot: no server needed)."""

    def __init__(self, review) -> None:
        self._review = review

    def review(self):
        return self._review


def test_retention_page_screenshot(qtbot, folder):  # noqa: F811
    from datetime import date

    from lcc_apr.ops.retention import DueRow, HoldRow, Review
    from tests.ui_hr.test_screenshots import save

    due = (
        DueRow(
            "a1",
            "Supervision",
            "Alex Morgan",
            "supervision: 6 years after record completed",
            date(2024, 5, 1),
            "",
        ),
        DueRow(
            "a2",
            "Annual Performance Review",
            "Priya Shah",
            "apr: 6 years after record completed",
            date(2024, 9, 30),
            "",
        ),
        DueRow(
            "a3",
            "Capability case",
            "Jordan Lee",
            "capability: 6 years after warning expired",
            date(2025, 3, 1),
            "A legal hold is in force (Employment tribunal claim): it must be released first.",
        ),
        DueRow(
            "a4",
            "Probation review",
            "Sam Taylor",
            "probation: 6 years after person left",
            date(2025, 6, 30),
            "",
        ),
    )
    holds = (HoldRow(1, "Jordan Lee", "Employment tribunal claim", date(2025, 10, 2)),)
    review = Review(due, holds, (("tribunal", "Employment tribunal claim"),), "30 Nov 2025 02:00")
    dialog = RetentionDialog(desk=CannedDesk(review), runner=TaskRunner(inline=True))
    qtbot.addWidget(dialog)
    dialog.resize(1100, 560)
    for row in rows(dialog.due)[:2]:
        row.setSelected(True)
    assert dialog.purge_button.isEnabled()
    save(qtbot, dialog, folder / "hr-retention.png")


def test_file_retention_opens_the_page_for_hr(window_for):
    window = window_for()  # HR, with no server connection in these tests
    dialog = window.open_retention()
    assert dialog.windowTitle() == "Retention" and dialog.status.text() == OFFLINE
    dialog.close()
