"""lcc_apr.ops.glance: the first page's list kept in the store, read before it opens."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from lcc_apr.ops.glance import first_look, keep
from lcc_apr.ops.inbox_items import DUE, MINE, Inbox, InboxItem
from lcc_apr.store import open_store
from lcc_apr.store.keys import info_path

from ..conftest import python_prints

DAY = date(2026, 12, 7)
LIST = Inbox(
    (
        InboxItem("sign:r1", MINE, "Sign your APR", date(2026, 11, 2), record_id="r1"),
        InboxItem("due:7", DUE, "Sam Patel: supervision", None, employee_id=7, overdue=True),
    )
)


def kept(store_path: Path, ring, inbox: Inbox = LIST, *, user_id: int = 5) -> None:
    store = open_store(store_path, keyring_backend=ring)
    try:
        keep(store, user_id=user_id, today=DAY, inbox=inbox)
    finally:
        store.close()


def look(store_path: Path, ring, *, user_id: int = 5, today: date = DAY) -> Inbox | None:
    return first_look(store_path, keyring_backend=ring, user_id=user_id, today=today)


def test_the_list_kept_is_read_back_before_the_store_opens(store_path, memory_keyring):
    assert look(store_path, memory_keyring) is None  # nothing kept yet
    kept(store_path, memory_keyring)
    assert look(store_path, memory_keyring) == LIST
    changed = Inbox(LIST.items[:1])
    kept(store_path, memory_keyring, changed)  # kept again: the newer list
    assert look(store_path, memory_keyring) == changed


def test_only_that_persons_list_of_that_day(store_path, memory_keyring):
    kept(store_path, memory_keyring)
    assert look(store_path, memory_keyring, user_id=6) is None
    assert look(store_path, memory_keyring, today=date(2026, 12, 8)) is None


def test_not_read_without_the_keyring_or_while_the_store_is_in_use(store_path, memory_keyring):
    kept(store_path, memory_keyring)
    assert first_look(store_path, keyring_backend=None, user_id=5, today=DAY) is None
    store = open_store(store_path, keyring_backend=memory_keyring)
    try:
        changed = Inbox(LIST.items[1:])
        keep(store, user_id=5, today=DAY, inbox=changed)  # in the write-ahead log so far
        assert look(store_path, memory_keyring) is None  # not the older list in the file
    finally:
        store.close()
    assert look(store_path, memory_keyring) == changed
    script = (  # another app holds the store: not read, and not waited for
        "import sys, time\n"
        "from lcc_apr.store.lock import StoreLock\n"
        f"StoreLock.take(__import__('pathlib').Path({str(store_path)!r}))\n"
        "print('held', flush=True); time.sleep(30)\n"
    )
    other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        assert look(store_path, memory_keyring) is None
    finally:
        other.kill()
        other.wait()


def test_a_wrong_key_a_lost_key_file_or_a_damaged_list_reads_as_none(store_path, memory_keyring):
    kept(store_path, memory_keyring)
    entry = next(iter(memory_keyring.items))
    secret = memory_keyring.items[entry]
    memory_keyring.items[entry] = "AAAA" + secret[4:]  # not this store's key
    assert look(store_path, memory_keyring) is None
    memory_keyring.items[entry] = secret
    info = info_path(store_path).read_text()
    info_path(store_path).write_text("{not json")
    assert look(store_path, memory_keyring) is None
    info_path(store_path).write_text(info)
    for damaged in (
        b"\x00\xff",
        b'[{"key": "k", "group": "later", "text": "t", "since": null}]',  # another version's
    ):
        store = open_store(store_path, keyring_backend=memory_keyring)
        with store.session() as s:
            s.connection().exec_driver_sql("UPDATE glances SET items = ?", (damaged,))
        store.close()
        assert look(store_path, memory_keyring) is None


def test_not_read_from_a_cache_of_another_schema(store_path, memory_keyring):
    """A cache still to be migrated, or made by a newer version: the opening decides."""
    kept(store_path, memory_keyring)
    store = open_store(store_path, keyring_backend=memory_keyring)
    with store.session() as s:
        s.connection().exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    store.close()
    assert look(store_path, memory_keyring) is None


def test_reading_it_loads_no_sqlalchemy(store_path, memory_keyring):
    """What makes it quick: SQLAlchemy (about 0.3 s to load) is not needed to read it."""
    script = (
        "import sys\n"
        "from lcc_apr.ops import glance\n"
        "from lcc_apr.store import glance as read\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))\n"
    )
    assert python_prints(script) == "[]"
