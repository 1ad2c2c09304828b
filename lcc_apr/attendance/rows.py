"""Absence rows in a session (desktop cache or server) as the rules' episodes, and the one
check every write makes against the person's other episodes. The caller's thread and
session."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Absence

from .episodes import Episode, episode_problems
from .policy import AttendancePolicy


def episode_of(row: Absence) -> Episode:
    return Episode(
        row.id,
        row.employee_id,
        row.first_day,
        row.last_day,
        row.reason,
        row.disability_related,
        row.pregnancy_related,
    )


def episodes_of(session: Session, employee_id: int) -> list[Episode]:
    """The person's episodes held here (withdrawn ones left out), oldest first."""
    rows = session.scalars(
        select(Absence)
        .where(Absence.employee_id == employee_id, ~Absence.deleted)
        .order_by(Absence.first_day)
    )
    return [episode_of(r) for r in rows]


def problems_in(
    session: Session, episode: Episode, *, today: date, policy: AttendancePolicy
) -> list[str]:
    """What is wrong with `episode` beside the person's others held in `session`."""
    others = episodes_of(session, episode.employee_id)
    return episode_problems(episode, others, today=today, policy=policy)
