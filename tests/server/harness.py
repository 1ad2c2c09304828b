"""The test harness behind tests/server/conftest.py: a live server and its handles.

Importable by other test folders: `from tests.server.harness import LiveServer, ...`
(databases: tests/server/databases.py), or pull the fixtures in with
`pytest_plugins = ["tests.server.conftest"]` in the root conftest.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Record, Role, User
from lcc_apr.server import ServerSettings
from lcc_apr.server.demo import DEMO_PASSWORD
from lcc_apr.sync.protocol import PROTOCOL, PROTOCOL_HEADER

AS_OF = date(2025, 11, 30)
DEMO_SIZE = 50
SECRET = "test-secret-" + "x" * 40
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8 * 1024, "argon2_parallelism": 1}


_AUTHORITY: dict[str, Path] = {}


def signing_authority_files() -> dict[str, Path]:
    """ServerSettings naming one signing authority made once per run in a temporary folder."""
    if not _AUTHORITY:
        from lcc_apr.server.ca import ensure_authority
        from lcc_apr.server.cakey import encrypted_pem

        folder = Path(tempfile.mkdtemp(prefix="lcc-apr-test-ca-"))
        atexit.register(shutil.rmtree, folder, True)
        (folder / "ca.passphrase").write_text("test passphrase of the CA key\n")
        files = {
            "ca_cert_file": folder / "ca.pem",
            "ca_key_file": folder / "ca.key",
            "ca_passphrase_file": folder / "ca.passphrase",
        }
        settings = ServerSettings(database_url="sqlite://", secret_key=SECRET, **files)
        authority, _made = ensure_authority(settings)
        # the same key under fewer PBKDF2 rounds: each test server reads it quickly
        quick = encrypted_pem(authority.key, "test passphrase of the CA key", rounds=2048)
        (folder / "ca.key").write_bytes(quick)
        _AUTHORITY.update(files)
    return dict(_AUTHORITY)


def server_settings(url: str, **overrides: Any) -> ServerSettings:
    """Settings for a test server; its purge ledger and ready-made caches its own (not the
    user's)."""
    folder = signing_authority_files()["ca_cert_file"].parent
    ledger = {"purge_ledger_file": folder / f"purged-{uuid.uuid4().hex}.jsonl"}
    ledger["ready_cache_dir"] = folder / f"ready-{uuid.uuid4().hex}"  # HR's, when a test builds
    merged = {**CHEAP_ARGON2, **signing_authority_files(), **ledger, **overrides}
    return ServerSettings(database_url=url, secret_key=SECRET, **merged)


@dataclass(frozen=True)
class DemoUser:
    id: int
    username: str
    employee_id: int | None
    roles: frozenset[Role]
    manager_id: int | None  # the employee id of their line manager


@dataclass
class DemoPeople:
    users: dict[int, DemoUser]

    @classmethod
    def read(cls, session: Session) -> DemoPeople:
        managers = dict(session.execute(select(Employee.id, Employee.line_manager_id)).all())
        found = {}
        for user in session.scalars(select(User).order_by(User.id)):
            found[user.id] = DemoUser(
                user.id,
                user.username,
                user.employee_id,
                user.roles,
                managers.get(user.employee_id),
            )
        return cls(found)

    def _with(self, test: Callable[[DemoUser], bool]) -> list[DemoUser]:
        return [u for u in self.users.values() if test(u)]

    @property
    def hr(self) -> list[DemoUser]:
        return self._with(lambda u: Role.HR in u.roles)

    @property
    def managers(self) -> list[DemoUser]:
        return self._with(lambda u: Role.MANAGER in u.roles and Role.HR not in u.roles)

    @property
    def employees(self) -> list[DemoUser]:
        staff = {Role.EMPLOYEE}
        return self._with(lambda u: u.roles == staff)

    def user(self, user_id: int) -> DemoUser:
        return self.users[user_id]

    def by_employee(self, employee_id: int) -> DemoUser:
        return next(u for u in self.users.values() if u.employee_id == employee_id)

    def manager_of(self, employee_id: int) -> DemoUser:
        return self.by_employee(self.by_employee(employee_id).manager_id)  # type: ignore[arg-type]

    def reports(self, manager: DemoUser) -> list[DemoUser]:
        return self._with(lambda u: u.manager_id == manager.employee_id)


@dataclass
class SignedIn:
    client: httpx.Client
    tokens: dict[str, Any]

    @property
    def user(self) -> dict[str, Any]:
        return self.tokens["user"]

    def pull_all(
        self, cursor: int = 0, epoch: str | None = None, limit: int | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"cursor": cursor}
            if epoch:
                params["epoch"] = epoch
            if limit:
                params["limit"] = limit
            response = self.client.get("/sync/pull", params=params)
            assert response.status_code == 200, response.text
            reply = response.json()
            items += reply["items"]
            cursor, epoch = reply["cursor"], reply["epoch"]
            if not reply["more"]:
                return items, reply

    def push(self, records: list[dict[str, Any]], key: str | None = None) -> httpx.Response:
        return self.client.post(
            "/sync/push", json={"key": key or str(uuid.uuid4()), "records": records}
        )


@dataclass
class LiveServer:
    url: str
    settings: ServerSettings
    engine: Engine
    backend: str
    people: DemoPeople
    _clients: list[httpx.Client] = field(default_factory=list)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {PROTOCOL_HEADER: str(PROTOCOL)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def login(
        self, username: str, password: str = DEMO_PASSWORD, device: str = "test laptop"
    ) -> SignedIn:
        reply = self.client().post(
            "/auth/login", json={"username": username, "password": password, "device": device}
        )
        assert reply.status_code == 200, reply.text
        tokens = reply.json()
        return SignedIn(self.client(tokens["access_token"]), tokens)

    def records(self, **where: Any) -> list[Record]:
        with self.session() as session:
            stmt = select(Record).filter_by(**where).order_by(Record.server_rev)
            return list(session.scalars(stmt))

    def close_clients(self) -> None:
        for client in self._clients:
            client.close()


class ThreadedUvicorn:
    """uvicorn.Server in a daemon thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class AppSwitch:
    """An ASGI app that hands each request to the app of the test now running."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]  # startup | shutdown
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if self.app is None:
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def wire_of(record: Record, **changes: Any) -> dict[str, Any]:
    """A record as a client would push it after editing: base_rev = its server_rev.

    `answers=` is merged into the record's answers (a None value removes a field);
    any other keyword replaces that wire field (status, deleted, base_rev, step_reason...).
    """
    from lcc_apr.sync.protocol import to_wire

    wire: dict[str, Any] = dict(to_wire(record, base_rev=record.server_rev, push=True))
    answers = changes.pop("answers", None)
    if answers is not None:
        merged = {**wire["answers"], **answers}
        wire["answers"] = {k: v for k, v in merged.items() if v is not None}
    wire.update(changes)
    return wire
