"""Alembic migrations: the schema they build is the model's, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lcc_apr.history import create_record, update_record, verify_history
from lcc_apr.models import Base, Department, Employee, Record, RecordKind, Role, User
from lcc_apr.store import migrate, open_store
from lcc_apr.store.keys import info_path

FIRST = "0001"


def test_migrations_build_exactly_the_model_schema(db_engine):
    migrate.upgrade(db_engine)
    with db_engine.connect() as c:
        assert migrate.current(c) == migrate.head()
        context = MigrationContext.configure(c, opts={"compare_type": True, "include_name": model})
        assert compare_metadata(context, Base.metadata) == []


def model(name, type_, _parents) -> bool:
    """Tables of the models; a local store also has first_answers (migration 0013), made
    and kept by its triggers alone, and glances (0023, lcc_apr.ops.glance: read before
    SQLAlchemy loads), never through a model."""
    return not (type_ == "table" and name in ("first_answers", "glances"))


def test_every_migration_downgrades_and_upgrades_again(db_engine):
    migrate.upgrade(db_engine)
    from alembic import command

    with db_engine.begin() as c:
        command.downgrade(migrate._config(c), "base")
    with db_engine.connect() as c:
        assert migrate.current(c) is None
    migrate.upgrade(db_engine)
    with db_engine.connect() as c:
        assert migrate.current(c) == migrate.head()


def populate_first_schema(engine) -> None:
    """Rows written the way version 0001 of the app would write them (Core, no ORM)."""
    with engine.begin() as c:
        c.execute(insert(Department.__table__), [{"id": 1, "code": "AC", "name": "Adults"}])
        c.execute(
            insert(Employee.__table__),
            [
                {
                    "id": i,
                    "payroll_number": f"1000000{i}",
                    "first_name": f"Person{i}",
                    "last_name": "Łukasiewicz",
                    "job_title": "Social Worker",
                    "grade": "8",
                    "department_id": 1,
                    "line_manager_id": 1 if i > 1 else None,
                    "start_date": date(2019, 4, 1),
                    "contract_type": "permanent",
                    "fte": 1,
                }
                for i in range(1, 4)
            ],
        )
        c.execute(
            insert(User.__table__),
            [
                {
                    "id": 1,
                    "username": "p1",
                    "employee_id": 1,
                    "display_name": "Person1",
                    "active": True,
                    "created_at": datetime(2020, 1, 1, tzinfo=UTC),
                }
            ],
        )
        c.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'manager')"))


def test_a_populated_first_schema_store_upgrades_in_place(store_path, memory_keyring):
    """A cache made by the first version: data kept, new tables usable after opening."""
    from lcc_apr.store import keys
    from lcc_apr.store.store import encrypted_engine

    # Rebuild the copied store at the first revision, as the first release made it.
    store_path.unlink()
    info = keys.read_info(store_path)
    key = keys.existing_key(store_path, info, backend=memory_keyring, ask=None)
    engine = encrypted_engine(store_path, key)
    migrate.upgrade(engine, FIRST)
    populate_first_schema(engine)
    with engine.connect() as c:
        assert migrate.current(c) == FIRST
        assert "records" not in {r[0] for r in c.exec_driver_sql("select name from sqlite_master")}
    engine.dispose()

    store = open_store(store_path, keyring_backend=memory_keyring)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Employee)) == 3
        assert s.get(User, 1).roles == {Role.MANAGER}
        assert {e.last_name for e in s.scalars(select(Employee))} == {"Łukasiewicz"}
        record = create_record(
            s,
            kind=RecordKind.APR,
            subject_id=2,
            author_id=1,
            template_id="apr",
            template_version=1,
            answers={"overall_rating": "meets"},
            status="draft",
            record_date=date(2026, 5, 1),
            at=datetime(2026, 5, 1, 9, tzinfo=UTC),
        )
        s.flush()
        assert verify_history(s, record) == []
    with store.engine.connect() as c:
        assert migrate.current(c) == migrate.head()
    store.close()
    assert info_path(store_path).exists()


def test_the_change_log_is_append_only_in_the_database(db_engine):
    migrate.upgrade(db_engine)
    populate_first_schema(db_engine)
    with Session(db_engine) as s, s.begin():
        record = create_record(
            s,
            kind=RecordKind.CAPABILITY,
            subject_id=2,
            author_id=1,
            template_id="capability",
            template_version=1,
            answers={"concerns": "Missed deadlines"},
            status="informal",
            record_date=None,
            at=datetime(2026, 1, 5, tzinfo=UTC),
        )
        s.flush()
        update_record(
            s, record, user_id=1, at=datetime(2026, 2, 1, tzinfo=UTC), status="formal_stage_1"
        )
    for statement in ("UPDATE record_changes SET patch = '{}'", "DELETE FROM record_changes"):
        with pytest.raises(DBAPIError, match="append-only"), db_engine.begin() as c:
            c.execute(text(statement))
    with Session(db_engine) as s:
        stored = s.scalar(select(Record))
        assert stored.status == "formal_stage_1" and verify_history(s, stored) == []


def test_the_head_constant_names_the_newest_script():
    # open_store skips Alembic when a store is already at HEAD: a stale constant would
    # leave a new revision unapplied.
    assert migrate.head() == migrate.HEAD


def test_indexes_a_stopped_first_sync_set_aside_are_made_again_before_a_migration(
    store_path, memory_keyring
):
    """An update installed while HR's first sync was stopped midway: the records table's
    indexes, set aside by the load, are back before any migration could change them."""
    from lcc_apr.models import SyncState
    from lcc_apr.sync import snapshot

    def indexes(engine) -> set[str]:
        with engine.connect() as c:
            rows = c.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            return {name for (name,) in rows}

    store = open_store(store_path, keyring_backend=memory_keyring)
    whole = indexes(store.engine)
    with store.session() as s:
        state = SyncState(id=1, cursor=0)
        s.add(state)
        s.flush()
        snapshot.set_indexes_aside(s, state)
    assert "ix_records_waiting" in whole and "ix_records_waiting" not in indexes(store.engine)
    migrate.upgrade(store.engine)
    assert indexes(store.engine) == whole
    with store.session() as s:
        assert s.get(SyncState, 1).deferred_indexes is None
    store.close()
