"""What is due, due soon and overdue for each employee (APR, supervision, probation, capability)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from lcc_apr.policy import Policy

from .cycles import cycle_of
from .facts import gather
from .model import DueItem, DueState, PersonFacts, RecordFact
from .rules import cycle_window, probation_plan, schedule


def due_for(
    session: Session, policy: Policy, *, today: date, employee_ids: Iterable[int] | None = None
) -> dict[int, list[DueItem]]:
    """Due items per employee (all current staff, or the ones listed), soonest first."""
    # Older APRs never count: apr_items looks at this cycle and the next.
    since = cycle_window(cycle_of(today, policy).year, policy)[0]
    facts = gather(session, today=today, employee_ids=employee_ids, aprs_since=since)
    return {eid: schedule(f, policy, today) for eid, f in facts.items()}


__all__ = [
    "DueItem",
    "DueState",
    "PersonFacts",
    "RecordFact",
    "due_for",
    "gather",
    "probation_plan",
    "schedule",
]
