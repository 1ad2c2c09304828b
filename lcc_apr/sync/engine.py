"""The sync engine: push unsent changes, pull the change feed, keep going until done.

Plain Python for the Qt layer to run in a worker: progress goes out through a
callback, `cancel` (a threading.Event) is checked between batches and pages,
and network errors are retried with backoff. A busy server's Retry-After is
waited (at most BUSY_WAIT_MOST seconds, a little more at random so laptops do
not come back together; `cancel` ends the wait) for up to `busy_patience`
seconds in all per step, then ServerBusy says so. Each pull page is applied with its cursor in one
local transaction, so an interrupted sync resumes exactly; a push batch is kept
until the server has answered it, so nothing waiting is lost.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.history import purge_records
from lcc_apr.models import (
    ChangeAction,
    Conflict,
    PushBatch,
    Record,
    RecordChange,
    RecordEvent,
    SyncState,
    now_utc,
)
from lcc_apr.progress import Pace
from lcc_apr.store import Store

from .apply import (
    purge_cached,
    remove_records,
    take_organisation,
    take_records,
    take_with_local_changes,
)
from .epoch import UNCONFIRMED, forget_epoch, settle_unconfirmed
from .errors import (
    AccountDisabled,
    Cancelled,
    IncompatibleServer,
    NetworkError,
    Refused,
    ServerBusy,
)
from .evidence import Findings, check_in_sync, fit_to_send
from .first_sync import FirstSync, young_collections
from .outcome import JUST_TAKEN, Progress, SyncResult
from .protocol import (
    EVENT_LIMIT,
    KEY_REUSED,
    PAGE_LIMIT,
    PUSH_LIMIT,
    SNAPSHOT_LIMIT,
    PullPage,
    PushReply,
    to_wire,
    wire_dict,
)
from .transport import Connection

if TYPE_CHECKING:
    from lcc_apr.signing.identity import Signer

T = TypeVar("T")
P = TypeVar("P")
log = logging.getLogger(__name__)


BUSY_WAIT_MOST = 30.0  # seconds: the longest wait for a busy server, whatever it asks
BUSY_PATIENCE = 120.0  # seconds waited for a busy server in one step before giving up
STILL_BUSY = (
    "The server is busy, so sync stopped for now; nothing was lost. Your changes are saved "
    "on this computer and will be sent at the next sync: try again in a few minutes."
)


class SyncEngine(FirstSync):
    def __init__(
        self,
        store: Store,
        connection: Connection,
        catalogue: Catalogue,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        retries: int = 3,
        busy_patience: float = BUSY_PATIENCE,
        page_limit: int = PAGE_LIMIT,
        snapshot_limit: int = SNAPSHOT_LIMIT,
        first_snapshot: bool = True,
        signer: Signer | None = None,
    ) -> None:
        self.store = store
        self.signer = signer  # enrols this computer's signing key when it needs a certificate
        self.connection = connection
        self.catalogue = catalogue
        self.on_progress = on_progress or (lambda p: None)
        self.sleep = sleep  # None: wait on the cancel event (a cancel ends the wait)
        self.retries = retries
        self.busy_patience = busy_patience
        self.page_limit = page_limit
        self.snapshot_limit = snapshot_limit
        self.first_snapshot = first_snapshot  # False: a first sync pages through the feed

    def run(self, cancel: threading.Event | None = None) -> SyncResult:
        """One full sync. Raises a SyncError (NetworkError after the retries) or Cancelled."""
        cancel = cancel or threading.Event()
        result = SyncResult()
        try:
            version = self._retrying(lambda: self.connection.version(), cancel)
            with self.store.session() as s:
                state = self._state(s)
                if state.epoch is not None and state.epoch != version.epoch:
                    forget_epoch(s, state)  # restored from a backup: check everything held
            with self.prefetching(cancel):  # HR's ready-made cache comes meanwhile
                org, _ = self._retrying(self.connection.organisation, cancel)
                with self.store.session() as s:
                    take_organisation(s, org, at=now_utc())
                self._retrying(lambda: self.signing(result), cancel)
                self._retrying(lambda: self.push(result, cancel), cancel)
                self._retrying(lambda: self.snapshot(result, cancel), cancel)
            self._retrying(lambda: self.pull(result, cancel), cancel)
            self._retrying(lambda: self.push(result, cancel), cancel)  # merged edits go back up
            self._retrying(lambda: self.absences(result, cancel), cancel)
            result.evidence = (
                Findings(skipped=JUST_TAKEN)  # every copy here is the server's, just sent
                if result.snapshot_taken
                else self._retrying(lambda: self.against_server(cancel), cancel)
            )
        except AccountDisabled:
            self.wipe()
            raise
        with self.store.session() as s:
            self._state(s).last_success_at = now_utc()
        return result

    def absences(self, result: SyncResult, cancel: threading.Event) -> None:
        """Absence episodes up and down (lcc_apr.sync.absences)."""
        from .absences import sync_absences

        self._check(cancel)
        sent, changed, refused = sync_absences(self.store, self.connection)
        result.absences_sent += sent
        result.absences_changed += changed
        result.refused += refused

    def against_server(self, cancel: threading.Event) -> Findings:
        """Every copy here checked against the server's (lcc_apr.sync.evidence)."""
        return check_in_sync(self.store, self.connection, lambda: self._check(cancel))

    # -- signing ----------------------------------------------------------------

    def signing(self, result: SyncResult) -> None:
        """Cache the organisation's trust (its signing authority and revocations) for
        checking signatures offline, and get this computer a signing certificate when it
        needs one (only when that asks nothing of the person)."""
        from lcc_apr.signing.certs import CertificateError
        from lcc_apr.signing.identity import SigningError
        from lcc_apr.signing.trust import Trust, save_trust

        try:
            trust = Trust.from_reply(self.connection.trust().model_dump())
        except (Refused, IncompatibleServer, CertificateError, ValueError):
            return  # a server without a signing authority: nothing to cache
        with self.store.session() as s:
            save_trust(s, trust)
        if self.signer is not None:
            try:
                self.signer.enrol_if_needed(self.connection)
            except (SigningError, Refused, NetworkError) as err:
                result.signing_problem = str(err)  # signing asks again; the sync goes on

    # -- push -------------------------------------------------------------------

    def push(self, result: SyncResult, cancel: threading.Event) -> None:
        while True:
            self._check(cancel)
            with self.store.session() as s:
                pending = s.scalars(select(PushBatch).order_by(PushBatch.created_at)).first()
                if pending is None:
                    pending = self._new_batch(s)
                    if pending is None:
                        return
                key, body, revs = pending.key, pending.body, dict(pending.revs)
            try:
                reply, size = self.connection.push(body)
            except Refused as refusal:
                if refusal.code != KEY_REUSED:
                    raise
                # The server holds this key for another body and applied nothing: the
                # records are still dirty and go again in a fresh batch, under a new key.
                with self.store.session() as s:
                    _keep_events(s, body)  # they go again in the fresh batch
                    s.execute(delete(PushBatch).where(PushBatch.key == key))
                continue
            with self.store.session() as s:
                self._take_push_reply(s, reply, revs, result)
                s.execute(delete(PushBatch).where(PushBatch.key == key))
            self.on_progress(Progress("sending", result.sent, size))

    def _new_batch(self, s: Session) -> PushBatch | None:
        """The next dirty records (none in conflict), as a batch written before it is
        sent: a retry re-sends the same key with the same body, however the records
        have changed since. A draft deleted before the server ever had it leaves this
        computer instead (every earlier batch has been answered by now)."""
        blocked = select(Conflict.record_id)
        unborn = select(Record.id).where(
            Record.deleted, Record.server_rev.is_(None), Record.id.not_in(blocked)
        )
        purge_records(s, list(s.scalars(unborn)))  # deleted before ever sent: nothing to send
        records = list(
            s.scalars(
                select(Record)
                .where(
                    Record.dirty,
                    Record.id.not_in(blocked),
                    Record.server_rev.is_distinct_from(UNCONFIRMED),  # held back after a restore
                )
                .limit(PUSH_LIMIT)
            )
        )
        events = list(s.scalars(select(RecordEvent).order_by(RecordEvent.id).limit(EVENT_LIMIT)))
        if not records and not events:
            return None
        fit = fit_to_send(s, records)  # a change made outside the app is not sent
        if records and not fit:
            return self._new_batch(s)  # all of these held back: the next ones
        records = fit
        key = str(uuid.uuid4())
        body: dict[str, Any] = {"key": key, "records": [self._wire(s, r) for r in records]}
        if events:  # moved into the batch: sent, and retried, with it
            body["events"] = [_event_wire(e) for e in events]
            s.execute(delete(RecordEvent).where(RecordEvent.id.in_([e.id for e in events])))
        batch = PushBatch(
            key=key, body=body, revs={r.id: r.local_rev for r in records}, created_at=now_utc()
        )
        s.add(batch)
        return batch

    @staticmethod
    def _wire(s: Session, record: Record) -> dict[str, Any]:
        """The record as pushed, with the reason of any amendment since the base, and
        `restore: true` when it was brought back here after the server deleted it
        (restore_deleted); ordinary pushes carry no `restore` key at all."""
        wire = to_wire(record, base_rev=record.server_rev, push=True, sign_offs=record.sign_offs)
        since = (
            select(RecordChange.action, RecordChange.patch)
            .where(
                RecordChange.record_id == record.id,
                RecordChange.seq > (record.base_seq or 0),
                RecordChange.action.in_((ChangeAction.AMEND, ChangeAction.UPDATE)),
            )
            .order_by(RecordChange.seq.desc())
        )
        for action, patch in s.execute(since):
            note = patch.get("note") or {}
            reason = note.get("reason")
            if action == ChangeAction.AMEND and reason and "step_reason" not in wire:
                wire["step_reason"] = reason
            if note.get("restored") and not record.deleted:
                wire["restore"] = True
        return wire

    def _take_push_reply(
        self, s: Session, reply: PushReply, sent_rev: dict[str, int], result: SyncResult
    ) -> None:
        at = now_utc()
        for item in reply.results:
            record = s.get(Record, item.id)
            if record is None:
                continue
            if item.outcome == "applied":
                result.sent += 1
                result.sent_records.add(record.id)
                result.sent_people.add(record.subject_id)
                record.server_rev = item.server_rev
                record.base_seq = sent_rev.get(record.id, record.local_rev)
                record.dirty = record.local_rev != record.base_seq
            elif item.outcome == "conflict" and item.record is not None:
                result.conflicts += take_with_local_changes(
                    s, record, item.record, catalogue=self.catalogue, at=at
                )
            else:
                reason = item.reason or "The server refused this change."
                result.refused.append(reason)
                server = item.record
                s.merge(
                    Conflict(
                        record_id=record.id,
                        server_rev=item.server_rev,
                        server=wire_dict(server) if server else None,
                        fields=[],
                        reason=reason,
                        created_at=at,
                    )
                )

    # -- pull -------------------------------------------------------------------

    def pull(self, result: SyncResult, cancel: threading.Event) -> None:
        """Page through the feed. The next page is fetched while this one is written, so
        the server and the local disk work at the same time; a page is only ever applied
        with its own cursor, so a failure or cancel resumes from what was committed."""
        with self.store.session() as s:
            state = self._state(s)
            cursor, epoch = state.cursor, state.epoch
        start, pace = cursor, Pace()
        fetcher = ThreadPoolExecutor(1, thread_name_prefix="sync-prefetch")
        try:
            with young_collections():
                ahead = fetcher.submit(self._fetch, cursor, epoch)
                while True:
                    page, size = self._arrived(ahead, cancel)
                    if page.more:
                        ahead = fetcher.submit(self._fetch, page.cursor, page.epoch)
                    self._check(cancel)
                    if page.reset:
                        start = 0
                    self._apply_page(page, result)
                    more, reached = page.more, page.cursor
                    del page
                    gc.collect(1)  # this page's cycles, while they are young (cheap)
                    total = self._about(result.received, start, reached) if more else None
                    left = pace.left(result.received, total)
                    self.on_progress(
                        Progress("receiving", result.received, size, total or None, left)
                    )
                    if not more:
                        return
        finally:
            # a page still on its way is not waited for: a cancel (quitting) ends the sync now
            fetcher.shutdown(wait=False, cancel_futures=True)

    def _arrived(self, ahead: Future[tuple[P, int]], cancel: threading.Event) -> tuple[P, int]:
        """The fetched page; Cancelled as soon as cancel is set, even while a slow server
        is still sending it."""
        while not ahead.done():
            self._check(cancel)
            wait([ahead], timeout=0.1)
        return ahead.result()

    def _about(self, received: int, start: int, reached: int) -> int | None:
        """About how many records this pull brings in all: what came per sequence number
        so far, times the numbers up to where the feed ends (the server says)."""
        end = self.connection.feed_end()
        if end is None or reached <= start:
            return None
        return received + round((end - reached) * received / (reached - start))

    def _fetch(self, cursor: int, epoch: str | None) -> tuple[PullPage, int]:
        return self.connection.pull(cursor=cursor, epoch=epoch, limit=self.page_limit)

    def _apply_page(self, page: PullPage, result: SyncResult) -> None:
        with self.store.session() as s:  # the page and its cursor: one transaction
            state = self._state(s)
            if page.reset:
                forget_epoch(s, state)
            records = [i.record for i in page.items if i.record is not None]
            removals = [i.remove for i in page.items if i.remove and i.reason != "purged"]
            taken, conflicts = take_records(s, records, catalogue=self.catalogue, at=now_utc())
            result.received += taken
            result.conflicts += conflicts
            result.removed += remove_records(s, removals, at=now_utc())
            # Purged under the retention rules: gone whatever is held here (the server
            # refuses it back). After the records: a purge is the last word on its id.
            purged = [i.remove for i in page.items if i.remove and i.reason == "purged"]
            result.removed += purge_cached(s, purged)
            if not page.more:  # the whole feed is here: copies it lacks are settled
                result.removed += settle_unconfirmed(s)
            state.epoch = page.epoch
            state.cursor = page.cursor

    # -- helpers ----------------------------------------------------------------

    def wipe(self) -> None:
        """Forget everything this account could see, and its tokens (account disabled)."""
        from .absences import forget_absences

        with self.store.session() as s:
            purge_records(s, list(s.scalars(select(Record.id))))
            s.execute(delete(PushBatch))
            state = self._state(s)
            state.cursor, state.epoch = 0, None
            forget_absences(s)
            s.execute(text("DELETE FROM glances"))  # the lists kept for the next start
        if self.signer is not None:
            self.signer.forget()  # its certificates were revoked with the account
        self.connection.logout()

    def _state(self, s: Session) -> SyncState:
        state = s.get(SyncState, 1)
        if state is None:
            state = SyncState(id=1, cursor=0, server_url=self.connection.url)
            s.add(state)
            s.flush()
        if state.user_id is None and self.connection.user is not None:
            state.user_id = self.connection.user.id  # whose cache (a check signs in as them)
        return state

    def _retrying(self, action: Callable[[], T], cancel: threading.Event) -> T:
        """`action`, tried again after network errors (`retries` tries in all, waits growing
        from 0.5 s) and after busy answers (each Retry-After, 1 to 30 s, waited while all
        those waits stay within `busy_patience`)."""
        delay, failed, waited = 0.5, 0, 0.0
        while True:
            self._check(cancel)
            try:
                return action()
            except ServerBusy as err:
                wait = min(BUSY_WAIT_MOST, max(1, err.retry_after) * random.uniform(1, 1.5))
                if waited + wait > self.busy_patience:
                    raise ServerBusy(STILL_BUSY, err.retry_after) from err
                waited += wait
                self._wait(wait, cancel)
            except NetworkError:
                failed += 1
                if failed == self.retries:
                    raise
                self._wait(delay, cancel)
                delay *= 2

    def _wait(self, seconds: float, cancel: threading.Event) -> None:
        if self.sleep is None:
            cancel.wait(seconds)
        else:
            self.sleep(seconds)

    @staticmethod
    def _check(cancel: threading.Event) -> None:
        if cancel.is_set():
            raise Cancelled("Sync was cancelled; what was already sent or received is kept.")


def _event_wire(event: RecordEvent) -> dict[str, str]:
    return {"record_id": event.record_id, "event": event.event, "at": event.at.isoformat()}


def _keep_events(s: Session, body: dict[str, Any]) -> None:
    """A batch's events back in the table, for a batch that will not be sent again."""
    for event in body.get("events", []):
        at = datetime.fromisoformat(event["at"])
        s.add(RecordEvent(record_id=event["record_id"], event=event["event"], at=at))
