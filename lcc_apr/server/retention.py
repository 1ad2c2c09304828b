"""Retention on the server: the due list, HR's confirmed purges, legal holds, the check.

- `list_due` (daily, `lcc-apr-server retention due`) works out from the rules
  (lcc_apr.retention) which records have run out their time and writes them to
  `retention_due`, with why any may not go. Nothing is purged by it.
- `confirm` purges the records HR names, one by one, each checked again first: still
  due, no legal hold, not an open capability case, not an unsigned APR; a refused one
  stays with its reason. A purged record loses its row, history and sign-offs; a
  tombstone keeps its id, kind, dates, rule and who confirmed, and takes a number in
  the change feed, where every laptop reads "remove (purged)" and drops its copy.
- Legal holds on a person or a record stop purges while in force.
- `check` verifies every record's history chain and that no tombstone has rows left.
Every step is audited (user ids and outcomes only).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, union_all
from sqlalchemy.orm import Session

from lcc_apr.history import chain_problems, purge_records
from lcc_apr.models import Employee, Record, RecordChange, RecordKind, SignOff, now_utc
from lcc_apr.policy import load_policy
from lcc_apr.retention import (
    HOLD_REASONS,
    WARNINGS,
    Due,
    Facts,
    Rule,
    due,
    load_rules,
    refusal,
)
from lcc_apr.uk_time import uk_time

from . import audit, purge_ledger, sequence
from .push import forget_in_replies
from .tables import LegalHold, RetentionDue, RetentionTombstone

CLI = "cli"  # the audit log's route for commands run on the server
log = logging.getLogger("lcc_apr.server")


class HoldError(ValueError):
    pass


@dataclass(frozen=True)
class Outcome:
    record_id: str
    purged: bool
    reason: str  # "" when purged


def _months() -> dict[str, int]:
    capability = load_policy().capability
    return {setting: getattr(capability, setting) for setting in WARNINGS.values()}


def gather(session: Session, ids: Iterable[str] | None = None) -> list[Facts]:
    """Retention facts of every record (or of `ids`): a capability case's answers only."""
    stmt = select(
        Record.id,
        Record.kind,
        Record.subject_id,
        Record.status,
        Record.deleted,
        Record.updated_at,
        Employee.leaving_date,
    ).join(Employee, Employee.id == Record.subject_id)
    signed_stmt = select(SignOff.record_id).where(SignOff.superseded_at.is_(None))
    answers_stmt = select(Record.id, Record.answers).where(Record.kind == RecordKind.CAPABILITY)
    if ids is not None:
        wanted = sorted(set(ids))
        stmt = stmt.where(Record.id.in_(wanted))
        signed_stmt = signed_stmt.where(SignOff.record_id.in_(wanted))
        answers_stmt = answers_stmt.where(Record.id.in_(wanted))
    signed = set(session.scalars(signed_stmt))
    answers = {rid: a for rid, a in session.execute(answers_stmt)}
    return [
        Facts(
            record_id=r.id,
            kind=RecordKind(r.kind),
            subject_id=r.subject_id,
            status=r.status,
            deleted=r.deleted,
            last_changed=r.updated_at.date(),
            leaving_date=r.leaving_date,
            signed=r.id in signed,
            answers=answers.get(r.id, {}),
        )
        for r in session.execute(stmt)
    ]


def holds_in_force(session: Session) -> tuple[dict[str, list[str]], dict[int, list[str]]]:
    """(record id -> reason codes, employee id -> reason codes) of the holds in force."""
    on_records: dict[str, list[str]] = {}
    on_people: dict[int, list[str]] = {}
    for hold in session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))):
        if hold.record_id is not None:
            on_records.setdefault(hold.record_id, []).append(hold.reason)
        if hold.employee_id is not None:
            on_people.setdefault(hold.employee_id, []).append(hold.reason)
    return on_records, on_people


def work_out(
    session: Session, today: date, rules: dict[RecordKind, Rule], ids: Iterable[str] | None = None
) -> list[Due]:
    on_records, on_people = holds_in_force(session)
    return due(rules, gather(session, ids), on_records, on_people, _months(), today)


def list_due(
    session: Session,
    today: date,
    *,
    user_id: int | None = None,
    route: str = CLI,
    rules: dict[RecordKind, Rule] | None = None,
) -> list[Due]:
    """Write the due list afresh (HR then reviews it); returns it, oldest due first."""
    # Worked out in a read of its own, then written under the sequence lock (taken first
    # in this transaction, as every writer does): one listing at a time (several
    # workers), never in the middle of a purge, and pushes wait only for the write.
    with Session(session.get_bind()) as reading:
        found = work_out(reading, today, rules or load_rules())
    sequence.lock(session)
    session.execute(delete(RetentionDue))
    at = now_utc()
    if found:
        session.execute(
            insert(RetentionDue),
            [
                {
                    "record_id": d.record_id,
                    "kind": d.kind.value,
                    "subject_id": d.subject_id,
                    "rule": d.rule,
                    "trigger_on": d.trigger_on,
                    "due_on": d.due_on,
                    "blocked": d.blocked,
                    "listed_at": at,
                }
                for d in found
            ],
        )
    audit.add(session, user_id, "retention_due", route, f"listed:{len(found)}")
    return found


async def daily(engine: Engine, first_wait: float = 600.0, every: float = 86400.0) -> None:
    """The serve process's daily listing (a first one a while after start). It only
    lists: purges wait for HR. A failure is logged (no personal data) and tried next day."""
    await asyncio.sleep(first_wait)
    while True:
        try:
            await asyncio.to_thread(_list_now, engine)
        except Exception:  # noqa: BLE001 - the server carries on; the next day tries again
            log.exception("the daily retention listing failed")
        await asyncio.sleep(every)


def _list_now(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        list_due(session, uk_time(now_utc())[0].date(), route="daily")


def due_rows(session: Session) -> list[RetentionDue]:
    stmt = select(RetentionDue).order_by(RetentionDue.due_on, RetentionDue.record_id)
    return list(session.scalars(stmt))


def _category(reason: str) -> str:
    for word, category in (("legal hold", "hold"), ("capability", "open"), ("APR", "unsigned")):
        if word in reason:
            return category
    return "not_due"


def confirm(
    session: Session,
    record_ids: list[str],
    user_id: int,
    today: date,
    *,
    route: str = CLI,
    rules: dict[RecordKind, Rule] | None = None,
    ledger: Path | None = None,
) -> list[Outcome]:
    """Purge the listed records HR confirmed, each checked again; one outcome each. With
    `ledger`, the purges are written there once the caller commits (purge_ledger)."""
    lock = sequence.lock(session)  # purges take feed numbers, in order with pushes
    rules = rules or load_rules()
    wanted = list(dict.fromkeys(record_ids))
    listed = {
        r.record_id: r
        for r in session.scalars(select(RetentionDue).where(RetentionDue.record_id.in_(wanted)))
    }
    now_due = {d.record_id: d for d in work_out(session, today, rules, wanted)}
    outcomes, stones = [], []
    for record_id in wanted:
        reason = ""
        current = now_due.get(record_id)
        if record_id not in listed:
            reason = "This record is not on the due list: list what is due first, then confirm."
        elif current is None:
            reason = "This record is no longer due under the retention rules: it is kept."
        elif current.blocked:
            reason = current.blocked
        if reason:
            outcomes.append(Outcome(record_id, False, reason))
            audit.add(session, user_id, "retention_purge", route, f"refused:{_category(reason)}")
            if current is not None and record_id in listed:
                listed[record_id].blocked = current.blocked
            continue
        assert current is not None
        record = session.get(Record, record_id)
        assert record is not None
        stone = RetentionTombstone(
            record_id=record_id,
            kind=current.kind.value,
            seq=lock.next(),
            created_on=record.created_at.date(),
            record_date=record.record_date,
            trigger_on=current.trigger_on,
            due_on=current.due_on,
            rule=current.rule,
            confirmed_by=user_id,
            purged_at=now_utc(),
        )
        session.add(stone)
        stones.append(stone)
        session.flush()
        purge_records(session, [record_id])
        session.execute(delete(RetentionDue).where(RetentionDue.record_id == record_id))
        audit.add(session, user_id, "retention_purge", route, "purged")
        outcomes.append(Outcome(record_id, True, ""))
    forget_in_replies(session, [s.record_id for s in stones])
    if ledger is not None:
        purge_ledger.write_after_commit(session, ledger, stones)
    return outcomes


def place_hold(
    session: Session,
    user_id: int,
    reason: str,
    *,
    employee_id: int | None = None,
    record_id: str | None = None,
    route: str = CLI,
) -> LegalHold:
    """A legal hold on a person or on one record; the due list shows it at once."""
    if (employee_id is None) == (record_id is None):
        raise HoldError("A legal hold is on a person or on one record: give exactly one.")
    if reason not in HOLD_REASONS:
        raise HoldError(f"Unknown hold reason {reason!r}: use one of {', '.join(HOLD_REASONS)}.")
    if employee_id is not None and session.get(Employee, employee_id) is None:
        raise HoldError(f"There is no employee {employee_id}.")
    if record_id is not None and session.get(Record, record_id) is None:
        raise HoldError(f"There is no record {record_id} (it may have been purged).")
    hold = LegalHold(
        employee_id=employee_id,
        record_id=record_id,
        reason=reason,
        placed_by=user_id,
        placed_at=now_utc(),
    )
    session.add(hold)
    session.flush()
    _reassess(session)
    audit.add(session, user_id, "legal_hold", route, "placed")
    return hold


def release_hold(session: Session, hold_id: int, user_id: int, *, route: str = CLI) -> LegalHold:
    hold = session.get(LegalHold, hold_id)
    if hold is None or hold.released_at is not None:
        raise HoldError(f"There is no legal hold {hold_id} in force.")
    hold.released_by, hold.released_at = user_id, now_utc()
    session.flush()
    _reassess(session)
    audit.add(session, user_id, "legal_hold", route, "released")
    return hold


def holds(session: Session) -> list[LegalHold]:
    stmt = select(LegalHold).where(LegalHold.released_at.is_(None)).order_by(LegalHold.id)
    return list(session.scalars(stmt))


def _reassess(session: Session) -> None:
    """The due list's refusals brought up to date (after a hold is placed or released)."""
    listed = {r.record_id: r for r in session.scalars(select(RetentionDue))}
    if not listed:
        return
    on_records, on_people = holds_in_force(session)
    for facts in gather(session, listed):
        codes = [*on_records.get(facts.record_id, ()), *on_people.get(facts.subject_id, ())]
        listed[facts.record_id].blocked = refusal(facts, codes)


def check(session: Session) -> tuple[int, list[str]]:
    """(records checked, problems): every history chain verifies; tombstones left nothing.

    Records and history entries are read in two streams, both in record id order, so a
    large database is read once, not one query per record."""
    problems: list[str] = []
    checked = 0
    records = session.execute(
        select(*RECORD_FIELDS).order_by(Record.id).execution_options(yield_per=1000)
    )
    changes = session.execute(
        select(*CHANGE_FIELDS)
        .order_by(RecordChange.record_id, RecordChange.seq)
        .execution_options(yield_per=2000)
    )
    # Both in the database's own order of ids (its collation: never compared here), and
    # every history entry has its record (a foreign key): a merge by equality.
    pending = next(changes, None)
    for record in records:
        checked += 1
        mine = []
        while pending is not None and pending.record_id == record.id:
            mine.append(pending)
            pending = next(changes, None)
        problems += [f"record {record.id}: {p}" for p in chain_problems(record, mine)]
    if pending is not None:
        problems.append(f"record {pending.record_id}: history entries out of order")
    gone = select(RetentionTombstone.record_id)
    left = union_all(
        select(Record.id.label("rid")).where(Record.id.in_(gone)),
        select(RecordChange.record_id).where(RecordChange.record_id.in_(gone)),
        select(SignOff.record_id).where(SignOff.record_id.in_(gone)),
    ).subquery()
    for (record_id,) in session.execute(select(left.c.rid).distinct()):
        problems.append(f"record {record_id}: purged, but rows of it are left")
    return checked, problems


RECORD_FIELDS = (
    Record.id,
    Record.answers,
    Record.status,
    Record.history_head,
    Record.local_rev,
    Record.server_rev,
)
CHANGE_FIELDS = (
    RecordChange.record_id,
    RecordChange.seq,
    RecordChange.action,
    RecordChange.user_id,
    RecordChange.at,
    RecordChange.patch,
    RecordChange.prev_hash,
    RecordChange.hash,
)
