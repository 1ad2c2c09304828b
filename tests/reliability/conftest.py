"""The machine's rig (machine.Rig: the server process on a copy of the demo database of
tests/server, per backend, and the fault proxy), one per test module."""

from collections.abc import Iterator

import pytest

from tests.server.conftest import server_template  # noqa: F401 - a fixture, found by name

from .machine import Rig


@pytest.fixture(scope="module")
def rig(server_template, tmp_path_factory) -> Iterator[Rig]:  # noqa: F811
    made = Rig(server_template, tmp_path_factory.mktemp("reliability"))
    yield made
    made.close()
