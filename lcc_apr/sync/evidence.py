"""This cache checked against the server, the record of truth, at every sync and on demand
(`lcc-apr check --against-server`).

A record pulled from the server has no history here, so a copy edited straight in the
cache (someone with its key running UPDATE) would pass `lcc-apr check`. Here each
record's revision and content hash (lcc_apr.evidence) are compared with the server's, by
ranges of ids first (GET /sync/digests: a range whose digest agrees holds the same
revisions and hashes), record by record in the ranges that differ (GET /sync/hashes; all
of them from a server without digests), its content hashed again in turn, and:

- a copy that differs from the server's version at the same revision, or claims a
  revision the server never gave it, is named and replaced by the server's copy;
- a record the server holds for this person, at or before the position this cache has
  pulled to, that is missing here (removed without the server's word) is named and
  taken from the server;
- a copy the server no longer lists for this person leaves the cache (the server's word
  that it left their scope), named;
- a purge left listed in `purges` (which lets a record's history be deleted) is refused
  for a record the server still lists for this person (the listing goes, the record is
  restored) and completed for one it does not.

A record with unsent changes made here (dirty, with its own history) is this person's
pending work, not tampering: it is not compared, and never replaced; nor is one in
conflict or never sent. A copy the server changed after this cache's position is simply
behind: the next pull brings it. Messages name records by kind and id only.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol

import orjson
import zstandard
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lcc_apr.evidence import answers_json, hash_of_stored, range_digest
from lcc_apr.history import purge_records, verify_history
from lcc_apr.models import Conflict, Purge, Record, SyncState, now_utc
from lcc_apr.models.answers import json_of
from lcc_apr.store import Store

from .apply import remove_records, take_records
from .epoch import UNCONFIRMED
from .protocol import (
    HASHES_LIMIT,
    RANGE_SIZE,
    RECORDS_LIMIT,
    DigestsReply,
    HashesPage,
    RecordsReply,
)

log = logging.getLogger(__name__)

REHASH_PER_SYNC = 20000  # copies hashed again from their content at each sync
# From the covering index ix_records_evidence (store migration 0018) alone
LIGHT_SQL = (
    "SELECT id, server_rev, hash_rev, content_hash, kind, dirty, local_rev "
    "FROM records "
    "WHERE id > ? AND (? IS NULL OR id <= ?) ORDER BY id"
)
# The same, each copy with a server revision as its line in a range's digest
# (lcc_apr.evidence.range_line; "-" for a hash not kept for that revision)
LINES_SQL = (
    "SELECT id, content_hash, id || ' ' || server_rev || ' ' || "
    "CASE WHEN hash_rev = server_rev AND content_hash IS NOT NULL THEN content_hash ELSE '-' END "
    "|| char(10) FROM records WHERE server_rev IS NOT NULL ORDER BY id"
)
DIRTY_SQL = "SELECT id FROM records WHERE server_rev IS NOT NULL AND dirty AND local_rev > 0"
HEAVY_SQL = (
    "SELECT id, kind, subject_id, author_id, template_id, template_version, answers, status, "
    "record_date, deleted FROM records WHERE id IN"
)


class Server(Protocol):
    """What the check needs of a connection (lcc_apr.sync.transport.Connection)."""

    def digests(self, *, size: int) -> DigestsReply | None: ...

    def hashes(
        self, *, after: str, limit: int, upto: str | None = None
    ) -> tuple[HashesPage, int]: ...

    def records(self, ids: list[str]) -> RecordsReply: ...


Named = tuple[str, str]  # (kind, record id)


@dataclass
class Findings:
    """What the check found and did (records named by kind and id)."""

    checked: int = 0  # copies compared with the server's
    rehashed: int = 0  # of them, hashed again from their content this time
    pending: int = 0  # records with unsent changes made here: not compared
    altered: list[Named] = field(default_factory=list)  # differed: the server's copy taken
    missing: list[Named] = field(default_factory=list)  # not here: taken from the server
    left: list[Named] = field(default_factory=list)  # not the person's on the server: removed
    refused_purges: list[str] = field(default_factory=list)  # still theirs: purge refused
    skipped: str | None = None  # why no check was made (None: it was)

    @property
    def problems(self) -> bool:
        return bool(self.altered or self.missing or self.refused_purges)

    @property
    def changed(self) -> bool:
        """Records were taken from the server or removed: lists may differ."""
        return bool(self.altered or self.missing or self.left or self.refused_purges)

    def lines(self) -> list[str]:
        """One plain sentence per finding, then the totals."""
        out = [
            f"{kind} {rid}: differed from the server's copy; the server's copy was restored"
            for kind, rid in self.altered
        ]
        out += [
            f"{kind} {rid}: missing from this computer; taken again from the server"
            for kind, rid in self.missing
        ]
        out += [
            f"record {rid}: a purge listed for a record still yours on the server was refused"
            for rid in self.refused_purges
        ]
        out += [
            f"{kind} {rid}: no longer yours on the server; removed from this computer"
            for kind, rid in self.left
        ]
        return out

    def summary(self) -> str:
        if self.skipped:
            return f"Not checked against the server: {self.skipped}"
        text = f"Checked {self.checked:,} record(s) against the server"
        if self.rehashed and self.rehashed < self.checked:
            text += f", {self.rehashed:,} of them read in full"
        if self.pending:
            text += f" ({self.pending:,} with your unsent changes left as they are)"
        if not (self.problems or self.left):
            return text + ": all match."
        found = []
        if self.altered:
            found.append(f"{len(self.altered)} differed and were restored from the server")
        if self.missing:
            found.append(f"{len(self.missing)} were missing and were taken from the server")
        if self.refused_purges:
            found.append(f"{len(self.refused_purges)} purge(s) of records still yours refused")
        if self.left:
            found.append(f"{len(self.left)} no longer yours were removed")
        return text + ": " + "; ".join(found) + "."


@dataclass
class _Local:
    kind: str
    rev: int | None
    pending: bool  # unsent work made here (or in conflict): not compared
    kept: str | None  # the server's hash kept for this revision (None: none, or stale)


def _matches(row: Any, digest: str) -> bool:
    """A HEAVY_SQL row hashes to `digest`: its stored answers as they are first (the usual
    form), else parsed and put in the hash's form (an older row's other key order)."""
    rid, kind, subject, author, template, version, answers, status, day, deleted = row
    try:
        text = json_of(answers)
    except (ValueError, zstandard.ZstdError):  # packed answers damaged in the cache
        return False
    head = (rid, kind, subject, author, template, version)
    if hash_of_stored(*head, text, status, day, bool(deleted)) == digest:
        return True
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return hash_of_stored(*head, answers_json(parsed), status, day, bool(deleted)) == digest


def check_against_server(
    store: Store,
    server: Server,
    *,
    limit: int = HASHES_LIMIT,
    size: int = RANGE_SIZE,
    rehash: int | None = None,
    check: Callable[[], None] | None = None,
) -> Findings:
    """Compare every copy held with the server's hashes, and put right what differs.

    The server's digests of ranges of `size` records come first (GET /sync/digests): a
    range whose digest this cache's copies (revision and kept hash, read from a covering
    index: no record is read whole) make too holds the same records at the same revisions
    and hashes; the others, and a server without digests (every record then), are compared
    record by record (GET /sync/hashes). Each copy's content is hashed again, from the copy
    itself, when its kept hash is missing or stale, and otherwise for `rehash` copies a
    run, taking up after the last run's (None: every copy; the sync's default,
    REHASH_PER_SYNC, goes round a large cache in a few syncs). `check` is called before
    each request (the sync's cancel check)."""
    found = Findings()
    with store.session() as s:
        state = s.get(SyncState, 1)
        if state is None or state.epoch is None or state.snapshot_at is not None:
            found.skipped = "this computer has not finished a sync with the server yet."
            return found
        cursor, resume = state.cursor, state.evidence_after or ""
        blocked = set(s.scalars(select(Conflict.record_id)))
        purges = set(s.scalars(select(Purge.record_id)))
    walk = _Walk(found, cursor, blocked, purges)
    if check is not None:
        check()
    reply = server.digests(size=size)
    spans = [("", None)] if reply is None else _differing(store, reply, walk)
    for after, upto in spans:
        while True:
            if check is not None:
                check()
            page, _ = server.hashes(after=after, limit=limit, upto=upto)
            last = page.hashes[-1][0] if page.hashes and page.more else upto
            walk.compare(page, _light_rows(store, after, last, blocked))
            after = page.hashes[-1][0] if page.hashes else after
            if not page.more:
                break
    walk.kept.sort()
    turn, resume = _turn(walk.kept, resume, rehash)
    stale = set(walk.rehashed)  # their kept hash is not the server's: written when they fit
    for rid, digest in turn:
        walk.rehashed.setdefault(rid, ("record", digest))
    found.rehashed = len(walk.rehashed)
    _rehash(store, walk.rehashed, stale, walk.fetch, found, resume)
    _put_right(store, server, walk.fetch, walk.gone, walk.purges, found)
    for line in found.lines():
        log.warning("Check against the server: %s", line)
    return found


@dataclass
class _Walk:
    """What the comparison found so far, range by range and page by page."""

    found: Findings
    cursor: int  # this cache's position in the server's feed
    blocked: set[str]  # records in conflict
    purges: set[str]  # listed in purges; a refused listing leaves the set
    fetch: list[str] = field(default_factory=list)  # to take from the server
    gone: list[Named] = field(default_factory=list)  # no longer listed: to remove
    kept: list[tuple[str, str]] = field(default_factory=list)  # (id, hash): kept hash agrees
    rehashed: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (kind, hash)

    def compare(self, page: HashesPage, local: dict[str, _Local]) -> None:
        """The server's hashes on this page against this cache's copies in the same ids."""
        found = self.found
        theirs = {rid: (rev, digest) for rid, rev, digest in page.hashes}
        for rid, (rev, digest) in theirs.items():
            mine = local.get(rid)
            if rid in self.purges:
                found.refused_purges.append(rid)
                self.purges.discard(rid)
                if mine is None or not mine.pending:
                    self.fetch.append(rid)
                continue
            if mine is None:
                if rev <= self.cursor:
                    self.fetch.append(rid)
                    found.missing.append(("record", rid))
                continue
            if mine.pending:
                found.pending += 1
                continue
            if mine.rev is None or mine.rev == UNCONFIRMED:
                continue
            found.checked += 1
            if rev > mine.rev and rev > self.cursor:
                continue  # changed on the server since this cache's position: behind
            if rev != mine.rev:
                self.fetch.append(rid)
                found.altered.append((mine.kind, rid))
            elif mine.kept == digest:
                self.kept.append((rid, digest))
            else:  # no kept hash for this revision (a copy pushed from here), or a forged one
                self.rehashed[rid] = (mine.kind, digest)
        for rid, mine in local.items():
            if rid in theirs or mine.pending or mine.rev in (None, UNCONFIRMED):
                continue
            if mine.rev <= page.at:
                self.gone.append((mine.kind, rid))


def _differing(store: Store, reply: DigestsReply, walk: _Walk) -> list[tuple[str, str | None]]:
    """The server's ranges whose digest this cache's copies do not make (or holding a
    record listed in purges), as (after, upto) spans, neighbours joined. The copies of each
    range that agrees are compared: counted, and their kept hashes are the server's."""
    ids, kept, lines, pending = _listing(store, walk.blocked)
    purges = sorted(walk.purges)
    spans: list[tuple[str, str | None]] = []
    start, after = 0, ""
    for upto, digest in reply.ranges:
        end = len(ids) if upto is None else bisect_right(ids, upto, lo=start)
        listed = bisect_right(purges, after)
        purged = listed < len(purges) and (upto is None or purges[listed] <= upto)
        if purged or range_digest(lines[start:end]) != digest:
            if spans and spans[-1][1] == after:
                spans[-1] = (spans[-1][0], upto)
            else:
                spans.append((after, upto))
        else:
            held = [n for n in pending[bisect_left(pending, start) :] if n < end]
            walk.found.pending += len(held)
            walk.found.checked += end - start - len(held)
            if held:
                walk.kept += [(ids[n], kept[n]) for n in range(start, end) if n not in held]
            else:
                walk.kept += zip(ids[start:end], kept[start:end], strict=True)
        start, after = end, upto or after
    return spans


def _turn(
    kept: list[tuple[str, str]], resume: str, rehash: int | None
) -> tuple[list[tuple[str, str]], str]:
    """The copies to hash again this run (`rehash` of them from after `resume`, going
    round to the start), and where the next run takes up ("" : from the start)."""
    if rehash is None or rehash >= len(kept):
        return kept, ""
    later = [k for k in kept if k[0] > resume]
    turn = (later + [k for k in kept if k[0] <= resume])[:rehash]
    return turn, turn[-1][0]


def _light_rows(store: Store, after: str, last: str | None, blocked: set[str]) -> dict[str, _Local]:
    """This cache's records in (after, last] (to the end when last is None), from the
    covering index ix_records_evidence: revision, kept hash, whether pending."""
    found = {}
    with store.session() as s:
        rows = s.connection().exec_driver_sql(LIGHT_SQL, (after, last, last))
        for rid, rev, hash_rev, kept, kind, dirty, local_rev in rows:
            pending = rid in blocked or (bool(dirty) and local_rev > 0)
            found[rid] = _Local(kind, rev, pending, kept if hash_rev == rev else None)
    return found


def _listing(store: Store, blocked: set[str]) -> tuple[list[str], list[str], list[str], list[int]]:
    """This cache's copies with a server revision, in id order, from the covering index
    ix_records_evidence: their ids, kept hashes, lines in a range's digest, and the
    positions of those not compared (unsent work made here, or in conflict)."""
    with store.session() as s, closing(s.connection().connection.cursor()) as cursor:
        rows = cursor.execute(LINES_SQL).fetchall()
        dirty = cursor.execute(DIRTY_SQL).fetchall()
    ids = list(map(itemgetter(0), rows))
    pending = {bisect_left(ids, rid) for (rid,) in dirty} | {
        n for rid in blocked if (n := bisect_left(ids, rid)) < len(ids) and ids[n] == rid
    }
    return ids, list(map(itemgetter(1), rows)), list(map(itemgetter(2), rows)), sorted(pending)


def _rehash(
    store: Store,
    rehashed: dict[str, tuple[str, str]],
    stale: set[str],
    fetch: list[str],
    found: Findings,
    resume: str,
) -> None:
    """Hash these copies again from their content; a copy that differs from the server's is
    named (and fetched); a `stale` one that matches keeps the server's hash for its
    revision (the others keep it already)."""
    ids = sorted(rehashed)
    with store.session() as s:
        for start in range(0, len(ids), RECORDS_LIMIT):
            chunk = ids[start : start + RECORDS_LIMIT]
            marks = ", ".join("?" * len(chunk))
            rows = s.connection().exec_driver_sql(f"{HEAVY_SQL} ({marks})", tuple(chunk)).all()
            fitting = []
            for row in rows:
                rid, kind = row[0], row[1]
                digest = rehashed[rid][1]
                if _matches(row, digest):
                    if rid in stale:
                        fitting.append((digest, rid))
                else:
                    fetch.append(rid)
                    found.altered.append((kind, rid))
            if fitting:
                s.connection().exec_driver_sql(
                    "UPDATE records SET content_hash = ?, hash_rev = server_rev WHERE id = ?",
                    fitting,
                )
        state = s.get(SyncState, 1)
        if state is not None:
            state.evidence_after = resume or None


def _put_right(
    store: Store,
    server: Server,
    fetch: list[str],
    gone: list[Named],
    purges: set[str],
    found: Findings,
) -> None:
    """Take the server's copies of `fetch` (replacing any held), remove `gone`, complete
    the purges the server's listing did not refuse."""
    refused = set(found.refused_purges)
    for start in range(0, len(fetch), RECORDS_LIMIT):
        chunk = fetch[start : start + RECORDS_LIMIT]
        reply = server.records(chunk)
        with store.session() as s:
            s.execute(delete(Purge).where(Purge.record_id.in_(chunk)))  # the refused listings
            held = [r.id for r in reply.records if s.get(Record, r.id) is not None]
            _replace(s, held)
            take_records(s, reply.records, catalogue=_NO_CATALOGUE, at=now_utc())
        kinds = {r.id: str(r.kind) for r in reply.records}
        found.missing = [(kinds.get(rid, k), rid) for k, rid in found.missing]
    with store.session() as s:
        # the listings left behind go: refused ones for good, the others made again below
        s.execute(delete(Purge).where(Purge.record_id.in_(sorted(refused | purges))))
        doomed = {rid for _kind, rid in gone} | (purges - refused)
        remove_records(s, sorted(doomed), at=now_utc())  # unsent work stays, as a conflict
    found.left = gone


def _replace(s: Session, ids: list[str]) -> None:
    """Copies about to be replaced by the server's: they go, with their history here (the
    server holds the record's history; a copy that differs from it is not evidence)."""
    purge_records(s, ids)


class _NoCatalogue:
    """take_records needs a catalogue only to merge unsent work, which is never here."""

    def get(self, *_: Any) -> Any:
        raise AssertionError("no unsent work is replaced by the check against the server")


_NO_CATALOGUE: Any = _NoCatalogue()


def check_in_sync(store: Store, server: Server, check: Callable[[], None]) -> Findings:
    """The check at the end of a sync (REHASH_PER_SYNC copies hashed again from their
    content): a server without it (older) is said, not an error."""
    from .errors import IncompatibleServer, Refused

    try:
        return check_against_server(store, server, rehash=REHASH_PER_SYNC, check=check)
    except (Refused, IncompatibleServer) as err:
        return Findings(skipped=f"the server does not offer it ({err}).")


ALTERED_UNSENT = (
    "This record was changed on this computer outside the app (its content does not match "
    "its history here), so the change is not sent. Keep the server's version to put it right."
)


def fit_to_send(s: Session, records: list[Record]) -> list[Record]:
    """The unsent records whose change was made through the app. A server's copy marked
    unsent with SQL (no history of its own) is a server's copy again, for the check against
    the server to compare; one whose content does not match its own history is held back
    as a conflict, for the person to see. Neither is sent as the person's change."""
    fit = []
    for record in records:
        if record.local_rev == 0 and record.server_rev is not None:
            record.dirty = False
            log.warning("Not sent: %s %s was marked unsent outside the app", record.kind, record.id)
        elif record.server_rev is not None and verify_history(s, record):
            s.merge(
                Conflict(
                    record_id=record.id,
                    server_rev=record.server_rev,
                    server=None,
                    fields=[],
                    reason=ALTERED_UNSENT,
                    created_at=now_utc(),
                )
            )
            log.warning("Not sent: %s %s was changed outside the app", record.kind, record.id)
        else:
            fit.append(record)
    return fit
