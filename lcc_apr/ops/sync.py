"""Running a sync as a write op: the engine's result, with what it changed.

`AppContext.sync_call` builds the engine (with its progress callback) and hands it to
`run_sync` on the writer thread; the status bar shows the outcome's summary and the
runner hands its `changes` to every screen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.outcome import SyncResult

from .changes import Changes


@dataclass(frozen=True)
class Synced:
    result: SyncResult  # what was sent, received, removed, refused
    changes: Changes

    def summary(self) -> str:
        return self.result.summary()


def run_sync(engine: SyncEngine, *, cancel: threading.Event | None = None) -> Synced:
    """Write: one full sync (engine.run: raises a SyncError, or Cancelled)."""
    result = engine.run(cancel)
    return Synced(result, sync_changes(result))


def sync_changes(result: SyncResult) -> Changes:
    """A sync always changes the last sync time; sending changes the unsent count;
    conflicts and refusals the list to resolve; records taken in or removed, any list;
    records sent, their sync state (so a person's list stops saying 'Not yet sent')."""
    conflicts = bool(result.conflicts or result.refused)
    return Changes(
        records=frozenset(result.sent_records),
        people=frozenset(result.sent_people),
        synced=True,
        unsent=bool(result.sent or result.absences_sent) or conflicts,
        conflicts=conflicts,
        everything=bool(result.received or result.removed or result.absences_changed)
        or (result.evidence is not None and result.evidence.changed),
    )
