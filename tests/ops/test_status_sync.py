"""lcc_apr.ops.status (the status bar's counts) and lcc_apr.ops.sync (a sync's Changes)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from lcc_apr.models import Record, SyncState
from lcc_apr.ops import Changes, changes_of
from lcc_apr.ops.status import StatusFacts, read_status
from lcc_apr.ops.sync import run_sync, sync_changes
from lcc_apr.sync.outcome import SyncResult
from tests.conflict_maker import R1, maker_for


def test_read_status_counts_unsent_changes_conflicts_and_the_last_sync(demo):
    with demo.session() as s:
        dirty = s.scalar(select(func.count()).select_from(Record).where(Record.dirty))
    assert dirty and read_status(demo) == StatusFacts(dirty, 0, None)
    maker_for(demo).refused(R1, "Refused.")  # one more record changed here, in conflict
    at = datetime(2026, 11, 30, 9, tzinfo=UTC)
    with demo.session() as s:
        s.merge(SyncState(id=1, cursor=0, last_success_at=at))
    facts = read_status(demo)
    assert (facts.unsynced, facts.conflicts) == (dirty + 1, 1)
    assert facts.last_success_at is not None and facts.last_success_at.replace(tzinfo=UTC) == at


def test_a_sync_that_found_nothing_changes_only_the_sync_state():
    assert sync_changes(SyncResult()) == Changes(synced=True)


def test_what_a_sync_changed():
    assert sync_changes(SyncResult(sent=2)) == Changes(synced=True, unsent=True)
    conflicts = Changes(synced=True, unsent=True, conflicts=True)
    assert sync_changes(SyncResult(conflicts=1)) == conflicts
    assert sync_changes(SyncResult(refused=["Not yours to change."])) == conflicts
    received = sync_changes(SyncResult(received=3))
    assert received == Changes(synced=True, everything=True) and received.lists_of(7)
    assert sync_changes(SyncResult(removed=1)).everything


class FakeEngine:
    def __init__(self, result: SyncResult) -> None:
        self.result = result
        self.cancel: threading.Event | None = None

    def run(self, cancel: threading.Event | None = None) -> SyncResult:
        self.cancel = cancel
        return self.result


def test_run_sync_carries_the_result_its_summary_and_changes():
    engine = FakeEngine(SyncResult(sent=1, received=4))
    cancel = threading.Event()
    synced = run_sync(engine, cancel=cancel)  # type: ignore[arg-type]
    assert engine.cancel is cancel and synced.result is engine.result
    assert synced.summary() == "Sent 1, received 4."
    assert changes_of(synced) == Changes(synced=True, unsent=True, everything=True)
