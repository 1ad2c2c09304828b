"""Ops fixtures, Qt-free: the 50-person demo store, built once, and a copy per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from lcc_apr.demo.build import build_demo_store, open_demo_store
from lcc_apr.store import Store, keys
from tests.conftest import MemoryKeyring

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="session")
def ops_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MemoryKeyring]:
    ring = MemoryKeyring()
    path = tmp_path_factory.mktemp("ops-demo") / "demo.db"
    build_demo_store(path, size=50, as_of=AS_OF, keyring_backend=ring)
    return path, ring


@pytest.fixture
def demo(tmp_path: Path, ops_demo: tuple[Path, MemoryKeyring]) -> Iterator[Store]:
    """A private copy of the demo store."""
    path, ring = ops_demo
    copy = tmp_path / "demo.db"
    shutil.copy(path, copy)
    shutil.copy(keys.info_path(path), keys.info_path(copy))
    store = open_demo_store(copy, keyring_backend=ring)
    yield store
    store.close()
