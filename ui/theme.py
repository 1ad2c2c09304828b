"""Colours and text size: light, dark or the system's palette, scaled from the system font.

`apply_appearance` is called at start and whenever the theme or text-size
setting changes (UI thread). Widgets never set fixed font sizes: headings
use relative rich-text sizes, so everything follows the application font.
"""

from __future__ import annotations

from dataclasses import dataclass

from .qt import QtGui, QtWidgets

THEMES = ("system", "light", "dark")
TEXT_SCALES = (100, 125, 150, 200)
_BASE_FONT = "lccAprSystemFont"
_BASE_PALETTE = "lccAprSystemPalette"
_BASE_STYLE = "lccAprSystemStyle"

R = QtGui.QPalette.ColorRole
G = QtGui.QPalette.ColorGroup

LIGHT = {
    R.Window: "#f3f3f3",
    R.WindowText: "#1a1a1a",
    R.Base: "#ffffff",
    R.AlternateBase: "#f4f6f8",
    R.ToolTipBase: "#ffffdc",
    R.ToolTipText: "#1a1a1a",
    R.PlaceholderText: "#6b6b6b",
    R.Text: "#1a1a1a",
    R.Button: "#e9e9e9",
    R.ButtonText: "#1a1a1a",
    R.BrightText: "#b00020",
    R.Light: "#ffffff",
    R.Midlight: "#e3e3e3",
    R.Mid: "#b8b8b8",
    R.Dark: "#8c8c8c",
    R.Shadow: "#4d4d4d",
    R.Highlight: "#1f5fa8",
    R.HighlightedText: "#ffffff",
    R.Link: "#0b57a4",
    R.LinkVisited: "#6a3d9a",
}
DARK = {
    R.Window: "#2b2b2e",
    R.WindowText: "#f0f0f0",
    R.Base: "#1e1e20",
    R.AlternateBase: "#27272a",
    R.ToolTipBase: "#3c3c40",
    R.ToolTipText: "#f0f0f0",
    R.PlaceholderText: "#a6a6a6",
    R.Text: "#f0f0f0",
    R.Button: "#3a3a3e",
    R.ButtonText: "#f0f0f0",
    R.BrightText: "#ff8a80",
    R.Light: "#505055",
    R.Midlight: "#434347",
    R.Mid: "#333336",
    R.Dark: "#1a1a1c",
    R.Shadow: "#000000",
    R.Highlight: "#3a78c2",
    R.HighlightedText: "#ffffff",
    R.Link: "#8cc4ff",
    R.LinkVisited: "#c7a4ff",
}
DISABLED = {"light": "#8a8a8a", "dark": "#8f8f8f"}


@dataclass(frozen=True)
class StateColours:
    """Background tint and readable text for a due state (always shown with words too)."""

    background: QtGui.QColor | None
    foreground: QtGui.QColor | None


def palette_for(theme: str) -> QtGui.QPalette:
    colours = DARK if theme == "dark" else LIGHT
    palette = QtGui.QPalette()
    for role, colour in colours.items():
        palette.setColor(role, QtGui.QColor(colour))
    for role in (R.WindowText, R.Text, R.ButtonText):
        palette.setColor(G.Disabled, role, QtGui.QColor(DISABLED[theme]))
    return palette


def is_dark(palette: QtGui.QPalette) -> bool:
    return palette.color(R.Window).lightness() < 128


def state_colours(palette: QtGui.QPalette) -> dict[str, StateColours]:
    """Colours for DueState values ("overdue", "due_soon", "ok") that keep 4.5:1 contrast."""
    if is_dark(palette):
        pairs = {"overdue": ("#5e2320", "#ffdad6"), "due_soon": ("#4a3a06", "#ffe8a3")}
    else:
        pairs = {"overdue": ("#fbe0dd", "#8a1c14"), "due_soon": ("#fff0c2", "#634400")}
    found = {k: StateColours(QtGui.QColor(b), QtGui.QColor(f)) for k, (b, f) in pairs.items()}
    found["ok"] = StateColours(None, None)
    return found


def apply_appearance(app: QtWidgets.QApplication, *, theme: str, text_scale: int) -> None:
    """Set the palette (and Fusion style for light/dark) and the scaled application font."""
    if theme not in THEMES:
        raise ValueError(f"Unknown theme {theme!r}")
    if text_scale not in TEXT_SCALES:
        raise ValueError(f"Unknown text size {text_scale!r}")
    if app.property(_BASE_FONT) is None:  # remember what the system gave us, once
        app.setProperty(_BASE_FONT, QtGui.QFont(app.font()))
        app.setProperty(_BASE_PALETTE, QtGui.QPalette(app.palette()))
    # the system's style is remembered before it is first replaced: the system theme
    # never asks for it (the first call of app.style() from Python costs a start ~6 ms)
    style, palette = (
        (app.property(_BASE_STYLE), app.property(_BASE_PALETTE))
        if theme == "system"
        else ("fusion", palette_for(theme))
    )
    # each change restyles every widget: only what differs (at start, often nothing)
    if style is not None and app.style().name().casefold() != style.casefold():
        if app.property(_BASE_STYLE) is None:
            app.setProperty(_BASE_STYLE, app.style().name())
        app.setStyle(style)
    if app.palette() != palette:
        app.setPalette(palette)
    font = QtGui.QFont(app.property(_BASE_FONT))
    base = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    font.setPointSizeF(base * text_scale / 100)
    if app.font() != font:
        app.setFont(font)


def system_point_size(app: QtWidgets.QApplication) -> float:
    """The system font's size before any scaling."""
    font = app.property(_BASE_FONT) or app.font()
    return font.pointSizeF()


def fit_rows(table: QtWidgets.QTableView) -> None:
    """Rows as tall as the table's text needs (call again when the font changes)."""
    table.verticalHeader().setDefaultSectionSize(round(table.fontMetrics().height() * 1.7))
