"""Every file the demo leaves in the user data folder, and removing them all.

The demo leaves: the embedded server's database and its keys (`demo-server.db` and its
journals, `demo-server.key`, the demo signing authority `demo-signing-ca.*`), each demo
person's encrypted cache (`cache-demo-<username>.db`, named by lcc_apr.launch.cache_path
with the place "demo") with its key file, signing key file and lock, and the store of
`lcc-apr demo` (`demo.db`). Their keyring entries (a store key, a signing key) are named in
the key files and go with them. `lcc-apr demo --remove` and the app's "Remove the demo
data..." both call `remove_demo`; a demo open in an app holds its locks, and is refused.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring.errors
from keyring.backend import KeyringBackend

from lcc_apr.signing.identity import SERVICE as SIGNING_SERVICE
from lcc_apr.store import keys
from lcc_apr.store.errors import StoreInUseError
from lcc_apr.store.lock import StoreLock

# the demo's files, by name pattern in the data folder (journals, key and lock files too)
PATTERNS = (
    "demo-server.db*",
    "demo-server.key*",
    "demo-signing-ca.*",
    "cache-demo-*",
    "demo.*",
    "demo-ready-cache/*",  # HR's ready-made first sync (lcc_apr.server.embedded)
)


class DemoInUse(Exception):
    """The demo is open in an app on this computer: its files are not removed."""


@dataclass(frozen=True)
class Removed:
    files: tuple[Path, ...]
    size: int  # bytes freed
    keyring_entries: int

    def words(self) -> str:
        """'Removed 9 demo files (1.7 GB freed) and 2 keyring entries.'"""
        if not self.files:
            return "There are no demo files to remove."
        text = f"Removed {len(self.files)} demo file(s) ({size_words(self.size)} freed)"
        if self.keyring_entries:
            text += f" and {self.keyring_entries} keyring entry(ies)"
        return text + "."


def size_words(size: int) -> str:
    """'1.7 GB', '436 MB', '12 KB'."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            places = 1 if size < 10 * scale else 0
            return f"{size / scale:.{places}f} {unit}"
    return f"{size} bytes"


def demo_built(folder: Path) -> bool:
    """Whether the demo's server is built in `folder` (lcc_apr.server.embedded's mark)."""
    return (folder / "demo-server.db.ready").exists()


def demo_files(folder: Path) -> list[Path]:
    """The demo's files in the data folder, sorted (none when there is no demo)."""
    found = {path for pattern in PATTERNS for path in folder.glob(pattern) if path.is_file()}
    return sorted(found)


def remove_demo(folder: Path, *, keyring_backend: KeyringBackend | None) -> Removed:
    """Delete every demo file in `folder` and the keyring entries its key files name.
    DemoInUse when an app on this computer has the demo open (its server or a demo
    person's cache): nothing is removed then. Called by the CLI and, through the task
    runner, by the app's menu (with no demo open in that app)."""
    removed: list[Path] = []
    size = 0
    there = set(demo_files(folder))  # not counted: the lock files this removal makes

    def delete(paths: list[Path]) -> None:
        nonlocal size
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                found = path.stat().st_size
                path.unlink()
                if path in there or path.suffix != ".lock":
                    removed.append(path)
                    size += found

    with _all_locked(folder):
        files = demo_files(folder)
        entries = sum(_forget_keys(path, keyring_backend) for path in files)
        delete([path for path in files if path.suffix != ".lock"])
    delete([path for path in demo_files(folder) if path.suffix == ".lock"])  # once let go
    with contextlib.suppress(OSError):  # the ready-made cache's folder, once empty
        (folder / "demo-ready-cache").rmdir()
    return Removed(tuple(removed), size, entries)


@contextlib.contextmanager
def _all_locked(folder: Path) -> Iterator[None]:
    """Hold the lock of the demo server's database and of every demo store, or raise
    DemoInUse when another app holds one."""
    stores = [path for path in demo_files(folder) if path.suffix == ".db"]
    held: list[StoreLock] = []
    try:
        for store in stores:
            try:
                held.append(StoreLock.take(store))
            except StoreInUseError:
                raise DemoInUse(
                    "The demo is open in LCC APR on this computer: quit it, then remove "
                    "the demo data."
                ) from None
        yield
    finally:
        for lock in held:
            lock.release()


def _forget_keys(path: Path, backend: KeyringBackend | None) -> int:
    """The keyring entry a key file names (a store key, or a signing key), deleted; 1 when
    there was one to delete."""
    if backend is None or not path.name.endswith((".key.json", ".signing.json")):
        return 0
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return 0
    if not isinstance(info, dict) or info.get("source") != "keyring" or "id" not in info:
        return 0
    if path.name.endswith(".key.json"):
        service, entry = keys.SERVICE, keys.entry_name(info)
    else:
        service, entry = SIGNING_SERVICE, f"key:{info['id']}"
    try:
        backend.delete_password(service, entry)
    except keyring.errors.PasswordDeleteError:
        return 0
    return 1
