"""Packed history in a local store (migration 0013): compressed patches, first answers held
once, a store made before it upgraded in place, and the server's database left as it was."""

import dataclasses
from datetime import UTC, date, datetime, timedelta

import orjson
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, defer

from lcc_apr.cli import EXIT_OK, main
from lcc_apr.demo import build_organisation, generate_history, load_demo
from lcc_apr.demo.build import open_demo_store
from lcc_apr.history import (
    create_record,
    history,
    purge_records,
    replay,
    update_record,
    verify_history,
)
from lcc_apr.models import Record, RecordKind
from lcc_apr.models.answers import unpack as unpack_answers
from lcc_apr.models.patches import PACKED
from lcc_apr.store import migrate, plain_engine

from .test_migrations import populate_first_schema

AS_OF = date(2026, 11, 30)
T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)


def unpacked_engine(path):
    """An engine as the version before 0013 made them: patches written as JSON text."""
    engine = plain_engine(path)
    setattr(engine.dialect, PACKED, False)
    return engine


def stored(connection) -> dict[tuple[str, int], bytes | str]:
    """The patches as the database holds them, by (record id, seq)."""
    rows = connection.exec_driver_sql("SELECT record_id, seq, patch FROM record_changes")
    return {(r, s): p for r, s, p in rows}


LATER = (defer(Record.content_hash), defer(Record.hash_rev))  # columns after 0013


def snapshot(engine) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """Every record's answers and its history's patches, read through the ORM."""
    with Session(engine) as s:
        records = list(s.scalars(select(Record).options(*LATER)))
        return (
            {r.id: r.answers for r in records},
            {r.id: [c.patch for c in history(s, r.id)] for r in records},
        )


def new_apr(session: Session, answers: dict) -> Record:
    record = create_record(
        session,
        kind=RecordKind.APR,
        subject_id=2,
        author_id=1,
        template_id="apr",
        template_version=1,
        answers=answers,
        status="draft",
        record_date=date(2026, 4, 1),
        at=T0,
    )
    return record


def test_a_store_made_before_packing_upgrades_in_place(tmp_path):
    path = tmp_path / "cache.db"
    old = unpacked_engine(path)
    migrate.upgrade(old, "0012")
    org = build_organisation(seed=2020, size=30, as_of=AS_OF)
    at_0012 = dataclasses.replace(org, absences=())  # absence episodes came with 0020
    with Session(old) as s, s.begin():
        load_demo(s, at_0012, generate_history(org, seed=2020, as_of=AS_OF))
        edited = s.scalars(select(Record).options(*LATER).order_by(Record.id)).first()
        rid, first = edited.id, dict(edited.answers)
        update_record(s, edited, user_id=None, at=T0, answers={"extra": "changed later"})
    with old.connect() as c:
        assert all(isinstance(p, str) for p in stored(c).values())  # JSON text, as before
    answers, patches = snapshot(old)
    old.dispose()

    engine = plain_engine(path)
    migrate.upgrade(engine)
    with engine.connect() as c:
        after = stored(c)
    assert after[(rid, 1)][:1] == b"Z"  # its answers changed since: kept whole
    tags = {p[:1] for (record_id, _), p in after.items() if record_id != rid}
    assert tags == {b"F"}  # every other create entry: its answers are the record's
    assert snapshot(engine) == (answers, patches)  # nothing read differs
    with Session(engine) as s:
        records = list(s.scalars(select(Record)))
        assert len(records) == len(answers) > 1000
        assert all(verify_history(s, r) == [] for r in records)
        assert history(s, rid)[0].patch["answers"] == first
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert c.exec_driver_sql("PRAGMA freelist_count").scalar() == 0  # vacuumed
    engine.dispose()


def test_packing_is_smaller_than_json_text(tmp_path):
    sizes = {}
    for name, make in (("old", unpacked_engine), ("new", plain_engine)):
        engine = make(tmp_path / f"{name}.db")
        migrate.upgrade(engine)
        org = build_organisation(seed=2020, size=20, as_of=AS_OF)
        with Session(engine) as s, s.begin():
            load_demo(s, org, generate_history(org, seed=2020, as_of=AS_OF))
        with engine.connect() as c:
            sizes[name] = c.exec_driver_sql(
                "SELECT sum(length(patch)) FROM record_changes"
            ).scalar()
        engine.dispose()
    assert sizes["new"] < sizes["old"] / 5


def test_first_answers_are_kept_when_the_record_changes(tmp_path):
    engine = plain_engine(tmp_path / "cache.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    first = {"overall_rating": "meets", "learning_needs": "Excel"}
    with Session(engine) as s, s.begin():
        record = new_apr(s, dict(first))
        s.flush()
        assert stored(s.connection())[(record.id, 1)][:1] == b"F"
        for hour, needs in ((1, "Power BI"), (2, "SQL")):
            update_record(
                s,
                record,
                user_id=1,
                at=T0 + timedelta(hours=hour),
                answers={"learning_needs": needs},
            )
            s.flush()
        rid = record.id
    with engine.connect() as c:
        kept = c.exec_driver_sql("SELECT answers FROM first_answers WHERE record_id = ?", (rid,))
        assert unpack_answers(kept.scalar()) == first  # the first change copied them; no later one
    with Session(engine) as s:
        record = s.get(Record, rid)
        changes = history(s, rid)
        assert changes[0].patch["answers"] == first and record.answers["learning_needs"] == "SQL"
        assert replay(changes)["answers"] == record.answers
        assert verify_history(s, record) == []
        purge_records(s, [rid])
        s.commit()
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM first_answers").scalar() == 0
    engine.dispose()


def test_a_record_changed_before_its_first_write_keeps_its_whole_create_entry(tmp_path):
    engine = plain_engine(tmp_path / "cache.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with Session(engine) as s, s.begin():
        record = new_apr(s, {"overall_rating": "meets"})
        update_record(s, record, user_id=1, at=T0, answers={"overall_rating": "exceeds"})
        s.flush()
        assert stored(s.connection())[(record.id, 1)][:1] == b"Z"
        assert verify_history(s, record) == []
        assert history(s, record.id)[0].patch["answers"] == {"overall_rating": "meets"}


def test_a_tampered_first_answers_row_fails_verification(tmp_path):
    engine = plain_engine(tmp_path / "cache.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with Session(engine) as s, s.begin():
        record = new_apr(s, {"overall_rating": "meets"})
        s.flush()
        update_record(s, record, user_id=1, at=T0, answers={"overall_rating": "exceeds"})
        rid = record.id
    with engine.begin() as c:
        c.execute(text('UPDATE first_answers SET answers = \'{"overall_rating":"below"}\''))
    with Session(engine) as s:
        assert "entry 1 was altered after it was written" in verify_history(s, s.get(Record, rid))


def test_the_server_database_keeps_json_patches(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'server.db'}")  # no PACKED: as the server's
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with Session(engine) as s, s.begin():
        new_apr(s, {"overall_rating": "meets"})
    with engine.connect() as c:
        (patch,) = stored(c).values()
    assert isinstance(patch, str) and orjson.loads(patch)["answers"] == {"overall_rating": "meets"}
    with engine.connect() as c:
        tables = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert "first_answers" not in tables
    engine.dispose()


def test_an_encrypted_demo_store_upgraded_in_place_passes_the_check(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    assert main(["demo", "--size", "30", "--as-of", "2026-11-30"]) == EXIT_OK
    store = open_demo_store(tmp_path / "demo.db", keyring_backend=None)
    with store.engine.begin() as c:
        command.downgrade(migrate._config(c), "0012")  # as the version before made it
    store.close()
    capsys.readouterr()
    assert main(["check"]) == EXIT_OK  # opening it upgrades it
    assert " 0 problem(s)" in capsys.readouterr().out
    store = open_demo_store(tmp_path / "demo.db", keyring_backend=None)
    with store.engine.connect() as c:
        assert migrate.current(c) == migrate.HEAD
        tags = c.exec_driver_sql("SELECT DISTINCT substr(patch, 1, 1) FROM record_changes")
        assert {r[0] for r in tags} == {b"F"}
    store.close()
