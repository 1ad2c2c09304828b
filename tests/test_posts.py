"""Posts and their dated history (migration 0008): what someone held on a given day."""

from datetime import date
from decimal import Decimal

from alembic import command
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Post, PostHistory
from lcc_apr.posts import Held, end, held_on, post_held_on, terms, track
from lcc_apr.store import migrate

from .test_migrations import populate_first_schema


def _post(session: Session, employee_id: int, number: str, **values) -> Post:
    fields = {
        "employee_id": employee_id,
        "post_number": number,
        "is_primary": True,
        "job_title": "Social Worker",
        "grade": "8",
        "department_id": 1,
        "line_manager_id": 1,
        "fte": Decimal("1.000"),
        "start_date": date(2020, 4, 1),
        **values,
    }
    post = Post(**fields)
    session.add(post)
    track(session, post, post.start_date, None)
    return post


def test_the_grade_and_post_held_on_a_day(db_engine):
    migrate.upgrade(db_engine)
    populate_first_schema(db_engine)  # employees 1-3: 2 and 3 report to 1
    with Session(db_engine) as s, s.begin():
        main = _post(s, 2, "P100")
        relief = _post(s, 2, "P900", is_primary=False, job_title="Duty Worker", grade="6")
        s.flush()
        before = terms(main)
        main.grade, main.job_title = "9", "Senior Social Worker"  # promoted
        track(s, main, date(2023, 6, 1), before)
        before = terms(main)
        main.line_manager_id = 3  # a new manager the same year
        track(s, main, date(2023, 9, 1), before)
        end(s, relief, date(2024, 3, 31))
    with Session(db_engine) as s:
        assert held_on(s, 2, date(2019, 1, 1)) == []
        assert held_on(s, 2, date(2021, 1, 1)) == [
            Held("P100", True, "Social Worker", "8", 1, 1),
            Held("P900", False, "Duty Worker", "6", 1, 1),
        ]
        assert post_held_on(s, 2, date(2023, 5, 31)).grade == "8"
        assert post_held_on(s, 2, date(2023, 6, 1)) == Held(
            "P100", True, "Senior Social Worker", "9", 1, 1
        )
        assert post_held_on(s, 2, date(2023, 9, 1)).line_manager_id == 3
        assert [h.post_number for h in held_on(s, 2, date(2024, 3, 31))] == ["P100", "P900"]
        assert [h.post_number for h in held_on(s, 2, date(2024, 4, 1))] == ["P100"]
        # a person whose posts were never recorded: their employee row, while employed
        assert post_held_on(s, 3, date(2024, 1, 1)) == Held("", True, "Social Worker", "8", 1, 1)
        assert held_on(s, 3, date(2019, 3, 31)) == []
        s.get(Employee, 3).leaving_date = date(2024, 12, 31)
        assert held_on(s, 3, date(2025, 1, 1)) == []


def test_a_second_change_on_one_day_replaces_that_days_row(db_engine):
    migrate.upgrade(db_engine)
    populate_first_schema(db_engine)
    with Session(db_engine) as s, s.begin():
        post = _post(s, 2, "P100")
        for grade in ("9", "10"):
            before = terms(post)
            post.grade = grade
            track(s, post, date(2025, 1, 1), before)
        before = terms(post)
        track(s, post, date(2025, 2, 1), before)  # nothing changed: no row
    with Session(db_engine) as s:
        rows = s.execute(
            select(PostHistory.valid_from, PostHistory.valid_to, PostHistory.grade).order_by(
                PostHistory.valid_from
            )
        ).all()
        assert rows == [
            (date(2020, 4, 1), date(2025, 1, 1), "8"),
            (date(2025, 1, 1), None, "10"),
        ]


def test_migration_0008_goes_down_and_up_keeping_the_organisation(db_engine):
    migrate.upgrade(db_engine, "0007")
    populate_first_schema(db_engine)
    migrate.upgrade(db_engine)
    with Session(db_engine) as s, s.begin():
        _post(s, 2, "P100")
    with db_engine.begin() as c:
        command.downgrade(migrate._config(c), "0007")
    with db_engine.connect() as c:
        assert not {"posts", "post_history"} & set(inspect(c).get_table_names())
        assert c.execute(select(func.count()).select_from(Employee.__table__)).scalar() == 3
    migrate.upgrade(db_engine)
    with Session(db_engine) as s:
        assert s.scalar(select(func.count(Post.id))) == 0
        assert post_held_on(s, 2, date(2024, 1, 1)).post_number == ""
