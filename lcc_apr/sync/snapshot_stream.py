"""A first sync's snapshot parts as a stream: three steps at once, each on its own thread.

The server makes a part while the one before is checked here (its answers packed for the
cache) and the one before that is written by the caller, so a load takes about as long as
its slowest step instead of the sum of the three. The next part is asked for as soon as a
part's head is read (its last id), before its rows are checked. At most AHEAD parts wait.
An error (a network fault, a refused part) reaches the reader in its place in the stream,
after every part before it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from .snapshot import Part, check, open_part

AHEAD = 2  # parts checked or being checked, not yet written


class PartStream:
    def __init__(self, fetch: Callable[[str], bytes], after: str, *, packed: bool) -> None:
        """`fetch(after)`: a part's bytes as sent, the part after id `after`."""
        self._waiting: queue.Queue[tuple[Future[Part], int] | BaseException] = queue.Queue(AHEAD)
        self._stop = threading.Event()
        self._checker = ThreadPoolExecutor(1, thread_name_prefix="sync-snapshot-check")
        self._fetcher = threading.Thread(
            target=self._fetch_all, args=(fetch, after, packed), name="sync-snapshot", daemon=True
        )
        self._fetcher.start()

    def next(self, check_cancel: Callable[[], None]) -> tuple[Part, int]:
        """The next part, checked, and its size as sent; `check_cancel` raises to stop
        waiting (it is called at least every 0.1 s)."""
        while True:
            check_cancel()
            try:
                item = self._waiting.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, BaseException):
                raise item
            checked, size = item
            while not checked.done():
                check_cancel()
                wait([checked], timeout=0.1)
            return checked.result(), size

    def close(self) -> None:
        """Stop asking for parts; a request under way ends with its own timeout."""
        self._stop.set()
        self._checker.shutdown(wait=False, cancel_futures=True)

    def _fetch_all(self, fetch: Callable[[str], bytes], after: str, packed: bool) -> None:
        try:
            while not self._stop.is_set():
                data = fetch(after)
                opened = open_part(data, after=after)
                if not self._put((self._checker.submit(check, opened, packed), len(data))):
                    return
                if not opened.more or opened.next_after is None:
                    return  # the end, or a part check() refuses
                after = opened.next_after
        except BaseException as error:  # noqa: BLE001 (raised in the reader's thread)
            self._put(error)

    def _put(self, item: tuple[Future[Part], int] | BaseException) -> bool:
        while not self._stop.is_set():
            try:
                self._waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False
