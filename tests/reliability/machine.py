"""The state machine: one server, a manager on two laptops, the employee and HR.

Every example starts the server process on a fresh copy of the demo database and gives
each person a new laptop that has synced once. Rules are what people and the world do:
offline edits (the same answer on both of the manager's laptops too), new records,
deletions, workflow steps, the employee's sign-off, conflicts settled, syncs through a
fault proxy (requests and replies cut or stalled: pushes, pulls and /auth/refresh),
clocks skewed by days, the server restarted or killed in the middle of a push, a
laptop killed between its local commit and its push and opened again from disk. The
checks (checks.py) run after every step; at the end everyone syncs cleanly, settles
their conflicts, and every check runs over everything.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Record, RecordKind
from lcc_apr.policy import load_policy
from lcc_apr.server.db import make_engine
from lcc_apr.sync.errors import NetworkError
from tests.server.databases import ServerTemplate, Workspace
from tests.server.harness import DemoPeople, DemoUser, server_settings

from .checks import ANSWER, CREATE, DELETE, KINDS, RESTORE, SIGN, STATUS, Checker, Ledger, Tally
from .laptop import (
    PAGE,
    PULL_PAGE,
    PUSH_ANSWERED,
    REFRESH_ANSWERED,
    SEND_PUSH,
    BlankStore,
    Crash,
    Laptop,
)
from .proxy import (
    CUT_REQUEST,
    CUT_RESPONSE,
    KILL,
    STALL_REQUEST,
    STALL_RESPONSE,
    Fault,
    FaultProxy,
)
from .server import ServerProcess

MANAGER_A, MANAGER_B, EMPLOYEE, HR = "manager-a", "manager-b", "employee", "hr"
NAMES = (MANAGER_A, MANAGER_B, EMPLOYEE, HR)
ROUTES = ("/sync/push", "/sync/pull", "/auth/refresh", "/sync/push", "/sync/pull", "/org")
SLOW, TOO_SLOW = 0.2, 1.3  # seconds a stall lasts: within the laptop's timeout, beyond it
FIGURES = (
    "steps",
    "examples",
    "faults_cut_request",
    "faults_cut_response",
    "faults_stall",
    "faults_restart",
    "faults_kill",
    "faults_client_kill",
    "faults_clock_skew",
)


def cast_of(people: DemoPeople, session: Session) -> dict[str, DemoUser]:
    """A manager (not HR) whose report, a member of staff, has a supervision shared with
    them; that report; and HR."""
    shared = set(
        session.scalars(
            select(Record.subject_id).where(
                Record.kind == RecordKind.SUPERVISION, Record.status == "shared"
            )
        )
    )
    managers = {u.employee_id for u in people.managers}
    employee = next(
        e for e in people.employees if e.employee_id in shared and e.manager_id in managers
    )
    manager = people.manager_of(employee.employee_id)
    return {MANAGER_A: manager, MANAGER_B: manager, EMPLOYEE: employee, HR: people.hr[0]}


class Rig:
    """What outlives an example: the database template, the server process, the proxy,
    the figures."""

    def __init__(self, template: ServerTemplate, workdir: Path) -> None:
        self.template, self.workdir = template, workdir
        self.workspace = Workspace(template, workdir / "databases")
        (workdir / "databases").mkdir(exist_ok=True)
        self.server = ServerProcess(workdir)
        self.proxy = FaultProxy(self.server.port)
        self.catalogue = Catalogue.load()
        self.blank = BlankStore(workdir)
        self.policy = load_policy()
        self.figures: Counter[str] = Counter({k: 0 for k in FIGURES})
        self.tally = Tally()
        self.seen: Counter[str] = Counter()  # what the rules managed to do
        self.examples = itertools.count()
        self.cast: dict[str, DemoUser] = {}

    def fresh(self) -> str:
        """The server restarted on a new copy of the demo database."""
        self.server.stop()
        self.proxy.drop_connections()
        url = self.workspace.fresh()
        self.server.url = url
        self.restart()
        if not self.cast:
            engine = make_engine(url)
            with Session(engine) as session:
                self.cast = cast_of(DemoPeople.read(session), session)
            engine.dispose()
        return url

    def restart(self, *, kill: bool = False) -> None:
        if kill:
            self.server.kill()
        else:
            self.server.stop()
        self.proxy.drop_connections()
        self.server.start()
        self.proxy.target_port = self.server.port

    def close(self) -> None:
        self.proxy.close()
        self.server.close()
        self.workspace.close()


def machine_for(rig: Rig) -> type[RuleBasedStateMachine]:
    class SyncMachine(_SyncMachine):
        pass

    SyncMachine.rig = rig
    return SyncMachine


index = st.integers(0, 1000)
rarely = st.sampled_from((False, False, True))  # a server restart costs seconds
laptops = st.sampled_from(NAMES)
faults = st.one_of(
    st.none(),
    st.builds(
        Fault,
        kind=st.sampled_from((CUT_REQUEST, CUT_RESPONSE, STALL_REQUEST, STALL_RESPONSE)),
        path=st.sampled_from(ROUTES),
        size=st.integers(1, 20000),
        seconds=st.sampled_from((SLOW, TOO_SLOW)),
        times=st.integers(1, 4),
    ),
)


class _SyncMachine(RuleBasedStateMachine):
    rig: Rig

    def __init__(self) -> None:
        super().__init__()
        rig = self.rig
        self.url = rig.fresh()
        self.cast = rig.cast
        self.engine: Engine = make_engine(self.url)
        self.ledger = Ledger()
        self.checker = Checker(self.engine, server_settings(self.url), self.ledger, rig.tally)
        folder = rig.workdir / f"example-{next(rig.examples)}"
        folder.mkdir()
        self.laptops = {
            name: Laptop(name, user, folder, rig.proxy.url, rig.blank, rig.catalogue, rig.policy)
            for name, user in self.cast.items()
        }
        for laptop in self.laptops.values():  # the first sync, in big pages
            laptop.engine.page_limit = 500
            laptop.sync()
            laptop.engine.page_limit = PAGE
        self.pool = self._first_pool()
        self.tokens = itertools.count()
        rig.figures["examples"] += 1

    def _first_pool(self) -> list[str]:
        """The employee's records still open, and their three latest completed ones."""
        subject = self.cast[EMPLOYEE].employee_id
        with Session(self.engine) as s:
            rows = s.execute(
                select(Record.id, Record.status)
                .where(Record.subject_id == subject, Record.kind != RecordKind.CAPABILITY)
                .order_by(Record.record_date.desc(), Record.id)
            ).all()
        open_ = [r.id for r in rows if r.status != "completed"]
        return open_ + [r.id for r in rows if r.status == "completed"][:3]

    # -- helpers ---------------------------------------------------------------------

    def token(self, who: str) -> str:
        return f"tok-{who}-{next(self.tokens)}"

    def held(self, laptop: Laptop) -> list[str]:
        return [r for r in self.pool if laptop.holds(r)]

    def step(self) -> None:
        self.rig.figures["steps"] += 1

    def run_sync(self, laptop: Laptop) -> bool:
        """One sync; True when it succeeded. Network failures are the faults' doing."""
        try:
            laptop.sync()
            return True
        except NetworkError:
            return False
        finally:
            self.rig.proxy.disarm()
            self.rig.proxy.settle()

    def after_sync(self, laptop: Laptop) -> None:
        self.checker.nothing_lost(laptop)
        self.checker.same_as_server(laptop, deep=False)

    # -- what people do ----------------------------------------------------------------

    @rule(who=laptops, pick=index, count=st.integers(1, 2))
    def edit(self, who: str, pick: int, count: int) -> None:
        self.step()
        laptop = self.laptops[who]
        open_ = [r for r in self.held(laptop) if laptop.text_fields(r)]
        if open_:
            self.type_into(laptop, open_[pick % len(open_)], pick, count)

    def type_into(self, laptop: Laptop, record_id: str, pick: int, count: int) -> None:
        fields = laptop.text_fields(record_id)
        if not fields:
            return
        chosen = {fields[(pick + i) % len(fields)]: self.token(laptop.name) for i in range(count)}
        for key in laptop.edit(record_id, chosen):
            self.ledger.add(laptop.name, record_id, ANSWER, key, chosen[key])
            self.rig.seen["edit"] += 1

    @rule(pick=index, which=index)
    def same_answer_on_both_laptops(self, pick: int, which: int) -> None:
        self.step()
        a, b = self.laptops[MANAGER_A], self.laptops[MANAGER_B]
        both = [r for r in self.held(a) if b.holds(r) and a.text_fields(r)]
        if not both:
            return
        record_id = both[pick % len(both)]
        fields = sorted(set(a.text_fields(record_id)) & set(b.text_fields(record_id)))
        if not fields:
            return
        key = fields[which % len(fields)]
        for laptop in (a, b):
            value = self.token(laptop.name)
            if key in laptop.edit(record_id, {key: value}):
                self.ledger.add(laptop.name, record_id, ANSWER, key, value)

    @rule(who=st.sampled_from((MANAGER_A, MANAGER_B, HR)), edit=st.booleans())
    def start_record(self, who: str, edit: bool) -> None:
        """A new supervision about the employee (typed into at once, or not)."""
        self.step()
        record_id = self.laptops[who].start(self.cast[EMPLOYEE].employee_id)
        if record_id is not None:
            self.ledger.add(who, record_id, CREATE)
            self.rig.seen["start"] += 1
            self.pool.append(record_id)
            if edit:
                self.type_into(self.laptops[who], record_id, 0, 2)

    @rule(who=st.sampled_from((MANAGER_A, MANAGER_B, HR)), pick=index)
    def delete_draft(self, who: str, pick: int) -> None:
        self.step()
        laptop = self.laptops[who]
        drafts = [r for r in self.held(laptop) if laptop.may_delete(r)]
        record_id = drafts[pick % len(drafts)] if drafts else None
        if record_id is not None and laptop.delete(record_id):
            # its unsent changes go with it: the server keeps the record as it was, deleted
            self.ledger.drop(who, record_id, (ANSWER, STATUS))
            self.ledger.add(who, record_id, DELETE)
            self.rig.seen["delete"] += 1

    @rule(who=laptops, pick=index, which=index)
    def take_step(self, who: str, pick: int, which: int) -> None:
        self.step()
        laptop = self.laptops[who]
        movable = [r for r in self.held(laptop) if laptop.steps(r)]
        if not movable:
            return
        record_id = movable[pick % len(movable)]
        steps = laptop.steps(record_id)
        done = laptop.take(record_id, steps[which % len(steps)], self.token(who))
        if done is not None:
            status, filled = done
            for key, value in filled.items():
                self.ledger.add(who, record_id, ANSWER, key, value)
            self.ledger.add(who, record_id, STATUS, value=status)
            self.rig.seen[f"step:{status}"] += 1

    @rule(who=st.sampled_from((EMPLOYEE, EMPLOYEE, MANAGER_A, MANAGER_B)), pick=index)
    def sign_off(self, who: str, pick: int) -> None:
        self.step()
        laptop = self.laptops[who]
        candidates = [r for r in self.held(laptop) if laptop.signable(r)]
        if not candidates:
            return
        record_id = candidates[pick % len(candidates)]
        done = laptop.sign(record_id, self.token(who))
        if done is not None:
            signed, filled = done
            for key, value in filled.items():
                self.ledger.add(who, record_id, ANSWER, key, value)
            self.ledger.add(who, record_id, SIGN, value=signed)
            self.rig.seen[f"sign:{who}"] += 1

    @rule(who=laptops, choice=st.sampled_from(("mine", "theirs", "restore")), pick=index)
    def settle_conflict(self, who: str, choice: str, pick: int) -> None:
        self.step()
        laptop = self.laptops[who]
        open_ = laptop.conflicts()
        if open_:
            self.settle(laptop, open_[pick % len(open_)], choice)

    def settle(self, laptop: Laptop, record_id: str, choice: str) -> None:
        done = laptop.settle(record_id, choice)
        self.rig.seen[f"settle:{done}"] += 1
        if done == "theirs":
            self.ledger.drop(laptop.name, record_id, KINDS)
        elif done == "mine":
            self.ledger.drop(laptop.name, record_id, (STATUS, SIGN, DELETE, RESTORE))
        elif done == "restore":
            self.ledger.drop(laptop.name, record_id, (SIGN, DELETE))
            self.ledger.add(laptop.name, record_id, RESTORE)

    # -- syncing, and the world going wrong ---------------------------------------------

    @rule(job=st.tuples(laptops, faults))
    def sync(self, job: tuple[str, Fault | None]) -> None:
        """A sync, perhaps through a fault (the rule with fewest arguments: hypothesis
        chooses it most often)."""
        self.step()
        who, fault = job
        laptop = self.laptops[who]
        proxy = self.rig.proxy
        before = Counter(proxy.fired)
        if fault is not None:
            if fault.path == "/auth/refresh":
                laptop.connection._access = "expired"  # the access token ran out
            proxy.arm(fault)
        ok = self.run_sync(laptop)
        self.rig.seen[f"sync:{ok}"] += 1
        fired = proxy.fired - before
        figures = self.rig.figures
        figures["faults_cut_request"] += fired[CUT_REQUEST]
        figures["faults_cut_response"] += fired[CUT_RESPONSE]
        figures["faults_stall"] += fired[STALL_REQUEST] + fired[STALL_RESPONSE]
        if ok:
            self.after_sync(laptop)

    @rule(who=laptops, days=st.integers(-5, 5))
    def skew_clock(self, who: str, days: int) -> None:
        self.step()
        self.laptops[who].skew = timedelta(days=days, minutes=7 * days)
        self.rig.figures["faults_clock_skew"] += 1 if days else 0

    @rule(kill=st.booleans(), go=rarely)
    def restart_server(self, kill: bool, go: bool) -> None:
        self.step()
        if not go:
            return
        self.rig.restart(kill=kill)
        self.rig.figures["faults_restart"] += 1

    @rule(who=laptops, pick=index, ms=index, go=rarely)
    def kill_server_mid_push(self, who: str, pick: int, ms: int, go: bool) -> None:
        """The server is killed (SIGKILL) a few ms after a push has reached it."""
        self.step()
        if not go:
            return
        laptop = self.laptops[who]
        open_ = [r for r in self.held(laptop) if laptop.text_fields(r)]
        if not laptop.unsent() and open_:
            self.type_into(laptop, open_[pick % len(open_)], pick, 1)
        server = self.rig.server
        before = self.rig.proxy.fired[KILL]
        fault = Fault(KILL, "/sync/push", seconds=(ms % 40) / 1000, on_fire=server.kill)
        self.rig.proxy.arm(fault)
        ok = self.run_sync(laptop)
        if self.rig.proxy.fired[KILL] > before:
            self.rig.figures["faults_kill"] += 1
            assert not ok
        if not server.running:
            self.rig.restart()
        elif ok:
            self.after_sync(laptop)

    @rule(
        who=laptops,
        point=st.sampled_from((None, SEND_PUSH, PUSH_ANSWERED, PULL_PAGE, REFRESH_ANSWERED)),
    )
    def kill_laptop(self, who: str, point: str | None) -> None:
        """The laptop's process dies (after its last local commit, or inside a sync) and
        the app is opened again from disk."""
        self.step()
        laptop = self.laptops[who]
        if point is not None:
            laptop.connection.crash_at = point
            if point == REFRESH_ANSWERED:
                laptop.connection._access = "expired"
            try:
                laptop.sync()
            except (Crash, NetworkError):
                pass
            finally:
                self.rig.proxy.settle()
        laptop.reopen()
        self.rig.figures["faults_client_kill"] += 1

    # -- checks ------------------------------------------------------------------------

    @invariant()
    def cursors_only_go_forward(self) -> None:
        for laptop in self.laptops.values():
            self.checker.cursor(laptop)

    @invariant()
    def the_server_holds_each_change_once_and_signatures_intact(self) -> None:
        self.checker.server()

    def teardown(self) -> None:
        try:
            if hasattr(self, "laptops"):
                self.everyone_syncs_cleanly()
        finally:
            for laptop in getattr(self, "laptops", {}).values():
                laptop.close()
            if hasattr(self, "engine"):
                self.engine.dispose()

    def everyone_syncs_cleanly(self) -> None:
        """No faults now: everyone syncs, keeps their own version of each conflict once,
        then takes the server's; at the end every check runs over everything."""
        rig = self.rig
        rig.proxy.disarm()
        if not rig.server.running:
            rig.restart()
        for round_ in range(4):
            for laptop in self.laptops.values():
                self.sync_surely(laptop)
            open_ = {name: laptop.conflicts() for name, laptop in self.laptops.items()}
            if not any(open_.values()):
                break
            choice = "mine" if round_ == 0 else "theirs"
            for name, record_ids in open_.items():
                for record_id in record_ids:
                    self.settle(self.laptops[name], record_id, choice)
        for laptop in self.laptops.values():
            self.sync_surely(laptop)
        for laptop in self.laptops.values():
            self.checker.cursor(laptop)
            self.checker.nothing_lost(laptop)
            self.checker.settled(laptop)
            self.checker.same_as_server(laptop, deep=True)
        self.checker.server()

    def sync_surely(self, laptop: Laptop) -> None:
        """A sync with no faults (a busy machine may time out now and then: again)."""
        for _attempt in range(5):
            if self.run_sync(laptop):
                return
        raise AssertionError(f"{laptop.name} could not sync without faults")


def figures_of(rig: Rig) -> dict[str, Any]:
    return {k: rig.figures[k] for k in FIGURES}
