"""HR's first sync from a ready-made cache (lcc_apr/server/ready_cache.py, lcc_apr/sync/
ready_cache.py): the cache it leaves equals a paged pull's; it is offered only to HR, never
stale, purged or from another epoch; a download cut short resumes where it stopped; a damaged
file or a load stopped midway leaves the cache as it was and the sync still ends complete."""

from __future__ import annotations

import errno
import threading
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select

from lcc_apr.models import Absence, Role, SyncState
from lcc_apr.server import ready_cache as server_side
from lcc_apr.server import sequence
from lcc_apr.server.scope import Viewer
from lcc_apr.store import migrate
from lcc_apr.sync import ready_cache as laptop_side
from lcc_apr.sync import snapshot as snapshots
from lcc_apr.sync.engine import Cancelled
from lcc_apr.sync.transport import Connection, NetworkError

from . import test_snapshot
from .test_snapshot import PART, cache, paged, sign_some

laptops = test_snapshot.laptops  # the fixture: laptops signed in to the live server

ROUTE = "/sync/ready-cache"


def build(live_server) -> server_side.Offer:
    return server_side.build(live_server.settings, live_server.engine, limit=PART)


class Cut(httpx.HTTPTransport):
    """The first download of the file stops after `keep` bytes (a dropped connection)."""

    def __init__(self, keep: int | None) -> None:
        super().__init__()
        self.keep, self.ranges, self.parts_for, self.absences = keep, [], [], []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "GET" and request.url.path == "/absences":
            self.absences.append(request.url.params.get("cursor"))
        if request.url.path.endswith("/sync/snapshot"):
            self.parts_for.append(request.url.params.get_list("subjects"))
        if request.url.path.startswith(ROUTE + "/"):
            self.ranges.append(request.headers.get("range"))
            if self.keep is not None:
                body, keep = response.read(), self.keep
                self.keep = None
                return httpx.Response(
                    response.status_code, headers=response.headers, stream=Broken(body[:keep])
                )
        return response


class Broken(httpx.SyncByteStream):
    def __init__(self, head: bytes) -> None:
        self.head = head

    def __iter__(self):
        yield self.head
        raise httpx.ReadError("connection dropped")


def hr_laptop(laptops, live_server, name: str, keep: int | None = None):
    hr = live_server.people.hr[0]
    engine, store, spy = laptops(hr.username, name)
    cut = Cut(keep)
    engine.connection._http._transport = cut  # noqa: SLF001 (the test's network)
    return engine, store, cut


def test_hr_starts_from_the_ready_made_cache_and_ends_as_a_paged_pull(live_server, laptops):
    sign_some(live_server)
    offer = build(live_server)
    hr = live_server.people.hr[0]
    assert hr.employee_id in offer.excluded and offer.records > PART
    engine, store, cut = hr_laptop(laptops, live_server, "ready")
    result = engine.run()
    assert result.snapshot_problem is None and result.snapshot_taken
    assert cut.ranges == ["bytes=0-"]  # the file, once
    # the absence episodes came in the file, with their cursor: only what changed since asked
    assert len(cut.absences) == 1 and int(cut.absences[0]) > 0
    with store.session() as s:
        assert s.scalar(select(func.count(Absence.id))) > 0
    assert cut.parts_for and all(p == [str(e) for e in offer.excluded] for p in cut.parts_for)
    assert not laptop_side.file_of(store).exists()  # the download is gone once loaded
    assert store.integrity_problems() == []  # as `lcc-apr check` reads it
    assert cache(store) == paged(laptops, hr.username)


def test_it_is_offered_only_to_hr_and_never_stale_purged_or_of_another_epoch(live_server):
    offer = build(live_server)
    revision = {"revision": migrate.head()}
    manager = live_server.login(live_server.people.managers[0].username)
    assert manager.client.get(ROUTE, params=revision).status_code == 404
    assert manager.client.get(f"{ROUTE}/{offer.id}", params=revision).status_code == 404
    hr = live_server.login(live_server.people.hr[0].username)
    reply = hr.client.get(ROUTE, params=revision)
    assert reply.status_code == 200 and reply.json()["key"] == offer.key
    assert hr.client.get(ROUTE, params={"revision": "0001"}).status_code == 404
    part = hr.client.get(f"{ROUTE}/{offer.id}", params=revision, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and len(part.content) == 10
    with live_server.session() as s:  # someone made HR after it was built: their own records
        newcomer = Viewer(0, max(offer.excluded) + 10_000, frozenset({Role.HR}))
        assert server_side.offer(s, live_server.settings, newcomer, migrate.head()) is None
    ledger = live_server.settings.purge_ledger()
    ledger.write_text('{"record_id": "purged"}\n')  # a purge since it was built
    assert hr.client.get(ROUTE, params=revision).status_code == 404
    with live_server.session() as s:
        assert server_side.stale(s, live_server.settings) == "records were purged"
    ledger.unlink()
    assert hr.client.get(ROUTE, params=revision).status_code == 200
    with live_server.session() as s:
        sequence.new_epoch(s)
    assert hr.client.get(ROUTE, params=revision).status_code == 404


def test_a_download_cut_short_resumes_where_it_stopped(live_server, laptops):
    offer = build(live_server)
    engine, store, cut = hr_laptop(laptops, live_server, "cut", keep=offer.size // 3)
    result = engine.run()
    assert result.snapshot_problem is None
    assert cut.ranges == ["bytes=0-", f"bytes={offer.size // 3}-"]  # resumed, not restarted
    assert cache(store) == paged(laptops, live_server.people.hr[0].username)


def test_a_laptop_closed_midway_through_the_copy_loses_nothing_and_loads_next_time(
    live_server, laptops, monkeypatch
):
    build(live_server)
    engine, store, cut = hr_laptop(laptops, live_server, "closed")
    cancel = threading.Event()
    engine.on_progress = lambda p: cancel.set() if p.stage == "loading" else None
    with pytest.raises(Cancelled):
        engine.run(cancel)
    before = cache(store)
    assert before["records"] == [] and before["state"][0] == 0  # as it was: nothing half-read
    with store.session() as s:
        assert s.get(SyncState, 1).snapshot_ready  # the download is kept (encrypted) to load
    assert laptop_side.file_of(store).exists()
    engine.on_progress = lambda p: None
    result = engine.run()
    assert result.snapshot_taken and cut.ranges == ["bytes=0-"]  # not downloaded again
    assert cache(store) == paged(laptops, live_server.people.hr[0].username)


@pytest.mark.parametrize(
    "fault", ["damaged", "another epoch", "not offered", "disk full", "server failing"]
)
def test_a_ready_made_cache_that_cannot_be_used_falls_back_to_the_parts(
    live_server, laptops, monkeypatch, fault
):
    offer = build(live_server)
    path = server_side.path_of(live_server.settings, offer)
    if fault == "damaged":  # one byte changed on the way: the file's hash no longer holds
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif fault == "another epoch":
        with live_server.session() as s:
            sequence.new_epoch(s)
    elif fault == "not offered":
        server_side.remove(live_server.settings)
    elif fault == "server failing":  # its answer about the ready-made cache: a 500

        def failing(self, revision):
            raise NetworkError("The server had a problem; nothing was lost.")

        monkeypatch.setattr(Connection, "ready_cache", failing)
    else:  # the disk fills while the file comes

        def fills(self, offer, revision, into, got):
            into.write(b"x" * 1000)
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(Connection, "ready_cache_file", fills)
    engine, store, cut = hr_laptop(laptops, live_server, "fallback")
    parts = []
    real = snapshots.take_part
    monkeypatch.setattr(snapshots, "take_part", lambda *a, **k: parts.append(1) or real(*a, **k))
    result = engine.run()
    assert result.snapshot_taken and result.snapshot_problem is None
    assert len(parts) > 1 and not laptop_side.file_of(store).exists()
    assert cut.ranges == (["bytes=0-"] if fault == "damaged" else [])
    assert cache(store) == paged(laptops, live_server.people.hr[0].username)


def test_a_stale_one_is_built_again_and_the_old_file_removed(live_server):
    first = build(live_server)
    with live_server.session() as s:
        assert server_side.stale(s, live_server.settings) is None
    moved = replace(first, at=first.at - server_side.STALE_CHANGES - first.records)
    server_side._write_meta(server_side.folder(live_server.settings), moved)  # noqa: SLF001
    assert "changes since" in server_side.build_if_stale(live_server.settings, live_server.engine)
    second = server_side.current(server_side.folder(live_server.settings))
    assert second is not None and second.id != first.id
    assert not server_side.path_of(live_server.settings, first).exists()
    assert server_side.build_if_stale(live_server.settings, live_server.engine) is None


def test_one_build_at_a_time(live_server):
    where = server_side.folder(live_server.settings)
    where.mkdir(parents=True, exist_ok=True)
    with server_side._only_one(where / "building.lock") as mine:  # noqa: SLF001 (another)
        assert mine
        with pytest.raises(server_side.Busy):
            build(live_server)
        assert server_side.build_if_stale(live_server.settings, live_server.engine) is None
    assert build(live_server).records > 0
