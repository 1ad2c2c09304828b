"""HR's lists: finding people by any of their names or payroll number, and the order of
people (surname, then the name they go by, then the record's date)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lcc_apr.models import Employee
from lcc_apr.ops.people import reports_of, team_rows
from lcc_apr.ops.records import ListedRecord, records_page
from lcc_apr.policy import load_policy
from tests.conflict_maker import CATALOGUE

POLICY = load_policy()
TODAY = date(2026, 11, 30)


def everything(store, **filters) -> list[ListedRecord]:
    rows: list[ListedRecord] = []
    while True:
        page = records_page(store, catalogue=CATALOGUE, offset=len(rows), limit=200, **filters)
        rows += page
        if len(page) < 200:
            return rows


def payroll(store, first: str, last: str) -> set[str]:
    with store.session() as s:
        return set(
            s.scalars(
                select(Employee.payroll_number).where(
                    Employee.first_name == first, Employee.last_name == last
                )
            )
        )


@pytest.mark.parametrize(
    "typed",
    ["Will Roberts", "William Roberts", "roberts will", "wil rob", "92728074", "will 9272"],
)
def test_a_full_name_finds_the_persons_records(demo, typed):
    found = everything(demo, person=typed)
    assert found and {r.person for r in found} == {"Will Roberts"}
    assert {r.payroll_number for r in found} == {"92728074"}


def test_a_word_starts_any_part_of_a_name(demo):
    assert {r.person for r in everything(demo, person="davies")} == {"Deborah Lloyd-Davies"}
    assert {r.person for r in everything(demo, person="Deborah Lloyd")} == {"Deborah Lloyd-Davies"}
    assert everything(demo, person="ebor") == []  # inside a name, not a start
    for typed in ("gary ó", "Ó DÓNAILL", "dónaill"):  # letters SQLite does not lower
        assert {r.person for r in everything(demo, person=typed)} == {"Gary Ó Dónaill"}
    assert everything(demo, person="Deborah Roberts") == []  # each word must match


def test_two_people_with_the_same_name_differ_by_payroll_number(demo):
    found = everything(demo, person="Lucy Hunt")
    assert {r.payroll_number for r in found} == payroll(demo, "Lucy", "Hunt")
    assert len({r.payroll_number for r in found}) == 2


def test_sort_by_person_is_surname_then_first_name_then_date(demo):
    with demo.session() as s:
        names = {
            p: (last, known or first)
            for p, first, known, last in s.execute(
                select(
                    Employee.payroll_number,
                    Employee.first_name,
                    Employee.preferred_name,
                    Employee.last_name,
                )
            )
        }
    rows = everything(demo, sort="person", descending=False)
    keys = [(*names[r.payroll_number], r.record_date or date.min) for r in rows]
    assert keys == sorted(keys) and len({k[:2] for k in keys}) > 40
    people = [r.person for r in rows]
    assert people.index("Lisa Hunt") < people.index("Lucy Hunt") < people.index("Will Roberts")


def test_hr_everyone_and_the_new_record_picker_sort_and_name_people_the_same_way(demo):
    everyone = team_rows(demo, policy=POLICY, today=TODAY, manager_id=None)
    keys = [r.sort_name for r in everyone]
    assert keys == sorted(keys)
    assert [r.name for r in everyone][:3] == ["Lisa Allen", "Lucy Ashby", "Sophie Ashby"]
    will = next(r for r in everyone if r.name == "Will Roberts")
    assert will.payroll_number == "92728074"
    picker = reports_of(demo, manager_id=23)  # Lucy Hunt, Head of Reablement
    team = team_rows(demo, policy=POLICY, today=TODAY, manager_id=23)
    assert [p.name for p in picker] == [r.name for r in team]
    assert "Will Roberts" in [p.name for p in picker]


def test_sort_by_payroll_number_then_date(demo):
    rows = everything(demo, sort="payroll", descending=False)
    keys = [(r.payroll_number, r.record_date or date.min) for r in rows]
    assert keys == sorted(keys) and len({k[0] for k in keys}) > 40
    backwards = everything(demo, sort="payroll", descending=True, kind="apr")
    assert [r.payroll_number for r in backwards] == sorted(
        (r.payroll_number for r in backwards), reverse=True
    )
