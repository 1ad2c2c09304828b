"""The settings dialog's labels are drawn whole at every text size ("Text size" was cut
off at 150%)."""

import pytest

from ui.qt import QtWidgets
from ui.settings import SettingsDialog
from ui.theme import apply_appearance


def ink(label: QtWidgets.QLabel) -> int:
    """How many pixels of the label are drawn in text colour."""
    image = label.grab().toImage()
    return sum(
        image.pixelColor(x, y).lightness() < 128
        for x in range(image.width())
        for y in range(image.height())
    )


def cut_off(label: QtWidgets.QLabel, editor: QtWidgets.QWidget) -> bool:
    """Whether less of the text shows than in the same label given all the room it wants."""
    free = QtWidgets.QLabel(label.text())
    free.setBuddy(editor)
    free.resize(label.width() * 2, label.height())
    return ink(label) < ink(free)


@pytest.mark.parametrize("scale", [100, 125, 150, 200])
def test_every_label_is_whole(qtbot, qapp, settings, scale):
    apply_appearance(qapp, theme="light", text_scale=scale)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    labels = [w for w in dialog.findChildren(QtWidgets.QLabel) if w.buddy() is not None]
    assert len(labels) == len(dialog.editors)
    cut = [label.text() for label in labels if cut_off(label, label.buddy())]
    assert cut == []
