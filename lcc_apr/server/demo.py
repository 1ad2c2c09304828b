"""The demo organisation and its history, loaded into the server database.

Records are numbered 1..N from the sequence in the order the history yields
them, as if each had been pushed once. Every demo account has the password
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

from lcc_apr.demo import DemoSummary, build_organisation, generate_history, load_demo
from lcc_apr.models import Employee, now_utc

from . import sequence
from .security import Passwords
from .tables import Account

DEMO_PASSWORD = "demo"
SERIAL_TABLES = ("departments", "employees", "users", "posts", "post_history")
Rows = tuple[dict[str, Any], dict[str, Any]]


class DemoError(Exception):
    pass


def _numbered(rows: Iterable[Rows], counter: Iterator[int]) -> Iterator[Rows]:
    for record, change in rows:
        record["server_rev"] = next(counter)
        record["dirty"] = False
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
        if session.scalar(select(func.count(Employee.id))):
            raise DemoError(
                "The server database already holds an organisation; use a new database."
            )
        org = build_organisation(seed=seed, size=size, as_of=as_of)
        counter = itertools.count(1)
        rows = _numbered(generate_history(org, seed=seed, as_of=as_of), counter)
        summary = load_demo(session, org, rows, progress=progress)
        sequence.set_high(session, next(counter) - 1)
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
        if engine.dialect.name == "postgresql":  # ids were given: move the serials past them
            for table in SERIAL_TABLES:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
                )
    return summary
