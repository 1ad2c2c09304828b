"""What the status bar counts: changes waiting to be sent, conflicts, the last sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lcc_apr.models import Conflict, Record, SyncState
from lcc_apr.store import Store


@dataclass(frozen=True)
class StatusFacts:
    unsynced: int  # dirty records: changes made here and not yet accepted by the server
    conflicts: int
    last_success_at: datetime | None


def read_status(store: Store) -> StatusFacts:
    """Read: the counts the status bar shows."""
    with store.session() as s:
        dirty = s.scalar(select(func.count()).select_from(Record).where(Record.dirty)) or 0
        conflicts = s.scalar(select(func.count()).select_from(Conflict)) or 0
        state = s.get(SyncState, 1)
        return StatusFacts(dirty, conflicts, state.last_success_at if state else None)
