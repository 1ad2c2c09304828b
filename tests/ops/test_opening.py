"""lcc_apr.ops.opening: a store opened in one worker, waited for by the others."""

from __future__ import annotations

import threading

import pytest

from lcc_apr.ops.opening import Opening


class FakeStore:
    path = "here.db"

    def session(self) -> str:
        return "a session"


def test_readers_wait_until_the_store_is_open_then_use_it():
    store, go = Opening(), threading.Event()
    seen: list[str] = []
    readers = [threading.Thread(target=lambda: seen.append(store.session())) for _ in range(3)]
    for reader in readers:
        reader.start()
    opener = threading.Thread(target=lambda: store.open(lambda: go.wait(5) and FakeStore()))
    opener.start()
    assert not store.is_open and seen == []
    go.set()
    for thread in [opener, *readers]:
        thread.join(5)
    assert store.is_open and seen == ["a session"] * 3
    assert store.path == "here.db"


def test_an_open_that_fails_fails_every_reader_with_its_error():
    store = Opening()

    def opener() -> FakeStore:
        raise OSError("The key is not in the keyring")

    with pytest.raises(OSError, match="keyring"):
        store.open(opener)
    with pytest.raises(OSError, match="keyring"):
        store.session()
    assert not store.is_open


def test_waiting_gives_up_after_its_timeout():
    with pytest.raises(TimeoutError):
        Opening().wait(0.01)
