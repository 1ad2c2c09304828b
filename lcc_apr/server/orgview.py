"""GET /org: the part of the organisation a user may see.

HR: everyone, with equality monitoring data. Others: the departments (not
personal), themselves, their line manager, and the people they manage (and
those people's reports with indirect_reports); no equality data. Users are
listed for the employees shown (and the user themselves), and so are the periods of
the posts those employees held (a laptop prints the post held on a record's date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from lcc_apr.models import Department, Employee, Post, PostHistory, User

from .scope import Viewer

EQUALITY = ("sex", "age_band", "ethnicity", "disability", "sexual_orientation", "religion")
EMPLOYEE_COLUMNS = [c.key for c in inspect(Employee).column_attrs]
USER_COLUMNS = ("id", "username", "display_name", "employee_id", "active")


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is not None and hasattr(value, "value"):
        return value.value  # enums
    return value


def employee_json(employee: Employee, *, equality: bool) -> dict[str, Any]:
    keys = [k for k in EMPLOYEE_COLUMNS if equality or k not in EQUALITY]
    return {k: _plain(getattr(employee, k)) for k in keys}


def user_json(user: User) -> dict[str, Any]:
    row = {k: getattr(user, k) for k in USER_COLUMNS}
    row["roles"] = sorted(str(r) for r in user.roles)
    return row


def post_periods(session: Session, shown: list[int] | None) -> list[dict[str, Any]]:
    """Every period of the posts of the employees `shown` (None: everyone), each post's
    oldest first."""
    stmt = (
        select(Post.employee_id, Post.post_number, Post.is_primary, PostHistory)
        .join(PostHistory, PostHistory.post_id == Post.id)
        .order_by(Post.employee_id, Post.post_number, PostHistory.valid_from, PostHistory.id)
    )
    if shown is not None:
        stmt = stmt.where(Post.employee_id.in_(shown))
    return [
        {
            "employee_id": employee_id,
            "post_number": number,
            "is_primary": primary,
            "valid_from": h.valid_from.isoformat(),
            "valid_to": h.valid_to.isoformat() if h.valid_to else None,
            "job_title": h.job_title,
            "grade": h.grade,
            "department_id": h.department_id,
            "line_manager_id": h.line_manager_id,
        }
        for employee_id, number, primary, h in session.execute(stmt)
    ]


def org_view(session: Session, viewer: Viewer) -> dict[str, Any]:
    departments = session.scalars(select(Department).order_by(Department.id))
    employees_stmt = select(Employee).order_by(Employee.id)
    users_stmt = select(User).order_by(User.id)
    shown_ids: list[int] | None = None
    if not viewer.is_hr:
        shown = set(viewer.sees_people())
        if viewer.employee_id is not None:
            shown.add(viewer.employee_id)
            manager = session.scalar(
                select(Employee.line_manager_id).where(Employee.id == viewer.employee_id)
            )
            if manager is not None:
                shown.add(manager)
        shown_ids = sorted(shown)
        employees_stmt = employees_stmt.where(Employee.id.in_(shown_ids))
        users_stmt = users_stmt.where(
            (User.employee_id.in_(sorted(shown))) | (User.id == viewer.user_id)
        )
    return {
        "departments": [
            {"id": d.id, "code": d.code, "name": d.name, "parent_id": d.parent_id}
            for d in departments
        ],
        "employees": [
            employee_json(e, equality=viewer.is_hr) for e in session.scalars(employees_stmt)
        ],
        "users": [user_json(u) for u in session.scalars(users_stmt)],
        "posts": post_periods(session, shown_ids),
    }
