"""What is due, due soon and overdue for each employee (APR, supervision, probation, capability).

The facts' SQL (SQLAlchemy) loads when first gathered: screens that only show due items
import this without it."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from lcc_apr.policy import Policy

from .cycles import cycle_of
from .model import ABSENCE_KINDS, SEVERITY, DueItem, DueState, PersonFacts, RecordFact
from .rules import cycle_window, probation_plan, schedule

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .facts import gather


def due_for(
    session: Session, policy: Policy, *, today: date, employee_ids: Iterable[int] | None = None
) -> dict[int, list[DueItem]]:
    """Due items per employee (all current staff, or the ones listed), soonest first."""
    # Older APRs never count: apr_item looks at this cycle and the next.
    from .facts import gather

    since = cycle_window(cycle_of(today, policy).year, policy)[0]
    # Everyone's facts and items are some 100,000 young objects, none in a cycle: automatic
    # collections while they are made scanned the whole heap, a quarter of the time (full
    # demo: 0.30 s -> 0.22, measured). Paused as the sync engine's page loads do.
    enabled = gc.isenabled()
    gc.disable()
    try:
        facts = gather(session, today=today, employee_ids=employee_ids, aprs_since=since)
        return {eid: schedule(f, policy, today) for eid, f in facts.items()}
    finally:
        if enabled:
            gc.enable()


def __getattr__(name: str) -> Any:
    if name == "gather":
        from .facts import gather

        return gather
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ABSENCE_KINDS",
    "DueItem",
    "DueState",
    "PersonFacts",
    "RecordFact",
    "SEVERITY",
    "due_for",
    "gather",
    "probation_plan",
    "schedule",
]
