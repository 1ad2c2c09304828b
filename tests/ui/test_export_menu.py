"""HR's Tools > Export completed records as PDFs…: there for HR only, opens the export
dialog (kept, reused), and signs every PDF as HR, asking who signs once per export.

The screenshot goes to a temporary folder; with LCC_APR_SCREENSHOTS=1 it is written to
docs/screenshots/ instead (look at it after any visual change).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from lcc_apr.models import RecordKind
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from tests.pdf_tools import make_ca, make_user
from ui.app import build_window
from ui.export_dialog import ExportDialog

from .conftest import HR, MANAGER

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SMALL = "Chief Executive's Department"  # 52 completed records in the 50-person demo (3 RTW)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if os.environ.get("LCC_APR_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


@pytest.fixture
def window_for(qtbot, settings, runner):
    def build(context):
        window = build_window(context, settings=settings, runner=runner)
        qtbot.addWidget(window)
        return window

    return build


def tools_items(window) -> list:
    for menu_action in window.menuBar().actions():
        if menu_action.text() == "&Tools":
            return list(menu_action.menu().actions())
    raise AssertionError("no Tools menu")


def test_hr_has_the_export_and_it_opens_the_dialog_once(window_for, make_context):
    window = window_for(make_context(HR))
    action = window.actions_by_name["export_pdfs"]
    assert action in tools_items(window) and action.isEnabled()
    assert action.text().replace("&", "") == "Export completed records as PDFs…"
    keys = [a.text().split("&")[1][0].lower() for a in tools_items(window) if "&" in a.text()]
    assert len(keys) == len(set(keys)), keys  # each item has its own Alt key
    action.trigger()
    dialog = window.export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    assert dialog.parent() is window
    assert dialog.model.rowCount() > 0 and dialog.item_named("Finance")  # units too
    action.trigger()
    assert window.export_dialog is dialog


def test_a_manager_has_no_export(window_for, make_context):
    window = window_for(make_context(MANAGER))
    assert "export_pdfs" not in window.actions_by_name
    texts = [a.text().replace("&", "") for a in tools_items(window)]
    assert not any("Export" in t for t in texts), texts
    assert window.export_dialog is None


def hr_context(make_context, asked: list[str], ca):
    me = make_user(ca, "Beth Tebbutt")
    signer = PdfSigner(me.key, me.certificate, me.chain)

    def printer_for(record_id: str) -> Printer:
        asked.append(record_id)
        return Printer(signer, "Beth Tebbutt", "hr", [ca.certificate])

    return dataclasses.replace(make_context(HR), printer_for=printer_for)


def choose(dialog: ExportDialog, department: str, folder: Path) -> None:
    dialog.tick(department)
    dialog.recount()
    dialog.folder.setText(str(folder))


def test_every_pdf_is_signed_as_hr_and_who_signs_is_asked_once(
    qtbot, window_for, make_context, tmp_path
):
    ca = make_ca()
    asked: list[str] = []
    window = window_for(hr_context(make_context, asked, ca))
    dialog = window.open_export()
    assert asked == []  # not when the dialog opens: it may ask the server
    choose(dialog, SMALL, tmp_path)
    dialog.start()
    written = sorted(tmp_path.rglob("*.pdf"))
    assert len(written) == 52
    assert dialog.message.text() == "52 PDFs written. The index is index.csv."
    assert asked == [""]  # once for the whole batch, as HR (no record)
    for path in written[:3]:
        checked = check_pdf(path.read_bytes(), trust_roots=[ca.certificate])
        assert checked.ok and checked.signers == ("Beth Tebbutt",), checked.summary


def test_when_who_signs_cannot_be_found_each_record_says_why(
    qtbot, window_for, make_context, tmp_path
):
    asked: list[str] = []

    def broken(record_id: str) -> Printer:
        asked.append(record_id)
        raise ConnectionError("the server did not answer")

    window = window_for(dataclasses.replace(make_context(HR), printer_for=broken))
    dialog = window.open_export()
    choose(dialog, SMALL, tmp_path)
    dialog.start()
    assert asked == [""]
    assert not list(tmp_path.rglob("*.pdf"))
    assert dialog.failures.count() == 52
    assert "the server did not answer" in dialog.failures.item(0).text()


def test_screenshot_hr_export(qtbot, window_for, make_context, folder):
    window = window_for(make_context(HR))
    dialog = window.open_export()
    short = Path(tempfile.mkdtemp(prefix="lcc-apr-"))  # a path that reads well in the picture
    try:
        choose(dialog, SMALL, short / "Record PDFs")
        dialog.tick("Property Services")  # a unit of Corporate Resources
        dialog.tree.expand(dialog.item_named("Corporate Resources").index())
        dialog.tree.setCurrentIndex(dialog.item_named("Property Services").index())
        dialog.kinds[RecordKind.CAPABILITY].setChecked(False)
        dialog.recount()
        assert dialog.count_line.text() == "81 records, about 5.0 MB"
        dialog.start()
    finally:
        shutil.rmtree(short)
    assert dialog.message.text() == "81 PDFs written. The index is index.csv."
    qtbot.waitExposed(dialog)
    qtbot.wait(50)
    image = dialog.grab().toImage()
    assert image.save(str(folder / "hr-export.png"))
    assert image.width() >= dialog.sizeHint().width()
