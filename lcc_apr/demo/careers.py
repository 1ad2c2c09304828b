"""Careers in the demo: the post each person holds and what it was over the five years
(promotions and moves), as rows for lcc_apr.models.Post and PostHistory.

Contract: `build_careers(seed=, as_of=, employees=, departments=, managers=)` is pure
Python with its own seeded RNG (so nothing else in the demo changes with it) and returns
the same rows for the same arguments. Everyone holds one primary post (post id ==
employee id, numbered and with the weekly hours the HR samples give it, so importing a
sample (lcc_apr.hr.samples) into the demo changes no post; no second posts); its
history ends in the employee row as it is on `as_of`, so the organisation of today is
untouched and only the past differs:

- a promotion: a member of staff (not a manager) was one grade lower until the day of it;
- a move: a member of staff worked for another manager in the same directorate (and so
  in that manager's section) until the day of it; that manager is graded above them.

About PROMOTION_RATE and MOVE_RATE of the staff a year, on days from a year after they
started (and within the five years) to a month before `as_of`. `manager_on` answers who
was someone's line manager on a day: the demo's records are written by that person.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lcc_apr.hr.samples import HOURS_FULL_TIME, post_number

Row = dict[str, Any]
YEARS = 5
PROMOTION_RATE = 0.03  # of the staff, a year
MOVE_RATE = 0.02
SETTLED = timedelta(days=365)  # no change in someone's first year
QUIET = timedelta(days=30)  # nor in the last month before as_of


@dataclass(frozen=True)
class Careers:
    posts: tuple[Row, ...]
    post_history: tuple[Row, ...]  # each post's periods, oldest first, ids from 1


class ManagerOn:
    """Who someone's line manager was on a day, from the posts' periods (post_history
    rows, each post's oldest first; post id == employee id)."""

    def __init__(self, post_history: Iterable[Row]) -> None:
        periods: dict[int, list[Row]] = {}
        for row in post_history:
            periods.setdefault(row["post_id"], []).append(row)
        self._periods = {
            eid: ([r["valid_from"] for r in rows], [r["line_manager_id"] for r in rows])
            for eid, rows in periods.items()
            if len({r["line_manager_id"] for r in rows}) > 1
        }

    def __call__(self, employee_id: int, day: date, current: int | None) -> int | None:
        found = self._periods.get(employee_id)
        if found is None:
            return current
        starts, managers = found
        return managers[max(bisect_right(starts, day) - 1, 0)]


def build_careers(
    *,
    seed: int,
    as_of: date,
    employees: Sequence[Row],
    departments: Sequence[Row],
    managers: Iterable[int],
) -> Careers:
    """The posts and their dated history (see the module docstring)."""
    rng = random.Random(f"{seed}/careers")
    top = {d["id"]: d["parent_id"] or d["id"] for d in departments}
    by_id = {e["id"]: e for e in employees}
    manages = set(managers)
    by_directorate: dict[int, list[int]] = {}
    for eid in sorted(manages):
        by_directorate.setdefault(top[by_id[eid]["department_id"]], []).append(eid)
    horizon = as_of - timedelta(days=365 * YEARS)
    last = as_of - QUIET
    chance = {"promotion": PROMOTION_RATE * YEARS, "move": MOVE_RATE * YEARS}
    posts: list[Row] = []
    history: list[Row] = []
    for e in employees:
        posts.append(_post(e))
        first = max(e["start_date"] + SETTLED, horizon)
        changes: list[tuple[date, str]] = []
        if e["id"] not in manages and e["line_manager_id"] is not None and first < last:
            for what in ("promotion", "move"):
                if rng.random() < chance[what]:
                    day = first + timedelta(days=rng.randint(0, (last - first).days))
                    changes.append((day, what))
        nearby = by_directorate.get(top[e["department_id"]], [])
        history += _periods(e, sorted(changes), by_id, nearby, rng)
    for number, row in enumerate(history, start=1):
        row["id"] = number
    return Careers(tuple(posts), tuple(history))


def _post(e: Mapping[str, Any]) -> Row:
    return {
        "id": e["id"],
        "employee_id": e["id"],
        "post_number": post_number(e["id"]),
        "is_primary": True,
        "job_title": e["job_title"],
        "grade": e["grade"],
        "department_id": e["department_id"],
        "line_manager_id": e["line_manager_id"],
        "contract_type": e["contract_type"],
        "fte": e["fte"],
        "weekly_hours": (HOURS_FULL_TIME * e["fte"]).quantize(Decimal("0.01")),
        "staff_group": None,
        "start_date": e["start_date"],
        "end_date": None,
    }


def _periods(
    e: Mapping[str, Any],
    changes: list[tuple[date, str]],
    by_id: Mapping[int, Row],
    candidates: list[int],
    rng: random.Random,
) -> list[Row]:
    """The post's periods, worked backwards from today's terms through each change."""
    terms = {k: e[k] for k in ("job_title", "grade", "department_id", "line_manager_id")}
    ends: list[tuple[date, dict[str, Any]]] = []  # (from, terms), newest first
    for day, what in reversed(changes):
        if ends and ends[-1][0] == day:
            continue  # one change a day
        before = dict(terms)
        if what == "promotion":
            grade = int(terms["grade"])
            if grade <= 1:
                continue
            before["grade"] = str(grade - 1)
        else:
            grade = int(terms["grade"])
            others = [
                m
                for m in candidates
                if m not in (e["id"], terms["line_manager_id"])
                and by_id[m]["start_date"] <= day
                and int(by_id[m]["grade"]) > grade
            ]
            if not others:
                continue
            manager = by_id[rng.choice(others)]
            before["line_manager_id"] = manager["id"]
            before["department_id"] = manager["department_id"]
        ends.append((day, terms))
        terms = before
    rows: list[Row] = []
    start: date = e["start_date"]
    for day, after in reversed(ends):
        rows.append({"post_id": e["id"], "valid_from": start, "valid_to": day, **terms})
        start, terms = day, after
    rows.append({"post_id": e["id"], "valid_from": start, "valid_to": None, **terms})
    return rows
