"""Records and their hash-chained history: replayable, and tampering shows."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lcc_apr.history import (
    create_record,
    delete_record,
    history,
    replay,
    update_record,
    verify_history,
)
from lcc_apr.models import ChangeAction, Record, RecordKind
from lcc_apr.store import migrate

from .test_migrations import populate_first_schema

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def new_apr(session: Session) -> Record:
    record = create_record(
        session,
        kind=RecordKind.APR,
        subject_id=2,
        author_id=1,
        template_id="apr",
        template_version=1,
        answers={"overall_rating": "meets", "learning_needs": "Excel"},
        status="draft",
        record_date=date(2026, 4, 1),
        at=T0,
    )
    session.flush()
    return record


def test_updates_append_entries_and_bump_the_local_revision(db_engine):
    migrate.upgrade(db_engine)
    populate_first_schema(db_engine)
    with Session(db_engine) as s, s.begin():
        record = new_apr(s)
        assert record.local_rev == 1 and record.dirty and record.server_rev is None
        change = update_record(
            s,
            record,
            user_id=1,
            at=T0 + timedelta(hours=1),
            answers={"learning_needs": "Power BI", "overall_rating": "meets"},
        )
        assert change is not None and change.patch == {"answers": {"learning_needs": "Power BI"}}
        assert (
            update_record(s, record, user_id=1, at=T0, answers={"overall_rating": "meets"}) is None
        )
        update_record(
            s,
            record,
            user_id=1,
            at=T0 + timedelta(days=1),
            status="shared",
            action=ChangeAction.STATUS,
        )
        delete_record(s, record, user_id=1, at=T0 + timedelta(days=2))
        s.flush()
        entries = history(s, record.id)
        assert [e.action for e in entries] == ["create", "update", "status", "delete"]
        assert [e.seq for e in entries] == [1, 2, 3, 4] and record.local_rev == 4
        assert record.deleted and s.get(Record, record.id) is record  # tombstone, not removed
        assert replay(entries)["answers"] == {
            "overall_rating": "meets",
            "learning_needs": "Power BI",
        }
        assert verify_history(s, record) == []


def test_an_edited_history_entry_is_detected(db_engine):
    migrate.upgrade(db_engine)
    populate_first_schema(db_engine)
    with Session(db_engine) as s, s.begin():
        record = new_apr(s)
        update_record(s, record, user_id=1, at=T0, answers={"overall_rating": "exceeds"})
    # Someone with direct database access removes the guard and rewrites the past.
    with db_engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE record_changes DISABLE TRIGGER record_changes_append_only"))
        else:
            c.execute(text("DROP TRIGGER record_changes_no_update"))
        forged = '{"answers": {"overall_rating": "does_not_meet"}}'
        c.execute(text("UPDATE record_changes SET patch = :p WHERE seq = 2"), {"p": forged})
        now = '{"overall_rating": "does_not_meet", "learning_needs": "Excel"}'
        c.execute(text("UPDATE records SET answers = :a"), {"a": now})
    with Session(db_engine) as s:
        problems = verify_history(s, s.scalar(select(Record)))
        assert problems == ["entry 2 was altered after it was written"]


def test_a_record_changed_outside_its_history_is_detected(db_engine):
    migrate.upgrade(db_engine)
    populate_first_schema(db_engine)
    with Session(db_engine) as s, s.begin():
        new_apr(s)
    with db_engine.begin() as c:
        c.execute(text("""UPDATE records SET answers = '{"overall_rating": "exceeds"}'"""))
    with Session(db_engine) as s:
        assert verify_history(s, s.scalar(select(Record))) == [
            "the record's content differs from what its history describes"
        ]


FIELDS = st.sampled_from(["overall_rating", "learning_needs", "career_aspirations", "wellbeing"])
VALUES = st.one_of(
    st.none(), st.text(max_size=30), st.integers(-5, 5), st.lists(st.text(max_size=5), max_size=3)
)
EDITS = st.lists(st.dictionaries(FIELDS, VALUES, max_size=3), max_size=8)


@settings(max_examples=30, deadline=None)
@given(edits=EDITS)
def test_any_sequence_of_edits_replays_to_the_record(tmp_path_factory, edits):
    from lcc_apr.store import plain_engine

    engine = plain_engine(tmp_path_factory.mktemp("h") / "h.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with Session(engine) as s, s.begin():
        record = new_apr(s)
        for n, edit in enumerate(edits):
            update_record(s, record, user_id=1, at=T0 + timedelta(minutes=n), answers=edit)
        s.flush()
        assert replay(history(s, record.id))["answers"] == record.answers
        assert verify_history(s, record) == []
    engine.dispose()
