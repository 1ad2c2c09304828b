"""HR's All records while searching: a full name or a payroll number finds the person's
records, and the old rows stay on screen, the count saying 'Searching…', until the new
page arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.all_records import AllRecordsView
from ui.qt import Qt

from .conftest import HR


class HeldRunner:
    """Keeps each read until the test lets it run, as a slow query would."""

    def __init__(self) -> None:
        self.held: list[tuple[Callable[[Any], Any], Callable[[Any], None]]] = []

    def read(self, query: Callable[[Any], Any], *, on_done: Callable[[Any], None], **_: Any):
        self.held.append((query, on_done))

    def finish(self) -> None:
        while self.held:
            query, on_done = self.held.pop(0)
            on_done(query(None))


def view(qtbot, make_context, runner) -> AllRecordsView:
    page = AllRecordsView(context=make_context(HR), runner=runner)
    qtbot.addWidget(page)
    page.refresh()
    return page


def test_a_full_name_or_payroll_number_finds_the_persons_records(qtbot, make_context, runner):
    page = view(qtbot, make_context, runner)
    for typed in ("Hannah Hinds", "Will Roberts", "92728074"):
        page.model.set_filter(person=typed)
        people = {r.person for r in page.model.rows}
        if typed == "Hannah Hinds":  # nobody of that name in the small demo
            assert people == set() and page.count.text() == "No records for “Hannah Hinds”."
        else:
            assert people == {"Will Roberts"}
    header = [page.model.headerData(c, Qt.Orientation.Horizontal, 0) for c in range(5)]
    assert "Payroll no." in header
    assert page.model.index(0, header.index("Payroll no.")).data() == "92728074"


def test_while_filtering_the_old_rows_stay_and_the_count_says_searching(qtbot, make_context):
    runner = HeldRunner()
    page = view(qtbot, make_context, runner)
    runner.finish()
    before = list(page.model.rows)
    assert before and "records shown" in page.count.text()
    page.filter.setText("Will Roberts")
    qtbot.waitUntil(lambda: bool(runner.held))  # the typing pause has passed
    assert page.model.rows == before and page.model.rowCount() == len(before)
    assert page.count.text() == "Searching…"
    runner.finish()
    assert {r.person for r in page.model.rows} == {"Will Roberts"}
    assert page.count.text() == f"{len(page.model.rows)} records shown."


def test_hr_everyone_shows_payroll_numbers_and_sorts_by_surname(qtbot, demo_store, runner):
    from lcc_apr.ops.people import team_rows
    from ui.team_view import TeamView

    from .conftest import AS_OF, POLICY

    view = TeamView(
        title="HR: everyone",
        load=lambda today: team_rows(demo_store, policy=POLICY, today=today, manager_id=None),
        today=lambda: AS_OF,
        runner=runner,
        everyone=True,
    )
    qtbot.addWidget(view)
    view.refresh()
    titles = [c.title for c in view.model.columns]
    payroll = titles.index("Payroll no.")
    names = [view.model.index(r, 0).data() for r in range(view.model.rowCount())]
    assert names[:3] == ["Lisa Allen", "Lucy Ashby", "Sophie Ashby"]
    lucys = [r for r in range(len(names)) if names[r] == "Lucy Hunt"]
    numbers = {view.model.index(r, payroll).data() for r in lucys}
    assert len(lucys) == 2 and len(numbers) == 2  # told apart by payroll number
    view.filter_box.setText(sorted(numbers)[0])
    assert view.model.rowCount() == 1


def test_a_page_that_cannot_be_read_says_so_instead_of_searching_for_ever(qtbot, make_context):
    class Failing(HeldRunner):
        def read(self, query, *, on_done, on_error, **_):
            on_error(RuntimeError("the store is locked"))

    page = AllRecordsView(context=make_context(HR), runner=Failing())
    qtbot.addWidget(page)
    page.refresh()
    assert page.count.text() == "Could not read records: the store is locked"
    assert not page.model.canFetchMore()
