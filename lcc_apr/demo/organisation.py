"""The deterministic demo organisation as plain rows, ready for bulk insert.

Contract: `build_organisation(seed=, size=, as_of=)` is pure Python (no
database, no clock, no global RNG) and returns the same rows for the same
(seed, size, as_of). Ids are explicit integers: employee i and its user share
id i (the chief executive is 1), managers come before their reports, and the
one extra administrator user (not an employee) has id size + 1.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from lcc_apr.models import Role

from .absences import build_absences
from .careers import build_careers
from .names import EMAIL_DOMAIN, NamePicker, Unique, email_local, username_base
from .people import assign_people
from .profile import HEADCOUNT
from .structure import build_structure

ADMIN_USERNAME = "admin"
PAYROLL_RANGE = range(10_000_000, 100_000_000)  # unique 8-digit numbers
Row = dict[str, Any]


@dataclass(frozen=True)
class Organisation:
    """Row dicts keyed by model column names, plus what the history needs."""

    seed: int
    size: int
    as_of: date
    departments: tuple[Row, ...]
    employees: tuple[Row, ...]
    users: tuple[Row, ...]
    user_roles: tuple[Row, ...]
    services: Mapping[int, str]  # department id -> phrase bank for record text
    posts: tuple[Row, ...] = ()  # one primary post each (careers.py)
    post_history: tuple[Row, ...] = ()  # with the promotions and moves of five years
    absences: tuple[Row, ...] = ()  # two years of sickness absence (absences.py)

    def managers(self) -> list[int]:
        """Employee ids of everyone with at least one direct report, ascending."""
        ids = {e["line_manager_id"] for e in self.employees} - {None}
        return sorted(ids)


def users_created_at(as_of: date) -> datetime:
    """When the demo's accounts were made: 06:00 UTC on as_of (never the clock)."""
    return datetime.combine(as_of, time(6, 0), tzinfo=UTC)


def build_organisation(*, seed: int = 2020, size: int = HEADCOUNT, as_of: date) -> Organisation:
    """The demo organisation of `size` current staff on `as_of` (see module docstring)."""
    rng = random.Random(seed)
    structure = build_structure(rng, size)
    people = assign_people(rng, structure.posts, as_of)
    picker = NamePicker(rng)
    payroll = rng.sample(PAYROLL_RANGE, size)
    emails, usernames = Unique(), Unique()
    admin_username = usernames.take(ADMIN_USERNAME)  # reserved before anyone else
    created = users_created_at(as_of)
    manages = {p.manager for p in structure.posts}

    employees: list[Row] = []
    users: list[Row] = []
    roles: list[Row] = []
    for index, (post, person) in enumerate(zip(structure.posts, people, strict=True)):
        eid = index + 1
        first, last, preferred = picker.pick(person["ethnicity"], person["sex"])
        known = preferred or first
        employees.append(
            {
                "id": eid,
                "payroll_number": f"{payroll[index]:08d}",
                "first_name": first,
                "last_name": last,
                "preferred_name": preferred,
                "email": f"{emails.take(email_local(known, last))}@{EMAIL_DOMAIN}",
                "job_title": post.title,
                "grade": post.grade,
                "department_id": post.department_id,
                "line_manager_id": None if post.manager is None else post.manager + 1,
                **person,
            }
        )
        users.append(
            {
                "id": eid,
                "username": usernames.take(username_base(known, last)),
                "employee_id": eid,
                "display_name": f"{known} {last}",
                "active": True,
                "created_at": created,
            }
        )
        roles.append({"user_id": eid, "role": Role.EMPLOYEE})
        if index in manages:
            roles.append({"user_id": eid, "role": Role.MANAGER})
        if post.hr:
            roles.append({"user_id": eid, "role": Role.HR})

    admin_id = size + 1
    users.append(
        {
            "id": admin_id,
            "username": admin_username,
            "employee_id": None,
            "display_name": "Demo Administrator",
            "active": True,
            "created_at": created,
        }
    )
    roles.append({"user_id": admin_id, "role": Role.ADMIN})
    departments = tuple(structure.departments)
    careers = build_careers(
        seed=seed,
        as_of=as_of,
        employees=employees,
        departments=departments,
        managers=(index + 1 for index in manages if index is not None),
    )
    return Organisation(
        seed=seed,
        size=size,
        as_of=as_of,
        departments=departments,
        employees=tuple(employees),
        users=tuple(users),
        user_roles=tuple(roles),
        services=dict(structure.services),
        posts=careers.posts,
        post_history=careers.post_history,
        absences=build_absences(seed=seed, as_of=as_of, employees=employees),
    )
