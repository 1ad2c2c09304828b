"""The PDF preview: pages shown, Save as PDF (whole or nothing), printing every page."""

from __future__ import annotations

import io
import subprocess

import pytest
from reportlab.pdfgen import canvas

from ui.pdf_view import PdfPreview, print_document
from ui.qt import QtCore, QtWidgets, pdf_modules


def two_pages() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for text in ("First page: Adébáyọ̀", "Second page"):
        page.drawString(72, 720, text)
        page.showPage()
    page.save()
    return out.getvalue()


@pytest.fixture
def preview(qtbot):
    dialog = PdfPreview(title="APR 2025/26", pdf=two_pages(), file_name="apr.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_preview_shows_every_page_and_names_its_controls(preview):
    assert preview.document.pageCount() == 2
    assert preview.pages.text() == "2 pages"
    for button in preview.findChildren(QtWidgets.QPushButton):
        assert button.accessibleName(), button.text()
    assert preview.view.accessibleName()


def test_save_writes_the_very_bytes_and_adds_the_extension(preview, tmp_path):
    assert preview.save_to(tmp_path / "out")
    assert (tmp_path / "out.pdf").read_bytes() == preview.pdf
    assert not list(tmp_path.glob("*.part"))
    assert "Saved to" in preview.message.text()


def test_a_save_that_fails_says_so_and_leaves_nothing(preview, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert not preview.save_to(blocked / "out.pdf")
    assert "not saved" in preview.message.text()
    assert blocked.read_text() == "not a folder"


def test_ctrl_s_asks_where_and_saves(preview, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "chosen.pdf"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.keyClick(preview.view, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert target.read_bytes() == preview.pdf


def test_printing_paints_each_page_in_the_range(preview, tmp_path):
    QtPrintSupport = pdf_modules()[2]
    printer = QtPrintSupport.QPrinter()
    printer.setOutputFormat(QtPrintSupport.QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert print_document(preview.document, printer) == 2
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True)
    assert "Pages:           2" in info.stdout
    printer.setOutputFileName(str(tmp_path / "one.pdf"))
    printer.setFromTo(2, 2)
    assert print_document(preview.document, printer) == 1
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "one.pdf")], capture_output=True, text=True, check=True
    )
    assert "Pages:           1" in info.stdout
