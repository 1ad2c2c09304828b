"""Conflict fixtures: a private demo store per test, and real conflicts made in it
(tests/conflict_maker.py)."""

from __future__ import annotations

import pytest

from lcc_apr.store import Store
from tests.conflict_maker import AT, Maker, maker_for  # noqa: F401 (used by the tests)
from tests.ui.conftest import (  # noqa: F401 (fixtures)
    CATALOGUE,
    MANAGER,
    demo_store_copy,
    demo_template,
    runner,
    threaded_runner,
)


@pytest.fixture
def maker(demo_store_copy: Store) -> Maker:  # noqa: F811 (the fixture above)
    return maker_for(demo_store_copy, MANAGER)
