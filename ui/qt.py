"""The one module through which the UI imports Qt (keeps the binding swappable).

Everything in ui/ takes Qt from here: `from ui.qt import QtCore, QtWidgets, Signal`.
"""

import PySide6
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot


def pdf_modules():
    """QtPdf, QtPdfWidgets and QtPrintSupport, loaded when a preview or print first needs them."""
    from PySide6 import QtPdf, QtPdfWidgets, QtPrintSupport

    return QtPdf, QtPdfWidgets, QtPrintSupport


BINDING = "PySide6"
BINDING_VERSION: str = PySide6.__version__

__all__ = [
    "BINDING",
    "BINDING_VERSION",
    "QObject",
    "QSettings",
    "Qt",
    "QtCore",
    "QtGui",
    "QtWidgets",
    "Signal",
    "Slot",
    "pdf_modules",
]
