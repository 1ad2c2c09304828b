"""A store still being opened in a worker, handed to the window before it is open.

The window and its pages' frames show at once; their read tasks wait here, on their
worker threads, until the opening worker is done, then run on the open store (or fail
with its error). The UI thread never calls it: the UI never queries the store itself.
Stands in for a `Store` everywhere one is passed: every attribute is the open store's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the store (SQLAlchemy, the keyring) loads in the opening worker
    from lcc_apr.store import Store


class OpeningStore:
    """The store `open(opener)` opens (a worker calls it); `wait()` for it elsewhere."""

    def __init__(self) -> None:
        self.done = threading.Event()  # set once `opener` has returned or raised
        self._store: Store | None = None
        self._error: BaseException | None = None

    def open(self, opener: Callable[[], Store]) -> Store:
        """Worker thread: run `opener` (e.g. `open_store(path, ...)`); whoever waits gets
        its store, or its error raised again. Returns the store."""
        try:
            self._store = opener()
        except BaseException as error:
            self._error = error
            raise
        finally:
            self.done.set()
        return self._store

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def wait(self, timeout: float | None = None) -> Store:
        """The open store, once opened (worker threads; TimeoutError after `timeout`)."""
        if not self.done.wait(timeout):
            raise TimeoutError("The store is still being opened.")
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wait(), name)
