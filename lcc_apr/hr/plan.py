"""plan_import: what applying an organisation file would change, worked out and written
nowhere (the dry run). The server applies a plan (lcc_apr.server.orgimport.apply_plan).

    reading = read_organisation(path, "itrent", known_payrolls=..., known_posts=...)
    plan = plan_import(session, reading, complete=True, as_of=date(2026, 4, 1))

Rows match what is held on the HR system's keys: a person on their payroll number, a post
on (payroll, post number); so the same file planned again after it was applied plans
nothing. A field the file has no column for is never changed. A person held whose posts
were never recorded (the demo, people added one by one) gains posts; their employee row
is compared with the primary post.

- adds: each post new to LCC APR, and whether its holder is a new person.
- changes: field by field (equality fields say only that they changed).
- leavers: everyone whose every post has a leaving date on or before `as_of`, and with
  `complete`, everyone held and current who is not in the file (they leave on `as_of`);
  with their open items (probation in progress, open capability case, unsigned APR).
- movers: people held whose line manager changes.
- accounts: the sign-in each person without one gets, matched by work email or payroll
  number (never a password).
- errors: the reading's problems, then what only the organisation held shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Department, Employee, Post, Record, User
from lcc_apr.posts import TRACKED
from lcc_apr.workflow import WORKFLOWS

from .planned import (
    EQUALITY,
    KEEP,
    MIRRORED,
    OPEN_KINDS,
    PERSON_FIELDS,
    POST_FIELDS,
    USERNAME_LENGTH,
    Add,
    Change,
    DepartmentKey,
    Keep,
    Leaver,
    Mover,
    NewAccount,
    OpenItem,
    PersonTarget,
    Plan,
    PostTarget,
)
from .reading import Reading
from .report import Problem
from .rows import PostRow


class _Held:
    """The organisation held, indexed for matching."""

    def __init__(self, session: Session, as_of: date) -> None:
        self.employees = {e.payroll_number: e for e in session.scalars(select(Employee))}
        self.by_id = {e.id: e for e in self.employees.values()}
        self.posts: dict[int, dict[str, Post]] = defaultdict(dict)
        self.post_holders: dict[str, list[tuple[bool, str]]] = defaultdict(list)
        for post in session.scalars(select(Post).order_by(Post.id)):
            self.posts[post.employee_id][post.post_number] = post
            if post.end_date is None or post.end_date > as_of:
                payroll = self.by_id[post.employee_id].payroll_number
                self.post_holders[post.post_number].append((post.is_primary, payroll))
        self.departments = {d.id: d for d in session.scalars(select(Department))}
        self.department_ids: dict[DepartmentKey, int] = {}
        for department_id in sorted(self.departments):
            self.department_ids.setdefault(self.department_key(department_id), department_id)
        self.users = list(session.scalars(select(User)))
        self.as_of = as_of

    def department_key(self, department_id: int) -> DepartmentKey:
        d = self.departments[department_id]
        if d.parent_id is None:
            return d.name.casefold(), None
        return self.departments[d.parent_id].name.casefold(), d.name.casefold()

    def department_words(self, department_id: int) -> str:
        d = self.departments[department_id]
        if d.parent_id is None:
            return d.name
        return f"{self.departments[d.parent_id].name} / {d.name}"

    def payroll_of(self, employee_id: int | None) -> str | None:
        return None if employee_id is None else self.by_id[employee_id].payroll_number

    def left(self, employee: Employee) -> bool:
        return employee.leaving_date is not None and employee.leaving_date <= self.as_of


def held_keys(session: Session) -> tuple[set[str], set[str]]:
    """The payroll and post numbers held, for read_organisation's known_payrolls and
    known_posts (a row may name someone held, not in the file, as its line manager)."""
    payrolls = set(session.scalars(select(Employee.payroll_number)))
    return payrolls, set(session.scalars(select(Post.post_number).where(Post.post_number != "")))


def department_key(row: PostRow) -> DepartmentKey:
    return row.department.casefold(), row.section.casefold() if row.section else None


def plan_import(
    session: Session, reading: Reading, *, complete: bool = False, as_of: date | None = None
) -> Plan:
    """What applying `reading` would change (see the module docstring). Reads only."""
    as_of = as_of or date.today()
    held = _Held(session, as_of)
    staff = sum(1 for e in held.employees.values() if not held.left(e))
    plan = Plan(reading, complete, as_of, staff, errors=list(reading.problems))
    columns = set(reading.columns)
    rows_of: dict[str, list[PostRow]] = defaultdict(list)
    for row in reading.rows:
        rows_of[row.payroll].append(row)
    file_holders: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    for payroll, rows in rows_of.items():
        for row, primary in zip(rows, _primaries(rows), strict=True):
            if row.post:
                file_holders[row.post].append((primary, payroll))

    def manager_of(row: PostRow) -> str | None | Keep:
        if not columns & {"manager_payroll", "manager_post"}:
            return KEEP
        if row.manager_payroll is not None:
            return row.manager_payroll
        if row.manager_post is not None:
            holders = file_holders.get(row.manager_post) or held.post_holders.get(row.manager_post)
            if not holders:
                return None
            return min(holders, key=lambda h: (not h[0], h[1]))[1]
        return None

    for payroll, rows in rows_of.items():
        employee = held.employees.get(payroll)
        dated = [r.leaving_date for r in rows]
        if employee is None and all(d is not None and d <= as_of for d in dated):
            plan.ignored += [(r.row, "left before the file's date; not added") for r in rows]
            continue
        person = _person(held, payroll, rows, employee, columns, manager_of)
        leaving = max(dated) if all(d is not None for d in dated) else None  # type: ignore[type-var]
        held_current = employee is not None and not held.left(employee)
        if held_current and leaving is not None and leaving <= as_of:
            person.leaves_on = leaving
        plan.people.append(person)

    present = set(rows_of) | reading.failed_payrolls
    if complete:
        for payroll, employee in sorted(held.employees.items()):
            if payroll not in present and not held.left(employee):
                plan.absent_leavers.append(employee)

    _compare(plan, held)
    _check(plan, held)
    _plan_accounts(plan, held)
    _open_items(session, plan)
    _needed_departments(plan, held)
    return plan


def _primaries(rows: Sequence[PostRow]) -> list[bool]:
    """Which of one person's rows is their primary post: the one marked, else the first."""
    marked = [bool(r.primary) for r in rows]
    if not any(marked):
        marked[0] = True
    elif sum(marked) > 1:  # reported as two-primary-posts; the first counts
        first = marked.index(True)
        marked = [i == first for i in range(len(rows))]
    return marked


def _person(
    held: _Held,
    payroll: str,
    rows: list[PostRow],
    employee: Employee | None,
    columns: set[str],
    manager_of: Any,
) -> PersonTarget:
    primaries = _primaries(rows)
    primary = rows[primaries.index(True)]
    values = {f: getattr(primary, f) for f in PERSON_FIELDS if f in columns}
    if "leaving_date" in columns:
        dated = [r.leaving_date for r in rows]
        values["leaving_date"] = None if None in dated else max(dated)  # type: ignore[type-var]
    held_posts = held.posts.get(employee.id, {}) if employee is not None else {}
    posts: list[PostTarget] = []
    for row, is_primary in zip(rows, primaries, strict=True):
        number = row.post or ""
        target: dict[str, Any] = {"is_primary": is_primary}
        for name, source in POST_FIELDS.items():
            if name == "is_primary" or (source not in columns and name != "manager"):
                continue
            if name == "department":
                target[name] = department_key(row)
            elif name == "manager":
                found = manager_of(row)
                if found is not KEEP:
                    target[name] = found
            elif name == "end_date":
                target[name] = row.leaving_date
            else:
                target[name] = getattr(row, source)
        before = None
        if employee is not None and not held_posts and is_primary:
            before = {n: getattr(employee, n) for n in TRACKED}
        posts.append(PostTarget(number, row, held_posts.get(number), target, before))
    primary_target = posts[primaries.index(True)].values
    mirrored = {f: primary_target[f] for f in MIRRORED if f in primary_target}
    manager = primary_target.get("manager", KEEP)
    return PersonTarget(payroll, rows, primary, employee, values, mirrored, manager, posts)


def _words(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Enum) or isinstance(new, Enum):
        return _words(old) == _words(new)
    return bool(old == new)


def _row_department(row: PostRow) -> str:
    return row.department if row.section is None else f"{row.department} / {row.section}"


def _display(row: PostRow) -> str:
    return f"{row.preferred_name or row.first_name} {row.last_name}"


def _compare(plan: Plan, held: _Held) -> None:
    labels = plan.reading.columns

    def label(name: str) -> str:
        source = POST_FIELDS.get(name, name)
        if name == "manager" and "manager_payroll" not in labels:
            source = "manager_post"
        return labels.get(source, source)

    def change(
        row: int | None, payroll: str, post: str | None, name: str, old: Any, new: Any
    ) -> None:
        secret = name in EQUALITY
        shown = (None, None) if secret else (_words(old), _words(new))
        plan.changes.append(Change(row, payroll, post, name, label(name), *shown, secret))

    for person in plan.people:
        employee, first = person.employee, person.primary_row
        if employee is None:
            for post in person.posts:
                assert post.row is not None
                plan.adds.append(
                    Add(post.row.row, person.payroll, post.number, _display(post.row), True)
                )
            continue
        name = employee.display_name
        if person.leaves_on is not None:
            plan.leavers.append(
                Leaver(employee.id, person.payroll, name, person.leaves_on, first.row)
            )
        for field_name, new in person.values.items():
            if field_name == "leaving_date" and person.leaves_on is not None:
                continue
            old = getattr(employee, field_name)
            if not _same(old, new):
                change(first.row, person.payroll, None, field_name, old, new)
        old_manager = held.payroll_of(employee.line_manager_id)
        if person.manager is not KEEP and person.manager != old_manager and not person.leaves_on:
            plan.movers.append(
                Mover(first.row, employee.id, person.payroll, name, old_manager, person.manager)
            )
        legacy = not held.posts.get(employee.id)
        for post in person.posts:
            assert post.row is not None
            if post.held is None:
                plan.adds.append(Add(post.row.row, person.payroll, post.number, name, False))
            if post.held is not None:
                old_values = _post_values(held, post.held)
                old_department = held.department_words(post.held.department_id)
                names = [n for n in post.values if n != "manager" or not post.values["is_primary"]]
            elif legacy and post.values["is_primary"]:  # compared with the employee row
                old_values = _employee_values(held, employee)
                old_department = held.department_words(employee.department_id)
                names = [n for n in MIRRORED if n in post.values]
            else:
                continue
            for field_name in names:
                if field_name == "end_date" and person.leaves_on is not None:
                    continue
                old, new = old_values[field_name], post.values[field_name]
                if _same(old, new):
                    continue
                if field_name == "department":
                    old, new = old_department, _row_department(post.row)
                change(post.row.row, person.payroll, post.number, field_name, old, new)
        if plan.complete:
            in_file = {p.number for p in person.posts}
            for number, post_held in sorted(held.posts.get(employee.id, {}).items()):
                ended = post_held.end_date is not None and post_held.end_date <= plan.as_of
                if number not in in_file and not ended:
                    person.posts.append(PostTarget(number, None, post_held, {}))
                    change(None, person.payroll, number, "end_date", post_held.end_date, plan.as_of)
    for employee in plan.absent_leavers:
        plan.leavers.append(
            Leaver(employee.id, employee.payroll_number, employee.display_name, plan.as_of, None)
        )


def _post_values(held: _Held, post: Post) -> dict[str, Any]:
    """A held post's values as compared (department as names, manager as payroll)."""
    values = {name: getattr(post, name) for name in POST_FIELDS if hasattr(post, name)}
    values["department"] = held.department_key(post.department_id)
    values["manager"] = held.payroll_of(post.line_manager_id)
    return values


def _employee_values(held: _Held, employee: Employee) -> dict[str, Any]:
    values = {name: getattr(employee, name) for name in MIRRORED if name != "department"}
    values["department"] = held.department_key(employee.department_id)
    return values


def _final_managers(plan: Plan, held: _Held) -> dict[str, str | None]:
    """Everyone's line manager (payroll numbers) once the plan is applied."""
    managers = {p: held.payroll_of(e.line_manager_id) for p, e in held.employees.items()}
    for person in plan.people:
        if person.manager is not KEEP:
            managers[person.payroll] = person.manager
        elif person.employee is None:
            managers[person.payroll] = None
    return managers


def _check(plan: Plan, held: _Held) -> None:
    """What only the organisation held shows: a manager who leaves, a loop through people
    not in the file, a leaver's reports with no one to go to, a work email already held."""
    sheet, labels = plan.reading.sheet, plan.reading.columns
    reported = {(p.row, p.rule) for p in plan.errors}

    def error(row: int, field_name: str, rule: str, value: str | None, message: str) -> None:
        if (row, rule) not in reported:
            reported.add((row, rule))
            column = labels.get(field_name, field_name)
            plan.errors.append(Problem(sheet, row, column, rule, value, message))

    managers = plan.managers = _final_managers(plan, held)
    leaving = {leaver.payroll for leaver in plan.leavers}
    gone = leaving | {p for p, e in held.employees.items() if held.left(e)}
    staying = {p.payroll for p in plan.people if p.leaves_on is None}
    gone -= staying
    manager_field = "manager_payroll" if "manager_payroll" in labels else "manager_post"
    for person in plan.people:
        if person.leaves_on is not None or person.manager is KEEP:
            continue
        row = person.primary_row.row
        if person.manager in gone:
            error(row, manager_field, "manager-leaves", person.manager, "the line manager leaves")
        elif _loops(managers, person.payroll):
            message = "the line manager chain comes back round through people held"
            error(row, manager_field, "manager-loop", person.manager, message)
    reports: dict[str | None, list[str]] = defaultdict(list)
    for payroll, manager in managers.items():
        if payroll not in gone:
            reports[manager].append(payroll)
    for leaver in plan.leavers:
        successor, seen = managers.get(leaver.payroll), {leaver.payroll}
        while successor in gone and successor not in seen:
            seen.add(successor)
            successor = managers.get(successor)
        if successor in gone:
            successor = None
        plan.successors[leaver.payroll] = successor
        if reports.get(leaver.payroll) and successor is None:
            row = leaver.row or 0
            message = "no one above the leaver stays to take on their reports"
            error(row, "payroll", "leaver-reports", leaver.payroll, message)
    in_file = {p.payroll for p in plan.people}
    emails = {
        e.email.casefold(): p
        for p, e in held.employees.items()
        if e.email is not None and p not in in_file
    }
    for person in plan.people:
        email = person.values.get("email")
        if email is not None and emails.get(email.casefold(), person.payroll) != person.payroll:
            message = "another person held has this work email"
            error(person.primary_row.row, "email", "email-taken", email, message)
    plan.errors.sort(key=lambda p: p.row)


def _loops(managers: dict[str, str | None], start: str) -> bool:
    seen = {start}
    manager = managers.get(start)
    while manager is not None:
        if manager in seen:
            return manager == start
        seen.add(manager)
        manager = managers.get(manager)
    return False


def _plan_accounts(plan: Plan, held: _Held) -> None:
    """Each person in the file without a user gets one: a user made beforehand whose
    username is their work email or payroll number (for single sign-on) is linked; else a
    new one named by their work email, else by their payroll number."""
    linked = {u.employee_id for u in held.users if u.employee_id is not None}
    free = {u.username.casefold(): u for u in held.users if u.employee_id is None}
    taken = {u.username.casefold() for u in held.users}
    for person in plan.people:
        if person.leaves_on is not None:
            continue
        if person.employee is not None and person.employee.id in linked:
            continue
        email = person.values.get("email") or (person.employee.email if person.employee else None)
        row = person.primary_row.row
        names = [n for n in (email, person.payroll) if n and len(n) <= USERNAME_LENGTH]
        match = next((free.pop(n.casefold()) for n in names if n.casefold() in free), None)
        if match is not None:
            plan.accounts.append(NewAccount(row, person.payroll, match.username, True))
            continue
        name = next((n for n in names if n.casefold() not in taken), None)
        if name is None:
            shown = person.payroll
            message = "the work email and payroll number are both someone else's username"
            plan.errors.append(
                Problem(plan.reading.sheet, row, "payroll", "account-taken", shown, message)
            )
            continue
        taken.add(name.casefold())
        plan.accounts.append(NewAccount(row, person.payroll, name, False))
    plan.errors.sort(key=lambda p: p.row)


def _open_items(session: Session, plan: Plan) -> None:
    """Each leaver's records still open: probation in progress, an open capability case or
    attendance review, an APR not completed."""
    ids = [leaver.employee_id for leaver in plan.leavers]
    if not ids:
        return
    final = {kind: {s.name for s in WORKFLOWS[kind].states if s.final} for kind in OPEN_KINDS}
    found: dict[int, list[OpenItem]] = defaultdict(list)
    rows = session.execute(
        select(Record.subject_id, Record.id, Record.kind, Record.status)
        .where(Record.subject_id.in_(ids), Record.kind.in_(OPEN_KINDS), ~Record.deleted)
        .order_by(Record.subject_id, Record.record_date, Record.id)
    )
    for subject_id, record_id, kind, status in rows:
        if status not in final[kind]:
            found[subject_id].append(OpenItem(record_id, str(kind), status))
    plan.leavers = [
        replace(leaver, open_items=tuple(found.get(leaver.employee_id, ())))
        for leaver in plan.leavers
    ]


def _needed_departments(plan: Plan, held: _Held) -> None:
    """The departments and sections the file names that are not held, as the file writes
    them (a department before its sections)."""
    needed: dict[DepartmentKey, DepartmentKey] = {}
    for person in plan.people:
        for post in person.posts:
            if post.row is None:
                continue
            row = post.row
            top: DepartmentKey = (row.department, None)
            for names in (top, (row.department, row.section)) if row.section else (top,):
                key = (names[0].casefold(), names[1].casefold() if names[1] else None)
                if key not in held.department_ids:
                    needed.setdefault(key, names)
    plan.departments = list(needed.values())
    plan.department_ids = held.department_ids
