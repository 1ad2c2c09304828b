"""Save as PDF starts in the person's Documents folder, even when it does not exist yet
(the file dialog then fell back to the program's folder)."""

from pathlib import Path

from tests.ui_pdf.test_preview import two_pages
from ui.pdf_view import PdfPreview
from ui.qt import QtWidgets


def test_save_as_pdf_starts_in_documents(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.chdir(tmp_path)  # nothing else is there: a relative start would land here
    asked = []
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *a: asked.append(a[2]) or ("", "")
    )
    dialog = PdfPreview(title="APR", pdf=two_pages(), file_name="apr.pdf")
    qtbot.addWidget(dialog)
    dialog.save()
    start = Path(asked[0])
    assert start == tmp_path / "Documents" / "apr.pdf"
    assert start.parent.is_dir()  # or the dialog opens somewhere else
