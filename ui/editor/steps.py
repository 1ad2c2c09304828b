"""The workflow's next steps as buttons, each saying what it does and what it still needs.

Shows the StepOptions an EditSession gives; decides nothing. Runs on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from lcc_apr.editing import StepOption
from ui.qt import QtCore, QtWidgets

from .form import muted

Qt = QtCore.Qt
SHOWN_MISSING = 4  # missing answers listed by name under a step; the rest are counted


class StepsPanel(QtWidgets.QFrame):
    """A row per step: its button, then (when it needs more) links to the missing answers."""

    def __init__(
        self, on_take: Callable[[StepOption], None], on_show: Callable[[str], None]
    ) -> None:
        super().__init__()
        self.setObjectName("steps")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.on_take, self.on_show = on_take, on_show
        self.layout_ = QtWidgets.QVBoxLayout(self)
        self.layout_.setContentsMargins(12, 8, 12, 8)
        heading = QtWidgets.QLabel("<b>Next steps</b>")
        heading.setAccessibleName("Next steps")
        self.layout_.addWidget(heading)
        self.none = QtWidgets.QLabel("There is no step for you to take at this stage.")
        muted(self.none)
        self.layout_.addWidget(self.none)
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        self.needs: dict[str, QtWidgets.QLabel] = {}
        self._names: list[str] = []
        self._options: dict[str, StepOption] = {}
        self._rows: list[QtWidgets.QWidget] = []

    def show_steps(self, options: list[StepOption]) -> bool:
        """Rebuild only when the steps themselves change, so typing never moves the focus.

        Returns True when the buttons were made afresh.
        """
        names = [o.name for o in options]
        rebuilt = names != self._names
        if rebuilt:
            self._build(options)
        for option in options:
            self._update(option)
        self.none.setVisible(not options)
        return rebuilt

    def _build(self, options: list[StepOption]) -> None:
        for row in self._rows:
            row.deleteLater()
        self._rows, self.buttons, self.needs = [], {}, {}
        self._names = [o.name for o in options]
        for option in options:
            row = QtWidgets.QWidget()
            layout = QtWidgets.QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            button = QtWidgets.QPushButton(option.label)
            button.setAutoDefault(False)  # Enter never shares, signs or closes a record
            button.setAccessibleName(option.label)
            button.setSizePolicy(
                QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Fixed
            )
            button.clicked.connect(lambda _=False, name=option.name: self._clicked(name))
            needs = QtWidgets.QLabel()
            needs.setWordWrap(True)
            needs.setTextFormat(Qt.TextFormat.RichText)
            needs.setTextInteractionFlags(
                Qt.TextInteractionFlag.LinksAccessibleByMouse
                | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            )
            needs.linkActivated.connect(self.on_show)
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            layout.addWidget(needs, 1)
            layout.addStretch(0)  # keeps the button at the left when nothing is missing
            self.layout_.addWidget(row)
            self._rows.append(row)
            self.buttons[option.name] = button
            self.needs[option.name] = needs
        self._options = {o.name: o for o in options}

    def _update(self, option: StepOption) -> None:
        self._options[option.name] = option
        button, needs = self.buttons[option.name], self.needs[option.name]
        button.setEnabled(option.ready)
        if option.ready:
            needs.setText("")
            needs.setAccessibleName("Nothing missing")
            button.setAccessibleDescription("")
            button.setToolTip("")
            needs.setVisible(False)
            return
        count = len(option.missing)
        links = ", ".join(
            f'<a href="{escape(p.path)}">{escape(p.message)}</a>'
            for p in option.missing[:SHOWN_MISSING]
        )
        more = f", and {count - SHOWN_MISSING} more" if count > SHOWN_MISSING else ""
        plural = "answer" if count == 1 else "answers"
        needs.setText(f"Needs {count} more {plural}: {links}{more}.")
        plain = "; ".join(p.message for p in option.missing)
        summary = f"Needs {count} more {plural}: {plain}."
        needs.setAccessibleName(summary)
        needs.setVisible(True)
        button.setAccessibleDescription(summary)
        button.setToolTip(summary)

    def _clicked(self, name: str) -> None:
        self.on_take(self._options[name])
