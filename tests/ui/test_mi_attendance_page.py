"""The management-information page shows the attendance views (issue 19) like any other:
chosen by kind, each view's table beside its chart, the figures the core counted."""

from __future__ import annotations

from .conftest import HR, MANAGER
from .test_mi_page import choose, open_page, shown_texts, window_for  # noqa: F401

TITLES = [
    "Days lost to absence per FTE",
    "Return-to-work interviews on time",
    "Attendance review cases by stage",
]


def test_hr_chooses_attendance_and_sees_its_three_views(window_for):  # noqa: F811
    page = open_page(window_for(HR))
    choose(page.kind, "Attendance")
    board = page.board
    assert board.filters.kind == "attendance"
    assert [page.views.item(i).text() for i in range(page.views.count())] == TITLES
    page.views.setCurrentRow(0)
    lost = board.tables[0]
    assert page.panel.table is lost and not lost.empty  # the demo has absences
    m = page.panel.model
    headers = [m.headerData(c, page.panel.grid.horizontalHeader().orientation()) for c in range(6)]
    assert headers[1:] == list(lost.columns)
    council = shown_texts(page)[-1]
    assert council[:6] == [lost.rows[-1].label, *(c.text for c in lost.rows[-1].cells)]
    assert float(council[5]) > 0  # days lost per FTE, released for the whole council
    assert page.panel.canvas.accessibleName() == f"Chart: {TITLES[0]}"
    assert page.panel.words.disclosure.text().startswith("Disclosure control: Counts of 1 to 9")


def test_a_manager_has_attendance_too(window_for):  # noqa: F811
    page = open_page(window_for(MANAGER))
    kinds = [page.kind.itemData(i) for i in range(page.kind.count())]
    assert "attendance" in kinds
    choose(page.kind, "Attendance")
    assert [t.key for t in page.board.tables] == [
        "attendance_days_lost",
        "attendance_rtw",
        "attendance_stages",
    ]
