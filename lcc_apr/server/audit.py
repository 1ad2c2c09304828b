"""The audit log: time, user id, event, route and outcome, and (when known) the record
and the person it concerns, by id. No names, no content, no tokens."""

from __future__ import annotations

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from lcc_apr.models import now_utc

from .tables import AuditEntry


def _row(
    user_id: int | None,
    event: str,
    route: str,
    outcome: str,
    record_id: str | None = None,
    subject_id: int | None = None,
) -> dict[str, object]:
    return {
        "at": now_utc(),
        "user_id": user_id,
        "event": event[:40],
        "route": route[:100],
        "outcome": outcome[:40],
        "record_id": record_id,
        "subject_id": subject_id,
    }


def add(
    session: Session,
    user_id: int | None,
    event: str,
    route: str,
    outcome: str,
    *,
    record_id: str | None = None,
    subject_id: int | None = None,
) -> None:
    """Add an entry to the caller's transaction (kept only if it commits)."""
    row = _row(user_id, event, route, outcome, record_id, subject_id)
    session.execute(insert(AuditEntry), [row])


def add_many(session: Session, rows: list[dict[str, object]]) -> None:
    """Add entries made by `entry` to the caller's transaction."""
    if rows:
        session.execute(insert(AuditEntry), rows)


def entry(
    user_id: int | None,
    event: str,
    route: str,
    outcome: str,
    *,
    record_id: str | None = None,
    subject_id: int | None = None,
) -> dict[str, object]:
    return _row(user_id, event, route, outcome, record_id, subject_id)


def write(
    engine: Engine,
    user_id: int | None,
    event: str,
    route: str,
    outcome: str,
    *,
    record_id: str | None = None,
    subject_id: int | None = None,
) -> None:
    """Write an entry in a transaction of its own (for requests that are being refused).

    Never call it while this thread holds a write transaction on SQLite: it would wait
    for itself. Those callers use `add`.
    """
    row = _row(user_id, event, route, outcome, record_id, subject_id)
    with engine.begin() as connection:
        connection.execute(insert(AuditEntry), [row])
