"""Help > Guide: a short user guide for each role, kept as text in resources/guide/."""

from __future__ import annotations

from lcc_apr.ops.user import CurrentUser
from lcc_apr.paths import resources_dir

from .qt import Qt, QtWidgets

GUIDES = {"manager": "Line managers", "staff": "Staff", "hr": "HR"}


def guide_for(user: CurrentUser) -> str:
    """The guide a person needs most: HR's, a manager's, or staff's."""
    if user.is_hr:
        return "hr"
    return "manager" if user.is_manager else "staff"


def guide_text(role: str) -> str:
    """The guide's markdown (resources/guide/<role>.md)."""
    return (resources_dir() / "guide" / f"{role}.md").read_text(encoding="utf-8")


class GuideWindow(QtWidgets.QDialog):
    """The guide for one role, with a choice of the others; not modal (keep it open)."""

    def __init__(self, role: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Guide")
        self.setAccessibleName("Guide")
        self.choice = QtWidgets.QComboBox()
        self.choice.setAccessibleName("Guide for")
        for key, name in GUIDES.items():
            self.choice.addItem(name, key)
        label = QtWidgets.QLabel("Guide &for:")
        label.setBuddy(self.choice)
        self.text = QtWidgets.QTextBrowser()
        self.text.setAccessibleName("Guide text")
        self.text.setOpenExternalLinks(False)
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.button(QtWidgets.QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        close.rejected.connect(self.reject)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.choice)
        top.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        layout.addWidget(close)
        self.choice.currentIndexChanged.connect(
            lambda _i: self.show_guide(self.choice.currentData())
        )
        self.show_guide(role)
        em = self.fontMetrics().horizontalAdvance("m")
        self.resize(em * 50, self.fontMetrics().height() * 34)
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def role(self) -> str:
        return str(self.choice.currentData())

    def show_guide(self, role: str) -> None:
        self.choice.blockSignals(True)
        self.choice.setCurrentIndex(self.choice.findData(role))
        self.choice.blockSignals(False)
        self.text.setMarkdown(guide_text(role))
