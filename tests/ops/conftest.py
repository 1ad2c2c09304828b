"""Ops fixtures, Qt-free: a private copy of the 50-person demo store per test."""

from __future__ import annotations

import pytest

from lcc_apr.store import Store


@pytest.fixture
def demo(demo_store_copy: Store) -> Store:
    return demo_store_copy
