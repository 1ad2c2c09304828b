"""A first sync's snapshot (lcc_apr/sync/snapshot.py, lcc_apr/server/snapshot.py): the
cache it leaves equals a paged pull's, through resumes, faults and changes made while
it loads; a damaged, short or other-epoch snapshot falls back to the paged pull."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import zstandard
from sqlalchemy import event, func, select, text

from lcc_apr.forms import Catalogue
from lcc_apr.models import Record, RecordKind, SignOff, SyncState, now_utc
from lcc_apr.models.answers import json_of
from lcc_apr.models.patches import packs
from lcc_apr.server import sequence
from lcc_apr.store import open_store
from lcc_apr.sync import engine as engine_module
from lcc_apr.sync import snapshot as snapshots
from lcc_apr.sync.apply import COPY_COLUMNS
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring
from .harness import wire_of

CATALOGUE = Catalogue.load()
PART = 40  # records per part in these tests: the demo's HR sees several parts


class Spy(httpx.HTTPTransport):
    """Passes requests on; `after_part(n, response)` may change a snapshot part's reply."""

    def __init__(self, after_part: Callable[[int, httpx.Response], httpx.Response] | None) -> None:
        super().__init__()
        self.after_part = after_part
        self.parts = self.pulls = 0
        self.afters: list[str] = []  # each part asked for: the id it was to follow

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/sync/pull"):
            self.pulls += 1
        if request.url.path.endswith("/sync/snapshot"):
            self.parts += 1
            self.afters.append(request.url.params["after"])
            if self.after_part is not None:
                response.read()
                return self.after_part(self.parts, response)
        return response


def laptop(
    live_server, tmp_path: Path, username: str, name: str, *, first_snapshot=True, after_part=None
) -> tuple[SyncEngine, Any, Spy]:
    ring = MemoryKeyring()
    store = open_store(tmp_path / f"{name}.db", keyring_backend=ring)
    spy = Spy(after_part)
    connection = Connection(
        live_server.url, tokens=Tokens(ring), allow_plain_local=True, transport=spy
    )
    connection.login(username, "demo")
    engine = SyncEngine(
        store,
        connection,
        CATALOGUE,
        sleep=lambda s: None,
        snapshot_limit=PART,
        first_snapshot=first_snapshot,
    )
    return engine, store, spy


@pytest.fixture
def laptops(live_server, tmp_path):
    made: list[tuple[SyncEngine, Any, Spy]] = []

    def make(username: str, name: str, **kw: Any) -> tuple[SyncEngine, Any, Spy]:
        made.append(laptop(live_server, tmp_path, username, name, **kw))
        return made[-1]

    yield make
    for engine, store, _ in made:
        engine.connection.close()
        store.close()


def cache(store) -> dict[str, Any]:
    """Everything a pull writes: records (every column), sign-offs, the indexes, absence
    episodes, the cursors."""
    with store.engine.connect() as c:
        records = c.execute(text("SELECT * FROM records ORDER BY id")).all()
        signed = c.execute(
            text(
                "SELECT record_id, user_id, role, decision, signed_at, content_hash, covers "
                "FROM sign_offs ORDER BY record_id, signed_at"
            )
        ).all()
        indexes = c.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
        ).all()
        absences = c.execute(
            text(
                "SELECT id, employee_id, first_day, last_day, reason, deleted, server_rev "
                "FROM absences ORDER BY id"
            )
        ).all()
        state = c.execute(
            text(
                "SELECT cursor, epoch, snapshot_at, snapshot_after, deferred_indexes, "
                "absence_cursor, absence_epoch, absence_view FROM sync_state"
            )
        ).one()
    return {
        "records": records,
        "sign_offs": signed,
        "indexes": indexes,
        "absences": absences,
        "state": tuple(state),
    }


def paged(laptops, username: str) -> dict[str, Any]:
    engine, store, spy = laptops(username, f"paged-{username}", first_snapshot=False)
    engine.run()
    assert spy.parts == 0
    return cache(store)


def sign_some(live_server) -> None:
    """The demo has no sign-offs: give a few records one (of people some see, some not)."""
    with live_server.session() as s:
        for record in live_server.records(kind=RecordKind.APR)[:6]:
            s.add(
                SignOff(
                    record_id=record.id,
                    user_id=live_server.people.by_employee(record.subject_id).id,
                    role="employee",
                    decision="agree",
                    signed_at=now_utc().replace(microsecond=0) - timedelta(hours=1),
                    content_hash="0" * 64,
                    covers=sorted(record.answers),
                )
            )


def test_a_first_sync_by_snapshot_leaves_the_cache_a_paged_pull_leaves(live_server, laptops):
    sign_some(live_server)
    for user in (live_server.people.hr[0], live_server.people.managers[0]):
        engine, store, spy = laptops(user.username, f"snap-{user.username}")
        result = engine.run()
        assert spy.parts >= (2 if user is live_server.people.hr[0] else 1)
        assert result.snapshot_problem is None
        got, want = cache(store), paged(laptops, user.username)
        assert got == want
        assert got["state"][2:5] == (None, None, None)  # no load under way, no index set aside
        engine.connection.close()


def test_the_snapshot_carries_only_what_the_user_may_see(live_server):
    sign_some(live_server)
    manager = live_server.people.managers[0]
    signed_in = live_server.login(manager.username)
    reply = signed_in.client.get("/sync/snapshot", params={"limit": 5000})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/vnd.lcc-apr.snapshot")
    part = snapshots.decode(reply.content, after="")
    items, _ = signed_in.pull_all()
    assert {r[0] for r in part.rows} == {i["record"]["id"] for i in items if "record" in i}
    assert part.total == len(part.rows) and part.more is False
    seen = {r[0] for r in part.rows}
    assert all(s["record_id"] in seen for s in part.sign_offs)
    for bad in ({"after": "not-an-id"}, {"limit": 0}):
        assert signed_in.client.get("/sync/snapshot", params=bad).status_code == 422
    assert live_server.client().get("/sync/snapshot").status_code == 401


@pytest.mark.parametrize("fault", ["power cut", "disk full"])
def test_a_load_killed_midway_resumes_with_no_gap_and_no_duplicate(
    live_server, laptops, monkeypatch, fault
):
    hr = live_server.people.hr[0]
    engine, store, spy = laptops(hr.username, "killed")
    real_take, calls = snapshots.take_part, []

    def dies_in_the_third_part(session, state, part, **kw):
        calls.append(part.last)
        taken = real_take(session, state, part, **kw)  # the part is written...
        if len(calls) == 3:  # ...then the process dies before it commits
            if fault == "disk full":  # the disk fills: SQLite's own error, from SQLite
                connection = session.connection()
                connection.exec_driver_sql("PRAGMA max_page_count = 1")
                try:
                    connection.exec_driver_sql("CREATE TABLE filler (x)")
                finally:
                    connection.exec_driver_sql("PRAGMA max_page_count = 1073741823")
            raise RuntimeError(fault)
        return taken

    monkeypatch.setattr(snapshots, "take_part", dies_in_the_third_part)
    with pytest.raises(Exception):  # noqa: B017 (the fault itself, whatever its class)
        engine.run()
    half = cache(store)
    assert len(half["records"]) == 2 * PART  # two whole parts, nothing of the third
    assert half["state"][0:2] == (0, None)  # never read as complete: the cursor has not moved
    assert half["state"][3] == calls[1]
    assert half["state"][4]  # the indexes are still set aside
    monkeypatch.setattr(snapshots, "take_part", real_take)
    spy.afters.clear()
    engine.run()
    assert calls[1] in spy.afters and "" not in spy.afters  # resumed, not restarted
    resumed = spy.afters[spy.afters.index(calls[1]) :]  # (a part asked before may still land)
    assert len(resumed) == len(set(resumed))
    assert cache(store) == paged(laptops, hr.username)


def test_changes_made_on_the_server_while_the_parts_come_arrive_after(live_server, laptops):
    hr = live_server.people.hr[0]
    hr_self = hr.employee_id
    records = [
        r
        for r in live_server.records(kind=RecordKind.SUPERVISION, status="draft")
        if r.subject_id != hr_self
    ]
    early, late = min(records, key=lambda r: r.id), max(records, key=lambda r: r.id)

    def edit_between_parts(n: int, response: httpx.Response) -> httpx.Response:
        if n == 2:  # the first part is here; someone edits a record it held, and a later one
            for target in (early, late):
                boss = live_server.people.manager_of(target.subject_id)
                manager = live_server.login(boss.username)
                change = wire_of(target, answers={"workload": f"Changed while HR loaded {n}"})
                assert manager.push([change]).json()["results"][0]["outcome"] == "applied"
        return response

    engine, store, spy = laptops(hr.username, "moving", after_part=edit_between_parts)
    engine.run()
    assert spy.pulls >= 1
    got = cache(store)
    assert got == paged(laptops, hr.username)
    answers = {r.id: json_of(r.answers) for r in got["records"] if r.id in (early.id, late.id)}
    assert all(b"Changed while HR loaded" in a for a in answers.values())


def damage(kind: str) -> Callable[[int, httpx.Response], httpx.Response]:
    def change(n: int, response: httpx.Response) -> httpx.Response:
        body = response.content
        if n == 2 and kind == "flipped":
            body = body[:200] + bytes([body[200] ^ 0xFF]) + body[201:]
        elif n == 2 and kind == "short":
            body = body[: len(body) // 2]
        elif kind == "not offered":
            return httpx.Response(404, json={"detail": "Not Found"})
        elif n == 2 and kind == "unreadable answers":  # whole, but one record's JSON broken
            raw = zstandard.ZstdDecompressor().decompress(body)
            (size,) = snapshots.HEAD.unpack_from(raw)
            start = snapshots.HEAD.size + size
            body = zstandard.ZstdCompressor().compress(
                raw[:start] + raw[start:].replace(b'":', b'"!', 1)
            )
        elif n == 2 and kind == "foreign":
            body = zstandard.ZstdCompressor().compress(b'{"records": "not these"}')
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, content=body)

    return change


@pytest.mark.parametrize(
    "kind", ["flipped", "short", "not offered", "foreign", "unreadable answers"]
)
def test_a_damaged_or_missing_snapshot_falls_back_to_the_paged_pull(live_server, laptops, kind):
    hr = live_server.people.hr[0]
    engine, store, spy = laptops(hr.username, "damaged", after_part=damage(kind))
    result = engine.run()
    assert result.snapshot_problem
    assert spy.pulls >= 1
    assert cache(store) == paged(laptops, hr.username)


def test_a_snapshot_from_another_epoch_falls_back_and_checks_every_copy(live_server, laptops):
    hr = live_server.people.hr[0]

    def restored_between_parts(n: int, response: httpx.Response) -> httpx.Response:
        if n == 2:
            with live_server.session() as s:
                sequence.new_epoch(s)
        return response

    engine, store, spy = laptops(hr.username, "epoch", after_part=restored_between_parts)
    result = engine.run()
    assert "restored" in (result.snapshot_problem or "")
    assert cache(store) == paged(laptops, hr.username)


def test_the_window_keeps_its_cache_readable_while_a_load_is_under_way(live_server, laptops):
    """Queries that name an index (management information) still run while the indexes are
    set aside: the load is stopped after a part and the cache is read as the app reads it."""
    hr = live_server.people.hr[0]
    cancel = threading.Event()
    engine, store, _ = laptops(hr.username, "reading")
    engine.on_progress = lambda p: cancel.set() if p.records >= PART else None
    with pytest.raises(engine_module.Cancelled):
        engine.run(cancel)
    from lcc_apr.mi import facts

    with store.session() as s:
        assert s.get(SyncState, 1).deferred_indexes
        assert facts.gather(s).supervisions  # read without the indexes it names


def test_indexes_are_set_aside_only_for_a_snapshot_of_several_parts(
    live_server, laptops, monkeypatch
):
    """Dropping and making again a dozen indexes costs more than it saves on one part."""
    set_aside = []
    real = snapshots.set_indexes_aside
    monkeypatch.setattr(
        snapshots, "set_indexes_aside", lambda s, state: (set_aside.append(1), real(s, state))
    )
    manager, hr = live_server.people.managers[0], live_server.people.hr[0]
    engine, store, spy = laptops(manager.username, "one-part")
    engine.snapshot_limit = 5000
    engine.run()
    assert spy.parts == 1 and set_aside == []
    engine, store, spy = laptops(hr.username, "several")
    engine.run()
    assert spy.parts > 1 and set_aside == [1]
    assert cache(store) == paged(laptops, hr.username)


def test_a_part_of_a_few_records_far_apart_is_looked_up_by_id(live_server, laptops):
    """The records HR's ready-made cache leaves out come as a part of a few records whose
    ids span the whole table: looked up by id, not by range, and each taken once."""
    hr = live_server.people.hr[0]
    engine, store, _spy = laptops(hr.username, "few")
    engine.run()
    seen: list[str] = []
    with store.session() as s:
        ids = sorted(s.scalars(select(Record.id)))
        few = [ids[0], ids[len(ids) // 2], ids[-1]]
        rows = s.execute(
            text(f"SELECT {', '.join(COPY_COLUMNS)} FROM records WHERE id IN (:a, :b, :c)"),
            dict(zip("abc", few, strict=True)),
        ).all()
        s.execute(text("DELETE FROM records WHERE id = :b"), {"b": few[1]})
        state = s.get(SyncState, 1)
        state.snapshot_at, state.snapshot_epoch = 1, state.epoch
        part = snapshots.Part(
            epoch=state.epoch,
            at=1,
            more=False,
            total=3,
            rows=sorted(tuple(r) for r in rows),
            sign_offs=[],
            packed=packs(s.get_bind().dialect),
        )
        bind = s.connection().engine

        def statement(*args: Any) -> None:
            seen.append(args[2])

        event.listen(bind, "before_cursor_execute", statement)
        try:
            assert snapshots.take_part(s, state, part, at=now_utc()) == 1  # the one not held
        finally:
            event.remove(bind, "before_cursor_execute", statement)
    looked_up = [sql for sql in seen if sql.startswith("SELECT records.id")]
    assert looked_up and all("IN" in sql and "BETWEEN" not in sql for sql in looked_up)
    with store.session() as s:
        assert s.scalar(select(func.count(Record.id))) == len(ids)
