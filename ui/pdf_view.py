"""A PDF preview with Save as PDF and Print (the system print dialog).

The PDF arrives as bytes made by the core (lcc_apr.pdf) in a worker; this window only
shows, saves and prints it. Printing renders each page at the printer's resolution.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .files import documents_folder
from .qt import QtCore, QtGui, QtWidgets, pdf_modules


class PdfPreview(QtWidgets.QDialog):
    def __init__(
        self,
        *,
        title: str,
        pdf: bytes,
        file_name: str,
        check: str = "",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        QtPdf, QtPdfWidgets, _ = pdf_modules()
        self.pdf = pdf
        self.file_name = file_name
        self.setWindowTitle(f"Preview: {title}")
        self.setAccessibleName(f"PDF preview of {title}")
        self.buffer = QtCore.QBuffer(self)
        self.buffer.setData(QtCore.QByteArray(pdf))
        self.buffer.open(QtCore.QIODevice.OpenModeFlag.ReadOnly)
        self.document = QtPdf.QPdfDocument(self)
        self.document.load(self.buffer)
        self.view = QtPdfWidgets.QPdfView(self)
        self.view.setAccessibleName("Pages of the PDF")
        self.view.setDocument(self.document)
        self.view.setPageMode(QtPdfWidgets.QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QtPdfWidgets.QPdfView.ZoomMode.FitToWidth)
        self.view.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.check = QtWidgets.QLabel(check)
        self.check.setWordWrap(True)
        self.check.setAccessibleName("Signature check")
        self.check.setVisible(bool(check))
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        pages = self.document.pageCount()
        self.pages = QtWidgets.QLabel(f"{pages} page{'s' if pages != 1 else ''}")
        self.pages.setAccessibleName("Number of pages")
        self.save_button = self._button("&Save as PDF…", "Save as PDF", self.save)
        self.print_button = self._button("&Print…", "Print", self.print_)
        zoom_in = self._button("Zoom &in", "Zoom in", lambda: self.zoom(1.25))
        zoom_out = self._button("Zoom &out", "Zoom out", lambda: self.zoom(0.8))
        close = self._button("&Close", "Close the preview", self.reject)
        for key, slot in (
            (QtGui.QKeySequence.StandardKey.Save, self.save),
            (QtGui.QKeySequence.StandardKey.Print, self.print_),
            (QtGui.QKeySequence.StandardKey.ZoomIn, lambda: self.zoom(1.25)),
            (QtGui.QKeySequence.StandardKey.ZoomOut, lambda: self.zoom(0.8)),
        ):
            QtGui.QShortcut(QtGui.QKeySequence(key), self).activated.connect(slot)
        bar = QtWidgets.QHBoxLayout()
        for widget in (self.save_button, self.print_button, zoom_in, zoom_out):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.pages)
        bar.addWidget(close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.check)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        self.resize(820, 900)
        self.view.setFocus()

    def _button(self, text: str, name: str, slot: Any) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def zoom(self, factor: float) -> None:
        QtPdfWidgets = pdf_modules()[1]
        current = self.view.zoomFactor()
        self.view.setZoomMode(QtPdfWidgets.QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(4.0, current * factor)))

    def save(self) -> None:
        start = str(documents_folder() / self.file_name)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save as PDF", start, "PDF documents (*.pdf)"
        )
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        """Write the PDF whole or not at all (a temporary file, then renamed)."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            write_atomically(path, self.pdf)
        except OSError as exc:
            self.message.setText(
                f"The PDF was not saved: {exc.strerror or exc}. Nothing was changed."
            )
            return False
        self.message.setText(f"Saved to {path}.")
        return True

    def print_(self) -> None:
        _, _, QtPrintSupport = pdf_modules()
        printer = QtPrintSupport.QPrinter(QtPrintSupport.QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.file_name)
        printer.setFromTo(1, self.document.pageCount())
        dialog = QtPrintSupport.QPrintDialog(printer, self)
        dialog.setMinMax(1, self.document.pageCount())
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            printed = print_document(self.document, printer)
            self.message.setText(
                f"Sent {printed} page{'s' if printed != 1 else ''} to the printer."
            )


def print_document(document: Any, printer: Any) -> int:
    """Paint the document's pages (the printer's from/to range, or all) on the printer."""
    first = max(1, printer.fromPage() or 1)
    last = min(document.pageCount(), printer.toPage() or document.pageCount())
    painter = QtGui.QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started.")
    try:
        area = painter.viewport()
        for number in range(first, last + 1):
            if number > first:
                printer.newPage()
            points = document.pagePointSize(number - 1)
            scale = min(area.width() / points.width(), area.height() / points.height())
            size = QtCore.QSize(int(points.width() * scale), int(points.height() * scale))
            image = document.render(number - 1, size)
            painter.drawImage(QtCore.QRect(QtCore.QPoint(0, 0), size), image)
    finally:
        painter.end()
    return last - first + 1


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
