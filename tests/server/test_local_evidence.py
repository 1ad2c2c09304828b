"""A cache checked against the server (lcc_apr.sync.evidence), on a real server on
127.0.0.1: a synced record edited straight in the cache with SQL is named and restored at
the next sync; unsent work is not; a purge listed for a record still in scope is refused.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, text

from lcc_apr.evidence import hash_of
from lcc_apr.forms import Catalogue
from lcc_apr.history import purge_records, verify_history
from lcc_apr.models import Conflict, Record
from lcc_apr.store import open_store
from lcc_apr.sync.engine import JUST_TAKEN, SyncEngine
from lcc_apr.sync.evidence import check_against_server
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring
from .test_client_sync import Device, draft_supervision, manager_with_draft

CATALOGUE = Catalogue.load()


@pytest.fixture
def device(tmp_path: Path, live_server):
    made: list[Device] = []

    def make(username: str, *, name: str = "a", first_snapshot: bool = True) -> Device:
        ring = MemoryKeyring()
        store = open_store(tmp_path / f"{name}.db", keyring_backend=ring)
        connection = Connection(live_server.url, tokens=Tokens(ring), allow_plain_local=True)
        connection.login(username, "demo")
        engine = SyncEngine(
            store, connection, CATALOGUE, sleep=lambda s: None, first_snapshot=first_snapshot
        )
        made.append(Device(store, connection, engine, ring))
        return made[-1]

    yield make
    for d in made:
        d.connection.close()
        d.store.close()


def raw(laptop: Device, sql: str, **values) -> None:
    """What someone holding the cache's key could run, outside the app."""
    with laptop.store.session() as s:
        s.execute(text(sql), values)


def server_copy(live_server, record_id: str) -> Record:
    with live_server.session() as s:
        record = s.get(Record, record_id)
        s.expunge(record)
        return record


def a_synced_record(live_server, laptop: Device) -> str:
    """A record on the laptop that is the server's copy, with no local history."""
    with laptop.store.session() as s:
        return s.scalars(
            select(Record.id).where(Record.local_rev == 0, Record.deleted.is_(False)).limit(1)
        ).one()


@pytest.mark.parametrize("first_snapshot", [True, False], ids=["snapshot", "feed"])
def test_every_record_arrives_with_the_servers_content_hash(live_server, device, first_snapshot):
    manager = live_server.people.managers[0]
    laptop = device(manager.username, first_snapshot=first_snapshot)
    result = laptop.sync()
    received = result.received
    if first_snapshot:  # the copies were all just sent: checked at the next sync
        assert result.snapshot_taken and result.evidence.skipped == JUST_TAKEN
        result = laptop.sync()
    assert result.evidence is not None and result.evidence.skipped is None
    assert result.evidence.checked == received > 0 and not result.evidence.changed
    with laptop.store.session() as s:
        for record in s.scalars(select(Record)):
            assert (
                record.content_hash
                == hash_of(record)
                == server_copy(live_server, record.id).content_hash
            )
            assert record.hash_rev == record.server_rev


def test_a_record_edited_in_the_cache_is_named_and_restored_at_the_next_sync(
    live_server, device, caplog
):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    rid = a_synced_record(live_server, laptop)
    with laptop.store.session() as s:
        before = dict(s.get(Record, rid).answers)
    forged = {**before, "overall_rating": "Outstanding (forged)"}
    raw(
        laptop,
        "UPDATE records SET answers = :a WHERE id = :id",
        a=orjson.dumps(forged).decode(),
        id=rid,
    )
    with laptop.store.session() as s:  # the offline check sees it against the kept hash...
        record = s.get(Record, rid)
        assert verify_history(s, record) == [
            "the record differs from the server's copy it was given (its content hash)"
        ]
        digest = hash_of(record)
    # ...so a careful forger makes the kept hash fit too: only the server can tell now
    raw(laptop, "UPDATE records SET content_hash = :h WHERE id = :id", h=digest, id=rid)
    with laptop.store.session() as s:
        assert verify_history(s, s.get(Record, rid)) == []
    result = laptop.sync()
    kind = str(server_copy(live_server, rid).kind)
    assert result.evidence.altered == [(kind, rid)]
    assert "1 differed and were restored from the server" in result.summary()
    assert f"{kind} {rid}: differed from the server's copy" in result.evidence.lines()[0]
    assert rid in caplog.text and "Outstanding" not in caplog.text  # ids, no content
    with laptop.store.session() as s:
        assert s.get(Record, rid).answers == before == server_copy(live_server, rid).answers
    assert not laptop.sync().evidence.changed  # put right: the next sync finds nothing


def test_a_forged_revision_is_named_too(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    rid = a_synced_record(live_server, laptop)
    raw(laptop, "UPDATE records SET server_rev = server_rev - 1 WHERE id = :id", id=rid)
    result = laptop.sync()
    assert [r for _k, r in result.evidence.altered] == [rid]
    with laptop.store.session() as s:
        assert s.get(Record, rid).server_rev == server_copy(live_server, rid).server_rev


def test_unsent_changes_are_the_persons_own_work_not_restored(live_server, device):
    manager = manager_with_draft(live_server)
    rid = draft_supervision(live_server, manager)
    laptop = device(manager.username)
    laptop.sync()
    laptop.edit(rid, workload="My unsent note")
    found = check_against_server(laptop.store, laptop.connection)
    assert found.altered == [] and found.pending == 1
    with laptop.store.session() as s:
        record = s.get(Record, rid)
        assert record.dirty and record.answers["workload"] == "My unsent note"
    assert laptop.sync().sent == 1  # and it goes up as the person's change


def test_a_purge_listed_for_a_record_still_in_scope_is_refused(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    rid = a_synced_record(live_server, laptop)
    # The append-only guard lets a record's history go once its id is listed in purges:
    # someone lists one and deletes the record outright.
    raw(laptop, "INSERT INTO purges (record_id) VALUES (:id)", id=rid)
    raw(laptop, "DELETE FROM sign_offs WHERE record_id = :id", id=rid)
    raw(laptop, "DELETE FROM records WHERE id = :id", id=rid)
    result = laptop.sync()
    assert result.evidence.refused_purges == [rid]
    assert "purge(s) of records still yours refused" in result.summary()
    with laptop.store.session() as s:
        assert s.get(Record, rid).answers == server_copy(live_server, rid).answers
        assert s.scalar(text("SELECT count(*) FROM purges")) == 0  # the listing is gone


def test_a_record_removed_without_the_servers_word_is_taken_again(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    rid = a_synced_record(live_server, laptop)
    with laptop.store.session() as s:  # through the app's own purge, with no server's word
        purge_records(s, [rid])
    result = laptop.sync()
    assert [r for _k, r in result.evidence.missing] == [rid]
    assert rid in laptop.records()


def test_a_copy_the_server_no_longer_lists_leaves_the_cache(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    rid = a_synced_record(live_server, laptop)
    # A forged record the server never gave this laptop, made from a real one.
    fake = "00000000-0000-4000-8000-000000000001"
    raw(
        laptop,
        "INSERT INTO records (id, kind, subject_id, author_id, template_id, template_version, "
        "answers, status, record_date, created_at, updated_at, local_rev, server_rev, dirty, "
        "deleted, history_head) SELECT :fake, kind, subject_id, author_id, template_id, "
        "template_version, answers, status, record_date, created_at, updated_at, 0, 1, 0, "
        "deleted, history_head FROM records WHERE id = :id",
        fake=fake,
        id=rid,
    )
    result = laptop.sync()
    assert [r for _k, r in result.evidence.left] == [fake]
    assert fake not in laptop.records()


def test_a_conflict_is_left_for_the_person(live_server, device):
    manager = manager_with_draft(live_server)
    rid = draft_supervision(live_server, manager)
    a, b = device(manager.username, name="a"), device(manager.username, name="b")
    a.sync(), b.sync()
    a.edit(rid, workload="From A")
    b.edit(rid, workload="From B")
    a.sync()
    result = b.sync()
    assert result.conflicts == 1 and result.evidence.altered == []
    with b.store.session() as s:
        assert s.get(Conflict, rid) is not None
        assert s.get(Record, rid).answers["workload"] == "From B"


def test_check_against_server_on_demand_names_and_restores(
    live_server, device, tmp_path, monkeypatch, capsys
):
    from lcc_apr.cli import EXIT_OK, EXIT_PROBLEM, main
    from lcc_apr.store import keys

    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    rid = a_synced_record(live_server, laptop)
    raw(laptop, "UPDATE records SET status = 'x', content_hash = NULL WHERE id = :id", id=rid)
    laptop.store.close()
    monkeypatch.setattr(keys, "secure_keyring", lambda backend=None: laptop.ring)
    store = str(tmp_path / "a.db")
    assert main(["--store", store, "check", "--against-server"]) == EXIT_PROBLEM
    out = capsys.readouterr().out
    kind = str(server_copy(live_server, rid).kind)
    assert f"{kind} {rid}: differed from the server's copy; the server's copy was restored" in out
    assert "1 differed and were restored from the server" in out
    assert main(["--store", store, "check", "--against-server"]) == EXIT_OK  # put right
    assert "all match" in capsys.readouterr().out
    laptop.store = open_store(tmp_path / "a.db", keyring_backend=laptop.ring)
    with laptop.store.session() as s:
        assert s.get(Record, rid).status == server_copy(live_server, rid).status


def test_check_against_server_needs_a_synced_store(device, tmp_path, monkeypatch, capsys):
    from lcc_apr.cli import EXIT_PROBLEM, main
    from lcc_apr.store import keys

    ring = MemoryKeyring()
    open_store(tmp_path / "new.db", keyring_backend=ring).close()
    monkeypatch.setattr(keys, "secure_keyring", lambda backend=None: ring)
    assert main(["--store", str(tmp_path / "new.db"), "check", "--against-server"]) == EXIT_PROBLEM
    assert "has not been synced with a server" in capsys.readouterr().err


def test_a_copy_marked_unsent_with_sql_is_not_pushed_but_restored(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    rid = a_synced_record(live_server, laptop)
    before = server_copy(live_server, rid)
    with laptop.store.session() as s:
        forged = {**s.get(Record, rid).answers, "overall_rating": "Forged and marked unsent"}
    raw(
        laptop,
        "UPDATE records SET answers = :a, dirty = 1 WHERE id = :id",
        a=orjson.dumps(forged).decode(),
        id=rid,
    )
    result = laptop.sync()
    assert result.sent == 0 and [r for _k, r in result.evidence.altered] == [rid]
    after = server_copy(live_server, rid)
    assert (after.answers, after.server_rev) == (before.answers, before.server_rev)
    assert laptop.records()[rid][0] == before.answers


def test_an_edit_outside_the_app_on_top_of_unsent_work_is_held_back(live_server, device):
    manager = manager_with_draft(live_server)
    rid = draft_supervision(live_server, manager)
    laptop = device(manager.username)
    laptop.sync()
    laptop.edit(rid, workload="My unsent note")  # the person's own change, with history
    with laptop.store.session() as s:
        forged = {**s.get(Record, rid).answers, "workload": "Someone else's words"}
    raw(
        laptop,
        "UPDATE records SET answers = :a WHERE id = :id",
        a=orjson.dumps(forged).decode(),
        id=rid,
    )
    result = laptop.sync()
    assert result.sent == 0 and result.evidence.altered == []  # not replaced either
    with laptop.store.session() as s:
        conflict = s.get(Conflict, rid)
        assert conflict is not None and "outside the app" in conflict.reason
    assert server_copy(live_server, rid).answers.get("workload") != "Someone else's words"
