"""Posts held and their dated history: what job title, grade and line manager someone had
on a given day (an APR shows the ones held at the time).

`held_on(session, employee_id, day)` answers from the posts' history (lcc_apr.models.Post,
PostHistory) - on the server, and on a laptop from the periods GET /org sends
(lcc_apr.sync.apply.take_posts); a person whose posts were never recorded (people added
one by one) is answered from their employee row while they are employed. `track` keeps the history
when a post is added, changed or ended: the organisation import (lcc_apr.hr.apply) is its
caller. Qt-free; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Post, PostHistory

TRACKED = ("job_title", "grade", "department_id", "line_manager_id")  # what history keeps


@dataclass(frozen=True)
class Held:
    post_number: str  # "" for a person whose posts were never recorded
    primary: bool
    job_title: str
    grade: str
    department_id: int
    line_manager_id: int | None


def held_on(session: Session, employee_id: int, day: date) -> list[Held]:
    """The posts `employee_id` held on `day`, the primary one first (empty: none)."""
    rows = session.execute(
        select(Post.post_number, Post.is_primary, PostHistory)
        .join(PostHistory, PostHistory.post_id == Post.id)
        .where(
            Post.employee_id == employee_id,
            PostHistory.valid_from <= day,
            or_(PostHistory.valid_to.is_(None), PostHistory.valid_to > day),
        )
        .order_by(Post.is_primary.desc(), Post.post_number)
    ).all()
    if rows:
        return [
            Held(number, primary, h.job_title, h.grade, h.department_id, h.line_manager_id)
            for number, primary, h in rows
        ]
    if session.scalar(select(Post.id).where(Post.employee_id == employee_id).limit(1)):
        return []  # posts recorded, none held that day
    employee = session.get(Employee, employee_id)
    if employee is None or day < employee.start_date:
        return []
    if employee.leaving_date is not None and day > employee.leaving_date:
        return []
    return [
        Held(
            "",
            True,
            employee.job_title,
            employee.grade,
            employee.department_id,
            employee.line_manager_id,
        )
    ]


def post_held_on(session: Session, employee_id: int, day: date) -> Held | None:
    """The primary post held on `day` (else another one held), or None."""
    held = held_on(session, employee_id, day)
    return held[0] if held else None


def in_post_since(session: Session, employee_id: int, day: date) -> tuple[str, date] | None:
    """The post number of the post held on `day` (as `post_held_on`) and since when its
    holder had that job title in it, unbroken (a regrade keeps the date, a new title starts
    it again): 'date in post' on a printed APR. A person whose posts were never recorded:
    ("", their start date) while employed. None: no post held that day."""
    held = post_held_on(session, employee_id, day)
    if held is None:
        return None
    if not held.post_number:
        employee = session.get(Employee, employee_id)
        return ("", employee.start_date) if employee is not None else None
    rows = session.execute(
        select(PostHistory.valid_from, PostHistory.valid_to, PostHistory.job_title)
        .join(Post, PostHistory.post_id == Post.id)
        .where(
            Post.employee_id == employee_id,
            Post.post_number == held.post_number,
            PostHistory.valid_from <= day,
        )
        .order_by(PostHistory.valid_from.desc())
    ).all()
    since = rows[0].valid_from  # the row held on `day`: the newest that began by then
    for row in rows[1:]:
        if row.valid_to != since or row.job_title != held.job_title:
            break
        since = row.valid_from
    return held.post_number, since


def terms(post: Post) -> dict[str, object]:
    return {name: getattr(post, name) for name in TRACKED}


def track(session: Session, post: Post, day: date, before: dict[str, object] | None) -> None:
    """Keep `post`'s history after it was added or changed, the change holding from `day`.

    before: what the tracked fields were (None: a new post, whose history starts on its
    start date). Nothing happens when no tracked field changed. A second change on the
    same day replaces that day's row rather than leaving a period of no days."""
    now = terms(post)
    if before is None:
        session.add(PostHistory(post=post, valid_from=post.start_date, **now))
        return
    if before == now:
        return
    current = _open_row(session, post)
    if current is not None and current.valid_from >= day:
        for name, value in now.items():
            setattr(current, name, value)
        return
    if current is not None:
        current.valid_to = day
    session.add(PostHistory(post=post, valid_from=day, **now))


def end(session: Session, post: Post, last_day: date | None) -> None:
    """The post is held until `last_day` (inclusive); None: no end (again)."""
    if last_day == post.end_date:
        return
    post.end_date = last_day
    latest = _latest_row(session, post)
    if latest is None:
        return
    latest.valid_to = _valid_to(last_day, latest.valid_from)


def opening(
    start_date: date, now: Mapping[str, object], last_day: date | None
) -> dict[str, object]:
    """The history row of a post added from `start_date` with the tracked fields `now`,
    held until `last_day` (None: no end): what `track` then `end` write for a new post
    (its post_id left to the caller, who inserts posts in bulk)."""
    return {
        "valid_from": start_date,
        "valid_to": _valid_to(last_day, start_date),
        **{name: now.get(name) for name in TRACKED},
    }


def _valid_to(last_day: date | None, valid_from: date) -> date | None:
    return None if last_day is None else max(last_day + timedelta(days=1), valid_from)


def _open_row(session: Session, post: Post) -> PostHistory | None:
    latest = _latest_row(session, post)
    return latest if latest is not None and latest.valid_to is None else None


def _latest_row(session: Session, post: Post) -> PostHistory | None:
    session.flush()
    return session.scalar(
        select(PostHistory)
        .where(PostHistory.post_id == post.id)
        .order_by(PostHistory.valid_from.desc(), PostHistory.id.desc())
        .limit(1)
    )
