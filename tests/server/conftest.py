"""Fixtures for the sync server's tests, and for the sync client's: a real server on 127.0.0.1.

Each test gets a fresh database holding the small demo organisation (50 people, its
history as of harness.AS_OF; every account's password is "demo"), served by real
uvicorn on 127.0.0.1 in a background thread, reached over HTTP with httpx.
Databases are parametrised like the root `db_engine`: SQLite always, PostgreSQL too
when LCC_APR_TEST_PG_URL is set (a template schema and a work schema per test run,
`options=-csearch_path=...`, dropped at the end). The first server of a test is
plugged into one uvicorn shared by the run (the same URL test after test; start-up
and shutdown cost nothing); a second server in the same test gets its own uvicorn
and its own database.

Fixtures
- `live_server` (function): a started `LiveServer` with default settings.
- `live_server_factory` (function): `start(**settings_overrides) -> LiveServer`, for
  servers with other settings (e.g. `indirect_reports=True`, `page_limit=10`); all
  are stopped at the end of the test.
- `server_template` (session, parametrised by backend): the prepared demo database
  the others copy (databases.ServerTemplate: backend, url); for tests that start
  server processes of their own: `databases.copy_database(server_template, tmp_path)`
  gives (url, drop) of a new copy (see test_concurrency.py).
- `server_workspace`, `shared_uvicorn` (session): plumbing behind `live_server`.

Helpers: harness.wire_of(record, **changes) is a Record as a client would push it
(base_rev = its server_rev); harness.server_settings(url, **overrides) are the test
settings (fixed secret key, cheap argon2).

LiveServer
- `url`: base URL, e.g. "http://127.0.0.1:40123"; `settings`: its ServerSettings (the secret
  key signs tokens: `settings.signing_key()`); `backend`: "sqlite" | "postgresql".
- `engine`: an engine on its database; `session()`: a context manager giving a
  Session in a transaction that commits on exit (read the server's tables, or make
  organisation changes with lcc_apr.server.org.move_employee).
- `people`: `DemoPeople` read from the database: `.hr`, `.managers` (not HR),
  `.employees` (neither), each a list of `DemoUser(id, username, employee_id,
  roles, manager_id)` sorted by id; `.user(id)`, `.by_employee(employee_id)`,
  `.manager_of(employee_id)` (their line manager's user) and `.reports(user)`.
- `client(token=None)`: an httpx.Client on `url` sending `LCC-APR-Protocol: 1`
  (and the bearer token when given); closed when the server stops.
- `login(username, password="demo", device="test laptop")`: a `SignedIn` with
  `.client` (bearer set), `.tokens` (the login reply) and `.user` (its "user" part);
  `SignedIn.pull_all(cursor=0, epoch=None, limit=None)` pages until `more` is
  false and returns (items, last reply); `SignedIn.push(records, key=None)`
  returns the httpx response.
- `records(**where)`: Record rows from the database (`Record` attributes as keyword
  filters, e.g. `kind=RecordKind.APR, status="shared"`), ordered by server_rev.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lcc_apr.server import create_app
from lcc_apr.server.db import make_engine, prepare_database
from lcc_apr.server.demo import load_server_demo
from lcc_apr.server.security import Passwords

from .databases import BACKENDS, ServerTemplate, Workspace, copy_database, pg_admin, pg_url
from .harness import (
    AS_OF,
    DEMO_SIZE,
    AppSwitch,
    DemoPeople,
    LiveServer,
    ThreadedUvicorn,
    server_settings,
)


@pytest.fixture(scope="session", params=BACKENDS)
def server_template(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[ServerTemplate]:
    """The demo organisation in a prepared server database, made once per backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("server-template") / "server.db"
        url = f"sqlite:///{path}"
        template = ServerTemplate("sqlite", url, path=path)
    else:
        schema = f"t_srv_tmpl_{uuid.uuid4().hex[:10]}"
        pg_admin(f"CREATE SCHEMA {schema}")
        template = ServerTemplate("postgresql", pg_url(schema), schema=schema)
    engine = make_engine(template.url)
    prepare_database(engine)
    settings = server_settings(template.url)
    load_server_demo(engine, Passwords(settings), size=DEMO_SIZE, seed=2020, as_of=AS_OF)
    if template.backend == "sqlite":
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    yield template
    if template.schema:
        pg_admin(f"DROP SCHEMA {template.schema} CASCADE")


@pytest.fixture(scope="session")
def server_workspace(server_template: ServerTemplate, tmp_path_factory) -> Iterator[Workspace]:
    workspace = Workspace(server_template, tmp_path_factory.mktemp("server-work"))
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def shared_uvicorn() -> Iterator[tuple[AppSwitch, str]]:
    """One uvicorn for the whole run; each test plugs its own app into the switch."""
    switch = AppSwitch()
    runner = ThreadedUvicorn(switch)
    url = runner.start()
    yield switch, url
    runner.stop()


@pytest.fixture
def live_server_factory(
    server_template: ServerTemplate,
    server_workspace: Workspace,
    shared_uvicorn: tuple[AppSwitch, str],
    tmp_path: Path,
):
    switch, shared_url = shared_uvicorn
    started: list[tuple[LiveServer, Callable[[], None]]] = []

    def start(**overrides: Any) -> LiveServer:
        first = not started
        if first:  # the shared uvicorn and the workspace database
            url, drop_db = server_workspace.fresh(), (lambda: None)
        else:  # a second server in one test: its own database and its own uvicorn
            url, drop_db = copy_database(server_template, tmp_path)
        settings = server_settings(url, **overrides)
        engine = make_engine(url)
        app = create_app(settings, engine)
        if first:
            switch.app, base = app, shared_url

            def stop() -> None:
                switch.app = None
        else:
            runner = ThreadedUvicorn(app)
            base, stop = runner.start(), runner.stop
        with Session(engine) as session:
            people = DemoPeople.read(session)
        server = LiveServer(base, settings, engine, server_template.backend, people)

        def finish() -> None:
            server.close_clients()
            stop()
            engine.dispose()
            drop_db()

        started.append((server, finish))
        return server

    yield start
    for _server, finish in reversed(started):
        finish()


@pytest.fixture
def live_server(live_server_factory) -> LiveServer:
    return live_server_factory()
