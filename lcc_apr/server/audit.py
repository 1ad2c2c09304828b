"""The audit log: time, user id, event, route and outcome. No names, no content, no tokens."""

from __future__ import annotations

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from lcc_apr.models import now_utc

from .tables import AuditEntry


def _row(user_id: int | None, event: str, route: str, outcome: str) -> dict[str, object]:
    return {
        "at": now_utc(),
        "user_id": user_id,
        "event": event[:40],
        "route": route[:100],
        "outcome": outcome[:40],
    }


def add(session: Session, user_id: int | None, event: str, route: str, outcome: str) -> None:
    """Add an entry to the caller's transaction (kept only if it commits)."""
    session.execute(insert(AuditEntry), [_row(user_id, event, route, outcome)])


def write(engine: Engine, user_id: int | None, event: str, route: str, outcome: str) -> None:
    """Write an entry in a transaction of its own (for requests that are being refused).

    Never call it while this thread holds a write transaction on SQLite: it would wait
    for itself. Those callers use `add`.
    """
    with engine.begin() as connection:
        connection.execute(insert(AuditEntry), [_row(user_id, event, route, outcome)])
