"""The demo organisation as its HR system would export it (rows to change per test), and
a hash of a database's rows: the organisation import tests' shared helpers."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import inspect, text

from lcc_apr.demo.organisation import build_organisation
from lcc_apr.hr.samples import organisation_rows
from tests.server.harness import AS_OF, DEMO_SIZE

Row = dict[str, Any]


@pytest.fixture(scope="module")
def demo_rows() -> list[Row]:
    return organisation_rows(build_organisation(seed=2020, size=DEMO_SIZE, as_of=AS_OF))


@pytest.fixture
def rows(demo_rows) -> list[Row]:
    """The demo organisation's rows, for this test to change."""
    return [dict(r) for r in demo_rows]


def database_hash(engine, *, skip: tuple[str, ...] = ()) -> str:
    """Every table's rows (but `skip`'s), in a stable order, hashed."""
    digest = hashlib.sha256()
    with engine.connect() as c:
        for table in sorted(inspect(c).get_table_names()):
            if table in skip:
                continue
            found = sorted(repr(tuple(r)) for r in c.execute(text(f"SELECT * FROM {table}")))
            digest.update(f"{table}:{len(found)}\n{''.join(found)}".encode())
    return digest.hexdigest()
