"""The system theme comes back whole after light or dark: its own style and palette."""

from ui.qt import QtWidgets
from ui.theme import apply_appearance

SYSTEM_STYLE = "lccAprSystemStyle"  # where ui.theme remembers it


def test_the_system_style_returns_after_dark(qapp):
    before_style, before_kept = qapp.style().name(), qapp.property(SYSTEM_STYLE)
    qapp.setStyle("Windows")  # as a desktop would give it: not the Fusion light/dark use
    qapp.setProperty(SYSTEM_STYLE, None)  # a fresh start: nothing replaced yet
    palette = QtWidgets.QApplication.palette()
    try:
        apply_appearance(qapp, theme="system", text_scale=100)
        assert qapp.style().name().casefold() == "windows"
        apply_appearance(qapp, theme="dark", text_scale=100)
        assert qapp.style().name().casefold() == "fusion"
        assert QtWidgets.QApplication.palette() != palette
        apply_appearance(qapp, theme="system", text_scale=100)
        assert qapp.style().name().casefold() == "windows"
        assert QtWidgets.QApplication.palette() == palette
    finally:
        qapp.setStyle(before_style)
        qapp.setProperty(SYSTEM_STYLE, before_kept)
        apply_appearance(qapp, theme="system", text_scale=100)
