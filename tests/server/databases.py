"""Test databases for the server: the demo template, fresh copies, the per-run workspace.

SQLite always; PostgreSQL when LCC_APR_TEST_PG_URL is set, each database a schema
of its own (`options=-csearch_path=...`), dropped when done.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lcc_apr.server.db import make_engine, prepare_database

PG_URL = os.environ.get("LCC_APR_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
COPIED_TABLES = (
    "departments",
    "employees",
    "users",
    "user_roles",
    "posts",  # the demo's posts and their history (lcc_apr/demo/careers.py)
    "post_history",
    "records",
    "record_changes",
    "sign_offs",
    "accounts",
    "absences",
)
SERIALS = (
    "departments",
    "employees",
    "users",
    "posts",
    "post_history",
    "record_changes",
    "sign_offs",
)
SERVER_STATE_TABLES = (
    "auth_sessions",
    "refresh_tokens",
    "idempotency_replies",
    "scope_events",
    "audit_log",
    "sign_in_names",
    "retention_due",
    "retention_tombstones",
    "legal_holds",
    "absence_imports",
    "absence_removals",
)


def pg_url(schema: str) -> str:
    assert PG_URL
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class ServerTemplate:
    backend: str
    url: str
    path: Path | None = None  # SQLite file
    schema: str | None = None  # PostgreSQL schema


def pg_admin(sql: str) -> None:
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(sql))
    admin.dispose()


def _fill_from_template(connection: Any, template: ServerTemplate) -> None:
    """Copy the template schema's rows into the (empty, migrated) schema on the path."""
    for table in COPIED_TABLES:
        connection.execute(text(f"INSERT INTO {table} SELECT * FROM {template.schema}.{table}"))
    connection.execute(
        text(
            f"UPDATE server_meta SET epoch = :epoch, "
            f"seq = (SELECT seq FROM {template.schema}.server_meta)"
        ),
        {"epoch": str(uuid.uuid4())},
    )
    for table in SERIALS:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        )


def copy_database(template: ServerTemplate, workdir: Path) -> tuple[str, Callable[[], None]]:
    """A new database holding the template's contents: (url, drop)."""
    if template.backend == "sqlite":
        assert template.path
        path = workdir / f"server-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(template.path, path)
        return f"sqlite:///{path}", lambda: None
    schema = f"t_srv_{uuid.uuid4().hex[:12]}"
    pg_admin(f"CREATE SCHEMA {schema}")
    url = pg_url(schema)
    engine = make_engine(url)
    prepare_database(engine)
    with engine.begin() as c:
        _fill_from_template(c, template)
    engine.dispose()
    return url, lambda: pg_admin(f"DROP SCHEMA {schema} CASCADE")


class Workspace:
    """The database each test's first server uses, put back to the template's state.

    SQLite: a new copy of the template file. PostgreSQL: one migrated schema per run,
    emptied (TRUNCATE) and refilled from the template (much faster than migrating).
    """

    def __init__(self, template: ServerTemplate, workdir: Path) -> None:
        self.template, self.workdir = template, workdir
        self.url: str | None = None
        self._drop: Callable[[], None] = lambda: None
        if template.backend == "postgresql":
            self.url, self._drop = copy_database(template, workdir)
            self.engine = make_engine(self.url)

    def fresh(self) -> str:
        if self.template.backend == "sqlite":
            if self.url:  # the previous test's copy (its server has stopped)
                for suffix in ("", "-wal", "-shm"):
                    Path(self.url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
            self.url, _drop = copy_database(self.template, self.workdir)
            return self.url
        assert self.url
        tables = ", ".join((*COPIED_TABLES, *SERVER_STATE_TABLES))
        with self.engine.begin() as c:
            c.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            _fill_from_template(c, self.template)
        return self.url

    def close(self) -> None:
        if self.template.backend == "postgresql":
            self.engine.dispose()
        self._drop()
