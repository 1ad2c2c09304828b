"""The demo server inside the desktop app: the demo organisation on 127.0.0.1.

Used by "Try the demo": builds the demo server database once in the user data folder,
then serves it with uvicorn in a background thread on a free loopback port. The full
demo (6,087 people) is built in two stages (lcc_apr.server.demo). `prepare` loads the
organisation and the demo team's records (all the demo's manager and employee see: 6 s
on 2 cores, a progress callback reports it) and marks the database `.ready`; `start`
serves it; `complete_in_background`, called after the first sync (so that sync has only
those records to pull), adds the other ~241,000 records in a spawned process (60-80 s,
on the other core), batch by batch through the server's sequence: HR's later syncs pull
them as ordinary changes. The `.unfinished` mark stays until that process has added them
all; after an interruption (the app quit) the next start runs it again, and it adds only
what is missing. Small demos (under STAGED_FROM people) are built in one go.
Plain HTTP is allowed only because it never leaves this computer. The demo has its own
signing authority (made on first start, beside the demo database) so sign-off works.
DEMO ONLY: its key's passphrase is generated into the same folder (cakey.demo_passphrase):
the demo's people are invented, and a real server never keeps the passphrase on disk.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, exists, func, select
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Record, RecordKind, Role, User, UserRole
from lcc_apr.store.lock import StoreLock

from .cakey import DEMO_ROUNDS, demo_passphrase
from .db import is_current, make_engine, prepare_database
from .demo import (
    DEMO_PASSWORD,
    add_missing_records,
    demo_manager,
    load_server_demo,
    load_server_team,
)
from .security import Passwords
from .settings import ServerSettings, load_settings

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess
    from multiprocessing.synchronize import Event

    import uvicorn

DEMO_AS_OF = date(2026, 11, 30)
SEED = 2020
READY_CACHE_DIR = "demo-ready-cache"  # lcc_apr.demo.remove deletes it with the demo
STAGED_FROM = 1000  # people: smaller demos are built in one go (under a second)
T = TypeVar("T")


@dataclass(frozen=True)
class DemoLogins:
    """One demo account per role, each with the password "demo"."""

    manager: str
    employee: str
    hr: str | None  # None: a small demo may have no HR adviser
    password: str = DEMO_PASSWORD


class EmbeddedServer:
    def __init__(
        self,
        folder: Path,
        *,
        size: int = 6087,
        as_of: date = DEMO_AS_OF,
        staged: bool | None = None,
    ) -> None:
        self.path = folder / "demo-server.db"
        self.ready = self.path.with_name(self.path.name + ".ready")  # it can be served
        self.unfinished = self.path.with_name(self.path.name + ".unfinished")  # records to add
        self.size, self.as_of = size, as_of
        self.staged = size >= STAGED_FROM if staged is None else staged
        self.settings: ServerSettings = load_settings(
            database_url=f"sqlite:///{self.path}",
            secret_key_file=folder / "demo-server.key",
            ca_cert_file=folder / "demo-signing-ca.pem",
            ca_key_file=folder / "demo-signing-ca.key",
            # DEMO ONLY: the key's passphrase beside it (cakey.demo_passphrase)
            ca_passphrase_file=folder / "demo-signing-ca.passphrase",
            ready_cache_dir=folder / READY_CACHE_DIR,  # HR's, made once the demo is complete
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self._lock: StoreLock | None = None  # held while built or served (lcc_apr.demo.remove)
        self._rest: SpawnProcess | None = None  # adding the records of the second stage
        self._stop_rest: Event | None = None

    def _take_lock(self) -> None:
        if self._lock is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = StoreLock.take(self.path)

    def prepare(self, progress: Callable[[str, int], None] | None = None) -> None:
        """Build the demo database the first time (kept for later starts): all of it, or
        when staged its first stage (the rest is added once it is served)."""
        self._take_lock()
        demo_passphrase(self.settings)
        if self.ready.exists():
            return
        for leftover in self.path.parent.glob(self.path.name + "*"):
            if leftover.suffix != ".lock":
                leftover.unlink()  # an interrupted build
        engine = make_engine(self.settings.database_url)
        passwords = Passwords(self.settings)
        try:
            prepare_database(engine)
            if self.staged:
                self.unfinished.touch()
            load = load_server_team if self.staged else load_server_demo
            load(engine, passwords, size=self.size, seed=SEED, as_of=self.as_of, progress=progress)
        finally:
            engine.dispose()
        self.ready.touch()

    @property
    def complete(self) -> bool:
        """Whether every record of the demo is in its database."""
        return self.ready.exists() and not self.unfinished.exists()

    def wait_complete(self, timeout: float | None = None) -> bool:
        """Wait for the second stage to end (benchmarks, tests); whether it is complete."""
        if self._rest is not None:
            self._rest.join(timeout)
        return self.complete

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL."""
        import uvicorn

        from .app import create_app
        from .ca import ensure_authority

        self._take_lock()
        self._engine = make_engine(self.settings.database_url)
        if not is_current(self._engine):  # a demo built by an older version of the app
            prepare_database(self._engine)
        demo_passphrase(self.settings)
        # the demo signs too: its own authority
        ensure_authority(self.settings, self._engine, rounds=DEMO_ROUNDS)
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

    def complete_in_background(self) -> None:
        """Start the second stage when records are still to add (call it once the first
        sync is done: that sync then has only the first stage's records to pull). It runs
        in a spawned process (a fresh interpreter, never a fork of a process with Qt
        threads), so the app and the server keep their core."""
        if not self.unfinished.exists() or self._rest is not None:
            return
        context = multiprocessing.get_context("spawn")
        self._stop_rest = context.Event()
        self._rest = context.Process(
            target=add_the_rest,
            args=(self.settings, self.size, self.as_of, self.unfinished),
            kwargs={"stop": self._stop_rest},
            name="demo-records",
            daemon=True,
        )
        self._rest.start()

    def stop(self) -> None:
        if self._rest is not None:  # it stops between two batches; the next start goes on
            assert self._stop_rest is not None
            self._stop_rest.set()
            self._rest.join(timeout=10)
            if self._rest.is_alive():
                self._rest.terminate()  # its open batch is rolled back
                self._rest.join()
            self._rest = None
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
                boss = demo_manager(c.execute(select(Employee.id, Employee.line_manager_id)))
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


def add_the_rest(
    settings: ServerSettings, size: int, as_of: date, unfinished: Path, stop: Event | None = None
) -> None:
    """The second stage (in its own process): every missing record added, then the
    `.unfinished` mark removed and HR's ready-made cache built (lcc_apr.server.ready_cache:
    HR's first sync then copies it in). Stops between batches when `stop` is set or the app
    that started it has gone. Progress goes to stderr (counts only)."""
    parent = multiprocessing.parent_process()

    def stopping() -> bool:
        return (stop is not None and stop.is_set()) or (
            parent is not None and not parent.is_alive()
        )

    def progress(stage: str, n: int) -> None:
        if n % 25_000 < 1000:
            _say(f"the rest of the demo's records (for HR), in the background: {n:,} added")

    engine = make_engine(settings.database_url, pool_size=1)
    try:
        added = add_missing_records(
            engine, size=size, seed=SEED, as_of=as_of, stop=stopping, progress=progress
        )
        if stopping():
            return
        unfinished.unlink(missing_ok=True)
        with Session(engine) as session:
            total = session.scalar(select(func.count(Record.id)))
        _say(f"the demo is complete: {added:,} records added in the background, {total:,} in all")
        if not stopping():
            from .ready_cache import build

            made = build(settings, engine)
            _say(f"HR's ready-made first sync: {made.records:,} records, {made.size >> 20} MB")
    finally:
        engine.dispose()


def _say(line: str) -> None:
    try:
        sys.stderr.write(f"lcc-apr: {line}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # no terminal
        pass


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
