"""Under load the server says "busy, try again" (429, 503 with Retry-After), never 500.

Beyond `max_in_flight` requests in one worker, the next is answered 429 at once
without touching the database; a database that stayed busy past its waits (no
pooled connection in time, SQLite locked) is a 503. Each answer is an ErrorReply
with `code: busy` and `retry_after`, and the OpenAPI document names both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from lcc_apr.models import RecordKind
from lcc_apr.server import create_app
from lcc_apr.server import db as server_db
from lcc_apr.server.busy import MOST_RETRY_AFTER, Busy, database_busy
from lcc_apr.server.db import make_engine
from lcc_apr.sync.protocol import PROTOCOL, PROTOCOL_HEADER, ErrorReply, read

from .harness import LiveServer, ThreadedUvicorn, server_settings, wire_of


@contextmanager
def serving(app: FastAPI) -> Iterator[httpx.Client]:
    runner = ThreadedUvicorn(app)
    url = runner.start()
    try:
        with httpx.Client(base_url=url, headers={PROTOCOL_HEADER: str(PROTOCOL)}) as client:
            yield client
    finally:
        runner.stop()


def assert_busy(reply: httpx.Response, status: int, least: int, most: int | None = None) -> None:
    """A busy answer asking to wait from `least` to `most` seconds (header and body agree)."""
    assert reply.status_code == status, reply.text
    error = read(ErrorReply, reply.content)
    assert error.code == "busy" and error.retry_after is not None
    assert least <= error.retry_after <= (most or least)
    assert reply.headers["Retry-After"] == str(error.retry_after)
    assert "busy" in error.detail and "Traceback" not in reply.text


def test_beyond_the_requests_in_flight_the_next_gets_429_without_touching_the_database(
    live_server: LiveServer,
):
    settings = server_settings(
        live_server.settings.database_url, max_in_flight=1, busy_retry_seconds=7
    )
    app = create_app(settings, live_server.engine)
    entered, release = threading.Event(), threading.Event()

    @app.get("/hold")
    def hold() -> dict[str, str]:
        entered.set()
        release.wait(timeout=30)
        return {"held": "yes"}

    checkouts: list[object] = []
    event.listen(live_server.engine, "checkout", lambda *args: checkouts.append(args))
    with serving(app) as client:
        held: list[httpx.Response] = []
        first = threading.Thread(target=lambda: held.append(client.get("/hold")))
        first.start()
        assert entered.wait(timeout=30)
        before = len(checkouts)
        assert_busy(client.get("/version"), 429, 7, 11)  # spread: up to half as much again
        assert len(checkouts) == before  # answered before any database work
        release.set()
        first.join(timeout=30)
        assert held[0].status_code == 200
        assert client.get("/version").status_code == 200  # the place is free again


def test_no_pooled_connection_in_time_is_a_503_not_a_500(live_server: LiveServer):
    url = live_server.settings.database_url
    engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    app = create_app(server_settings(url, busy_retry_seconds=3), engine)
    try:
        with serving(app) as client:
            taken = engine.connect()  # the pool's only connection
            try:
                assert_busy(client.get("/version"), 503, 3)
            finally:
                taken.close()
            assert client.get("/version").status_code == 200
    finally:
        engine.dispose()


def test_sqlite_locked_past_its_wait_is_a_503_and_the_push_is_not_applied(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    if live_server.backend != "sqlite":
        pytest.skip("SQLite's own lock")
    monkeypatch.setattr(server_db, "SQLITE_BUSY_SECONDS", 0)  # give up at once
    url = live_server.settings.database_url
    engine = make_engine(url)
    app = create_app(server_settings(url), engine)
    plain = {u.employee_id for u in live_server.people.employees}
    record = next(
        r
        for r in live_server.records(kind=RecordKind.SUPERVISION, status="draft")
        if r.subject_id in plain
    )
    wire = wire_of(record, answers={"workload": "Written while the database was locked."})
    signed_in = live_server.login(live_server.people.manager_of(record.subject_id).username)
    body = {"key": "b2f0c1de-0000-4000-8000-000000000001", "records": [wire]}
    try:
        with serving(app) as client:
            headers = {"Authorization": signed_in.client.headers["Authorization"]}
            locker = sqlite3.connect(url.removeprefix("sqlite:///"))
            try:
                locker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
                assert_busy(client.post("/sync/push", json=body, headers=headers), 503, 2)
            finally:
                locker.rollback()
                locker.close()
            assert live_server.records(id=record.id)[0].server_rev == record.server_rev
            again = client.post("/sync/push", json=body, headers=headers)
            assert again.status_code == 200, again.text
            assert again.json()["results"][0]["outcome"] == "applied"
    finally:
        engine.dispose()


def test_only_a_busy_database_is_taken_for_busy():
    locked = OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
    broken = OperationalError("SELECT x", {}, sqlite3.OperationalError("no such table: x"))
    assert database_busy(locked)
    assert database_busy(ExceptionGroup("in a task group", [ValueError(), locked]))
    assert not database_busy(broken) and not database_busy(RuntimeError("database is locked"))


def test_429_and_503_are_documented_everywhere_with_retry_after(live_server: LiveServer):
    with httpx.Client(base_url=live_server.url) as bare:
        spec = bare.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ("429", "503"):
                answer = operation["responses"].get(status)
                assert answer is not None, (method, path, status)
                assert "Retry-After" in answer["headers"], (method, path, status)
    assert "busy" in spec["paths"]["/sync/push"]["post"]["responses"]["503"]["description"]


def test_retry_after_grows_while_many_are_turned_away_and_falls_back_after():
    async def app(scope, receive, send) -> None:
        pass

    busy = Busy(app, most=1, retry_after=2)
    waits = [busy.wait]
    for turned_away in (40, 40, 40, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0):
        busy.let_in, busy.turned_away = 10, turned_away
        busy.second -= 1  # a second has gone by
        busy._follow_load()
        waits.append(busy.wait)
    rising, falling = waits[:5], waits[4:]
    assert rising == sorted(rising) and rising[-1] > 2 * rising[0]
    assert falling == sorted(falling, reverse=True) and falling[-1] == 2
    assert all(w <= MOST_RETRY_AFTER for w in waits)
