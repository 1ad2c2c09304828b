"""Through the window: HR imports the organisation with the wizard against a live server
(real task threads): a dry run of resources/hr/samples/generic.csv, then Apply, then the
result and a sync that brings the new organisation to the laptop. Enter never applies;
stopping or cancelling before Apply leaves the server as it was.

The screenshots go to a temporary folder; with LCC_APR_SCREENSHOTS=1 they are written to
docs/screenshots/ (hr-import-dryrun.png, hr-import-applied.png).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from sqlalchemy import func, literal, select, update

from lcc_apr.demo.organisation import build_organisation
from lcc_apr.hr.samples import generic_csv, organisation_rows
from lcc_apr.models import Employee
from ui.org_import.wizard import REPORT, RESULT, STOPPED
from ui.qt import Qt, QtCore, QtWidgets

from .harness import AS_OF, DEMO_SIZE
from .test_org_import_route import organisation_hash
from .test_window_sync import open_window

ROOT = Path(__file__).resolve().parents[2]
GENERIC = ROOT / "resources" / "hr" / "samples" / "generic.csv"
DOCS = ROOT / "docs" / "screenshots"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if os.environ.get("LCC_APR_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def give_sample_emails_back(server) -> None:
    """The sample is the full demo organisation and the server holds the small one, whose
    invented people share a few work emails with it: theirs are made unique."""
    with GENERIC.open(encoding="utf-8") as f:
        emails = {row["Work email"].lower() for row in csv.DictReader(f)}
    with server.session() as session:
        session.execute(
            update(Employee)
            .where(func.lower(Employee.email).in_(emails))
            .values(email=literal("held.").concat(Employee.payroll_number).concat("@example.org"))
        )


def hr_window(qtbot, server, tmp_path):
    found = open_window(qtbot, server, tmp_path, server.people.hr[0].username)
    window = found[3]
    assert window.actions_by_name["org_import"].text() == "&Import organisation…"
    return found


def unnamed(wizard) -> list[str]:
    """Focusable widgets on show without an accessible name."""
    return [
        type(w).__name__
        for w in wizard.findChildren(QtWidgets.QWidget)
        if w.isVisible() and w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
    ]


def start_wizard(qtbot, window, path: Path):
    wizard = window.open_org_import()
    qtbot.waitUntil(lambda: wizard.choose.profile.count() == 4, timeout=10_000)
    assert unnamed(wizard) == []
    wizard.choose.path.setText(str(path))
    wizard.choose.as_of.setDate(QtCore.QDate(AS_OF.year, AS_OF.month, AS_OF.day))
    assert wizard.choose.isComplete()
    wizard.next()
    assert wizard.currentId() == REPORT
    return wizard


def wait_for_report(qtbot, wizard, timeout=60_000):
    qtbot.waitUntil(lambda: wizard.report is not None and not wizard.running, timeout=timeout)
    return wizard.report


def employees(server) -> int:
    with server.session() as session:
        return session.scalar(select(func.count(Employee.id)))


def test_hr_dry_runs_and_applies_the_sample_file(qtbot, live_server, tmp_path, folder):
    give_sample_emails_back(live_server)
    session, runner, context, window = hr_window(qtbot, live_server, tmp_path)
    try:
        before = organisation_hash(live_server.engine)
        wizard = start_wizard(qtbot, window, GENERIC)
        wizard.show()
        report = wait_for_report(qtbot, wizard)
        assert report.errors == [] and len(report.adds) == 6149 and report.new_people == 6087
        assert "Adds: 6,149 post(s), 6,087 new person(s)" in wizard.report_page.counts.text()
        assert "UTF-8" in wizard.report_page.counts.text()
        assert wizard.report_page.table.model.rowCount() == 6149 + 6087  # adds and accounts
        assert wizard.apply_button.isEnabled() and not wizard.apply_button.isDefault()
        assert not wizard.report_page.confirm.isVisible()  # a partial file: nobody leaves
        assert unnamed(wizard) == []
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # the default button never applies
            qtbot.keyClick(wizard, key)
            qtbot.keyClick(wizard.apply_button, key)  # nor Enter with Apply focused
            assert wizard.currentId() == REPORT and not wizard.running and wizard.isVisible()
        assert organisation_hash(live_server.engine) == before
        wizard.grab().save(str(folder / "hr-import-dryrun.png"))

        with qtbot.waitSignal(window.status.synced, timeout=120_000):  # applied, then synced
            qtbot.mouseClick(wizard.apply_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=120_000)
        summary = wizard.result_page.summary.text()
        assert summary.startswith("Applied: 6,149 post(s) added") and "6,087 new account" in summary
        assert employees(live_server) == DEMO_SIZE + 6087
        wizard.grab().save(str(folder / "hr-import-applied.png"))
        with session.store.session() as local:  # the new organisation reached the laptop
            assert local.scalar(select(func.count(Employee.id))) == DEMO_SIZE + 6087
        wizard.accept()
    finally:
        window.close()
        runner.shutdown()
        session.close()


def small_file(tmp_path: Path, rows: int | None = None) -> Path:
    found = organisation_rows(build_organisation(seed=2020, size=DEMO_SIZE, as_of=AS_OF))
    found[3]["grade"] = "Grade 99"
    path = tmp_path / "staff.csv"
    path.write_bytes(generic_csv(found[:rows] if rows else found))
    return path


def test_stopping_or_cancelling_before_apply_changes_nothing(qtbot, live_server, tmp_path):
    session, runner, context, window = hr_window(qtbot, live_server, tmp_path)
    before = organisation_hash(live_server.engine)
    try:
        wizard = start_wizard(qtbot, window, small_file(tmp_path))
        assert wizard.running
        qtbot.mouseClick(wizard.report_page.stop, Qt.MouseButton.LeftButton)
        assert not wizard.running and wizard.report is None
        assert wizard.report_page.status.text() == STOPPED
        assert not wizard.apply_button.isEnabled()
        qtbot.mouseClick(wizard.report_page.again, Qt.MouseButton.LeftButton)
        report = wait_for_report(qtbot, wizard)
        assert [c.new for c in report.changes] == ["Grade 99"] and wizard.apply_button.isEnabled()
        wizard.reject()  # Cancel at the report: the wizard closes, nothing applied
        assert not wizard.isVisible()
        qtbot.waitUntil(lambda: not runner.active(), timeout=30_000)
        assert organisation_hash(live_server.engine) == before
    finally:
        window.close()
        runner.shutdown()
        session.close()


def test_many_leavers_need_the_confirmation_ticked(qtbot, live_server, tmp_path):
    session, runner, context, window = hr_window(qtbot, live_server, tmp_path)
    try:
        wizard = start_wizard(qtbot, window, small_file(tmp_path, rows=40))
        wizard.show()
        assert not wait_for_report(qtbot, wizard).leavers
        wizard.report_page.complete.setChecked(True)  # a complete file: a new dry run
        report = wait_for_report(qtbot, wizard)
        assert len(report.leavers) == 10 and report.needs_confirmation
        page = wizard.report_page
        assert page.confirm.isVisible() and "10 of 50 current staff" in page.confirm_note.text()
        assert not wizard.apply_button.isEnabled()
        qtbot.keyClick(page.confirm, Qt.Key.Key_Space)  # from the keyboard
        assert page.confirm.isChecked() and wizard.apply_button.isEnabled()
        qtbot.keyClick(wizard.apply_button, Qt.Key.Key_Space)  # an explicit press
        qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=60_000)
        assert "10 leaver(s)" in wizard.result_page.summary.text()
        wizard.accept()
    finally:
        window.close()
        runner.shutdown()
        session.close()


def test_a_file_the_server_cannot_read_is_said_plainly_and_nothing_can_be_applied(
    qtbot, live_server, tmp_path
):
    session, runner, context, window = hr_window(qtbot, live_server, tmp_path)
    try:
        renamed = tmp_path / "staff.xlsx"
        renamed.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        wizard = start_wizard(qtbot, window, renamed)
        qtbot.waitUntil(lambda: not wizard.running, timeout=30_000)
        assert wizard.report_page.status.text().startswith(
            "staff.xlsx: is a PDF, not a spreadsheet"
        )
        assert wizard.report is None and not wizard.apply_button.isEnabled()
        wizard.reject()
    finally:
        window.close()
        runner.shutdown()
        session.close()
