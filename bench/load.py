"""Load benchmark: simulated managers pulling, editing and pushing against a real server.

    bench/load.py [--clients 50] [--minutes 1] [--db sqlite|postgresql] [--workers 1]

1. The demo organisation (--size, default 6,087 people, 677 managers) is built once into
   a template (SQLite: bench/out/load-template-SIZE.db; PostgreSQL: the database
   lcc_apr_load_tmpl_SIZE) with cheap argon2, and copied for each run.
2. `lcc-apr-server serve --workers W` serves the copy on 127.0.0.1 in its own process.
3. Each client is a manager (the managers outside HR with a team, reused in turn when
   there are more clients than managers), speaking the protocol with httpx: it signs in,
   pulls its team in full (setup, not measured), then, its start spread over a few
   unmeasured seconds (clients / 20, at most 10), for --minutes loops: an incremental
   pull, 1-3 edits (a new draft supervision for someone in the team while it holds fewer
   than DRAFTS, else new answers in one of its drafts), one push. A busy answer (429, or
   503 with Retry-After) is waited as the laptop does (Retry-After times 1 to 1.5, at most
   30 s, up to 120 s in all, then "busy_gave_up") and counted, not taken for an error.
4. Figures: changes applied per second, p50/p99 of each route's served requests (and
   with busy waits included), answers by status, conflicts, the server's RSS (all its
   processes, from /proc) at the end of its first and last window (a minute, or a quarter
   of a shorter run), the CPU used by the server and by this process.

Writes bench/results/load-DB-Ww-Cc.json (flat keys). The server and the clients share the
machine's cores: the clients' CPU is reported so the figures can be read with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lcc_apr.models import Employee, Role, User, UserRole  # noqa: E402
from lcc_apr.server.db import is_current, make_engine, prepare_database  # noqa: E402
from lcc_apr.server.demo import load_server_demo  # noqa: E402
from lcc_apr.server.security import Passwords  # noqa: E402
from lcc_apr.server.settings import ServerSettings  # noqa: E402
from lcc_apr.sync.protocol import PROTOCOL, PROTOCOL_HEADER  # noqa: E402

CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8 * 1024, "argon2_parallelism": 1}
SECRET = "load-bench-secret-" + "x" * 40
AS_OF = date(2026, 11, 30)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results"
DRAFTS = 5  # drafts a client keeps editing once it has made them
BUSY_PATIENCE = 120.0  # seconds of busy waits for one request, then "busy, try later"
BUSY_WAIT_MOST = 30.0  # (as the laptop: lcc_apr.sync.engine)
WORDS = "workload steady caseload reviewed training booked wellbeing discussed actions agreed"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


# -- the database ----------------------------------------------------------------------


def build_demo(url: str, size: int) -> None:
    engine = make_engine(url)
    prepare_database(engine)
    settings = ServerSettings(database_url=url, secret_key=SECRET, **CHEAP_ARGON2)
    load_server_demo(engine, Passwords(settings), size=size, seed=2020, as_of=AS_OF)
    if engine.dialect.name == "sqlite":
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _current(url: str) -> bool:
    engine = make_engine(url)
    try:
        return is_current(engine)
    finally:
        engine.dispose()


def sqlite_database(size: int, folder: Path) -> str:
    template = OUT / f"load-template-{size}.db"
    if not template.exists() or not _current(f"sqlite:///{template}"):
        OUT.mkdir(parents=True, exist_ok=True)
        template.unlink(missing_ok=True)
        print(f"building the demo template ({size} people) in {template} ...", flush=True)
        build_demo(f"sqlite:///{template}", size)
    shutil.copy(template, folder / "server.db")
    os.sync()  # else the first checkpoint's fsync writes the whole copy, mid-run
    return f"sqlite:///{folder / 'server.db'}"


def pg_database(size: int, pg_url: str) -> tuple[str, Any]:
    """A fresh copy of the template database: (url, drop)."""
    admin = create_engine(
        make_url(pg_url).set(database="postgres", query={}), isolation_level="AUTOCOMMIT"
    )
    template, run = f"lcc_apr_load_tmpl_{size}", f"lcc_apr_load_run_{os.getpid()}"

    def url_of(name: str) -> str:
        return make_url(pg_url).set(database=name, query={}).render_as_string(False)

    with admin.connect() as c:
        there = c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": template})
    if not there or not _current(url_of(template)):
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {template}"))
            c.execute(text(f"CREATE DATABASE {template}"))
        print(f"building the demo template ({size} people) in {template} ...", flush=True)
        build_demo(url_of(template), size)
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {run}"))
        c.execute(text(f"CREATE DATABASE {run} TEMPLATE {template}"))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {run} WITH (FORCE)"))
        admin.dispose()

    return url_of(run), drop


def managers_with_teams(url: str) -> list[tuple[str, list[int]]]:
    """(username, direct reports' employee ids) of every manager outside HR with a team."""
    engine = create_engine(url)
    with engine.connect() as c:
        hr = set(c.scalars(select(UserRole.user_id).where(UserRole.role == Role.HR)))
        managers = c.execute(
            select(User.id, User.username, User.employee_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.MANAGER)
            .order_by(User.id)
        ).all()
        teams: dict[int, list[int]] = defaultdict(list)
        for emp, boss in c.execute(
            select(Employee.id, Employee.line_manager_id).where(Employee.leaving_date.is_(None))
        ):
            if boss is not None:
                teams[boss].append(emp)
    engine.dispose()
    return [
        (m.username, teams[m.employee_id])
        for m in managers
        if m.id not in hr and teams[m.employee_id]
    ]


# -- the server ------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        todo += children
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / tick


def start_server(url: str, folder: Path, workers: int, extra: dict[str, str]):
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LCC_APR_HOME": str(folder),
        "LCC_APR_SERVER_DATABASE_URL": url,
        "LCC_APR_SERVER_SECRET_KEY": SECRET,
        "LCC_APR_SERVER_LOG_LEVEL": "warning",
        "LCC_APR_SERVER_ALLOW_ROOT": str(os.geteuid() == 0),  # a bench machine as root
        "LCC_APR_SERVER_ACCESS_TOKEN_MINUTES": "240",
        **{f"LCC_APR_SERVER_{k.upper()}": str(v) for k, v in CHEAP_ARGON2.items()},
        **extra,
    }
    log = (folder / "server.log").open("wb")
    command = [sys.executable, "-m", "lcc_apr.server", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit((folder / "server.log").read_text()[-3000:])
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    time.sleep(1 if workers == 1 else 3)  # every worker up
    return process, base


# -- the clients -----------------------------------------------------------------------


@dataclass
class Stats:
    served: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    whole: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    slow: Counter[int] = field(default_factory=Counter)  # served over 1 s, by 5 s of the run
    measuring: bool = False
    started: float = 0.0


class Manager:
    def __init__(self, http: httpx.AsyncClient, username: str, team: list[int], stats: Stats):
        self.http, self.username, self.team, self.stats = http, username, team, stats
        self.headers: dict[str, str] = {}
        self.cursor, self.epoch = 0, None
        self.drafts: dict[str, dict[str, Any]] = {}  # id -> the wire this client holds

    async def call(self, route: str, method: str, path: str, **kw: Any) -> httpx.Response | None:
        """The answer (None after a failure or too many busy answers); every try counted."""
        began, broken = time.perf_counter(), 0
        waited = 0.0
        while True:
            started = time.perf_counter()
            try:
                reply = await self.http.request(method, path, headers=self.headers, **kw)
            except httpx.TransportError as err:  # the laptop tries again too (3 tries)
                broken += 1
                self._count(f"{route} {type(err).__name__}", error=broken == 3)
                if broken == 3:
                    return None
                await asyncio.sleep(0.5 * broken)
                continue
            took = time.perf_counter() - started
            wait = reply.headers.get("retry-after")
            if reply.status_code in (429, 503) and wait is not None and wait.isdigit():
                self._count(str(reply.status_code))
                pause = min(BUSY_WAIT_MOST, max(1, int(wait)) * random.uniform(1, 1.5))
                if waited + pause > BUSY_PATIENCE:
                    self._count("busy_gave_up")  # the laptop says "server busy, try later"
                    return None
                waited += pause
                await asyncio.sleep(pause)
                continue
            self._count(str(reply.status_code), error=reply.status_code >= 400)
            if self.stats.measuring or route in ("login", "first_pull"):
                self.stats.served[route].append(took)
                if took > 1 and self.stats.measuring:
                    self.stats.slow[int((time.monotonic() - self.stats.started) // 5) * 5] += 1
                self.stats.whole[route].append(time.perf_counter() - began)
            return reply

    def _count(self, what: str, *, error: bool = False) -> None:
        if self.stats.measuring:
            self.stats.statuses[what] += 1
            if error:
                self.stats.errors[what] += 1

    async def login(self) -> bool:
        body = {"username": self.username, "password": "demo", "device": "load bench"}
        reply = await self.call("login", "POST", "/auth/login", json=body)
        if reply is None or reply.status_code != 200:
            return False
        self.headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        return True

    async def pull(self, route: str) -> None:
        more = True
        while more:
            params: dict[str, Any] = {"cursor": self.cursor, "limit": 500}
            if self.epoch:
                params["epoch"] = self.epoch
            reply = await self.call(route, "GET", "/sync/pull", params=params)
            if reply is None or reply.status_code != 200:
                return
            page = reply.json()
            for item in page["items"]:
                record = item.get("record")
                if record is not None and record["id"] in self.drafts:
                    self.drafts[record["id"]] = record
            self.cursor, self.epoch, more = page["cursor"], page["epoch"], page["more"]

    def edit(self) -> list[dict[str, Any]]:
        now = datetime.now(UTC).isoformat()
        wires = []
        for _ in range(random.randint(1, 3)):
            if len(self.drafts) < DRAFTS:
                wire = {
                    "id": str(uuid.uuid4()),
                    "kind": "supervision",
                    "subject_id": random.choice(self.team),
                    "template_id": "supervision",
                    "template_version": 1,
                    "answers": {},
                    "status": "draft",
                    "created_at": now,
                    "updated_at": now,
                    "server_rev": None,
                }
                self.drafts[wire["id"]] = wire
            else:
                wire = self.drafts[random.choice(sorted(self.drafts))]
            if any(w["id"] == wire["id"] for w in wires):
                continue
            words = WORDS.split()
            wire["answers"] = {
                **wire["answers"],
                "workload": " ".join(random.choices(words, k=random.randint(20, 60))),
                "agreement_notes": " ".join(random.choices(words, k=random.randint(5, 30))),
            }
            wire["updated_at"] = now
            wires.append({**wire, "base_rev": wire.get("server_rev")})
        return wires

    async def push(self, wires: list[dict[str, Any]]) -> None:
        body = {"key": str(uuid.uuid4()), "records": wires}
        reply = await self.call("push", "POST", "/sync/push", json=body)
        if reply is None or reply.status_code != 200:
            return
        for item in reply.json()["results"]:
            held = self.drafts.get(item["id"])
            if self.stats.measuring:
                self.stats.outcomes[item["outcome"]] += 1
            if item["outcome"] == "applied" and held is not None:
                held["server_rev"] = item["server_rev"]
            elif item["outcome"] == "conflict" and item.get("record"):
                self.drafts[item["id"]] = item["record"]  # take the server's, edit again later
            elif item["outcome"] == "refused":
                self.stats.refusals[item.get("reason") or "?"] += 1
                self.drafts.pop(item["id"], None)

    async def run(self, ramp: float, until: float, think: float) -> None:
        await asyncio.sleep(random.uniform(0, ramp))  # laptops do not start in step
        while time.monotonic() < until:
            await self.pull("pull")
            await self.push(self.edit())
            if think:
                await asyncio.sleep(random.uniform(0, 2 * think))


async def watch(pid: int, samples: list[tuple[float, float]], lags: list[float], stop):
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(1)
        lags.append(time.perf_counter() - started - 1)
        samples.append((time.monotonic(), rss_mb(descendants(pid))))


async def drive(base: str, people: list[tuple[str, list[int]]], args, pid: int) -> dict:
    stats = Stats()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    headers = {PROTOCOL_HEADER: str(PROTOCOL)}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=120, limits=limits
    ) as http:
        clients = [Manager(http, *people[i % len(people)], stats) for i in range(args.clients)]

        async def setup(client: Manager) -> None:
            await asyncio.sleep(random.uniform(0, min(10, args.clients / 50)))
            if await client.login():
                await client.pull("first_pull")

        print(f"signing in {args.clients} clients and pulling their teams ...", flush=True)
        began = time.monotonic()
        await asyncio.gather(*(setup(c) for c in clients))
        setup_s = time.monotonic() - began
        ready = [c for c in clients if c.headers]
        samples: list[tuple[float, float]] = []
        lags: list[float] = []
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(pid, samples, lags, stop))
        pids = descendants(pid)
        server_cpu, own_cpu = cpu_seconds(pids), sum(os.times()[:2])
        print(
            f"{len(ready)} ready after {setup_s:.0f} s; loading for {args.minutes} min ...",
            flush=True,
        )
        ramp = min(10, args.clients / 20)  # the loops start spread over this, unmeasured
        until = time.monotonic() + ramp + args.minutes * 60
        running = asyncio.gather(*(c.run(ramp, until, args.think) for c in ready))
        await asyncio.sleep(ramp)
        stats.measuring = True
        started = stats.started = time.monotonic()
        await asyncio.sleep(until - started)  # what ends after this is not counted
        stats.measuring = False
        seconds = time.monotonic() - started
        server_cpu = cpu_seconds(pids) - server_cpu
        own_cpu = sum(os.times()[:2]) - own_cpu
        stop.set()
        await running
        await watcher
    window = min(60.0, seconds / 4)
    first = [r for t, r in samples if t <= started + window] or [samples[0][1]]
    end = started + seconds
    last = [r for t, r in samples if end - window <= t <= end] or [samples[-1][1]]
    applied = stats.outcomes["applied"]
    busy = {k: v for k, v in stats.statuses.items() if k in ("429", "503")}
    fivexx = sum(v for k, v in stats.errors.items() if k.isdigit() and int(k) >= 500)
    figures = {
        "clients": args.clients,
        "clients_signed_in": len(ready),
        "managers": min(args.clients, len(people)),
        "minutes": args.minutes,
        "seconds": round(seconds, 1),
        "workers": args.workers,
        "db": args.db,
        "demo_size": args.size,
        "think_s": args.think,
        "changes_per_s": round(applied / seconds, 1),
        "pushes_per_s": round(len(stats.served["push"]) / seconds, 1),
        "pulls_per_s": round(len(stats.served["pull"]) / seconds, 1),
        "errors_5xx": fivexx,
        "errors_other": sum(stats.errors.values()) - fivexx,
        "status_429": busy.get("429", 0),
        "status_503": busy.get("503", 0),
        "busy_gave_up": stats.statuses["busy_gave_up"],
        "transport_retried": sum(v for k, v in stats.statuses.items() if "Error" in k),
        "conflicts": stats.outcomes["conflict"],
        "refused": stats.outcomes["refused"],
        "changes_applied": applied,
        "rss_first_mb": round(max(first), 1),
        "rss_last_mb": round(max(last), 1),
        "rss_window_s": round(window),
        "server_cpu_s": round(server_cpu, 1),
        "client_cpu_s": round(own_cpu, 1),
        "client_loop_lag_p99_ms": ms(quantile(lags, 0.99)),
        "setup_s": round(setup_s, 1),
    }
    figures["rss_growth_pct"] = round(
        100 * (figures["rss_last_mb"] / figures["rss_first_mb"] - 1), 1
    )
    for route in ("push", "pull", "first_pull", "login"):
        figures[f"{route}_p50_ms"] = ms(quantile(stats.served[route], 0.5))
        figures[f"{route}_p99_ms"] = ms(quantile(stats.served[route], 0.99))
        figures[f"{route}_with_waits_p99_ms"] = ms(quantile(stats.whole[route], 0.99))
    figures["slow_over_1s_by_5s"] = ", ".join(f"{k}s: {v}" for k, v in sorted(stats.slow.items()))
    figures["statuses"] = ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses.items()))
    figures["error_kinds"] = ", ".join(f"{k}: {v}" for k, v in sorted(stats.errors.items()))
    figures["refusal_reasons"] = "; ".join(f"{k} ({v})" for k, v in stats.refusals.most_common(3))
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="simulated managers (up to 500)")
    ap.add_argument("--minutes", type=float, default=1)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--size", type=int, default=6087, help="demo organisation size")
    ap.add_argument("--think", type=float, default=0, help="mean seconds between loops")
    ap.add_argument("--pg-url", default=os.environ.get("LCC_APR_TEST_PG_URL", PG_DEFAULT))
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        help="a server setting for this run, e.g. max_in_flight=30",
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    extra = {f"LCC_APR_SERVER_{k.upper()}": v for k, v in (s.split("=", 1) for s in args.set)}
    folder = Path(tempfile.mkdtemp(prefix="lcc-apr-load-"))
    drop = None
    try:
        if args.db == "sqlite":
            url = sqlite_database(args.size, folder)
        else:
            url, drop = pg_database(args.size, args.pg_url)
        people = managers_with_teams(url)
        process, base = start_server(url, folder, args.workers, extra)
        try:
            figures = asyncio.run(drive(base, people, args, process.pid))
        finally:
            process.terminate()
            process.wait(timeout=60)
        log = (folder / "server.log").read_text(errors="replace")
        figures["server_log_unhandled"] = log.count("unhandled")
        figures["server_log_busy"] = log.count("database busy")
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(folder, ignore_errors=True)
    result = {
        **figures,
        "settings": ", ".join(args.set),
        "date": date.today().isoformat(),
        "mode": f"{os.cpu_count()} cores, server and clients on one machine",
        "command": "bench/load.py " + " ".join(sys.argv[1:]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"load-{args.db}-{args.workers}w-{args.clients}c.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
