"""The posts held and their history reach the laptop with the organisation, so a record
printed there shows the grade and post of its date (lcc_apr.posts.held_on)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lcc_apr.models import Employee, Post, PostHistory, Record, RecordKind
from lcc_apr.pdf.document import record_document
from lcc_apr.posts import post_held_on

from .test_client_sync import CATALOGUE, device  # noqa: F401 (fixture)


def changes_on_server(live_server) -> dict[int, list]:
    """employee id -> the days their post changed (promotions and moves of the demo)."""
    with live_server.session() as s:
        rows = s.execute(
            select(Post.employee_id, PostHistory.valid_from)
            .join(PostHistory, PostHistory.post_id == Post.id)
            .order_by(Post.employee_id, PostHistory.valid_from)
        ).all()
    found: dict[int, list] = {}
    for employee_id, day in rows:
        found.setdefault(employee_id, []).append(day)
    return {e: days[1:] for e, days in found.items() if len(days) > 1}


def test_hr_laptop_holds_the_same_history_and_prints_an_old_apr_with_its_grade(
    live_server,
    device,  # noqa: F811
):
    laptop = device(live_server.people.hr[0].username)
    laptop.sync()
    changes = changes_on_server(live_server)
    assert changes
    with live_server.session() as server, laptop.store.session() as here:
        for employee_id, days in changes.items():
            for day in days:
                for when in (day - timedelta(days=1), day):
                    assert post_held_on(here, employee_id, when) == post_held_on(
                        server, employee_id, when
                    )
        printed = 0
        for record in here.scalars(
            select(Record).where(Record.kind == RecordKind.APR, Record.subject_id.in_(changes))
        ):
            then = post_held_on(server, record.subject_id, record.record_date)
            doc = record_document(here, record.id, CATALOGUE)
            assert (doc.employee.job_title, doc.employee.grade) == (then.job_title, then.grade)
            now = here.get(Employee, record.subject_id)
            printed += then.grade != now.grade
        assert printed  # an APR from before a promotion prints the grade of its time
        count = here.scalar(select(func.count(PostHistory.id)))
    laptop.sync()
    with laptop.store.session() as here:  # taken again, not added twice
        assert here.scalar(select(func.count(PostHistory.id))) == count


def test_a_managers_laptop_leaves_out_managers_it_does_not_hold(live_server, device):  # noqa: F811
    manager = live_server.people.managers[1]
    laptop = device(manager.username)
    laptop.sync()
    with laptop.store.session() as here:
        held = set(here.scalars(select(Employee.id)))
        posts = set(here.scalars(select(Post.employee_id)))
        managers = set(here.scalars(select(PostHistory.line_manager_id))) - {None}
    assert posts and posts <= held and managers <= held
