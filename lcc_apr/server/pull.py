"""GET /sync/pull: the user's feed, in sequence order, from their cursor.

Three sources are merged by sequence number, none read above the committed
counter (so a page never shows a number before a smaller one is committed):
- records in the user's scope whose server_rev is above the cursor (tombstones too);
- the user's scope events: `leave` becomes a `remove` (reason scope) for each of
  that person's records, `enter` the current records of that person the user sees;
- for the user's own records taken out of the employee's sight (back to draft),
  a `remove` with reason hidden, if the record was ever shared with them;
- records purged under the retention rules (their tombstones): a `remove` with reason
  purged, to everyone (the id is all it says: whoever holds a copy drops it).
Items of one number are never split across pages (a page is longer than the
limit only when one scope event alone needs more items). When nothing more is
there, the cursor moves to the counter, past changes the user may not see.
"""

from __future__ import annotations

from typing import Any, TypeVarTuple

import orjson
from sqlalchemy import Select, Text, cast, not_, select
from sqlalchemy.orm import Session

from lcc_apr.models import Record, RecordChange, RecordKind, SignOff
from lcc_apr.sync.protocol import sign_off_wire, to_wire

from . import content, sequence
from .scope import Viewer, reload_viewer, shared_clause, shared_states
from .tables import RetentionTombstone, ScopeEvent

WIRE_COLUMNS = [
    Record.id,
    Record.kind,
    Record.subject_id,
    Record.author_id,
    Record.template_id,
    Record.template_version,
    # The stored JSON text, passed through untouched (orjson.Fragment): no parse, no re-encode.
    cast(Record.answers, Text).label("answers"),
    Record.status,
    Record.record_date,
    Record.created_at,
    Record.updated_at,
    Record.deleted,
    Record.server_rev,
    Record.content_hash,
    Record.hash_rev,
]

Item = dict[str, Any]
Columns = TypeVarTuple("Columns")


class Feed:
    def __init__(self, session: Session, viewer: Viewer, cursor: int, high: int) -> None:
        self.session, self.viewer, self.cursor, self.high = session, viewer, cursor, high

    def _window(self, stmt: Select[*Columns], column: Any, limit: int) -> Select[*Columns]:
        return (
            stmt.where(column > self.cursor, column <= self.high).order_by(column).limit(limit + 1)
        )

    def page(self, limit: int) -> tuple[list[Item], int, bool]:
        """(items, new cursor, more) for one page of at most `limit` items."""
        groups: list[tuple[int, Any]] = []  # (seq, source row)
        bound = self.high
        records = self.session.execute(
            self._window(
                select(*WIRE_COLUMNS).where(self.viewer.record_filter()), Record.server_rev, limit
            )
        ).all()
        events = (
            self.session.execute(
                self._window(
                    select(ScopeEvent).where(ScopeEvent.user_id == self.viewer.user_id),
                    ScopeEvent.seq,
                    limit,
                )
            )
            .scalars()
            .all()
        )
        hidden = self._hidden_candidates(limit)
        purged = self.session.execute(
            self._window(
                select(RetentionTombstone.record_id, RetentionTombstone.seq),
                RetentionTombstone.seq,
                limit,
            )
        ).all()
        for rows, seq_of in (
            (records, lambda r: r.server_rev),
            (events, lambda e: e.seq),
            (hidden, lambda r: r.server_rev),
            (purged, lambda t: t.seq),
        ):
            if len(rows) > limit:
                bound = min(bound, seq_of(rows[-1]))
        groups += [(r.server_rev, ("record", r)) for r in records]
        groups += [(e.seq, ("event", e)) for e in events]
        groups += [(r.server_rev, ("hidden", r)) for r in self._ever_shared(hidden)]
        groups += [(t.seq, ("purged", t)) for t in purged]
        groups.sort(key=lambda g: g[0])
        items: list[Item] = []
        last = self.cursor
        for seq, (what, row) in groups:
            if seq > bound:
                break
            group = self._expand(seq, what, row)
            if items and len(items) + len(group) > limit:
                return items, last, True
            items += group
            last = seq
        if bound < self.high:  # a source had more rows than one page: resume after bound
            return items, bound, True
        return items, self.high, False

    def _expand(self, seq: int, what: str, row: Any) -> list[Item]:
        if what == "record":
            return [{"seq": seq, "record": _wire(row)}]
        if what == "hidden":
            return [{"seq": seq, "remove": row.id, "reason": "hidden"}]
        if what == "purged":
            return [{"seq": seq, "remove": row.record_id, "reason": "purged"}]
        if row.kind == "leave":
            ids = self.session.scalars(select(Record.id).where(Record.subject_id == row.subject_id))
            return [{"seq": seq, "remove": rid, "reason": "scope"} for rid in ids]
        current = self.session.execute(
            select(*WIRE_COLUMNS)
            .where(
                Record.subject_id == row.subject_id,
                self.viewer.record_filter(),
                Record.server_rev <= self.high,
            )
            .order_by(Record.server_rev)
        ).all()
        return [{"seq": seq, "record": _wire(r)} for r in current]

    def _hidden_candidates(self, limit: int) -> list[Any]:
        if self.viewer.employee_id is None:
            return []
        stmt = select(Record.id, Record.kind, Record.server_rev).where(
            Record.subject_id == self.viewer.employee_id, not_(shared_clause())
        )
        return list(self.session.execute(self._window(stmt, Record.server_rev, limit)).all())

    def _ever_shared(self, rows: list[Any]) -> list[Any]:
        """The candidates the employee may have seen: shared at some point in their history."""
        if not rows:
            return []
        kinds = {r.id: RecordKind(r.kind) for r in rows}
        seen: set[str] = set()
        changes = self.session.execute(
            select(RecordChange.record_id, RecordChange.patch).where(
                RecordChange.record_id.in_(sorted(kinds))
            )
        )
        for record_id, patch in changes:
            if patch.get("status") in shared_states(kinds[record_id]):
                seen.add(record_id)
        return [r for r in rows if r.id in seen]


def _wire(row: Any) -> dict[str, Any]:
    """The record's wire form with its answers as stored JSON text (an orjson.Fragment),
    and its content hash."""
    return {
        **to_wire(row),
        "answers": orjson.Fragment(row.answers),
        "content_hash": content.row_hash(row),
    }


def _attach_sign_offs(session: Session, items: list[Item]) -> None:
    """Each record travels with its sign-offs (the key only when it has some)."""
    wires: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if "record" in item:
            wires.setdefault(item["record"]["id"], []).append(item["record"])
    ids = sorted(wires)
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            select(SignOff)
            .where(SignOff.record_id.in_(ids[start : start + 500]))
            .order_by(SignOff.id)
        )
        for row in rows:
            signed = sign_off_wire(row)
            for wire in wires[row.record_id]:
                wire.setdefault("sign_offs", []).append(signed)


def pull(
    session: Session,
    viewer: Viewer,
    *,
    cursor: int,
    epoch: str | None,
    limit: int,
    indirect_reports: bool,
) -> bytes:
    current = sequence.epoch(session)
    reset = epoch != current if epoch is not None else cursor > 0
    if reset:
        cursor = 0
    high = sequence.committed_high(session)
    # Scope read after the counter: an organisation change numbered at or below `high`
    # is already in it (a scope event's enter must not expand with yesterday's team).
    viewer = reload_viewer(session, viewer, indirect_reports)
    items, new_cursor, more = Feed(session, viewer, cursor, high).page(limit)
    _attach_sign_offs(session, items)
    reply = {"epoch": current, "reset": reset, "cursor": new_cursor, "more": more, "items": items}
    return orjson.dumps(reply)
