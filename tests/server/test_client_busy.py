"""A laptop facing a busy server (429, 503 with Retry-After) waits as it is told, tries
again a few times, then says the server is busy; nothing it was sending is lost.

The busy answers come from a transport in front of the real server (tests/server/
conftest.py); the laptop is an encrypted store synced only through SyncEngine.run().
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lcc_apr.forms import Catalogue
from lcc_apr.history import update_record
from lcc_apr.models import PushBatch, Record, RecordKind, now_utc
from lcc_apr.store import open_store
from lcc_apr.sync.engine import BUSY_WAIT_MOST, SyncEngine
from lcc_apr.sync.errors import Cancelled, ServerBusy
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring
from .harness import LiveServer

BUSY_BODY = {"detail": "The server is busy.", "code": "busy", "retry_after": 4}


class BusyPushes(httpx.HTTPTransport):
    """Answers the next `left` pushes busy (without passing them on), then lets them by."""

    def __init__(self, status: int = 429, retry_after: str = "4") -> None:
        super().__init__()
        self.status, self.retry_after = status, retry_after
        self.left = 0
        self.answered = 0
        self.on_busy = lambda: None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sync/push" and self.left > 0:
            self.left -= 1
            self.answered += 1
            self.on_busy()
            headers = {"Retry-After": self.retry_after}
            return httpx.Response(self.status, json=BUSY_BODY, headers=headers)
        return super().handle_request(request)


class Laptop:
    def __init__(self, server: LiveServer, folder: Path, transport: BusyPushes) -> None:
        plain = {u.employee_id for u in server.people.employees}
        drafts = server.records(kind=RecordKind.SUPERVISION, status="draft")
        self.record_id = next(r.id for r in drafts if r.subject_id in plain)
        subject = next(r.subject_id for r in drafts if r.id == self.record_id)
        self.server, self.waits = server, []
        self.store = open_store(folder / "laptop.db", keyring_backend=MemoryKeyring())
        self.connection = Connection(
            server.url, tokens=Tokens(None), allow_plain_local=True, transport=transport
        )
        self.connection.login(server.people.manager_of(subject).username, "demo")
        self.engine = SyncEngine(
            self.store, self.connection, Catalogue.load(), sleep=self.waits.append
        )

    def edit(self, workload: str) -> None:
        with self.store.session() as s:
            record = s.get(Record, self.record_id)
            user = self.connection.user
            assert record is not None and user is not None
            update_record(s, record, user_id=user.id, at=now_utc(), answers={"workload": workload})

    def waiting(self) -> tuple[bool, int]:
        """(the record is still to be sent, batches kept for sending)"""
        with self.store.session() as s:
            record = s.get(Record, self.record_id)
            assert record is not None
            return record.dirty, s.scalar(select(func.count()).select_from(PushBatch)) or 0

    def on_server(self) -> str | None:
        (record,) = self.server.records(id=self.record_id)
        return record.answers.get("workload")

    def close(self) -> None:
        self.connection.close()
        self.store.close()


@pytest.fixture
def laptop(live_server: LiveServer, tmp_path: Path):
    made: list[Laptop] = []

    def make(transport: BusyPushes) -> Laptop:
        made.append(Laptop(live_server, tmp_path, transport))
        made[-1].engine.run()
        return made[-1]

    yield make
    for one in made:
        one.close()


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_server_is_waited_for_as_it_asks_and_the_edit_arrives(laptop, status):
    busy = BusyPushes(status, retry_after="4")
    device = laptop(busy)
    device.edit("Sent once the server had room")
    busy.left = 2
    result = device.engine.run()
    assert busy.answered == 2 and result.sent == 1
    assert len(device.waits) == 2 and all(4 <= w <= 6 for w in device.waits)
    assert device.on_server() == "Sent once the server had room"
    assert device.waiting() == (False, 0)


def test_a_server_still_busy_after_the_retries_is_said_and_nothing_is_lost(laptop):
    busy = BusyPushes(retry_after="600")  # more than the laptop ever waits
    device = laptop(busy)
    device.edit("Kept until the server has room")
    busy.left = 100
    with pytest.raises(ServerBusy, match="busy.*nothing was lost"):
        device.engine.run()
    assert device.waits == [BUSY_WAIT_MOST] * 4  # 120 s of patience, then it says so
    assert busy.answered == 5
    assert device.waiting() == (True, 1) and device.on_server() != "Kept until the server has room"
    busy.left = 0
    assert device.engine.run().sent == 1
    assert device.on_server() == "Kept until the server has room"
    assert device.waiting() == (False, 0)


class RecordedCancel(threading.Event):
    """A cancel event that notes each wait on it (and never really waits)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_a_wait_for_a_busy_server_ends_when_sync_is_cancelled(laptop):
    busy = BusyPushes(retry_after="20")
    device = laptop(busy)
    device.engine.sleep = None  # the real wait: on the cancel event
    device.edit("Sent at the next sync")
    cancel = RecordedCancel()
    busy.left, busy.on_busy = 1, cancel.set  # the person cancels while the server is busy
    with pytest.raises(Cancelled):
        device.engine.run(cancel)
    assert len(cancel.waits) == 1 and 20 <= (cancel.waits[0] or 0) <= 30
    assert device.waiting() == (True, 1)


def test_retry_after_may_be_a_date_and_a_plain_503_is_no_busy_answer():
    from lcc_apr.sync import transport

    assert transport._retry_after("7") == 7
    assert transport._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # long past
    assert transport._retry_after("soon") is None
    plain = httpx.Response(503, text="<html>Service Unavailable</html>")
    assert not isinstance(transport._refusal(plain), ServerBusy)
    assert isinstance(transport._refusal(httpx.Response(429)), ServerBusy)
