"""Taking server versions into the cache: server copies, rebasing local edits, conflicts, purges."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.history import base_state, delete_record, history, update_record, verify_history
from lcc_apr.models import Conflict, Record, RecordChange
from lcc_apr.store import migrate, plain_engine
from lcc_apr.sync.apply import OUT_OF_VIEW, remove_records, take_records
from lcc_apr.sync.errors import IncompatibleServer
from lcc_apr.sync.protocol import RecordWire

from .test_migrations import populate_first_schema

CATALOGUE = Catalogue.load()
R1 = "00000000-0000-4000-8000-000000000001"
R2 = "00000000-0000-4000-8000-000000000002"
AT = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def session(tmp_path):
    engine = plain_engine(tmp_path / "c.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def wire(rev, status="draft", rid=R1, deleted=False, **answers):
    return RecordWire.model_validate(
        {
            "id": rid,
            "kind": "supervision",
            "subject_id": 2,
            "author_id": 1,
            "template_id": "supervision",
            "template_version": 1,
            "answers": answers,
            "status": status,
            "record_date": "2026-11-02",
            "created_at": AT.isoformat(),
            "updated_at": AT.isoformat(),
            "deleted": deleted,
            "server_rev": rev,
        }
    )


def take(session, *wires):
    result = take_records(session, list(wires), catalogue=CATALOGUE, at=AT)
    session.flush()
    return result


def test_a_new_record_arrives_as_the_servers_copy(session):
    assert take(session, wire(5, workload="Heavy")) == (1, 0)
    session.expire_all()
    record = session.get(Record, R1)
    assert (record.local_rev, record.dirty, record.server_rev) == (0, False, 5)
    assert (record.kind, record.status, record.deleted) == ("supervision", "draft", False)
    assert record.answers == {"workload": "Heavy"} and record.created_at == AT
    assert str(record.record_date) == "2026-11-02" and record.base_seq is None
    assert session.scalar(select(func.count()).select_from(RecordChange)) == 0
    assert verify_history(session, record) == []


def test_the_first_local_edit_records_the_base_then_the_edit(session):
    take(session, wire(5, workload="Heavy"))
    record = session.get(Record, R1)
    update_record(session, record, user_id=1, at=AT, answers={"learning": "Course"})
    assert [c.action for c in history(session, R1)] == ["sync", "update"]
    assert record.dirty and record.base_seq == 1
    assert base_state(session, record)["answers"] == {"workload": "Heavy"}
    assert verify_history(session, record) == []


def test_a_newer_server_version_replaces_a_clean_copy(session):
    take(session, wire(5, workload="Heavy"))
    record = session.get(Record, R1)
    update_record(session, record, user_id=1, at=AT, answers={"learning": "Course"})
    record.dirty = False  # as if pushed
    take(session, wire(9, workload="Lighter", learning="Course"))
    assert (
        record.answers == {"workload": "Lighter", "learning": "Course"} and record.server_rev == 9
    )
    assert not record.dirty and verify_history(session, record) == []


def test_a_page_seen_before_changes_nothing(session):
    take(session, wire(5, workload="Heavy"))
    take(session, wire(5, workload="Old page replayed"))
    assert session.get(Record, R1).answers == {"workload": "Heavy"}


def test_local_edits_are_rebased_onto_a_server_change_to_other_fields(session):
    take(session, wire(5, workload="Heavy", learning="None"))
    record = session.get(Record, R1)
    update_record(session, record, user_id=1, at=AT, answers={"learning": "Course booked"})
    assert take(session, wire(7, workload="Manageable", learning="None")) == (1, 0)
    assert record.answers == {"workload": "Manageable", "learning": "Course booked"}
    assert record.dirty and record.server_rev == 7
    assert base_state(session, record)["answers"] == {"workload": "Manageable", "learning": "None"}
    assert verify_history(session, record) == []


def test_both_sides_changing_a_field_keeps_both_versions(session):
    take(session, wire(5, workload="Heavy"))
    record = session.get(Record, R1)
    update_record(session, record, user_id=1, at=AT, answers={"workload": "Mine"})
    assert take(session, wire(7, workload="Theirs")) == (1, 1)
    conflict = session.get(Conflict, R1)
    assert conflict.fields == ["workload"] and conflict.server["answers"]["workload"] == "Theirs"
    assert record.answers["workload"] == "Mine" and record.dirty


def test_a_signed_server_version_turns_local_edits_into_a_conflict(session):
    take(session, wire(5, "employee_signed", workload="Heavy"))
    record = session.get(Record, R1)
    update_record(session, record, user_id=1, at=AT, answers={"learning": "Late addition"})
    assert take(session, wire(8, "completed", workload="Heavy")) == (1, 1)
    assert session.get(Conflict, R1).fields == ["learning"]


def test_removal_purges_the_record_and_its_history(session):
    take(session, wire(5, workload="Heavy"), wire(6, rid=R2, workload="Other"))
    record = session.get(Record, R1)
    update_record(session, record, user_id=1, at=AT, answers={"learning": "x"})
    take(session, wire(7, workload="Heavy", learning="x"))  # sent: nothing left unsent
    session.flush()
    assert remove_records(session, [R1, "unknown"], at=AT) == 1
    assert session.get(Record, R1) is None and history(session, R1) == []
    assert session.get(Record, R2) is not None


def test_removal_keeps_unsent_work_as_a_conflict_until_it_comes_back(session):
    """Found by tests/reliability: an employee's unsent comments vanished when their
    manager took the record back to draft (the pull removed it, work and all)."""
    take(session, wire(5, "shared", workload="Heavy"))
    record = session.get(Record, R1)
    update_record(session, record, user_id=1, at=AT, answers={"employee_comments": "Mine"})
    session.flush()
    assert remove_records(session, [R1], at=AT) == 0
    conflict = session.get(Conflict, R1)
    assert conflict.fields == [OUT_OF_VIEW] and conflict.server is None and conflict.reason
    assert session.get(Record, R1).answers["employee_comments"] == "Mine"
    # shared again later: the comment is rebased onto the new version, to be sent
    assert take(session, wire(9, "shared", workload="Lighter")) == (1, 0)
    record = session.get(Record, R1)
    assert record.answers == {"workload": "Lighter", "employee_comments": "Mine"}
    assert record.dirty and session.get(Conflict, R1) is None


def test_discarding_work_on_a_record_no_longer_yours_removes_it(tmp_path):
    from lcc_apr.store import open_store
    from lcc_apr.sync.settle import accept_server_version

    from .conftest import MemoryKeyring

    store = open_store(tmp_path / "s.db", keyring_backend=MemoryKeyring())
    populate_first_schema(store.engine)
    with store.session() as s:
        take(s, wire(5, "shared", workload="Heavy"))
        record = s.get(Record, R1)
        update_record(s, record, user_id=1, at=AT, answers={"employee_comments": "Mine"})
        s.flush()
        remove_records(s, [R1], at=AT)
    accept_server_version(store, R1)
    with store.session() as s:
        assert s.get(Record, R1) is None and s.get(Conflict, R1) is None
        assert history(s, R1) == []
    store.close()


def test_a_record_deleted_here_and_on_the_server_settles_as_deleted(session):
    """Found by tests/reliability: both of the manager's laptops deleted one draft; the
    second one's sync stopped with "record is deleted" at every try."""
    take(session, wire(5, workload="Heavy"))
    delete_record(session, session.get(Record, R1), user_id=1, at=AT)
    assert take(session, wire(6, deleted=True, workload="Heavy")) == (1, 0)
    record = session.get(Record, R1)
    assert record.deleted and not record.dirty and record.server_rev == 6
    assert session.get(Conflict, R1) is None and verify_history(session, record) == []


def test_a_deletion_made_here_goes_again_on_top_of_a_newer_server_version(session):
    """Found by tests/reliability: a newer server version silently undid a deletion made
    here (the merge knew answers and status, not deletion)."""
    take(session, wire(5, workload="Heavy"))
    delete_record(session, session.get(Record, R1), user_id=1, at=AT)
    assert take(session, wire(6, workload="Lighter")) == (1, 0)
    record = session.get(Record, R1)
    assert record.deleted and record.dirty and record.server_rev == 6
    assert record.answers == {"workload": "Lighter"} and base_state(session, record)["answers"]
    assert session.get(Conflict, R1) is None and verify_history(session, record) == []


def test_a_deletion_on_the_server_can_be_accepted_over_local_edits(tmp_path):
    from lcc_apr.store import open_store
    from lcc_apr.sync.settle import accept_server_version

    from .conftest import MemoryKeyring

    store = open_store(tmp_path / "c.db", keyring_backend=MemoryKeyring())
    populate_first_schema(store.engine)
    with store.session() as s:
        take(s, wire(5, workload="Heavy"))
        update_record(s, s.get(Record, R1), user_id=1, at=AT, answers={"workload": "Mine"})
    with store.session() as s:
        assert take(s, wire(6, deleted=True, workload="Heavy")) == (1, 1)
        assert s.get(Conflict, R1).fields == ["(deleted on the server)"]
    accept_server_version(store, R1)
    with store.session() as s:
        record = s.get(Record, R1)
        assert record.deleted and not record.dirty and s.get(Conflict, R1) is None
        assert verify_history(s, record) == []
    store.close()


def test_a_deletion_on_the_server_can_be_answered_by_restoring_my_version(tmp_path):
    from lcc_apr.history import replay
    from lcc_apr.store import open_store
    from lcc_apr.sync.engine import SyncEngine
    from lcc_apr.sync.settle import restore_deleted

    from .conftest import MemoryKeyring

    store = open_store(tmp_path / "c.db", keyring_backend=MemoryKeyring())
    populate_first_schema(store.engine)
    with store.session() as s:
        take(s, wire(5, workload="Heavy", learning="Old course"))
        update_record(
            s,
            s.get(Record, R1),
            user_id=1,
            at=AT,
            answers={"workload": "Mine", "learning": None},
            status="shared",
        )
        take(s, wire(6, rid=R2, workload="Light"))
        update_record(s, s.get(Record, R2), user_id=1, at=AT, answers={"workload": "Edited"})
    with store.session() as s:
        assert take(s, wire(7, deleted=True, workload="Heavy", learning="Old course")) == (1, 1)
    with pytest.raises(ValueError):  # not a deletion: nothing to restore
        with store.session() as s:
            s.merge(
                Conflict(
                    record_id=R2, server_rev=6, server=None, fields=["workload"], created_at=AT
                )
            )
        restore_deleted(store, R2, user_id=1)
    with pytest.raises(KeyError):
        restore_deleted(store, "no-such-record", user_id=1)

    restore_deleted(store, R1, user_id=1, at=AT)
    with store.session() as s:
        record = s.get(Record, R1)
        assert not record.deleted and record.deleted_at is None
        assert record.answers == {"workload": "Mine"} and record.status == "shared"
        assert record.dirty and record.server_rev == 7 and s.get(Conflict, R1) is None
        assert verify_history(s, record) == []
        changes = history(s, R1)
        assert [c.action for c in changes] == ["sync", "update", "sync", "update"]
        assert changes[-1].patch["note"] == {"restored": True}
        assert changes[-1].patch["deleted"] is False and changes[-1].user_id == 1
        assert replay(changes)["deleted"] is False
        # The server's deleted version is the base: the push says which revision it restores.
        assert base_state(s, record)["deleted"] is True
        pushed = SyncEngine._wire(s, record)
        assert pushed["restore"] is True and pushed["base_rev"] == 7
        assert pushed["deleted"] is False and pushed["answers"] == {"workload": "Mine"}
        ordinary = SyncEngine._wire(s, s.get(Record, R2))
        assert "restore" not in ordinary  # ordinary pushes are unchanged on the wire
        # Once the server has applied it, the next push of the record is ordinary again.
        record.base_seq, record.server_rev = record.local_rev, 8
        update_record(s, record, user_id=1, at=AT, answers={"workload": "Mine, later"})
        assert "restore" not in SyncEngine._wire(s, record)
    store.close()


def test_a_server_version_without_its_revision_is_not_taken(session):
    with pytest.raises(IncompatibleServer, match="without its revision"):
        take(session, wire(None, workload="Heavy"))
    assert session.get(Record, R1) is None
