"""HR's list of every record: pages from SQL, sorted and filtered in the database."""

from datetime import date

from sqlalchemy import func, select

from lcc_apr.models import Record, Role, User, UserRole
from lcc_apr.ops.records import records_page
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from ui.all_records import PAGE, AllRecordsModel
from ui.app import build_window
from ui.context import AppContext
from ui.qt import Qt
from ui.tasks import TaskRunner

from .test_records_flow import CATALOGUE, TODAY, store  # noqa: F401  (fixture)


def hr_context(store):  # noqa: F811
    with store.session() as s:
        user = s.scalar(select(User).join(UserRole).where(UserRole.role == Role.HR))
        me = CurrentUser.from_user(user)
    return AppContext(store, CATALOGUE, load_policy(), me, today=lambda: TODAY)


def test_pages_arrive_as_the_view_asks_and_sorting_happens_in_sql(qtbot, store):  # noqa: F811
    context = hr_context(store)
    model = AllRecordsModel(context, TaskRunner(inline=True))
    model.fetchMore()
    with store.session() as s:
        total = s.scalar(select(func.count()).select_from(Record).where(~Record.deleted))
    assert total > PAGE and len(model.rows) == PAGE and model.canFetchMore()
    dates = [r.record_date for r in model.rows]
    assert dates == sorted(dates, reverse=True)
    while model.canFetchMore():
        model.fetchMore()
    assert len(model.rows) == total and len({r.id for r in model.rows}) == total
    model.sort(0, Qt.SortOrder.AscendingOrder)  # by person
    surnames = [r.person.split()[-1] for r in model.rows]
    assert surnames == sorted(surnames)
    someone = model.rows[0].person.split()[-1]
    model.set_filter(person=someone)
    assert model.rows and all(someone in r.person for r in model.rows)
    model.set_filter(person="", kind="capability")
    assert model.rows and {r.kind for r in model.rows} == {"Capability case"}


def test_hr_has_an_all_records_page_that_opens_a_record(qtbot, store):  # noqa: F811
    context = hr_context(store)
    window = build_window(context, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    assert "records" in window.page_keys()
    window.show_page("records")
    page = window.pages["records"]
    assert page.model.rows
    page.table.activated.emit(page.model.index(0, 0))
    editor = window.windows.open[-1]  # inline runner: the record loaded at once
    assert editor.session.record_id == page.model.rows[0].id


def test_records_page_reads_only_what_it_is_asked_for(store):  # noqa: F811
    page = records_page(store, catalogue=CATALOGUE, offset=10, limit=7, sort="kind")
    assert len(page) == 7
    assert date(2000, 1, 1) < min(r.record_date for r in page if r.record_date)
