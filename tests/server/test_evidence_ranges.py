"""The check against the server by ranges (GET /sync/digests, then GET /sync/hashes only
where a range differs; lcc_apr.sync.evidence), on a real server on 127.0.0.1: one changed
hash in a range of every record is found, records missing on either side are found, at
the first and last ids too, and a server without digests is asked for every hash.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from lcc_apr.evidence import range_digest, range_line
from lcc_apr.forms import Catalogue
from lcc_apr.history import purge_records
from lcc_apr.models import Record
from lcc_apr.store import open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.evidence import check_against_server
from lcc_apr.sync.protocol import HASHES_LIMIT
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring
from .test_client_sync import Device

CATALOGUE = Catalogue.load()
FIRST = "00000000-0000-4000-8000-000000000000"  # before every real id
LAST = "ffffffff-ffff-4fff-bfff-ffffffffffff"  # after every real id


class OlderServer(httpx.HTTPTransport):
    """A server from before GET /sync/digests: 404, as FastAPI answers an unknown route."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sync/digests":
            return httpx.Response(404, json={"detail": "Not Found"})
        return super().handle_request(request)


@pytest.fixture
def laptop(tmp_path: Path, live_server):
    made: list[Device] = []

    def make(*, older: bool = False) -> Device:
        ring = MemoryKeyring()
        store = open_store(tmp_path / "a.db", keyring_backend=ring)
        connection = Connection(
            live_server.url,
            tokens=Tokens(ring),
            allow_plain_local=True,
            transport=OlderServer() if older else None,
        )
        connection.login(live_server.people.managers[0].username, "demo")
        engine = SyncEngine(store, connection, CATALOGUE, sleep=lambda s: None)
        made.append(Device(store, connection, engine, ring))
        made[-1].sync()
        return made[-1]

    yield make
    for d in made:
        d.connection.close()
        d.store.close()


class Counting:
    """The laptop's connection, with each GET /sync/hashes noted as (after, upto, rows)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pages: list[tuple[str, str | None, int]] = []

    def digests(self, *, size: int):
        return self.connection.digests(size=size)

    def hashes(self, *, after: str, limit: int, upto: str | None = None):
        page, size = self.connection.hashes(after=after, limit=limit, upto=upto)
        self.pages.append((after, upto, len(page.hashes)))
        return page, size

    def records(self, ids: list[str]):
        return self.connection.records(ids)


def raw(laptop: Device, sql: str, **values) -> None:
    """What someone holding the cache's key could run, outside the app."""
    with laptop.store.session() as s:
        s.execute(text(sql), values)


def synced_ids(laptop: Device) -> list[str]:
    """The laptop's records that are the server's copies, in id order."""
    with laptop.store.session() as s:
        query = select(Record.id).where(Record.local_rev == 0).order_by(Record.id)
        return list(s.scalars(query))


def forge(laptop: Device, rid: str) -> None:
    """A copy changed, its kept hash too (as a careful forger would, to fit the copy)."""
    raw(
        laptop,
        "UPDATE records SET status = 'forged', content_hash = :h WHERE id = :id",
        h="0" * 64,
        id=rid,
    )


def copy_as(laptop: Device, fake: str, rid: str) -> None:
    """A record the server never gave this laptop, made from a real one."""
    raw(
        laptop,
        "INSERT INTO records (id, kind, subject_id, author_id, template_id, template_version, "
        "answers, status, record_date, created_at, updated_at, local_rev, server_rev, dirty, "
        "deleted, history_head, content_hash, hash_rev) SELECT :fake, kind, subject_id, "
        "author_id, template_id, template_version, answers, status, record_date, created_at, "
        "updated_at, 0, server_rev, 0, deleted, history_head, content_hash, hash_rev "
        "FROM records WHERE id = :id",
        fake=fake,
        id=rid,
    )


def test_the_digests_cover_exactly_the_records_the_user_may_see(live_server, laptop):
    device = laptop()
    listed, after, more = [], "", True
    while more:
        page, _ = device.connection.hashes(after=after, limit=7)
        listed += page.hashes
        after, more = (page.hashes[-1][0] if page.hashes else after), page.more
    assert sorted(listed) == listed and len(listed) == len(synced_ids(device)) > 10
    reply = device.connection.digests(size=5)
    assert reply is not None and reply.size == 5
    chunks = [listed[n : n + 5] for n in range(0, len(listed), 5)]
    assert reply.ranges == [
        (
            None if n == len(chunks) - 1 else chunk[-1][0],
            range_digest(range_line(*entry) for entry in chunk),
        )
        for n, chunk in enumerate(chunks)
    ]
    page, _ = device.connection.hashes(after=listed[4][0], upto=listed[9][0], limit=100)
    assert page.hashes == listed[5:10] and not page.more


def test_nothing_new_asks_for_no_hash_and_compares_every_copy(laptop):
    device = laptop()
    server = Counting(device.connection)
    found = check_against_server(device.store, server, size=4)
    assert server.pages == [] and not found.changed
    assert found.checked == len(synced_ids(device))


def test_a_single_changed_hash_in_a_range_of_every_record_is_found(laptop):
    device = laptop()
    ids = synced_ids(device)
    rid = ids[len(ids) // 2]
    forge(device, rid)
    server = Counting(device.connection)
    found = check_against_server(device.store, server, size=HASHES_LIMIT)
    assert [r for _k, r in found.altered] == [rid] and found.checked == len(ids)
    assert server.pages == [("", None, len(ids))]  # the one range, record by record
    assert not check_against_server(device.store, Counting(device.connection)).changed


def test_only_the_ranges_that_differ_are_asked_for(laptop):
    device = laptop()
    ids = synced_ids(device)
    rid = ids[len(ids) // 2]
    forge(device, rid)
    server = Counting(device.connection)
    found = check_against_server(device.store, server, size=4)
    assert [r for _k, r in found.altered] == [rid]
    ((after, upto, rows),) = server.pages
    assert after < rid <= upto and rows == 4


def test_a_copy_changed_under_its_kept_hash_is_found_when_hashed_again(laptop):
    device = laptop()
    rid = synced_ids(device)[0]
    raw(device, "UPDATE records SET status = 'forged' WHERE id = :id", id=rid)
    server = Counting(device.connection)
    found = check_against_server(device.store, server, size=4, rehash=None)
    assert server.pages == []  # its range agrees: the kept hash is the server's...
    assert [r for _k, r in found.altered] == [rid]  # ...and the copy does not make it


def test_edges_changed_hashes_at_the_first_and_last_ids(laptop):
    device = laptop()
    ids = synced_ids(device)
    forge(device, ids[0])
    forge(device, ids[-1])
    found = check_against_server(device.store, Counting(device.connection), size=4)
    assert sorted(r for _k, r in found.altered) == [ids[0], ids[-1]]


def test_records_missing_here_are_found_at_the_edges_and_within(laptop):
    device = laptop()
    ids = synced_ids(device)
    lost = [ids[0], ids[len(ids) // 2], ids[-1]]
    with device.store.session() as s:  # removed without the server's word
        purge_records(s, lost)
    server = Counting(device.connection)
    found = check_against_server(device.store, server, size=4)
    assert sorted(r for _k, r in found.missing) == lost and not found.altered
    assert set(lost) <= set(synced_ids(device))  # taken again
    assert len(server.pages) == 3 and server.pages[0][0] == "" and server.pages[-1][1] is None


def test_records_missing_on_the_server_are_found_before_the_first_id_and_after_the_last(
    laptop,
):
    device = laptop()
    ids = synced_ids(device)
    fakes = [FIRST, LAST, ids[3][:-1] + ("0" if ids[3][-1] != "0" else "1")]
    for fake in fakes:
        copy_as(device, fake, ids[3])
    found = check_against_server(device.store, Counting(device.connection), size=4)
    assert sorted(r for _k, r in found.left) == sorted(fakes) and not found.altered
    assert not set(fakes) & set(synced_ids(device))


def test_an_older_server_is_asked_for_every_hash(laptop):
    device = laptop(older=True)
    assert device.connection.digests(size=4) is None
    ids = synced_ids(device)
    forge(device, ids[-1])
    server = Counting(device.connection)
    found = check_against_server(device.store, server, size=4)
    assert [r for _k, r in found.altered] == [ids[-1]] and found.checked == len(ids)
    assert server.pages == [("", None, len(ids))]
