"""Applying an organisation import (a plan from lcc_apr.hr.plan) to the server database.

All or nothing, in the caller's transaction: the plan is made again under the sequence
lock and must say what the dry run said. People change line manager through
`move_employees` and leave through `leave_organisation`, which write the scope events the
change feed serves, so managers gain and lose people on their next sync. New people get a
user with the employee role and an account with no password (NO_PASSWORD); managers gain
the manager role before their people move to them. Leavers keep their records; their
account is disabled and their posts end on their leaving date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lcc_apr import posts as post_history
from lcc_apr.hr.plan import department_key, plan_import
from lcc_apr.hr.planned import KEEP, LEAVER_SHARE, DepartmentKey, Leaver, Plan, PostTarget
from lcc_apr.models import (
    Base,
    ContractType,
    Department,
    Employee,
    Post,
    PostHistory,
    Role,
    User,
    UserRole,
    now_utc,
)

from . import accounts, sequence
from .org import leave_organisation, move_employees
from .tables import Account

DEFAULT_CONTRACT = ContractType.PERMANENT  # for a new person when the file has none
DEFAULT_FTE = Decimal(1)
CODE_LENGTH = 20


class ImportRefused(Exception):
    """The plan cannot be applied; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class Applied:
    adds: int
    changes: int
    movers: int
    accounts: int
    leavers: list[Leaver]  # with their open items, for HR
    scope_events: int


def apply_plan(
    session: Session,
    plan: Plan,
    *,
    confirm_leavers: bool = False,
    indirect_reports: bool = False,
    at: datetime | None = None,
) -> Applied:
    """Apply `plan` in the caller's transaction (it commits, or rolls back on an error).

    ImportRefused when the plan has errors, when more than 5% of staff would leave
    without `confirm_leavers`, or when the organisation changed since the plan was made."""
    if plan.errors:
        raise ImportRefused(f"The file has {len(plan.errors)} problem(s); nothing was applied.")
    sequence.lock(session)  # one import, push or move at a time, from here to the commit
    fresh = plan_import(session, plan.reading, complete=plan.complete, as_of=plan.as_of)
    if fresh.outcome() != plan.outcome():
        raise ImportRefused(
            "The organisation changed since the dry run; nothing was applied. Run it again."
        )
    if fresh.needs_confirmation and not confirm_leavers:
        raise ImportRefused(
            f"{len(fresh.leavers)} of {fresh.staff} staff would leave, more than "
            f"{LEAVER_SHARE:.0%}: if the file is complete, confirm the leavers "
            "(--confirm-leavers); nothing was applied."
        )
    at = at or now_utc()
    departments = _departments(session, fresh)
    people = _people(session, fresh, departments)
    _posts(session, fresh, people, departments)
    _accounts(session, fresh, people, at)
    _manager_roles(session, fresh, people)
    moves: dict[int, int | None] = {}
    for person in fresh.people:
        if person.manager is KEEP or person.leaves_on is not None:
            continue
        employee = people[person.payroll]
        manager_id = None if person.manager is None else people[person.manager].id
        if employee.line_manager_id != manager_id:
            moves[employee.id] = manager_id
    events = move_employees(session, moves, indirect_reports=indirect_reports, at=at)
    for leaver in fresh.leavers:
        for post in session.scalars(select(Post).where(Post.employee_id == leaver.employee_id)):
            if post.end_date is None or post.end_date > leaver.leaving_date:
                post_history.end(session, post, leaver.leaving_date)
        successor = fresh.successors.get(leaver.payroll)
        events += leave_organisation(
            session,
            leaver.employee_id,
            leaving_date=leaver.leaving_date,
            successor_id=None if successor is None else people[successor].id,
            indirect_reports=indirect_reports,
            at=at,
        )
    session.flush()
    return Applied(
        len(fresh.adds),
        len(fresh.changes),
        len(fresh.movers),
        len(fresh.accounts),
        fresh.leavers,
        len(events),
    )


def _departments(session: Session, plan: Plan) -> dict[DepartmentKey, int]:
    """Department ids by key (names, case-folded), making those the file names anew."""
    ids = dict(plan.department_ids)
    codes = set(session.scalars(select(Department.code)))
    for name, section in plan.departments:
        parent_id = None if section is None else ids[(name.casefold(), None)]
        made = Department(
            code=_code(section or name, codes), name=section or name, parent_id=parent_id
        )
        session.add(made)
        session.flush()
        ids[(name.casefold(), section.casefold() if section else None)] = made.id
    return ids


def _code(name: str, taken: set[str]) -> str:
    """A short unique code for a new department: its initials, numbered if taken."""
    initials = "".join(w[0] for w in name.split() if w[0].isalnum()).upper()[:12] or "DEPT"
    code, number = initials, 1
    while code in taken:
        number += 1
        code = f"{initials}-{number}"[:CODE_LENGTH]
    taken.add(code)
    return code


def _people(
    session: Session, plan: Plan, departments: dict[DepartmentKey, int]
) -> dict[str, Employee]:
    """Everyone's employee row by payroll number, fields set, new people inserted in bulk
    (after the changes, as one flush would: a work email freed can be taken)."""
    people = {e.payroll_number: e for e in session.scalars(select(Employee))}
    new: list[dict[str, Any]] = []
    for person in plan.people:
        employee = person.employee
        values = dict(person.values)
        if person.leaves_on is not None:
            values.pop("leaving_date", None)  # leave_organisation sets it
        mirrored: dict[str, Any] = dict(person.mirrored)
        department = mirrored.pop("department", None)
        if department is not None:
            mirrored["department_id"] = departments[department]
        for name in ("contract_type", "fte"):
            if mirrored.get(name) is None:
                mirrored.pop(name, None)
        if employee is None:
            mirrored.setdefault("contract_type", DEFAULT_CONTRACT)
            mirrored.setdefault("fte", DEFAULT_FTE)
            new.append({"payroll_number": person.payroll, **values, **mirrored})
            continue
        shown_as = employee.display_name
        for name, value in {**values, **mirrored}.items():
            if getattr(employee, name) != value:
                setattr(employee, name, value)
        if employee.display_name != shown_as:
            user = session.scalar(select(User).where(User.employee_id == employee.id))
            if user is not None:
                user.display_name = employee.display_name
    session.flush()
    if new:
        rows = _filled(Employee, new)
        for employee in session.scalars(insert(Employee).returning(Employee), rows, **NULLS):
            people[employee.payroll_number] = employee
    return people


def _posts(
    session: Session,
    plan: Plan,
    people: dict[str, Employee],
    departments: dict[DepartmentKey, int],
) -> None:
    """Every post the plan names: new ones (and their history) inserted in bulk, the others
    changed one by one, in the file's order."""
    new: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for person in plan.people:
        for target in person.posts:
            if target.held is None and target.before is None and target.row is not None:
                new.append(_new_post(people, departments, target))
                continue
            _insert_posts(session, new)
            _post(session, plan, people, departments, target)
    _insert_posts(session, new)


def _new_post(
    people: dict[str, Employee], departments: dict[DepartmentKey, int], target: PostTarget
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A post new to LCC APR, held by someone whose posts are recorded (or a new person),
    and its history row, as _post would make them."""
    assert target.row is not None
    values = _post_values(people, departments, target)
    end = values.pop("end_date", None)
    holder = people[target.row.payroll]
    post: dict[str, Any] = {"employee_id": holder.id, "post_number": target.number}
    if target.values["is_primary"]:  # what the file does not give, from the employee row
        post.update(
            contract_type=holder.contract_type,
            fte=holder.fte,
            line_manager_id=holder.line_manager_id,
        )
    post.update(values, end_date=end)
    return post, post_history.opening(post["start_date"], post, end)


def _insert_posts(session: Session, new: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Insert the new posts made so far and their history rows (then forget them)."""
    if not new:
        return
    returning = insert(Post).returning(Post.employee_id, Post.post_number, Post.id)
    rows = _filled(Post, [p for p, _ in new])
    ids = {(e, n): i for e, n, i in session.execute(returning, rows, **NULLS)}
    history = [{**row, "post_id": ids[p["employee_id"], p["post_number"]]} for p, row in new]
    session.execute(insert(PostHistory), history, **NULLS)
    new.clear()


# A bulk insert leaves out a row's None values unless told, and then batches rows by the
# columns they name: with every column named, as NULL where None, all go in a few batches.
NULLS: dict[str, Any] = {"execution_options": {"render_nulls": True}}


def _filled(model: type[Base], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a bulk insert, each naming every column: None (NULL) for those not given,
    as an object left unset inserts (these tables have no column defaults)."""
    names = [c.key for c in model.__table__.columns if not c.primary_key]
    return [{**dict.fromkeys(names), **row} for row in rows]


def _post_values(
    people: dict[str, Employee], departments: dict[DepartmentKey, int], target: PostTarget
) -> dict[str, Any]:
    """A post's fields as the file gives them (end_date included), as columns."""
    assert target.row is not None
    values = {k: v for k, v in target.values.items() if k not in ("department", "manager")}
    values["department_id"] = departments[department_key(target.row)]
    if "manager" in target.values:
        manager = target.values["manager"]
        values["line_manager_id"] = None if manager is None else people[manager].id
    return values


def _post(
    session: Session,
    plan: Plan,
    people: dict[str, Employee],
    departments: dict[DepartmentKey, int],
    target: PostTarget,
) -> None:
    """Add, change or end one post, keeping its history."""
    post = target.held
    if target.row is None:  # held, not in a complete file: it ends on the file's date
        assert post is not None
        post_history.end(session, post, plan.as_of)
        return
    values = _post_values(people, departments, target)
    end = values.pop("end_date", post.end_date if post is not None else None)
    if post is None:
        holder = people[target.row.payroll]
        post = Post(employee_id=holder.id, post_number=target.number)
        if target.values["is_primary"]:  # what the file does not give, from the employee row
            post.contract_type, post.fte = holder.contract_type, holder.fte
            post.line_manager_id = holder.line_manager_id
        for name, value in values.items():
            setattr(post, name, value)
        for name, value in (target.before or {}).items():  # history from the row as held
            setattr(post, name, value)
        session.add(post)
        post_history.track(session, post, post.start_date, None)
        if target.before is None:
            post_history.end(session, post, end)
            return
    before = post_history.terms(post)
    for name, value in values.items():
        if getattr(post, name) != value:
            setattr(post, name, value)
    post_history.track(session, post, plan.as_of, before)
    post_history.end(session, post, end)


def _accounts(session: Session, plan: Plan, people: dict[str, Employee], at: datetime) -> None:
    new: list[accounts.NewUser] = []
    for planned in plan.accounts:
        employee = people[planned.payroll]
        if not planned.existing_user:
            new.append(accounts.NewUser(planned.username, (Role.EMPLOYEE,), employee.id))
            continue
        user = accounts.find_user(session, planned.username)
        user.employee_id = employee.id
        if Role.EMPLOYEE not in user.roles:
            user.role_rows.append(UserRole(role=Role.EMPLOYEE))
        if session.get(Account, user.id) is None:
            accounts.set_password(session, user, accounts.NO_PASSWORD, at)
    accounts.create_users(session, new, password_hash=accounts.NO_PASSWORD, at=at)


def _manager_roles(session: Session, plan: Plan, people: dict[str, Employee]) -> None:
    """The manager role for everyone who will manage someone, before anyone moves to them
    (only managers see their people's records)."""
    managers = {
        p.manager for p in plan.people if isinstance(p.manager, str) and p.leaves_on is None
    }
    managers |= {s for s in plan.successors.values() if s is not None}
    ids = [people[m].id for m in sorted(managers)]
    for user in session.scalars(select(User).where(User.employee_id.in_(ids))):
        if Role.MANAGER not in user.roles:
            user.role_rows.append(UserRole(role=Role.MANAGER))
    session.flush()
