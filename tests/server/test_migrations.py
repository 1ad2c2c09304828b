"""The server's own Alembic tree: builds exactly its tables, beside the domain's, both ways."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from lcc_apr.server import db
from lcc_apr.server.tables import ServerBase, ServerMeta
from lcc_apr.store import migrate as domain_migrate


def server_tables_only(obj, name, type_, reflected, compare_to):
    return type_ != "table" or name in ServerBase.metadata.tables


def test_the_server_tree_builds_exactly_its_model_with_its_own_version_table(db_engine):
    db.prepare_database(db_engine)
    with db_engine.connect() as c:
        assert db.server_revision(c) == db.server_head()
        assert domain_migrate.current(c) == domain_migrate.head()
        assert {"alembic_version", "alembic_version_server"} <= set(inspect(c).get_table_names())
        context = MigrationContext.configure(
            c, opts={"compare_type": True, "include_object": server_tables_only}
        )
        assert compare_metadata(context, ServerBase.metadata) == []
        meta = c.execute(select(ServerMeta.id, ServerMeta.seq, ServerMeta.epoch)).one()
    assert meta.id == 1 and meta.seq == 0 and len(meta.epoch) == 36


def test_the_server_tree_downgrades_and_upgrades_again_leaving_the_domain_alone(db_engine):
    db.prepare_database(db_engine)
    db.downgrade_server_tables(db_engine)
    with db_engine.connect() as c:
        assert db.server_revision(c) is None
        tables = set(inspect(c).get_table_names())
        assert "accounts" not in tables and "records" in tables
    db.prepare_database(db_engine)  # running it twice is harmless
    db.prepare_database(db_engine)
    with db_engine.connect() as c:
        assert db.server_revision(c) == db.server_head()
