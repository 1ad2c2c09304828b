"""The demo's careers: promotions and moves over five years, as dated post history."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from lcc_apr.demo import build_organisation, generate_history, load_demo
from lcc_apr.demo.careers import MOVE_RATE, PROMOTION_RATE, YEARS, ManagerOn
from lcc_apr.demo.organisation import Organisation
from lcc_apr.models import Base, RecordKind
from lcc_apr.posts import post_held_on

AS_OF = date(2025, 3, 31)
TRACKED = ("job_title", "grade", "department_id", "line_manager_id")


@pytest.fixture(scope="module")
def full() -> Organisation:
    return build_organisation(seed=2020, size=6087, as_of=AS_OF)


@pytest.fixture(scope="module")
def mid() -> Organisation:
    return build_organisation(seed=3, size=120, as_of=AS_OF)


def periods(org: Organisation) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    for row in org.post_history:
        found[row["post_id"]].append(row)
    return found


def changed(org: Organisation, field: str) -> list[int]:
    return [eid for eid, rows in periods(org).items() if len({r[field] for r in rows}) > 1]


def test_a_few_percent_a_year_are_promoted_or_moved(full: Organisation) -> None:
    staff = len(full.employees) - len(full.managers())
    promoted, moved = len(changed(full, "grade")), len(changed(full, "line_manager_id"))
    assert 0.7 * PROMOTION_RATE * YEARS * staff < promoted < PROMOTION_RATE * YEARS * staff
    assert 0.6 * MOVE_RATE * YEARS * staff < moved < MOVE_RATE * YEARS * staff
    assert not set(full.managers()) & set(changed(full, "grade") + changed(full, "line_manager_id"))


def test_history_ends_in_todays_organisation_and_keeps_its_rules(full: Organisation) -> None:
    employees = {e["id"]: e for e in full.employees}
    top = {d["id"]: d["parent_id"] or d["id"] for d in full.departments}
    assert [p["id"] for p in full.posts] == sorted(employees)
    for eid, rows in periods(full).items():
        e = employees[eid]
        assert rows[0]["valid_from"] == e["start_date"] and rows[-1]["valid_to"] is None
        assert {k: rows[-1][k] for k in TRACKED} == {k: e[k] for k in TRACKED}
        for before, after in zip(rows, rows[1:], strict=False):
            assert before["valid_from"] < before["valid_to"] == after["valid_from"]
            assert e["start_date"] + timedelta(days=365) <= after["valid_from"]
            assert AS_OF - timedelta(days=5 * 365) <= after["valid_from"] < AS_OF
            if before["line_manager_id"] != after["line_manager_id"]:  # within the directorate
                assert top[before["department_id"]] == top[after["department_id"]]
        for row in rows:
            boss = employees[row["line_manager_id"]] if row["line_manager_id"] else None
            if boss is not None:
                assert int(boss["grade"]) > int(row["grade"])


def test_careers_are_deterministic(mid: Organisation) -> None:
    again = build_organisation(seed=3, size=120, as_of=AS_OF)
    assert again.posts == mid.posts and again.post_history == mid.post_history
    other = build_organisation(seed=4, size=120, as_of=AS_OF)
    assert other.post_history != mid.post_history


def test_records_before_a_move_stay_with_the_manager_of_the_time(mid: Organisation) -> None:
    movers = changed(mid, "line_manager_id")
    assert movers
    history = periods(mid)
    manager_on = ManagerOn(mid.post_history)
    rows = generate_history(mid, seed=3, as_of=AS_OF, kinds={RecordKind.SUPERVISION})
    authors: dict[int, set[int | None]] = defaultdict(set)
    for record, _ in rows:
        eid, day = record["subject_id"], record["record_date"]
        if eid in movers:
            held = [
                r
                for r in history[eid]
                if r["valid_from"] <= day and (r["valid_to"] is None or day < r["valid_to"])
            ]
            assert record["author_id"] in (None, held[0]["line_manager_id"])
            assert manager_on(eid, day, None) == held[0]["line_manager_id"]
            authors[eid].add(record["author_id"])
    assert any(len(found - {None}) > 1 for found in authors.values())  # two managers' records


def test_held_on_answers_a_promoted_persons_grade_of_the_day(mid: Organisation) -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    eid = changed(mid, "grade")[0]
    rows = periods(mid)[eid]
    promotion = next(b for a, b in zip(rows, rows[1:], strict=False) if a["grade"] != b["grade"])
    day = promotion["valid_from"]
    with Session(engine) as session:
        load_demo(session, mid, iter(()))
        session.flush()
        before = post_held_on(session, eid, day - timedelta(days=1))
        after = post_held_on(session, eid, day)
        today = post_held_on(session, eid, AS_OF)
    assert before is not None and after is not None and today is not None
    assert int(before.grade) == int(after.grade) - 1
    assert today.grade == next(e["grade"] for e in mid.employees if e["id"] == eid)
    assert after.post_number == before.post_number != ""
