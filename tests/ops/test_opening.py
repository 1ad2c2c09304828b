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


class FakeSession:
    def __init__(self, store) -> None:
        self.store, self.connection, self.signer, self.closed = store, "connection", "signer", 0

    def close(self) -> None:
        self.closed += 1


def test_a_later_session_opens_its_cache_then_the_rest():
    from lcc_apr.ops.opening import LaterSession

    later = LaterSession({"id": 7, "display_name": "Sam Smith"})
    assert later.user["display_name"] == "Sam Smith" and not later.store.is_open
    store = FakeStore()
    assert later.open(lambda: store) is store
    assert later.store.session() == "a session" and not later.connection.done.is_set()
    session = later.connect(FakeSession)
    assert session.store is store
    assert later.connection.wait() == "connection" and later.signer.wait() == "signer"
    later.close()
    assert session.closed == 1


def test_a_later_session_that_cannot_open_fails_every_part_so_nobody_waits_for_ever():
    from lcc_apr.ops.opening import LaterSession

    later = LaterSession({})

    def opener() -> FakeStore:
        raise OSError("The key is not in the keyring")

    with pytest.raises(OSError, match="keyring"):
        later.open(opener)
    for part in (later.store, later.connection, later.signer):
        with pytest.raises(OSError, match="keyring"):
            part.wait(1)
    later.close()  # nothing was opened: nothing to close


def test_a_later_session_whose_rest_cannot_be_made_keeps_its_cache_to_close():
    from lcc_apr.ops.opening import LaterSession

    closed = []
    store = FakeStore()
    store.close = lambda: closed.append("store")  # type: ignore[attr-defined]
    later = LaterSession({})
    later.open(lambda: store)

    def maker(_store):
        raise ValueError("The server address must start with https://")

    with pytest.raises(ValueError, match="https"):
        later.connect(maker)
    with pytest.raises(ValueError, match="https"):
        later.connection.wait(1)
    assert later.store.wait(1) is store
    later.close()
    assert closed == ["store"]
