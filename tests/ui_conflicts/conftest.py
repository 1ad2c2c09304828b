"""Conflict fixtures: a private demo store per test, and real conflicts made in it
(tests/conflict_maker.py)."""

from __future__ import annotations

import pytest

from lcc_apr.store import Store
from tests.conflict_maker import AT, R1, R2, Maker, maker_for  # noqa: F401 (used by the tests)
from tests.ui.conftest import (  # noqa: F401 (fixtures)
    CATALOGUE,
    MANAGER,
    runner,
    threaded_runner,
)


@pytest.fixture
def maker(demo_store_copy: Store) -> Maker:  # demo_store_copy: tests/conftest.py
    return maker_for(demo_store_copy, MANAGER)
