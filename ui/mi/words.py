"""Under a view: what is counted, the disclosure rule and any notes, in a box at most a few
lines tall that scrolls when they are longer (so the chart and table keep the room). The box
takes the keyboard focus, so arrows and Page Down scroll it; a screen reader reads the
labels inside. UI thread only."""

from __future__ import annotations

from ..qt import Qt, QtCore, QtGui, QtWidgets

LINES = 6  # the most lines shown before the box scrolls (fewer in a short window)


def plain_label(name: str, text: str = "") -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ViewWords(QtWidgets.QScrollArea):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("About this view")
        self.setAccessibleDescription("What is counted, the disclosure rule and notes")
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.definition = plain_label("What is counted")
        self.disclosure = plain_label("Disclosure control")
        self.notes = plain_label("Notes")
        box = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        for label in (self.definition, self.disclosure, self.notes):
            column.addWidget(label)
        column.addStretch(1)
        self.setWidget(box)

    def show_words(self, definition: str, disclosure: str, notes: tuple[str, ...]) -> None:
        self.definition.setText(f"What is counted: {definition}" if definition else "")
        self.disclosure.setText(f"Disclosure control: {disclosure}" if disclosure else "")
        self.notes.setText("\n".join(f"Note: {note}" for note in notes))
        self.definition.setVisible(bool(definition))
        self.disclosure.setVisible(bool(disclosure))
        self.notes.setVisible(bool(notes))
        self.setVisible(bool(definition or disclosure or notes))
        self.verticalScrollBar().setValue(0)
        self._fit()

    def _fit(self) -> None:
        """As tall as the words, up to LINES lines."""
        box = self.widget()
        if box is None or box.layout() is None:
            return
        width = self.viewport().width()
        layout = box.layout()
        assert layout is not None
        tall = (
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else box.sizeHint().height()
        )
        line = self.fontMetrics().lineSpacing()
        most = min(line * LINES, max(line * 2, self.window().height() // 8))  # large text
        self.setFixedHeight(min(tall, most) + 2 * self.frameWidth())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            QtCore.QTimer.singleShot(0, self._fit)
