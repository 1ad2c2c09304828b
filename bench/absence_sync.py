"""Benchmark: HR's absence pull at a sync with nothing new, whole list against by change.

Loads the demo organisation (--size people, the full 6,087 by default) with its absence
episodes (no records: the absences' part of a sync is what is measured) into a server
database (SQLite file), served by uvicorn on 127.0.0.1 in a thread, and syncs HR's laptop
(an encrypted cache) once. Then, median of --runs, HR's absence part of a second sync with
nothing new (lcc_apr.sync.absences):

- the whole list, as before pulls by change (GET /absences without a cursor, as an older
  laptop asks, taken by take_absences: the code path of every sync before);
- by change (sync_absences: the cursor of the last pull sent, nothing comes back);

bytes received and seconds for each; then one episode changed by a manager and HR's next
pull by change. Writes bench/out/absence_sync.json.
Run: `.venv/bin/python bench/absence_sync.py [--size N] [--runs 5]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import func, or_, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from lcc_apr.demo import build_organisation, load_demo  # noqa: E402
from lcc_apr.forms import Catalogue  # noqa: E402
from lcc_apr.models import Absence, Employee, Role, User, UserRole  # noqa: E402
from lcc_apr.server import create_app, sequence  # noqa: E402
from lcc_apr.server.db import make_engine, prepare_database  # noqa: E402
from lcc_apr.server.demo import _accounts  # noqa: E402
from lcc_apr.server.security import Passwords  # noqa: E402
from lcc_apr.store import open_store  # noqa: E402
from lcc_apr.sync.absences import sync_absences, take_absences  # noqa: E402
from lcc_apr.sync.absencewire import AbsencePushBody, AbsenceWire  # noqa: E402
from lcc_apr.sync.engine import SyncEngine  # noqa: E402
from lcc_apr.sync.transport import Connection, Tokens  # noqa: E402
from tests.conftest import MemoryKeyring  # noqa: E402
from tests.server.harness import ThreadedUvicorn, server_settings  # noqa: E402

AS_OF = date(2026, 11, 30)


class Counting(httpx.BaseTransport):
    """HTTP as usual, counting the bytes of each answer's body to GET /absences."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == "/absences" and request.method == "GET":
            response.read()
            self.received += len(response.content)
        return response


def load(url: str, size: int, passwords: Passwords) -> int:
    engine = make_engine(url)
    prepare_database(engine)
    with Session(engine) as session, session.begin():
        org = build_organisation(seed=2020, size=size, as_of=AS_OF)
        load_demo(session, org, [])
        sequence.set_high(session, 1)
        _accounts(session, org, passwords)
        episodes = session.scalar(select(func.count()).select_from(Absence)) or 0
    engine.dispose()
    return episodes


def user_with(url: str, role: Role) -> str:
    engine = make_engine(url)
    with Session(engine) as s:
        name = s.scalar(
            select(User.username)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role)
            .order_by(User.id)
            .limit(1)
        )
    engine.dispose()
    assert name is not None
    return name


def manager_and_report(url: str) -> tuple[str, int]:
    """A manager's user name and one of their direct reports off in none of the last days."""
    engine = make_engine(url)
    recent = date.today() - timedelta(days=10)
    with Session(engine) as s:
        open_ = select(Absence.employee_id).where(
            or_(Absence.last_day.is_(None), Absence.last_day >= recent)
        )
        row = s.execute(
            select(User.username, Employee.id)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Employee, Employee.line_manager_id == User.employee_id)
            .where(UserRole.role == Role.MANAGER, Employee.id.not_in(open_))
            .order_by(User.id, Employee.id)
            .limit(1)
        ).one()
    engine.dispose()
    return row[0], row[1]


def timed(fn: Any, counter: Counting, runs: int) -> tuple[float, int, Any]:
    """Median seconds, bytes of the last run, the last run's result."""
    times, result, size = [], None, 0
    for _ in range(runs):
        counter.received = 0
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
        size = counter.received
    return statistics.median(times), size, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6087)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'server.db'}"
        settings = server_settings(url)
        episodes = load(url, args.size, Passwords(settings))
        server = ThreadedUvicorn(create_app(settings))
        base = server.start()
        try:
            counter = Counting()
            ring = MemoryKeyring()
            store = open_store(folder / "hr.db", keyring_backend=ring)
            connection = Connection(
                base, tokens=Tokens(ring), allow_plain_local=True, transport=counter
            )
            connection.login(user_with(url, Role.HR), "demo")
            engine = SyncEngine(store, connection, Catalogue.load(), sleep=lambda s: None)
            counter.received = 0
            started = time.perf_counter()
            engine.run()
            first_s, first_bytes = time.perf_counter() - started, counter.received

            def whole() -> int:
                reply = connection.absences()  # no cursor: as every sync before
                with store.session() as s:
                    return take_absences(s, reply.absences)

            whole_s, whole_bytes, whole_changed = timed(whole, counter, args.runs)
            sync_absences(store, connection)  # the cursor where the whole list left it
            change_s, change_bytes, result = timed(
                lambda: sync_absences(store, connection), counter, args.runs
            )
            assert whole_changed == 0 and result[1] == 0, (whole_changed, result)

            manager = Connection(base, tokens=Tokens(MemoryKeyring()), allow_plain_local=True)
            name, report = manager_and_report(url)
            manager.login(name, "demo")
            first_day = date.today() - timedelta(days=3)
            pushed = manager.push_absences(
                AbsencePushBody(
                    absences=[
                        AbsenceWire(
                            id="00000000-0000-4000-8000-000000000001",
                            employee_id=report,
                            first_day=first_day,
                            reason="injury",
                        )
                    ]
                )
            )
            assert pushed.results[0].outcome == "applied", pushed
            counter.received = 0
            started = time.perf_counter()
            one = sync_absences(store, connection)
            one_s, one_bytes = time.perf_counter() - started, counter.received
            assert one[1] == 1, one
            manager.close()
            connection.close()
            store.close()
        finally:
            server.stop()
    result_json = {
        "people": args.size,
        "absence_episodes": episodes,
        "first_sync_s": round(first_s, 3),
        "first_sync_absence_bytes": first_bytes,
        "second_sync_whole_list": {"s": round(whole_s, 4), "bytes": whole_bytes},
        "second_sync_by_change": {"s": round(change_s, 4), "bytes": change_bytes},
        "one_change_by_change": {"s": round(one_s, 4), "bytes": one_bytes},
        "bytes_ratio": round(whole_bytes / max(change_bytes, 1), 1),
        "time_ratio": round(whole_s / change_s, 1),
    }
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "absence_sync.json").write_text(json.dumps(result_json, indent=2))
    print(
        f"HR's absence pull, {episodes:,} episodes ({args.size:,} people), a sync with nothing "
        f"new: whole list {whole_bytes:,} bytes in {whole_s:.3f} s; by change {change_bytes:,} "
        f"bytes in {change_s:.4f} s. One episode changed: {one_bytes:,} bytes in {one_s:.4f} s."
    )


if __name__ == "__main__":
    main()
