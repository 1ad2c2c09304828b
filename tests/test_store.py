"""The encrypted local store: encryption at rest, keys, refusal without damage."""

import hashlib
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from lcc_apr.history import create_record
from lcc_apr.models import Department, Employee, RecordKind, now_utc
from lcc_apr.models.answers import json_of
from lcc_apr.store import (
    CorruptStoreError,
    KeyUnavailableError,
    MissingKeyError,
    NewerSchemaError,
    NotEncryptedError,
    WrongKeyError,
    keys,
    open_store,
)

from .conftest import CHEAP_ARGON2, MemoryKeyring

ROOT = Path(__file__).resolve().parents[1]

SECRET_TEXT = "Zoë raised concerns about the Łódź placement budget"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in the folder with a hash of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def add_person_and_record(store, words: str = SECRET_TEXT) -> str:
    with store.session() as s:
        dept = Department(code="CR", name="Corporate Resources")
        s.add(dept)
        s.flush()
        person = Employee(
            payroll_number="10000001",
            first_name="Zoë",
            last_name="Dvořák",
            job_title="Analyst",
            grade="7",
            department_id=dept.id,
            start_date=now_utc().date(),
            contract_type="permanent",
            fte=1,
        )
        s.add(person)
        s.flush()
        record = create_record(
            s,
            kind=RecordKind.SUPERVISION,
            subject_id=person.id,
            author_id=None,
            template_id="supervision",
            template_version=1,
            answers={"case_discussion": words},
            status="draft",
            record_date=None,
            at=now_utc(),
        )
        return record.id


NEEDLES = [SECRET_TEXT.encode(), "Dvořák".encode(), b"placement budget", b"case_discussion"]


def found_on_disk(folder: Path) -> set[bytes]:
    return {n for f in folder.iterdir() for n in NEEDLES if n in f.read_bytes()}


def test_record_text_never_reaches_the_disk_in_plain_bytes(store):
    add_person_and_record(store)
    store.close()
    assert found_on_disk(store.path.parent) == set()
    assert not store.path.read_bytes().startswith(b"SQLite format")


def test_the_plain_bytes_check_finds_text_in_an_unencrypted_store(tmp_path):
    """Control for the test above: the same write to plain SQLite is visible (answers as
    JSON text, as a server keeps them: a local store would also compress them)."""
    from lcc_apr.models.patches import PACKED
    from lcc_apr.store import migrate, plain_engine
    from lcc_apr.store.store import Store

    engine = plain_engine(tmp_path / "plain.db")
    setattr(engine.dialect, PACKED, False)
    migrate.upgrade(engine)
    plain = Store(tmp_path / "plain.db", engine, None)
    add_person_and_record(plain)
    plain.close()
    assert found_on_disk(tmp_path) == set(NEEDLES)


def test_reopening_with_the_keyring_key_reads_the_record_back(store, store_path, memory_keyring):
    record_id = add_person_and_record(store)
    store.close()
    again = open_store(store_path, keyring_backend=memory_keyring)
    with again.session() as s:
        answers = s.execute(text("select answers from records where id = :i"), {"i": record_id})
        assert SECRET_TEXT.encode() in json_of(answers.scalar_one())  # UTF-8, not escaped
    assert again.integrity_problems() == []
    again.close()


def test_wal_and_foreign_keys_are_on(store):
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_many_threads_at_once_each_keep_their_connection(store):
    """The window's writer, readers, sync and PDF workers use the store at once: a
    thread's connection is never closed under it by another thread connecting (the driver's
    default pool did that past 5 threads, and SQLCipher then crashed the process)."""
    threads = 12
    all_connected = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with store.session() as s:
                assert s.execute(text("SELECT :n"), {"n": n}).scalar() == n
                all_connected.wait(10)  # every thread holds a connection now
                assert s.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    running = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join(30)
    assert errors == []


def test_a_wrong_key_fails_cleanly_and_leaves_every_file_unchanged(
    store, store_path, memory_keyring
):
    add_person_and_record(store)
    store.close()
    before = snapshot(store_path.parent)
    other = MemoryKeyring()
    other.set_password(keys.SERVICE, keys.entry_name(keys.read_info(store_path)), "A" * 43 + "=")
    with pytest.raises(WrongKeyError) as err:
        open_store(store_path, keyring_backend=other)
    assert "does not match" in str(err.value) and err.value.advice
    assert snapshot(store_path.parent) == before


def test_a_missing_keyring_entry_says_what_to_do_and_changes_nothing(
    store, store_path, memory_keyring
):
    store.close()
    before = snapshot(store_path.parent)
    memory_keyring.items.clear()
    with pytest.raises(MissingKeyError) as err:
        open_store(store_path, keyring_backend=memory_keyring)
    assert "sync again" in str(err.value)
    assert snapshot(store_path.parent) == before


def test_a_missing_key_file_is_refused_without_touching_the_store(
    store, store_path, memory_keyring
):
    store.close()
    keys.info_path(store_path).unlink()
    before = snapshot(store_path.parent)
    with pytest.raises(MissingKeyError):
        open_store(store_path, keyring_backend=memory_keyring)
    assert snapshot(store_path.parent) == before


def test_a_damaged_header_is_reported_as_damage_not_as_a_wrong_key(
    store, store_path, memory_keyring
):
    add_person_and_record(store)
    store.close()
    data = bytearray(store_path.read_bytes())
    data[100:140] = bytes(40)
    store_path.write_bytes(bytes(data))
    before = snapshot(store_path.parent)
    with pytest.raises(CorruptStoreError) as err:
        open_store(store_path, keyring_backend=memory_keyring)
    assert "damaged" in str(err.value)
    assert snapshot(store_path.parent) == before


def test_damage_deeper_in_the_file_is_found_by_the_integrity_check(
    store, store_path, memory_keyring
):
    add_person_and_record(store, words="x" * 20000)  # spills onto later pages
    store.close()
    data = bytearray(store_path.read_bytes())
    assert len(data) > 4096 * 4
    data[-3000] ^= 0xFF
    store_path.write_bytes(bytes(data))
    try:
        damaged = open_store(store_path, keyring_backend=memory_keyring)
    except CorruptStoreError:
        return  # found while opening: also fine
    assert damaged.integrity_problems()
    damaged.close()


def test_a_plain_sqlite_file_is_refused_untouched(tmp_path, memory_keyring):
    path = tmp_path / "cache.db"
    sqlite3.connect(path).execute("create table t(x)").connection.close()
    keys.info_path(path).write_text('{"id": "x", "source": "keyring", "check": ""}')
    before = snapshot(tmp_path)
    with pytest.raises(NotEncryptedError):
        open_store(path, keyring_backend=memory_keyring)
    assert snapshot(tmp_path) == before


def test_a_store_from_a_newer_version_is_refused(store, store_path, memory_keyring):
    with store.engine.begin() as c:
        c.execute(text("update alembic_version set version_num = '9999_future'"))
    store.close()
    before = snapshot(store_path.parent)
    with pytest.raises(NewerSchemaError):
        open_store(store_path, keyring_backend=memory_keyring)
    assert snapshot(store_path.parent) == before


def test_without_a_keyring_the_key_comes_from_a_passphrase(tmp_path):
    path = tmp_path / "cache.db"
    asked: list[bool] = []

    def ask(new: bool) -> str:
        asked.append(new)
        return "correct horse battery staple"

    store = open_store(path, keyring_backend=None, ask_passphrase=ask, argon2_cost=CHEAP_ARGON2)
    add_person_and_record(store)
    store.close()
    info = keys.read_info(path)
    assert info and info["source"] == "passphrase" and info["salt"] and asked == [True]
    assert "correct horse" not in keys.info_path(path).read_text()
    before = snapshot(tmp_path)
    with pytest.raises(WrongKeyError) as err:
        open_store(path, keyring_backend=None, ask_passphrase=lambda new: "wrong horse")
    assert "passphrase" in str(err.value)
    assert snapshot(tmp_path) == before
    again = open_store(path, keyring_backend=None, ask_passphrase=ask)
    with again.session() as s:
        assert s.scalar(select(Employee.last_name)) == "Dvořák"
    again.close()


def test_passphrase_keys_use_argon2id_at_full_cost_by_default(tmp_path):
    path = tmp_path / "cache.db"
    open_store(path, keyring_backend=None, ask_passphrase=lambda new: "pass phrase").close()
    info = keys.read_info(path)
    assert info and info["kdf"] == "argon2id" and info["cost"] == keys.ARGON2


def test_no_keyring_and_no_passphrase_creates_nothing(tmp_path):
    path = tmp_path / "cache.db"
    with pytest.raises(KeyUnavailableError) as err:
        open_store(path, keyring_backend=None)
    assert "passphrase" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_insecure_keyrings_are_refused():
    from keyring.backends import fail

    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    assert keys.secure_keyring(fail.Keyring()) is None
    assert keys.secure_keyring(PlaintextKeyring()) is None
    good = MemoryKeyring()
    assert keys.secure_keyring(good) is good


def test_a_store_moved_with_its_key_file_still_opens(store, store_path, memory_keyring, tmp_path):
    add_person_and_record(store)
    store.close()
    moved = tmp_path / "elsewhere" / "renamed.db"
    moved.parent.mkdir()
    store_path.rename(moved)
    keys.info_path(store_path).rename(keys.info_path(moved))
    again = open_store(moved, keyring_backend=memory_keyring)
    with again.session() as s:
        assert s.scalar(select(Employee.first_name)) == "Zoë"
    again.close()


OPEN_IN_ANOTHER_PROCESS = """
import sys
from pathlib import Path
from lcc_apr.store import StoreError, open_store
try:
    open_store(Path(sys.argv[1]), keyring_backend=None, ask_passphrase=lambda new: sys.argv[2])
except StoreError as err:
    print(type(err).__name__, err)
else:
    print("opened")
"""


def test_a_second_app_on_the_same_store_is_told_and_kept_out(tmp_path):
    path, phrase = tmp_path / "cache.db", "correct horse battery staple"
    store = open_store(
        path, keyring_backend=None, ask_passphrase=lambda new: phrase, argon2_cost=CHEAP_ARGON2
    )
    add_person_and_record(store)

    def second_app() -> str:
        run = [sys.executable, "-c", OPEN_IN_ANOTHER_PROCESS, str(path), phrase]
        done = subprocess.run(run, capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    refused = second_app()
    assert refused.startswith("StoreInUseError These records are open in another LCC APR window")
    with store.session() as s:  # the first is untouched
        assert s.scalar(select(Employee.last_name)) == "Dvořák"
    again = open_store(path, keyring_backend=None, ask_passphrase=lambda new: phrase)
    again.close()  # the same process may open it again; the lock stays while one is open
    assert second_app().startswith("StoreInUseError")
    store.close()
    assert second_app().strip() == "opened"
