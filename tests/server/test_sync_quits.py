"""Defect 5: quitting during a first sync stops it at the next page, even while the next
page is still on its way from a slow server, and keeps what was applied."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sqlalchemy import func, select

from lcc_apr.forms import Catalogue
from lcc_apr.models import Record
from lcc_apr.store import open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.errors import Cancelled
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring

CATALOGUE = Catalogue.load()


class SlowAfter(httpx.HTTPTransport):
    """Pull pages after the first `fast` ones hang until released (a slow server)."""

    def __init__(self, fast: int) -> None:
        super().__init__()
        self.fast, self.pulls = fast, 0
        self.release = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(("/sync/pull", "/sync/snapshot")):
            self.pulls += 1
            if self.pulls > self.fast:
                self.release.wait(30)
        return super().handle_request(request)


@pytest.mark.parametrize("first_snapshot", [False, True], ids=["paged", "snapshot"])
def test_a_cancel_during_a_slow_pull_ends_the_sync_within_two_seconds(
    live_server, tmp_path, first_snapshot
):
    hr = live_server.people.hr[0]
    ring = MemoryKeyring()
    store = open_store(tmp_path / "hr.db", keyring_backend=ring)
    slow = SlowAfter(fast=2)
    connection = Connection(
        live_server.url, tokens=Tokens(ring), allow_plain_local=True, transport=slow
    )
    connection.login(hr.username, "demo")
    received = threading.Event()
    engine = SyncEngine(
        store,
        connection,
        CATALOGUE,
        page_limit=10,
        snapshot_limit=10,
        first_snapshot=first_snapshot,
        on_progress=lambda p: received.set() if p.records >= 20 else None,
    )
    outcome: list[BaseException | None] = []
    cancel = threading.Event()

    def run() -> None:
        try:
            engine.run(cancel)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert received.wait(30)
        time.sleep(0.2)  # the third page is now hanging on the server
        quit_at = time.monotonic()
        cancel.set()
        worker.join(5)
        took = time.monotonic() - quit_at
        assert not worker.is_alive() and took < 2, took
        assert isinstance(outcome[0], Cancelled)
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Record)) == 20  # kept
        slow.release.set()
        engine.run()  # and the next sync goes on from there
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Record)) > 20
    finally:
        slow.release.set()
        worker.join(30)
        connection.close()
        store.close()
