"""This computer's records are its user's alone (issue 13, 7): on Linux the data folder is
0700 and every file the app keeps in it 0600, however the process's umask is set, and
folders and files left readable by an older version are tightened when next used. (On
Windows the user's profile ACL does this: docs/security.md.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from lcc_apr.ops.audit import audit, audit_path
from lcc_apr.ops.user import CurrentUser
from lcc_apr.paths import data_dir
from lcc_apr.signing.identity import Signer, info_path, key_file_path
from lcc_apr.store import keys, open_store

from .conftest import CHEAP_ARGON2, MemoryKeyring

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows uses ACLs")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    old = os.umask(0o022)  # what most desktops run with: new files 0644, folders 0755
    yield
    os.umask(old)


def test_the_data_folder_is_made_owner_only_and_an_open_one_is_closed(tmp_path, monkeypatch):
    home = tmp_path / "share" / "lcc-apr"
    monkeypatch.setenv("LCC_APR_HOME", str(home))
    assert data_dir() == home and mode(home) == 0o700
    home.chmod(0o755)  # made by an older version
    data_dir()
    assert mode(home) == 0o700


def test_a_shared_folder_named_as_the_data_folder_is_left_as_it_is(tmp_path, monkeypatch):
    """LCC_APR_HOME pointed at a shared folder (sticky, like /tmp) once made it 0700 for
    everyone on the machine: its mode is left alone."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    monkeypatch.setenv("LCC_APR_HOME", str(shared))
    assert data_dir() == shared
    assert shared.stat().st_mode & 0o7777 == 0o1777


def test_a_new_store_its_journal_and_its_key_file_are_owner_only(tmp_path):
    path = tmp_path / "records" / "cache.db"
    store = open_store(path, keyring_backend=MemoryKeyring())
    try:
        with store.session() as s:  # a write: the WAL and its index exist now
            s.execute(text("CREATE TABLE t (x)"))
        made = [path, keys.info_path(path), *path.parent.glob("cache.db-*")]
        assert len(made) >= 3
        assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}
        assert mode(path.parent) == 0o700
    finally:
        store.close()


def test_a_store_left_readable_by_an_older_version_is_closed_when_opened(tmp_path):
    ring = MemoryKeyring()
    path = tmp_path / "cache.db"
    open_store(path, keyring_backend=ring).close()
    for p in (path, keys.info_path(path)):
        p.chmod(0o644)
    open_store(path, keyring_backend=ring).close()
    assert mode(path) == mode(keys.info_path(path)) == 0o600


def test_the_signing_key_and_its_information_file_are_owner_only(store):
    ask = lambda new: "correct horse"  # noqa: E731
    Signer(store, keyring_backend=None, ask_passphrase=ask, argon2_cost=CHEAP_ARGON2).identity()
    assert mode(key_file_path(store.path)) == mode(info_path(store.path)) == 0o600


def test_the_audit_log_is_owner_only(store):
    audit(store, CurrentUser(1, "Sam", frozenset()), "exported", rows=3)
    assert mode(audit_path(store)) == 0o600
