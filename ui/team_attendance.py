"""The team page's attendance columns: attendance trigger reached, return-to-work
interview outstanding, long-term absence (keeping in touch). The items come from the
schedule (lcc_apr.schedule.attendance, through ops.absence_view): nothing here decides
who has reached what, it only words it. UI thread only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from lcc_apr.schedule import SEVERITY

if TYPE_CHECKING:
    from lcc_apr.ops.people import TeamRow
    from lcc_apr.schedule.attendance import AttendanceItem

# The schedule's topics (lcc_apr.schedule.attendance), spelt here so the page starts
# without loading the schedule's SQL.
TRIGGER, RETURN_TO_WORK, KEEPING_IN_TOUCH = "trigger", "return_to_work", "keeping_in_touch"
TITLES = {
    TRIGGER: "Attendance trigger",
    RETURN_TO_WORK: "Return to work",
    KEEPING_IN_TOUCH: "Long-term absence",
}
SAMPLES = {  # sizes each column before the rows come (nothing moves when they do)
    TRIGGER: "Reached (3 episodes, 12 days)",
    RETURN_TO_WORK: "Due soon (in 10 days)",
    KEEPING_IN_TOUCH: "Off (12 weeks), next by 20 Dec",
}


def items_of(row: TeamRow, topic: str) -> list[AttendanceItem]:
    return [i for i in row.attendance if i.topic == topic]


def urgent(row: TeamRow, topic: str) -> AttendanceItem | None:
    return min(items_of(row, topic), key=lambda i: (SEVERITY[i.state], i.due), default=None)


def words(item: AttendanceItem, today: date) -> str:
    """The cell's text: the schedule's label shortened to fit its column."""
    from .team_view import state_text

    if item.topic == TRIGGER:
        return item.label.replace("Attendance trigger reached", "Reached", 1)
    if item.topic == RETURN_TO_WORK:
        return state_text(item, today)
    return item.label.removeprefix("Keeping in touch: ").replace("long-term absence", "Off", 1)


def tip(item: AttendanceItem, today: date) -> str:
    """The whole of it: the schedule's label and the day."""
    from .days import day_text
    from .team_view import state_text

    if item.topic == TRIGGER:
        return f"{item.label}, on {day_text(item.due)}"
    if item.topic == RETURN_TO_WORK:
        return f"Return-to-work interview: {state_text(item, today)} ({day_text(item.due)})"
    return f"{item.label}: contact due {day_text(item.due)}"


def attendance_columns(column: Callable[..., Any]) -> list[Any]:
    """The three columns, made with team_view's Column (passed in: no import cycle)."""
    found = []
    for topic in (TRIGGER, RETURN_TO_WORK, KEEPING_IN_TOUCH):

        def item(row: TeamRow, topic: str = topic) -> AttendanceItem | None:
            return urgent(row, topic)

        def text(row: TeamRow, today: date, topic: str = topic) -> str:
            found = urgent(row, topic)
            return words(found, today) if found else ""

        def key(row: TeamRow, topic: str = topic) -> Any:
            found = urgent(row, topic)
            return (SEVERITY[found.state], found.due) if found else (9, date.max)

        def tips(row: TeamRow, today: date, topic: str = topic) -> str | None:
            return "\n".join(tip(i, today) for i in items_of(row, topic)) or None

        found.append(
            column(TITLES[topic], text, key, item, due=True, sample=SAMPLES[topic], tip=tips)
        )
    return found
