"""The purge ledger: every purge HR confirmed, kept outside the database and its backups,
so a restore from a backup made before a purge purges the record again.

One JSON line per purged record, the tombstone's fields only (id, kind, dates, rule, who
confirmed): no subject, no content. Written after the purge's commit, appended and
synced; read again by `lcc-apr-server restore` (lcc_apr.server.backup) after it has put a
database back. A line cut short by a crash is skipped and counted, never fatal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lcc_apr.history import purge_records
from lcc_apr.models import Record

from . import audit, sequence
from .push import forget_in_replies
from .tables import RetentionTombstone

FIELDS = ("record_id", "kind", "created_on", "record_date", "trigger_on", "due_on", "rule")
ROUTE = "restore"


@dataclass(frozen=True)
class Reapplied:
    purged: int  # records the restored database held again, purged again
    stones: int  # tombstones put back (laptops told to drop their copies again)
    unreadable: int  # ledger lines skipped (cut short)


def line_of(stone: RetentionTombstone) -> str:
    row: dict[str, Any] = {name: getattr(stone, name) for name in FIELDS}
    row |= {"confirmed_by": stone.confirmed_by, "purged_at": stone.purged_at.isoformat()}
    return json.dumps(row, default=str, sort_keys=True)


def write_after_commit(session: Session, ledger: Path, stones: list[RetentionTombstone]) -> None:
    """Append `stones` to the ledger once `session` commits (nothing if it rolls back)."""
    lines = "".join(line_of(s) + "\n" for s in stones)
    if not lines:
        return

    def append(_session: Session) -> None:
        ledger.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, lines.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    event.listen(session, "after_commit", append, once=True)


def read(ledger: Path) -> tuple[list[dict[str, Any]], int]:
    """The ledger's entries, and how many lines could not be read."""
    if not ledger.is_file():
        return [], 0
    entries, bad = [], 0
    for text in ledger.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(text)
            entries.append({**row, "record_id": str(row["record_id"])})
        except (ValueError, KeyError, TypeError):
            bad += 1
    return entries, bad


def reapply(session: Session, ledger: Path) -> Reapplied:
    """After a restore: every purge in the ledger the restored database lacks is made again
    (its tombstone back in the feed, the record and its history gone). Caller commits."""
    entries, bad = read(ledger)
    have = set(session.scalars(select(RetentionTombstone.record_id)))
    missing = {e["record_id"]: e for e in entries if e["record_id"] not in have}
    if not missing:
        return Reapplied(0, 0, bad)
    lock = sequence.lock(session)
    held = set(session.scalars(select(Record.id).where(Record.id.in_(list(missing)))))
    for record_id, e in missing.items():
        session.add(
            RetentionTombstone(
                record_id=record_id,
                kind=e["kind"],
                seq=lock.next(),
                created_on=date.fromisoformat(e["created_on"]),
                record_date=date.fromisoformat(e["record_date"]) if e["record_date"] else None,
                trigger_on=date.fromisoformat(e["trigger_on"]),
                due_on=date.fromisoformat(e["due_on"]),
                rule=e["rule"],
                confirmed_by=int(e["confirmed_by"]),
                purged_at=datetime.fromisoformat(e["purged_at"]),
            )
        )
        session.flush()
        if record_id in held:
            purge_records(session, [record_id])
        audit.add(session, None, "retention_purge", ROUTE, "purged")
    forget_in_replies(session, list(missing))
    return Reapplied(len(held), len(missing), bad)
