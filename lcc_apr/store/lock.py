"""One app at a time on a store: an OS lock on `<store>.lock`, held while the store is open.

Two processes syncing one store would both insert what they pull (found in a real
window: a second start of the app beside the first). The lock is the process's: POSIX
`lockf`, released when the process ends however it ends; opens within one process
share it (counted, as closing any descriptor of the file would drop a POSIX lock).
On Windows, `msvcrt.locking` on the same file. A failed open removes a lock file it
made, so it leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from lcc_apr.paths import owner_only

from .errors import StoreInUseError

_held: dict[Path, list[int]] = {}  # lock file -> [descriptor, opens in this process]
_guard = threading.Lock()


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


class StoreLock:
    """One open's share of the process's lock on a store, from `take` to `release`."""

    def __init__(self, path: Path, made: bool) -> None:
        self.path, self.made, self._held = path, made, True

    @classmethod
    def take(cls, store: Path) -> StoreLock:
        """The lock, or StoreInUseError when another process holds it."""
        path = lock_path(store)
        with _guard:
            if path in _held:
                _held[path][1] += 1
                return cls(path, made=False)
            made = not path.exists()
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            owner_only(path)
            try:
                _lock(fd)
            except OSError:
                os.close(fd)
                raise StoreInUseError(
                    store,
                    "These records are open in another LCC APR window on this computer",
                    "Switch to that window, or close it and start again.",
                ) from None
            _held[path] = [fd, 1]
            return cls(path, made)

    def release(self, *, failed: bool = False) -> None:
        """Give this open's share back; the last share closes the file (and the lock).
        `failed`: the open did not succeed, so a lock file it made goes too."""
        if not self._held:
            return
        self._held = False
        with _guard:
            entry = _held[self.path]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[self.path]
                if failed and self.made:
                    self.path.unlink(missing_ok=True)
                os.close(entry[0])


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
