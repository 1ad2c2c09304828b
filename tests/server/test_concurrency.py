"""Several clients pushing at once through separate server processes lose nothing.

On PostgreSQL two `lcc-apr-server serve` processes share one database; on SQLite
one process serves every client (SQLite is a one-machine database). Writers (six
devices of one manager) fight over one record and create records of their own;
a reader (HR) pulls all the while. Afterwards: every applied edit is in the
record (no lost update), every number was handed out once (none repeated, none
wasted), and the reader, having only ever moved its cursor forward, holds
exactly the server's latest revision of every record (no number became visible
after a larger one had been read).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.history import history
from lcc_apr.models import Record, RecordKind
from lcc_apr.server.db import make_engine
from lcc_apr.server.scope import shared_states
from lcc_apr.server.tables import ServerMeta
from lcc_apr.sync.protocol import PROTOCOL, PROTOCOL_HEADER, to_wire

from .databases import copy_database
from .harness import AS_OF, CHEAP_ARGON2, SECRET, DemoPeople

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 6
ROUNDS = 12


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, home: Path, index: int) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LCC_APR_HOME": str(home),
        "LCC_APR_SERVER_DATABASE_URL": url,
        "LCC_APR_SERVER_SECRET_KEY": SECRET,
        "LCC_APR_SERVER_LOG_LEVEL": "warning",
        **{f"LCC_APR_SERVER_{k.upper()}": str(v) for k, v in CHEAP_ARGON2.items()},
    }
    log = home / f"server-{index}.log"
    command = [sys.executable, "-m", "lcc_apr.server", "serve", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    return process, f"http://127.0.0.1:{port}", log


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail("server did not start")


@pytest.fixture
def server_processes(server_template, tmp_path):
    url, drop = copy_database(server_template, tmp_path)
    count = 2 if server_template.backend == "postgresql" else 1
    started = [start_server(url, tmp_path, i) for i in range(count)]
    try:
        for process, base, log in started:
            wait_healthy(base, process, log)
        engine = make_engine(url)
        yield [base for _p, base, _l in started], engine
        engine.dispose()
    finally:
        for process, _base, _log in started:
            process.terminate()
        for process, _base, _log in started:
            process.wait(timeout=20)
        drop()


def client(base: str, token: str | None = None) -> httpx.Client:
    headers = {PROTOCOL_HEADER: str(PROTOCOL)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=base, headers=headers, timeout=60)


def patiently(call: Callable[[], httpx.Response]) -> httpx.Response:
    """The answer once the server stops saying busy (429, 503), waiting as it asks."""
    reply = call()
    while reply.status_code in (429, 503):
        time.sleep(int(reply.headers["retry-after"]))
        reply = call()
    return reply


def login(base: str, username: str) -> str:
    with client(base) as c:
        body = {"username": username, "password": "demo"}
        reply = patiently(lambda: c.post("/auth/login", json=body))
        assert reply.status_code == 200, reply.text
        return reply.json()["access_token"]


def test_concurrent_pushes_through_several_servers_lose_nothing(server_processes):
    bases, engine = server_processes
    with Session(engine) as session:
        people = DemoPeople.read(session)
        first_seq = session.scalar(select(ServerMeta.seq))
        plain = {u.employee_id for u in people.employees}
        contested = next(
            r
            for r in session.scalars(select(Record).order_by(Record.server_rev))
            if r.kind == RecordKind.SUPERVISION and r.status == "draft" and r.subject_id in plain
        )
        manager = people.manager_of(contested.subject_id)
        team = [u.employee_id for u in people.reports(manager)]
        start_wire = dict(to_wire(contested))
    hr_user = people.hr[0]

    applied_tokens: list[str] = []
    applied_revs: list[int] = []
    contested_revs: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    writers_done = threading.Event()

    def push(c: httpx.Client, records: list[dict], key: str | None = None) -> dict:
        body = {"key": key or str(uuid.uuid4()), "records": records}
        reply = patiently(lambda: c.post("/sync/push", json=body))
        assert reply.status_code == 200, reply.text
        return reply.json()["results"][0]

    def writer(index: int) -> None:
        try:
            token = login(bases[index % len(bases)], manager.username)  # tokens work anywhere
            clients = [client(base, token) for base in bases]
            known = dict(start_wire)
            for round_ in range(ROUNDS):
                c = clients[(index + round_) % len(clients)]
                mark = f"w{index}r{round_}"
                while True:  # edit the contested record until the edit lands
                    answers = {
                        **known["answers"],
                        "workload": f"{known['answers'].get('workload', '')} {mark}",
                    }
                    mine = {**known, "answers": answers, "base_rev": known["server_rev"]}
                    key = str(uuid.uuid4())
                    outcome = push(c, [mine], key)
                    if outcome["outcome"] == "conflict":
                        known = outcome["record"]
                        continue
                    assert outcome["outcome"] == "applied", outcome
                    again = push(c, [mine], key)  # the response was "lost": retried
                    assert again == outcome
                    with lock:
                        applied_tokens.append(mark)
                        applied_revs.append(outcome["server_rev"])
                        contested_revs.append(outcome["server_rev"])
                    known = {**mine, "server_rev": outcome["server_rev"]}
                    break
                new = {
                    "id": str(uuid.uuid4()),
                    "kind": "supervision",
                    "subject_id": team[(index + round_) % len(team)],
                    "author_id": None,
                    "template_id": "supervision",
                    "template_version": 1,
                    "answers": {"meeting_date": AS_OF.isoformat(), "workload": mark},
                    "status": "draft",
                    "record_date": AS_OF.isoformat(),
                    "created_at": "2025-11-30T09:00:00+00:00",
                    "updated_at": "2025-11-30T09:00:00+00:00",
                    "deleted": False,
                    "server_rev": None,
                    "base_rev": None,
                }
                created = push(c, [new])
                assert created["outcome"] == "applied", created
                with lock:
                    applied_revs.append(created["server_rev"])
            for c in clients:
                c.close()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"writer {index}: {exc!r}")

    cache: dict[str, int] = {}
    seen: list[int] = []

    def reader() -> None:
        try:
            token = login(bases[-1], hr_user.username)
            clients = [client(base, token) for base in bases]
            cursor, epoch, turn = 0, None, 0
            while True:
                finishing = writers_done.is_set()
                while True:
                    params = {"cursor": cursor, "limit": 50, **({"epoch": epoch} if epoch else {})}
                    read = partial(clients[turn % len(clients)].get, "/sync/pull", params=params)
                    page = patiently(read).json()
                    turn += 1
                    assert page["reset"] is False or cursor == 0
                    for item in page["items"]:
                        assert item["seq"] > cursor, (item["seq"], cursor)
                        seen.append(item["seq"])
                        cache[item["record"]["id"]] = item["record"]["server_rev"]
                    cursor, epoch = page["cursor"], page["epoch"]
                    if not page["more"]:
                        break
                if finishing:
                    break
                time.sleep(0.005)
            for c in clients:
                c.close()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"reader: {exc!r}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    pulling = threading.Thread(target=reader)
    pulling.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    writers_done.set()
    pulling.join(timeout=120)
    assert not errors, errors

    # No lost update: every applied edit of the contested record is in it, once each.
    with Session(engine) as session:
        final = session.get(Record, contested.id)
        assert final is not None
        words = final.answers["workload"].split()
        assert sorted(w for w in words if w.startswith("w")) == sorted(applied_tokens)
        assert len(applied_tokens) == WRITERS * ROUNDS
        assert len(history(session, contested.id)) == 1 + len(applied_tokens)
        # Every number handed out once: none repeated, none wasted.
        last_seq = session.scalar(select(ServerMeta.seq))
        assert len(applied_revs) == len(set(applied_revs)) == 2 * WRITERS * ROUNDS
        assert sorted(applied_revs) == list(range(first_seq + 1, last_seq + 1))
        assert final.server_rev == max(contested_revs)
        # The reader only moved forward, and holds the latest of everything it may see.
        latest = {
            r.id: r.server_rev
            for r in session.scalars(select(Record))
            if r.subject_id != hr_user.employee_id or r.status in shared_states(r.kind)
        }
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert cache == latest
