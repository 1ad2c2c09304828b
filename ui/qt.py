"""The one module through which the UI imports Qt (keeps the binding swappable).

Everything in ui/ takes Qt from here: `from ui.qt import QtCore, QtWidgets, Signal`.
"""

import PySide6
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QObject, QSettings, Signal, Slot


def _uses_pyside(module: object) -> bool:
    """PySide6 asks this of every module imported after it, for its opt-in `__feature__`
    switches (which this app never uses): its own answer reads the module's source and
    searches it for "PySide6", about 0.07 s of a later start's SQLAlchemy and keyring
    imports (PYSIDE-2029). Ours answers from the module's name: the same for our modules."""
    name = getattr(module, "__name__", "")
    return name.partition(".")[0] in ("ui", "PySide6", "__main__")


def _answer_cheaply() -> None:
    import sys

    feature = sys.modules.get("PySide6.support.feature")
    if feature is not None and hasattr(feature, "_mod_uses_pyside"):
        setattr(feature, "_mod_uses_pyside", _uses_pyside)  # noqa: B010 (not in its type stubs)


_answer_cheaply()


def pdf_modules():
    """QtPdf, QtPdfWidgets and QtPrintSupport, loaded when a preview or print first needs them."""
    from PySide6 import QtPdf, QtPdfWidgets, QtPrintSupport

    return QtPdf, QtPdfWidgets, QtPrintSupport


def chart_canvas():
    """matplotlib's Qt canvas class (FigureCanvasQTAgg), loaded when a chart is first shown;
    matplotlib finds PySide6 already imported and uses it."""
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    return FigureCanvasQTAgg


def __getattr__(name: str):
    """`Qt` (the namespace of Qt's enums) on first use: building it costs about 15 ms,
    which the first window does without (`from ui.qt import Qt` works as before)."""
    if name == "Qt":
        return QtCore.Qt
    raise AttributeError(f"module 'ui.qt' has no attribute {name!r}")


# What Qt passes a model's rowCount, columnCount and data.
ModelIndex = QtCore.QModelIndex | QtCore.QPersistentModelIndex

BINDING = "PySide6"
BINDING_VERSION: str = PySide6.__version__

__all__ = [
    "BINDING",
    "BINDING_VERSION",
    "ModelIndex",
    "QObject",
    "QSettings",
    "QtCore",
    "QtGui",
    "QtWidgets",
    "Signal",
    "Slot",
    "chart_canvas",
    "pdf_modules",
]
