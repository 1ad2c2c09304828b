"""A first sync by snapshot (lcc_apr.sync.snapshot), the steps SyncEngine takes before the
feed: the parts loaded while the next are checked and made (snapshot_stream), the
indexes set aside for a load of several parts, and the fall back to the paged pull.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Record, SyncState, now_utc
from lcc_apr.models.patches import packs
from lcc_apr.progress import Pace
from lcc_apr.store import migrate

from . import ready_cache
from . import snapshot as snapshots
from .epoch import UNCONFIRMED
from .errors import (
    Cancelled,
    IncompatibleServer,
    NetworkError,
    ServerBusy,
    SnapshotRefused,
    SyncError,
)
from .outcome import Progress, SyncResult
from .readywire import ReadyCacheReply
from .snapshot_stream import PartStream

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from lcc_apr.store import Store

    from .transport import Connection

log = logging.getLogger(__name__)


class FirstSync:
    """SyncEngine's first sync (a mixin: the engine holds the store and the connection)."""

    store: Store
    connection: Connection
    first_snapshot: bool
    snapshot_limit: int
    on_progress: Callable[[Progress], None]
    part_ahead: Future[bytes | None] | None = None  # the records the ready-made cache left out

    if TYPE_CHECKING:

        def _state(self, s: Session) -> SyncState: ...

        @staticmethod
        def _check(cancel: threading.Event) -> None: ...

    def snapshot(self, result: SyncResult, cancel: threading.Event) -> None:
        """A first sync (or one resumed) loads the user's records as a snapshot, then the
        feed goes on from where it was read; a refused snapshot falls back to the feed.
        HR's starts from a ready-made cache when the server offers one
        (lcc_apr.sync.ready_cache)."""
        with self.store.session() as s:
            state = self._state(s)
            pending, subjects = state.snapshot_ready, state.snapshot_subjects
            if state.snapshot_at is None and pending is None and not self._first(s, state):
                if state.deferred_indexes is not None:
                    snapshots.restore_indexes(s, state)  # left by a load that ended badly
                return
            loaded = state.snapshot_at is not None
            after = state.snapshot_after or ""
        if not loaded:
            subjects = self._ready_cache(pending, result, cancel)
        try:
            if subjects != []:  # [] : the ready-made cache held every record
                self._load_parts(after, result, cancel, subjects)
        except SnapshotRefused as refused:
            log.warning("First sync: the snapshot was refused (%s); pulling page by page", refused)
            result.snapshot_problem = str(refused)
            with self.store.session() as s:
                state = self._state(s)
                state.epoch = state.snapshot_epoch or state.epoch  # the feed checks them all
                snapshots.clear(state)
                snapshots.restore_indexes(s, state)
            return
        self.on_progress(Progress("indexing", result.received, 0, result.received))
        with self.store.session() as s:  # the indexes and the cursor: all or none
            state = self._state(s)
            snapshots.restore_indexes(s, state)
            snapshots.finish(s, state)
        result.snapshot_taken = True

    @contextlib.contextmanager
    def prefetching(self, cancel: threading.Event) -> Iterator[None]:
        """A first sync: HR's ready-made cache downloads on its own thread while the
        organisation is taken (about 2 s sooner); `_ready_cache` waits for it. Stopped and
        waited for when the sync ends, whatever happens."""
        self._early: Future[tuple[ReadyCacheReply | None, Path | BaseException | None]] | None
        self._early, stop = None, threading.Event()
        self.part_ahead = None
        with self.store.session() as s:
            state = self._state(s)
            idle = state.snapshot_at is None and state.snapshot_ready is None
            first = idle and self._first(s, state)
        if not first:
            yield
            return
        ready_cache.discard(self.store)  # a download no sync names any more
        with ThreadPoolExecutor(1, thread_name_prefix="sync-ready-cache") as pool:

            def early() -> tuple[ReadyCacheReply | None, Path | BaseException | None]:
                offer = self._offer()
                if offer is None:
                    return None, None
                try:
                    path = ready_cache.fetch(
                        self.connection, self.store, offer, self._got(offer, cancel, stop)
                    )
                except BaseException as error:  # noqa: BLE001 (handed to the sync's thread)
                    return offer, error
                # while it loads: what comes after it
                self.part_ahead = pool.submit(self._left_out, offer.excluded)
                return offer, path

            self._early = pool.submit(early)
            try:
                yield
            finally:
                stop.set()
                self._early = None

    def _left_out(self, subjects: list[int]) -> bytes | None:
        """The first snapshot part of the records the ready-made cache left out, as
        `_load_parts` asks it, fetched while the cache loads (about 0.3 s)."""
        try:
            return self.connection.snapshot(after="", limit=self.snapshot_limit, subjects=subjects)
        except SyncError:
            return None  # asked again

    def _got(
        self, offer: ReadyCacheReply, cancel: threading.Event, stop: threading.Event | None = None
    ) -> Callable[[int], None]:
        before, step = 0, max(offer.size // 200, 1)  # progress every half per cent

        def got(done: int) -> None:
            nonlocal before
            if stop is not None and stop.is_set():
                raise Cancelled("The sync ended.")
            self._check(cancel)
            if done - before >= step or done == offer.size:
                records = offer.records * done // max(offer.size, 1)
                self.on_progress(Progress("receiving", records, done - before, offer.records))
                before = done

        return got

    def _ready_cache(
        self, pending: dict[str, Any] | None, result: SyncResult, cancel: threading.Event
    ) -> list[int] | None:
        """HR's ready-made cache, downloaded (resumed when `pending`) and loaded; the
        people whose records come by parts after it, or None when there is none (or it was
        refused: the parts bring everything)."""
        offer = ReadyCacheReply.model_validate(pending) if pending else None
        fetched: Path | BaseException | None = None
        early, self._early = getattr(self, "_early", None), None
        if offer is None and early is not None:
            while not early.done():
                self._check(cancel)
                wait([early], timeout=0.1)
            offer, fetched = early.result()
        elif offer is None:
            ready_cache.discard(self.store)
            offer = self._offer()
        if offer is None:
            return None
        if not pending:
            with self.store.session() as s:
                self._state(s).snapshot_ready = offer.model_dump()
        total = offer.records
        try:
            if isinstance(fetched, BaseException):
                raise fetched  # a dropped download: the sync's retry resumes it
            path = fetched or ready_cache.fetch(
                self.connection, self.store, offer, self._got(offer, cancel)
            )
            self.on_progress(Progress("loading", total, 0, None))  # one statement: no steps
            result.received += ready_cache.load(self.store, path, offer, cancel)
        except SnapshotRefused as refused:
            log.warning("First sync: the ready-made cache was refused (%s); by parts", refused)
            with self.store.session() as s:
                self._state(s).snapshot_ready = None
            return None
        finally:
            if not self._has_pending():
                ready_cache.discard(self.store)
        return offer.excluded

    def _offer(self) -> ReadyCacheReply | None:
        """The server's ready-made cache for this user, if any; a server that cannot say
        (busy, failing, older) offers none: the snapshot parts bring everything."""
        try:
            return self.connection.ready_cache(migrate.head())
        except (NetworkError, ServerBusy, IncompatibleServer) as error:
            log.warning("First sync: no ready-made cache (%s)", type(error).__name__)
            return None

    def _has_pending(self) -> bool:
        with self.store.session() as s:
            return self._state(s).snapshot_ready is not None

    def _first(self, s: Session, state: SyncState) -> bool:
        """A first sync: nothing pulled yet, and not after a restore on the server (the
        feed checks each copy held then)."""
        return (
            self.first_snapshot
            and state.cursor == 0
            and state.epoch is None
            and s.scalar(select(Record.id).where(Record.server_rev == UNCONFIRMED).limit(1)) is None
        )

    def _load_parts(
        self,
        after: str,
        result: SyncResult,
        cancel: threading.Event,
        subjects: list[int] | None = None,
    ) -> None:
        """Each part is written while the next is checked and the one after is made by the
        server (lcc_apr.sync.snapshot_stream). `subjects`: only those people's records
        (after a ready-made cache, which holds the rest: its indexes are kept)."""
        pace, total = Pace(), None
        limit = self.snapshot_limit
        ahead, self.part_ahead = self.part_ahead, None

        def fetch(after: str) -> bytes:
            nonlocal ahead
            early, ahead = ahead, None
            if early is not None and after == "" and subjects is not None:
                part = early.result()
                if part is not None:
                    return part
            return self.connection.snapshot(after=after, limit=limit, subjects=subjects)

        stream = PartStream(fetch, after, packed=packs(self.store.engine.dialect))
        try:
            with young_collections():  # as the pull: no full collection while parts stream
                while True:
                    part, size = stream.next(lambda: self._check(cancel))
                    with self.store.session() as s:  # the part and its position: one transaction
                        state = self._state(s)
                        if part.more and part.total is not None and subjects is None:
                            snapshots.set_indexes_aside(s, state)  # indexes made once at the end
                        taken = snapshots.take_part(s, state, part, at=now_utc())
                    result.received += taken
                    more, total = part.more, part.total if part.total is not None else total
                    del part
                    gc.collect(1)  # this part's cycles, while they are young (cheap)
                    left = pace.left(result.received, total)
                    self.on_progress(Progress("receiving", result.received, size, total, left))
                    if not more:
                        return
        finally:
            stream.close()


@contextlib.contextmanager
def young_collections() -> Iterator[None]:
    """While pages stream in, only the young generations are collected (after each page).

    Automatic full collections scan every object in flight with the GIL held: 60-150 ms
    each, measured, which the window feels as a stall. Collected young, a page's cycles
    cost a few ms; automatic collection resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
