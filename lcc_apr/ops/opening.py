"""What is still being opened in a worker, handed to the window before it is open.

The window and its pages' frames show at once; their read tasks wait here, on their
worker threads, until the opening worker is done, then run on what it opened (or fail
with its error). The UI thread never calls it: the UI never queries the store itself.
An `Opening` stands in for what it opens (a `Store`, a connection) everywhere one is
passed: every attribute is the opened one's. `LaterSession` is a later start's session
(lcc_apr.launch.Session) made of them: the main window shows before the cache is open.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:  # the store (SQLAlchemy, the keyring) loads in the opening worker
    from lcc_apr.launch import Session
    from lcc_apr.signing.identity import Signer
    from lcc_apr.store import Store
    from lcc_apr.sync.transport import Connection

T = TypeVar("T")


class Opening(Generic[T]):
    """What `open(opener)` opens (a worker calls it); `wait()` for it elsewhere."""

    def __init__(self) -> None:
        self.done = threading.Event()  # set once `opener` has returned or raised
        self._value: T | None = None
        self._error: BaseException | None = None

    def open(self, opener: Callable[[], T]) -> T:
        """Worker thread: run `opener` (e.g. `open_store(path, ...)`); whoever waits gets
        what it returns, or its error raised again. Returns what it opened."""
        try:
            self._value = opener()
        except BaseException as error:
            self._error = error
            raise
        finally:
            self.done.set()
        return self._value

    @property
    def is_open(self) -> bool:
        return self._value is not None

    def wait(self, timeout: float | None = None) -> T:
        """What was opened, once opened (worker threads; TimeoutError after `timeout`)."""
        if not self.done.wait(timeout):
            raise TimeoutError("The store is still being opened.")
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wait(), name)


class LaterSession:
    """A later start's session while workers open it: who signed in is known from the last
    start (kept in the settings), so the main window is built at once. Its store,
    connection and signer are Openings of the session's own (their attributes wait: worker
    threads only), opened in two steps: `open` the cache (the pages then read), then
    `connect` the rest (the connection, signer and sync: nothing reaches the network)."""

    demo, demo_role, first_sync = False, None, None

    def __init__(self, user: dict[str, Any]) -> None:
        self.user = user
        self.today: Callable[[], date] = date.today
        self._parts: dict[str, Opening[Any]] = {
            "store": Opening(),
            "connection": Opening(),
            "signer": Opening(),
        }
        self._session: Session | None = None

    # each an Opening standing in for the session's own
    store = property(lambda self: cast("Store", self._parts["store"]))
    connection = property(lambda self: cast("Connection", self._parts["connection"]))
    signer = property(lambda self: cast("Signer", self._parts["signer"]))

    def open(self, opener: Callable[[], Store]) -> Store:
        """Worker thread: open the cache (`opener`); the pages' reads then go on. Failing,
        every part fails with its error."""
        try:
            store: Store = self._parts["store"].open(opener)
        except BaseException as error:
            self._fail(error)
            raise
        return store

    def connect(self, maker: Callable[[Store], Session]) -> Session:
        """Worker thread, once open: the rest of the session on the cache (`maker`)."""
        try:
            session = maker(self._parts["store"].wait())
        except BaseException as error:
            self._fail(error)
            raise
        self._session = session
        for name in ("connection", "signer"):
            self._parts[name].open(functools.partial(getattr, session, name))
        return session

    def _fail(self, error: BaseException) -> None:
        for part in self._parts.values():
            if not part.done.is_set():
                part._error = error
                part.done.set()

    def close(self) -> None:
        """When the window closes: what was opened."""
        if self._session is not None:
            self._session.close()
        elif self._parts["store"].is_open:
            self._parts["store"].wait().close()
