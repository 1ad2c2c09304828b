"""The demo server inside the desktop app: the demo organisation on 127.0.0.1.

Used by "Try the demo": builds the demo server database once in the user
data folder (40-80 s for 6,087 people on 2 cores; a progress callback reports it),
then serves it with uvicorn in a background thread on a free loopback port.
Plain HTTP is allowed only because it never leaves this computer. The demo has its own
signing authority (made on first start, beside the demo database) so sign-off works.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, exists, select

from lcc_apr.models import Employee, Record, RecordKind, Role, User, UserRole
from lcc_apr.store.lock import StoreLock

from .db import is_current, make_engine, prepare_database
from .demo import DEMO_PASSWORD, load_server_demo
from .security import Passwords
from .settings import ServerSettings, load_settings

if TYPE_CHECKING:
    import uvicorn

DEMO_AS_OF = date(2026, 11, 30)
T = TypeVar("T")


@dataclass(frozen=True)
class DemoLogins:
    """One demo account per role, each with the password "demo"."""

    manager: str
    employee: str
    hr: str | None  # None: a small demo may have no HR adviser
    password: str = DEMO_PASSWORD


class EmbeddedServer:
    def __init__(self, folder: Path, *, size: int = 6087, as_of: date = DEMO_AS_OF) -> None:
        self.path = folder / "demo-server.db"
        self.size, self.as_of = size, as_of
        self.settings: ServerSettings = load_settings(
            database_url=f"sqlite:///{self.path}",
            secret_key_file=folder / "demo-server.key",
            ca_cert_file=folder / "demo-signing-ca.pem",
            ca_key_file=folder / "demo-signing-ca.key",
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self._lock: StoreLock | None = None  # held while built or served (lcc_apr.demo.remove)

    def _take_lock(self) -> None:
        if self._lock is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = StoreLock.take(self.path)

    def prepare(self, progress: Callable[[str, int], None] | None = None) -> None:
        """Build the demo database the first time (kept for later starts)."""
        ready = self.path.with_name(self.path.name + ".ready")
        self._take_lock()
        if ready.exists():
            return
        for leftover in self.path.parent.glob(self.path.name + "*"):
            if leftover.suffix != ".lock":
                leftover.unlink()  # an interrupted build
        engine = make_engine(self.settings.database_url)
        try:
            prepare_database(engine)
            load_server_demo(
                engine,
                Passwords(self.settings),
                size=self.size,
                seed=2020,
                as_of=self.as_of,
                progress=progress,
            )
        finally:
            engine.dispose()
        ready.touch()

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL."""
        import uvicorn

        from .app import create_app
        from .ca import ensure_authority

        self._take_lock()
        self._engine = make_engine(self.settings.database_url)
        if not is_current(self._engine):  # a demo built by an older version of the app
            prepare_database(self._engine)
        ensure_authority(self.settings, self._engine)  # the demo signs too: its own authority
        app = create_app(self.settings, self._engine)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", server_header=False
        )
        self._server = server = uvicorn.Server(config)
        self._thread = thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The demo server did not start.")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=20)
        if self._engine is not None:
            self._engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def logins(self) -> DemoLogins:
        """A manager with a full team, one of their reports (one with an APR shared with
        them, when any has), and an HR adviser."""
        engine = make_engine(self.settings.database_url)
        try:
            with engine.connect() as c:
                spans: dict[int, int] = {}
                for manager_id in c.scalars(select(Employee.line_manager_id)):
                    if manager_id is not None:
                        spans[manager_id] = spans.get(manager_id, 0) + 1
                boss = min(spans, key=lambda m: (abs(spans[m] - 12), m))
                hr_people = set(
                    c.scalars(
                        select(User.employee_id)
                        .join(UserRole)
                        .where(UserRole.role == Role.HR, User.employee_id.is_not(None))
                    )
                )  # no NULL: NOT IN (..., NULL) matches nobody
                report = _found(
                    "member of a team",
                    c.scalar(
                        select(Employee.id)
                        .where(
                            Employee.line_manager_id == boss, Employee.id.not_in(hr_people | {boss})
                        )
                        .order_by(shared_apr(Employee.id).desc(), Employee.id)
                    ),
                )
                name = {
                    e: _found("login", c.scalar(select(User.username).where(User.employee_id == e)))
                    for e in (boss, report)
                }
                hr = c.scalar(
                    select(User.username)
                    .join(UserRole)
                    .where(UserRole.role == Role.HR, User.employee_id.not_in([boss, report]))
                    .order_by(User.id)
                )
        finally:
            engine.dispose()
        return DemoLogins(manager=name[boss], employee=name[report], hr=hr)


def shared_apr(employee_id: Any) -> Any:
    """True when the employee has an APR shared with them (something for a tester signed
    in as them to read, comment on and sign)."""
    return exists().where(
        Record.subject_id == employee_id,
        Record.kind == RecordKind.APR,
        Record.status == "shared",
        Record.deleted.is_(False),
    )


def _found(what: str, value: T | None) -> T:
    if value is None:
        raise RuntimeError(f"The demo organisation has no {what}.")
    return value
