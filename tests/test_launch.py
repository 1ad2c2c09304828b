"""Signing in: the embedded demo server for each role, later starts, offline starts."""

from pathlib import Path

import pytest

from lcc_apr.forms import Catalogue
from lcc_apr.launch import sign_in, sign_in_demo
from lcc_apr.models import Record
from lcc_apr.sync.errors import NetworkError
from main import demo_server

from .conftest import MemoryKeyring

CATALOGUE = Catalogue.load()
RING = MemoryKeyring()  # one "system keyring" for the module's shared data folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("launch")


@pytest.mark.parametrize(
    ("role", "expected"), [("manager", "manager"), ("employee", "employee"), ("hr", "hr")]
)
def test_try_the_demo_signs_in_as_each_role_and_syncs(folder, role, expected):
    steps: list[str] = []
    session = sign_in_demo(
        role,
        demo_server=demo_server,
        folder=folder,
        keyring_backend=RING,
        catalogue=CATALOGUE,
        progress=lambda step: steps.append(step.words()),
        size=50,
    )
    try:
        assert expected in session.user["roles"] and session.demo
        assert session.first_sync is not None and session.first_sync.received > 0
        with session.store.session() as s:
            assert s.query(Record).count() == session.first_sync.received
        assert any("Signing in" in step for step in steps)
    finally:
        session.close()


def test_a_later_start_reuses_the_demo_and_the_cache(folder):
    ring = RING
    first = sign_in_demo(
        "manager",
        demo_server=demo_server,
        folder=folder,
        keyring_backend=ring,
        catalogue=CATALOGUE,
        size=50,
    )
    first.close()
    again = sign_in_demo(
        "manager",
        demo_server=demo_server,
        folder=folder,
        keyring_backend=ring,
        catalogue=CATALOGUE,
        size=50,
    )
    try:
        assert again.first_sync.received == 0  # everything was already here
    finally:
        again.close()


def test_offline_with_a_synced_cache_opens_without_the_server(folder):
    ring = RING
    online = sign_in_demo(
        "employee",
        demo_server=demo_server,
        folder=folder,
        keyring_backend=ring,
        catalogue=CATALOGUE,
        size=50,
    )
    username = online.connection.username
    online.close()  # also stops the demo server
    steps: list[str] = []
    offline = sign_in(
        url="http://127.0.0.1:9",
        username=username,
        password=None,
        folder=folder,
        keyring_backend=ring,
        ask_passphrase=lambda new: "demo",
        catalogue=CATALOGUE,
        progress=lambda step: steps.append(step.words()),
        demo=True,
    )
    try:
        with offline.store.session() as s:
            assert s.query(Record).count() > 0
        assert "Working offline" in steps[-1]
    finally:
        offline.close()


def test_a_first_start_with_no_server_says_so(tmp_path):
    with pytest.raises(NetworkError, match="Cannot reach the server"):
        sign_in(
            url="http://127.0.0.1:9",
            username="sam",
            password="x",
            folder=tmp_path,
            keyring_backend=MemoryKeyring(),
            ask_passphrase=None,
            catalogue=CATALOGUE,
            demo=True,
        )
