"""The import wizard without a server: a workbook with two sheets that could be the
organisation asks which; a CSV does not; without a connection the dry run says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from lcc_apr.hr.samples import Layout
from lcc_apr.ops.org_import import OFFLINE
from ui.org_import import OrgImportWizard
from ui.org_import.wizard import REPORT
from ui.tasks import TaskRunner

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "hr" / "samples"


def two_sheets(path: Path) -> Path:
    book = Workbook()
    for number, sheet in enumerate((book.active, book.create_sheet()), start=1):
        sheet.title = f"Staff {number}"
        sheet.append(Layout("generic", "%Y-%m-%d").labels)
    book.create_sheet("Notes").append(["Nothing here"])
    book.save(path)
    return path


def wizard(qtbot) -> OrgImportWizard:
    found = OrgImportWizard(importer=None, runner=TaskRunner(inline=True), today=date(2026, 4, 1))
    qtbot.addWidget(found)
    found.show()
    return found


def test_a_workbook_with_two_candidate_sheets_asks_which(qtbot, tmp_path):
    shown = wizard(qtbot)
    page = shown.choose
    page.path.setText(str(two_sheets(tmp_path / "staff.xlsx")))
    qtbot.waitUntil(lambda: page.sheet.isVisible(), timeout=5_000)
    assert [page.sheet.itemText(i) for i in range(page.sheet.count())] == ["Staff 1", "Staff 2"]
    page.sheet.setCurrentIndex(1)
    assert shown.choice().sheet == "Staff 2" and "2 sheets" in page.note.text()
    page.path.setText(str(SAMPLES / "generic.csv"))
    qtbot.waitUntil(lambda: not page.sheet.isVisible(), timeout=5_000)
    assert shown.choice().sheet is None and shown.choice().as_of == date(2026, 4, 1)


def test_without_a_connection_the_dry_run_says_so(qtbot):
    shown = wizard(qtbot)
    shown.choose.path.setText(str(SAMPLES / "generic.csv"))
    shown.next()
    assert shown.currentId() == REPORT and not shown.running
    assert shown.report_page.status.text() == OFFLINE
    assert not shown.apply_button.isEnabled()
