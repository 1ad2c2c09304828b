"""A date typed as people in the UK type it (31/03/2027, 31/3/27, 31 Mar 2027: day first,
lcc_apr.forms.dates), with a calendar (Alt+Down or F4, or its button). A spin-box date edit
was tried first: in a real X window typing "05/12/2026" into it kept the month it had.
What is typed stays as typed until it is a date. UI thread only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from lcc_apr.forms.dates import day_text, parse_day

from .qt import Qt, QtCore, QtGui, QtWidgets


class CalendarPopup(QtWidgets.QCalendarWidget):
    """A calendar that pops up under a date box; Escape closes it, changing nothing (this
    box's, and the record editor's date inputs')."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Popup)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)


def pop_calendar(
    parent: QtWidgets.QWidget,
    under: QtWidgets.QWidget,
    name: str,
    shown: date,
    picked: Callable[[QtCore.QDate, QtWidgets.QCalendarWidget], None],
) -> CalendarPopup:
    """A calendar under the box `under`, on `shown`; choosing a day (click or Enter) calls
    `picked(day, calendar)`."""
    calendar = CalendarPopup(parent)
    calendar.setAccessibleName(name)
    calendar.setGridVisible(True)
    calendar.setSelectedDate(QtCore.QDate(shown.year, shown.month, shown.day))
    calendar.activated.connect(lambda d: picked(d, calendar))
    calendar.clicked.connect(lambda d: picked(d, calendar))
    calendar.move(under.mapToGlobal(QtCore.QPoint(0, under.height())))
    calendar.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    calendar.show()
    calendar.setFocus(Qt.FocusReason.PopupFocusReason)
    return calendar


class DayBox(QtWidgets.QWidget):
    """`edit` takes the focus (Tab goes on past the calendar button)."""

    def __init__(self, name: str, day: date, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.edit = QtWidgets.QLineEdit(day_text(day))
        self.edit.setPlaceholderText("dd/mm/yyyy")
        self.edit.setAccessibleName(name)
        self.edit.setAccessibleDescription(
            "Type the date day first, such as 31/03/2027 or 31 Mar 2027; Alt+Down opens a calendar."
        )
        width = self.edit.fontMetrics().horizontalAdvance("00 September 0000") + 24
        self.edit.setMinimumWidth(width)  # from the font: grows with the text size
        self.edit.editingFinished.connect(self._tidy)
        self.calendar_button = QtWidgets.QToolButton()
        self.calendar_button.setText("Calendar…")
        self.calendar_button.setAccessibleName(f"{name}: choose from a calendar")
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes on; Alt+Down
        self.calendar_button.clicked.connect(self.open_calendar)
        for keys in ("Alt+Down", "F4"):
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(keys), self.edit)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_calendar)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.calendar_button)
        self.setFocusProxy(self.edit)
        self.popup: QtWidgets.QCalendarWidget | None = None

    def day(self) -> date | None:
        """The date typed; None when what is typed is not a whole, real date."""
        return parse_day(self.edit.text())

    def set_day(self, day: date) -> None:
        self.edit.setText(day_text(day))

    def _tidy(self) -> None:
        day = self.day()
        if day is not None and self.edit.text() != day_text(day):
            self.edit.setText(day_text(day))  # tidied once the person leaves the box

    def open_calendar(self) -> None:
        """A calendar under the box; choosing a day (click or Enter) sets it."""
        self.popup = pop_calendar(
            self, self.edit, f"{self.name}: choose a date", self.day() or date.today(), self._picked
        )

    def _picked(self, day: QtCore.QDate, calendar: QtWidgets.QCalendarWidget) -> None:
        calendar.close()
        self.popup = None
        self.set_day(date(day.year(), day.month(), day.day()))
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)
