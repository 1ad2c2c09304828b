"""The snapshot's three-step stream (lcc_apr.sync.snapshot_stream), with parts made here."""

from __future__ import annotations

import threading
import time
import uuid

import orjson
import pytest
import zstandard

from lcc_apr.sync.errors import Cancelled, NetworkError, SnapshotRefused
from lcc_apr.sync.protocol import SNAPSHOT_COLUMNS
from lcc_apr.sync.snapshot import HEAD
from lcc_apr.sync.snapshot_stream import AHEAD, PartStream

IDS = sorted(str(uuid.UUID(int=n * 7919 + 1)) for n in range(12))
PER_PART = 3


def part_bytes(after: str) -> bytes:
    """The part after `after` of a snapshot of IDS, PER_PART records a part."""
    ids = [i for i in IDS if i > after][:PER_PART]
    answers = [orjson.dumps({"n": n}) for n, _ in enumerate(ids)]
    made = "2026-01-02 03:04:05.000000"
    head = {
        "epoch": "e1",
        "at": 9,
        "after": after,
        "more": ids[-1] != IDS[-1],
        "total": len(IDS) if not after else None,
        "columns": SNAPSHOT_COLUMNS,
        "records": [
            [i, "supervision", 1, 2, "supervision", 1, len(a), "completed", "2026-01-02"]
            + [made, made, False, 5]
            for i, a in zip(ids, answers, strict=True)
        ],
        "sign_offs": [],
    }
    data = orjson.dumps(head)
    return zstandard.ZstdCompressor().compress(b"".join([HEAD.pack(len(data)), data, *answers]))


def read_all(stream: PartStream, cancel=lambda: None) -> list[str]:
    got = []
    try:
        while True:
            part, size = stream.next(cancel)
            assert size > 0
            got += [r[0] for r in part.rows]
            if not part.more:
                return got
    finally:
        stream.close()


def test_every_part_arrives_once_in_order():
    asked = []

    def fetch(after: str) -> bytes:
        asked.append(after)
        return part_bytes(after)

    assert read_all(PartStream(fetch, "", packed=False)) == IDS
    assert asked == ["", IDS[2], IDS[5], IDS[8]]


def test_a_fault_reaches_the_reader_after_the_parts_before_it():
    def fetch(after: str) -> bytes:
        if after == IDS[5]:
            raise NetworkError("the connection dropped")
        return part_bytes(after)

    stream, got = PartStream(fetch, "", packed=False), []
    with pytest.raises(NetworkError):
        while True:
            part, _ = stream.next(lambda: None)
            got += [r[0] for r in part.rows]
    stream.close()
    assert got == IDS[:6]


def test_a_part_that_does_not_fit_is_refused_in_its_place():
    def fetch(after: str) -> bytes:
        data = part_bytes(after)
        return data[: len(data) // 2] if after == IDS[2] else data

    stream = PartStream(fetch, "", packed=False)
    first, _ = stream.next(lambda: None)
    assert [r[0] for r in first.rows] == IDS[:3]
    with pytest.raises(SnapshotRefused):
        stream.next(lambda: None)
    stream.close()


def test_the_server_runs_ahead_by_at_most_a_few_parts_and_stops_when_closed():
    asked = []

    def fetch(after: str) -> bytes:
        asked.append(after)
        return part_bytes(after)

    stream = PartStream(fetch, "", packed=False)
    time.sleep(0.5)  # the reader writes nothing yet: the stream waits, it does not run on
    assert len(asked) <= AHEAD + 1
    stream.close()
    time.sleep(0.3)
    count = len(asked)
    time.sleep(0.3)
    assert len(asked) == count


def test_cancel_stops_the_wait_for_a_slow_server():
    release = threading.Event()

    def fetch(after: str) -> bytes:
        release.wait(5)
        return part_bytes(after)

    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()

    def check():
        if cancel.is_set():
            raise Cancelled()

    started = time.perf_counter()
    with pytest.raises(Cancelled):
        read_all(PartStream(fetch, "", packed=False), check)
    assert time.perf_counter() - started < 2
    release.set()
