"""The one module through which the UI imports Qt (keeps the binding swappable)."""

from PySide6 import QtCore, QtGui, QtWidgets

__all__ = ["QtCore", "QtGui", "QtWidgets"]
