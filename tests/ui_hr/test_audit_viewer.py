"""HR's Audit page and Tools > Subject access export, on the demo store, against a
stand-in for the server's audit routes (tests/server/test_hr_audit.py and
test_subject_access.py run the real ones): filters reach the server, pages arrive as the
table scrolls, Export CSV names users and people, the export makes its zip; every control
has an accessible name. Paging over millions of rows is a figure (bench/audit.py)."""

from __future__ import annotations

import csv
import dataclasses
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lcc_apr.models import Employee, Record, User
from lcc_apr.sync.auditwire import AuditEntryWire, AuditPageReply
from ui.hr_audit import AuditView
from ui.main_window import MainWindow
from ui.qt import Qt, QtWidgets
from ui.subject_access_dialog import SubjectAccessDialog

from .conftest import HR, unnamed

START = datetime(2026, 11, 1, tzinfo=UTC)


class FakeAudit:
    """GET /hr/audit and /hr/audit.csv over a list, newest first, 200 a page."""

    def __init__(self, entries: list[AuditEntryWire]) -> None:
        self.entries = sorted(entries, key=lambda e: e.id, reverse=True)
        self.asked: list[dict] = []

    def matching(self, params: dict) -> list[AuditEntryWire]:
        found = self.entries
        if params.get("person"):
            found = [e for e in found if e.subject_id == params["person"]]
        if params.get("event"):
            found = [e for e in found if e.event == params["event"]]
        return found

    def audit_page(self, params: dict) -> AuditPageReply:
        self.asked.append(dict(params))
        found = self.matching(params)
        if params.get("cursor"):
            last = int(params["cursor"].rpartition("_")[2])
            found = [e for e in found if e.id < last]
        page = found[:200]
        more = len(found) > 200
        return AuditPageReply(entries=page, next=f"x_{page[-1].id}" if more else None)

    def audit_csv(self, params: dict) -> bytes:
        self.asked.append({**params, "csv": True})
        lines = ["id,at,user_id,event,route,outcome,record_id,subject_id"]
        for e in self.matching(params):
            lines.append(
                f"{e.id},{e.at},{e.user_id or ''},{e.event},{e.route},{e.outcome},"
                f"{e.record_id or ''},{e.subject_id or ''}"
            )
        return ("\r\n".join(lines) + "\r\n").encode()


def demo_entries(store, n: int) -> tuple[list[AuditEntryWire], int, int]:
    with store.session() as s:
        person = s.scalars(select(Employee.id).order_by(Employee.id)).first()
        user = s.scalars(select(User.id).where(User.employee_id != person)).first()
        record = s.scalars(select(Record.id).where(Record.subject_id == person)).first()
    entries = [
        AuditEntryWire(
            id=i,
            at=(START + timedelta(minutes=i)).isoformat(),
            user_id=user,
            event="viewed" if i % 3 else "push",
            route="/sync/push",
            outcome="ok",
            record_id=record if i % 2 else None,
            subject_id=person if i % 2 else person + 1,
        )
        for i in range(1, n + 1)
    ]
    return entries, person, user


def hr_window(window_for, server: FakeAudit) -> MainWindow:
    window = window_for(HR)
    window.context = dataclasses.replace(window.context, hr_connection=server)
    return window


def test_the_audit_page_filters_pages_on_scroll_and_exports(qtbot, store, window_for, tmp_path):
    entries, person, user = demo_entries(store, 1000)
    server = FakeAudit(entries)
    window = hr_window(window_for, server)
    page = window.pages["audit"]
    assert isinstance(page, AuditView)
    page.context = window.context
    page.model.context = window.context
    window.nav.setCurrentRow(list(window.pages).index("audit"))
    window.show()
    qtbot.waitExposed(window)
    assert unnamed(page) == []
    assert server.asked == []  # nothing is read from the server until HR asks
    qtbot.waitUntil(lambda: page.person.count() > 1)
    page.person.setCurrentIndex(page.person.findData(person))
    page.what.setCurrentIndex(page.what.findData("viewed"))
    page.show_button.click()
    assert server.asked[0] == {"person": person, "event": "viewed"}  # the first page
    expected = [e for e in server.matching({"person": person, "event": "viewed"})]
    assert len(expected) > 200
    qtbot.waitUntil(lambda: page.model.rowCount() >= 200)
    first = page.model.rows[0]
    with store.session() as s:
        employee = s.get(Employee, person)
        assert first.person == f"{employee.first_name} {employee.last_name}"
        assert first.who == s.get(User, user).display_name
    assert first.event == "Viewed a record" and first.record  # the record named by kind
    # the time and what was done are never cut short (the table is read as a log)
    metrics = page.table.fontMetrics()
    for column in (0, 2):
        text = page.model.data(page.model.index(0, column), Qt.ItemDataRole.DisplayRole)
        assert page.table.columnWidth(column) > metrics.horizontalAdvance(text), column
    page.table.scrollToBottom()  # the next pages, as HR scrolls
    qtbot.waitUntil(lambda: page.model.rowCount() > 200)
    assert all("cursor" in asked for asked in server.asked[1:])
    while page.model.canFetchMore():
        page.model.fetchMore()
    assert [r.entry_id for r in page.model.rows] == [e.id for e in expected]
    assert "shown." in page.count.text()

    target = tmp_path / "audit.csv"
    page.export_csv(target)
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert [int(r["id"]) for r in rows] == [e.id for e in expected]
    assert {r["person"] for r in rows} == {first.person}
    assert {r["who"] for r in rows} == {first.who}
    assert "saved" in page.count.text()


def test_no_page_takes_a_menu_s_alt_key(qtbot, store, window_for):
    """Alt+F opens File wherever the focus is: no label or button on HR's pages claims a
    menu's letter (the Audit page's "&From" and "&Export" once did)."""
    window = window_for(HR)

    def letter(text: str) -> str | None:
        at = text.replace("&&", "").find("&")
        return text.replace("&&", "")[at + 1].lower() if at >= 0 else None

    menus = {letter(a.text()) for a in window.menuBar().actions()} - {None}
    assert menus >= {"f", "e", "v", "t", "h"}
    for name, page in window.pages.items():
        widgets = page.findChildren(QtWidgets.QLabel) + page.findChildren(QtWidgets.QAbstractButton)
        taken = {letter(w.text()) for w in widgets if w.isVisibleTo(page)} & menus
        assert not taken, (name, taken)


def test_the_audit_page_says_plainly_when_there_is_no_server(qtbot, store, window_for):
    window = window_for(HR)
    page = window.pages["audit"]
    page.show_button.click()
    qtbot.waitUntil(lambda: "Could not read" in page.count.text())
    assert "connection to the server" in page.count.text()


def test_subject_access_export_makes_the_zip_with_progress(qtbot, store, window_for, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    entries, person, _user = demo_entries(store, 50)
    window = hr_window(window_for, FakeAudit(entries))
    window.show()
    dialog = window.open_subject_access()
    assert isinstance(dialog, SubjectAccessDialog)
    qtbot.waitExposed(dialog)
    assert unnamed(dialog) == []
    qtbot.waitUntil(lambda: dialog.person.count() > 1)
    dialog.start_button.click()
    assert "Choose a person" in dialog.message.text()
    dialog.person.setCurrentIndex(dialog.person.findData(person))
    dialog.folder.setText(str(tmp_path))
    dialog.start_button.click()
    qtbot.waitUntil(lambda: "Saved" in dialog.message.text(), timeout=60_000)
    (made,) = tmp_path.glob("subject-access-*.zip")
    with store.session() as s:
        theirs = set(s.scalars(select(Record.id).where(Record.subject_id == person)))
    with zipfile.ZipFile(made) as zf:
        names = zf.namelist()
        assert "index.html" in names and "audit-about.csv" in names
        held = {n for n in names if n.startswith("records/") and n.endswith(".json")}
    assert len(held) == len(theirs)
    assert dialog.progress.value() == dialog.progress.maximum()
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_subject_access_export_needs_the_server_and_says_so(qtbot, store, window_for, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    window = window_for(HR)
    window.show()
    dialog = window.open_subject_access()
    qtbot.waitUntil(lambda: dialog.person.count() > 1)
    dialog.person.setCurrentIndex(1)
    dialog.folder.setText(str(tmp_path))
    dialog.start_button.click()
    qtbot.waitUntil(lambda: "Nothing was saved" in dialog.message.text())
    assert "connection to the server" in dialog.message.text()
    assert list(tmp_path.iterdir()) == []
