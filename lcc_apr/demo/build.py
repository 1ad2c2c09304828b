"""Building the demo store: the demo organisation in an encrypted store of its own.

The build writes to a side file and swaps it in only when complete, so an
interrupted or failed build leaves the previous demo store as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

from keyring.backend import KeyringBackend

from lcc_apr.store import Store, keys, open_store

from .history import generate_history
from .load import DemoSummary, load_demo
from .organisation import build_organisation

# Demo data is invented, so when the machine has no secure keyring the demo
# store is still encrypted but with this published passphrase. Real stores
# always ask the user for theirs.
DEMO_PASSPHRASE = "demo"
DEFAULT_SEED = 2020
FULL_SIZE = 6087
SMALL_SIZE = 50

Progress = Callable[[str, int], None]


def open_demo_store(path: Path, *, keyring_backend: KeyringBackend | None) -> Store:
    """Open an existing (or empty new) demo store; no prompt ever appears."""
    return open_store(
        path, keyring_backend=keyring_backend, ask_passphrase=lambda new: DEMO_PASSPHRASE
    )


def build_demo_store(
    path: Path,
    *,
    size: int = FULL_SIZE,
    seed: int = DEFAULT_SEED,
    as_of: date,
    keyring_backend: KeyringBackend | None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Generate the organisation and its history into `path`, replacing any old demo store."""
    path = path.resolve()
    side = path.with_name(path.stem + ".building" + path.suffix)
    _remove(side, keyring_backend)  # a build interrupted earlier
    store = open_demo_store(side, keyring_backend=keyring_backend)
    try:
        org = build_organisation(seed=seed, size=size, as_of=as_of)
        rows = generate_history(org, seed=seed, as_of=as_of)
        with store.session() as session:
            summary = load_demo(session, org, rows, progress=progress)
        store.analyse()
        store.vacuum()  # about 0.98x the size, 11 s on the full demo
    except BaseException:
        store.close()
        _remove(side, keyring_backend)
        raise
    store.close()
    _remove(path, keyring_backend)
    os.replace(keys.info_path(side), keys.info_path(path))
    os.replace(side, path)
    return summary


def _remove(path: Path, keyring_backend: KeyringBackend | None) -> None:
    """Delete a demo store file, its WAL files, key file and keyring entry."""
    try:
        info = keys.read_info(path)
    except Exception:
        info = None
    if info:
        keys.forget_key(info, keyring_backend)
    for extra in ("", "-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    keys.info_path(path).unlink(missing_ok=True)
