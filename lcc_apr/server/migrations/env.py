"""Alembic environment of the server-only tables (own version table), driven from code."""

from alembic import context

from lcc_apr.server.tables import ServerBase

VERSION_TABLE = "alembic_version_server"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=ServerBase.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
