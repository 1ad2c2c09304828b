"""The demo organisation and its history, loaded into the server database.

In one go (`load_server_demo`): records are numbered 1..N from the sequence in
the order the history yields them, as if each had been pushed once. In two
stages (the app's embedded demo): `load_server_team` puts in the organisation
and the demo team's records (numbered 1..n), enough for the demo's manager and
employee; `add_missing_records` then adds every record the database does not
hold yet, in batches that each take their numbers from the sequence as a push
does (clients pull them as ordinary changes). The history is deterministic, so
an interrupted second stage run again adds only what is missing. Both ways give
the same rows; only the numbering differs. Every demo account has the password
"demo": it is hashed once and that one hash is stored for every account
(hashing thousands of passwords would take minutes).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from lcc_apr.demo import (
    DemoSummary,
    Organisation,
    build_organisation,
    generate_history,
    load_demo,
)
from lcc_apr.evidence import hash_of_row
from lcc_apr.models import Employee, Record, RecordChange, now_utc

from . import sequence
from .security import Passwords
from .tables import Account

DEMO_PASSWORD = "demo"
SERIAL_TABLES = ("departments", "employees", "users", "posts", "post_history")
Rows = tuple[dict[str, Any], dict[str, Any]]
Progress = Callable[[str, int], None]
TEAM_SIZE = 12  # the demo's manager has the team nearest this size
BATCH = 1000  # records per transaction of the second stage


class DemoError(Exception):
    pass


def _numbered(rows: Iterable[Rows], counter: Iterator[int]) -> Iterator[Rows]:
    for record, change in rows:
        record["server_rev"] = next(counter)
        record["dirty"] = False
        record["content_hash"], record["hash_rev"] = hash_of_row(record), record["server_rev"]
        yield record, change


def load_server_demo(
    engine: Engine,
    passwords: Passwords,
    *,
    size: int,
    seed: int,
    as_of: date,
    progress: Callable[[str, int], None] | None = None,
) -> DemoSummary:
    """Load the demo into an empty, prepared server database, in one transaction."""
    with Session(engine) as session, session.begin():
        _check_empty(session)
        org = build_organisation(seed=seed, size=size, as_of=as_of)
        counter = itertools.count(1)
        rows = _numbered(generate_history(org, seed=seed, as_of=as_of), counter)
        summary = load_demo(session, org, rows, progress=progress)
        sequence.set_high(session, next(counter) - 1)
        _accounts(session, org, passwords)
    return summary


def load_server_team(
    engine: Engine,
    passwords: Passwords,
    *,
    size: int,
    seed: int,
    as_of: date,
    progress: Progress | None = None,
) -> frozenset[int]:
    """First stage: the organisation and the records of the demo team (`demo_team`), into
    an empty, prepared server database in one transaction; returns the team. Progress
    "team" counts the people the history has gone through (it draws everyone's records
    in id order, building only the team's)."""
    with Session(engine) as session, session.begin():
        _check_empty(session)
        org = build_organisation(seed=seed, size=size, as_of=as_of)
        load_demo(session, org, (), progress=progress)
        _accounts(session, org, passwords)
        team = demo_team(org)

        def passed(employee_id: int) -> None:
            if progress is not None and employee_id % 100 == 0:
                progress("team", employee_id)

        counter = itertools.count(1)
        rows = generate_history(org, seed=seed, as_of=as_of, subjects=team, passed=passed)
        _insert(session, list(_numbered(rows, counter)))
        sequence.set_high(session, next(counter) - 1)
    return team


def add_missing_records(
    engine: Engine,
    *,
    size: int,
    seed: int,
    as_of: date,
    batch_size: int = BATCH,
    stop: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
) -> int:
    """Second stage, or its resumption: every record of the demo's history that the
    database does not hold yet, with its first change, `batch_size` to a transaction
    numbered from the sequence. `stop()` is asked before each batch and now and then while
    going past records already there (True: return there, run again later to go on).
    Returns how many records were added."""
    org = build_organisation(seed=seed, size=size, as_of=as_of)
    with Session(engine) as session:
        present = set(session.scalars(select(Record.id)))
    added = 0
    batch: list[Rows] = []

    def flush() -> bool:
        nonlocal added
        if stop():
            return False
        with Session(engine) as session, session.begin():
            first = sequence.lock(session).take(len(batch))
            _insert(session, list(_numbered(batch, itertools.count(first))))
        added += len(batch)
        batch.clear()
        if progress is not None:
            progress("rest", added)
        return True

    for seen, (record, change) in enumerate(generate_history(org, seed=seed, as_of=as_of), 1):
        if record["id"] in present:
            if seen % batch_size == 0 and stop():  # going past what is there: still stoppable
                return added
            continue
        batch.append((record, change))
        if len(batch) >= batch_size and not flush():
            return added
    if batch:
        flush()
    return added


def demo_manager(lines: Iterable[tuple[int, int | None]]) -> int:
    """The demo's manager, from (employee id, line manager id) pairs: the one whose team
    is nearest TEAM_SIZE people (of those, the lowest id)."""
    spans: dict[int, int] = {}
    for _, manager_id in lines:
        if manager_id is not None:
            spans[manager_id] = spans.get(manager_id, 0) + 1
    if not spans:
        raise DemoError("The demo organisation has no manager.")
    return min(spans, key=lambda m: (abs(spans[m] - TEAM_SIZE), m))


def demo_team(org: Organisation) -> frozenset[int]:
    """Everyone whose records the demo's manager or one of their reports may see: the
    manager, their reports and their reports' reports."""
    boss = demo_manager((e["id"], e["line_manager_id"]) for e in org.employees)
    direct = {e["id"] for e in org.employees if e["line_manager_id"] == boss}
    second = {e["id"] for e in org.employees if e["line_manager_id"] in direct}
    return frozenset({boss} | direct | second)


def _check_empty(session: Session) -> None:
    if session.scalar(select(func.count(Employee.id))):
        raise DemoError("The server database already holds an organisation; use a new database.")


def _insert(session: Session, rows: list[Rows]) -> None:
    """Records and their first changes, on the session's connection (no ORM bookkeeping)."""
    if rows:
        connection = session.connection()
        connection.execute(insert(Record), [record for record, _ in rows])
        connection.execute(insert(RecordChange), [change for _, change in rows])


def _accounts(session: Session, org: Organisation, passwords: Passwords) -> None:
    """Every user's account with the one demo password; on PostgreSQL the serials moved
    past the ids the organisation's rows were given."""
    demo_hash = passwords.hash(DEMO_PASSWORD)
    now = now_utc()
    session.execute(
        insert(Account),
        [
            {
                "user_id": user["id"],
                "password_hash": demo_hash,
                "failed_attempts": 0,
                "disabled": False,
                "password_changed_at": now,
            }
            for user in org.users
        ],
    )
    if session.get_bind().dialect.name == "postgresql":
        for table in SERIAL_TABLES:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
            )
